package dev.klp4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code klp4j} command: parses arguments and maps failures to exit codes and one-line errors. */
@Command(name = "klp4j",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Build, prove and load Linux kernel live patches.",
        subcommands = {BuildCommand.class, DiffCommand.class, VmCommand.class,
                RuntimeCommands.Load.class, RuntimeCommands.Unload.class, RuntimeCommands.ListPatches.class,
                RuntimeCommands.Info.class, RuntimeCommands.Signal.class, RuntimeCommands.Install.class,
                RuntimeCommands.Uninstall.class, ElfCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** Exit status: success. */
    public static final int OK = 0;
    /** Exit status: an internal error (a bug in klp4j). */
    public static final int INTERNAL = 1;
    /** Exit status: bad usage or bad input. */
    public static final int INPUT = 2;
    /** Exit status: the input was fine but the operation failed (a VM phase, a stalled transition). */
    public static final int FAILED = 3;

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces for errors.")
    boolean debug;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit status; used by tests to run in-process. */
    public static int run(String... args) {
        return newCommandLine().execute(args);
    }

    public static CommandLine newCommandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler(Main::onUsageError);
        cl.setExecutionExceptionHandler(Main::onFailure);
        return cl;
    }

    private static int onUsageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        cl.getErr().println("klp4j: " + e.getMessage() + " (see '" + cl.getCommandSpec().qualifiedName() + " --help')");
        return INPUT;
    }

    private static int onFailure(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        boolean debug = parsed.matchedOptionValue("--debug", false) || debugRequested(parsed);
        if (e instanceof UserError u) {
            cl.getErr().println("klp4j: " + u.getMessage());
            if (debug) e.printStackTrace(cl.getErr());
            return u.exitCode();
        }
        cl.getErr().println("klp4j: internal error: " + e + ", please report it" + (debug ? "" : " (run with --debug for the stack trace)"));
        if (debug) e.printStackTrace(cl.getErr());
        return INTERNAL;
    }

    private static boolean debugRequested(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--debug")) return true;
        }
        return false;
    }
}
