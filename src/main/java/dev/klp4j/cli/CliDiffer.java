package dev.klp4j.cli;

import dev.klp4j.build.BuildException;
import dev.klp4j.build.ObjectDiffer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * THE place where {@code klp4j build} meets the differ (issue 3). It runs the {@code klp4j diff}
 * command in this JVM (no new process), exactly as a user would, and reads its one-line-per-function
 * output; the pipeline then reads OUT.o's {@code .klp4j.meta}. When the differ's Java API settles,
 * this class can call {@code dev.klp4j.diff.Differ} directly instead; nothing else needs to change.
 */
public final class CliDiffer implements ObjectDiffer {

    public static boolean available() {
        return Main.newCommandLine().getSubcommands().containsKey("diff");
    }

    @Override
    public Outcome diff(Path orig, Path patched, Path out, String owner) {
        CommandLine cl = Main.newCommandLine();
        if (!cl.getSubcommands().containsKey("diff")) {
            throw new BuildException(BuildException.TOOL, "this klp4j has no differ yet ('klp4j diff', issue 3): cannot diff " + orig.getFileName());
        }
        StringWriter outText = new StringWriter(), errText = new StringWriter();
        cl.setOut(new PrintWriter(outText, true));
        cl.setErr(new PrintWriter(errText, true));
        int status = cl.execute("diff", orig.toString(), patched.toString(), "-o", out.toString(), "--object", owner);
        List<String> changed = new ArrayList<>(), added = new ArrayList<>(), messages = new ArrayList<>();
        for (String l : outText.toString().split("\n")) {
            if (l.startsWith("changed function: ")) changed.add(l.substring(18).strip());
            else if (l.startsWith("new function: ")) added.add(l.substring(14).strip());
            else if (!l.isBlank()) messages.add(l.strip());
        }
        for (String l : errText.toString().split("\n")) {
            String m = l.strip();
            if (m.startsWith("klp4j: ")) m = m.substring("klp4j: ".length());
            if (!m.isEmpty()) messages.add(m);
        }
        return new Outcome(status, changed, added, messages);
    }
}
