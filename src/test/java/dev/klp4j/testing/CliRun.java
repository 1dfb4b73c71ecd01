package dev.klp4j.testing;

import dev.klp4j.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import picocli.CommandLine;

/**
 * One klp4j command run in this JVM, as a user would type it, with what it printed. A run with
 * {@code --json} that printed a document has it checked against the command's schema
 * ({@link JsonContract}): every test of a command's JSON is a test of the contract too.
 */
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
        CliRun run = new CliRun(exit, out.toString(), err.toString());
        if (Arrays.asList(args).contains("--json") && !run.out.isBlank() && cl.getParseResult() != null) {
            JsonContract.check(schemaOf(cl.getParseResult()), run.out);
        }
        return run;
    }

    /** The schema of the command run: its path below klp4j, e.g. {@code elf-show}, {@code list}. */
    static String schemaOf(CommandLine.ParseResult r) {
        CommandLine.ParseResult p = r;
        while (p.hasSubcommand()) p = p.subcommand();
        String qualified = p.commandSpec().qualifiedName(" ");
        return qualified.substring(qualified.indexOf(' ') + 1).replace(' ', '-');
    }
}
