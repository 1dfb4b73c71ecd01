package dev.klp4j.testing;

import dev.klp4j.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** One klp4j command run in this JVM, as a user would type it, with what it printed. */
public record CliRun(int exit, String out, String err) {

    public static CliRun of(String... args) {
        return on(Main.newCommandLine(), args);
    }

    /** As {@link #of}, on a command line a test has changed (a subcommand added, say). */
    public static CliRun on(CommandLine cl, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new CliRun(exit, out.toString(), err.toString());
    }
}
