package dev.klp4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code klp4j} command: parses arguments and turns failures into one-line errors and
 * {@link ExitStatus exit statuses}. A {@link UserError} is the user's to fix; any other exception is
 * a bug in klp4j: "internal error, please report it", exit 1, the stack trace with --debug.
 */
@Command(name = "klp4j",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Build, prove and load Linux kernel live patches.")
public final class Main implements Runnable {
    /** Every command, in the order help lists them. */
    static final java.util.List<Class<?>> COMMANDS = java.util.List.of(BuildCommand.class, UpdateCommand.class,
            ReviewCommand.class, DiffCommand.class, VmCommand.class, RuntimeCommands.Load.class, RuntimeCommands.Unload.class,
            RuntimeCommands.ListPatches.class, RuntimeCommands.Info.class, RuntimeCommands.Signal.class,
            RuntimeCommands.Install.class, RuntimeCommands.Uninstall.class, PackageCommand.class, RepoCommand.class,
            HostCommands.Apply.class, HostCommands.Status.class, ElfCommand.class, BenchCommand.class,
            CommandLine.HelpCommand.class, picocli.AutoComplete.GenerateCompletion.class);

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
        pinLinux();
        System.exit(run(args));
    }

    /**
     * The JVM names its platform after uname(2), and starts no process (rmmod, modprobe) on one it
     * does not know. A live patch may change what uname reports (kpatch's own syscall test makes
     * it "kpatch"); klp4j must still unload that patch. It runs on Linux only, so it says so itself,
     * before the first process starts.
     */
    static void pinLinux() {
        if (!"Linux".equals(System.getProperty("os.name")) && java.nio.file.Files.isDirectory(java.nio.file.Path.of("/proc/self"))) {
            System.setProperty("os.name", "Linux");
        }
    }

    /** Runs the command line and returns its exit status; used by tests to run in-process. */
    public static int run(String... args) {
        return newCommandLine(named(args)).execute(args);
    }

    /** The command line with every command. */
    public static CommandLine newCommandLine() {
        return newCommandLine(COMMANDS);
    }

    /**
     * The command {@code args} name, alone, when they name one: picocli's model of every command is
     * most of a short command's start-up where the JVM runs slowly (klp4j load and unload run in a
     * TCG guest to prove a patch, and at a host's boot). Help, completion and a misspelled command
     * get every command.
     */
    static java.util.List<Class<?>> named(String... args) {
        String first = java.util.Arrays.stream(args).filter(a -> !a.startsWith("-")).findFirst().orElse("");
        if (first.equals("help") || first.equals("generate-completion")) return COMMANDS;
        return COMMANDS.stream().filter(c -> c.getAnnotation(Command.class).name().equals(first))
                .map(c -> java.util.List.<Class<?>>of(c)).findFirst().orElse(COMMANDS);
    }

    static CommandLine newCommandLine(java.util.List<Class<?>> commands) {
        CommandLine cl = new CommandLine(new Main());
        for (Class<?> c : commands) cl.addSubcommand(c);
        // `klp4j generate-completion` prints the bash/zsh completion script (installed by make install), unlisted.
        CommandLine completion = cl.getSubcommands().get("generate-completion");
        if (completion != null) completion.getCommandSpec().usageMessage().hidden(true);
        // Every command lists -V in its help: each prints klp4j's version, not an empty line.
        withVersion(cl);
        cl.setParameterExceptionHandler(Main::onUsageError);
        cl.setExecutionExceptionHandler(Main::onFailure);
        return cl;
    }

    private static void withVersion(CommandLine cl) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            sub.getCommandSpec().versionProvider(new VersionProvider());
            withVersion(sub);
        }
    }

    private static int onUsageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        // picocli's own "Did you mean" is printed on lines of its own: here it joins the one line.
        String meant = "";
        if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            meant = "; did you mean " + String.join(" or ", u.getSuggestions().stream().limit(3).map(x -> "'" + x + "'").toList()) + "?";
        }
        cl.getErr().println("klp4j: " + e.getMessage() + meant + " (see '" + cl.getCommandSpec().qualifiedName() + " --help')");
        return ExitStatus.INPUT;
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
        return ExitStatus.INTERNAL;
    }

    private static boolean debugRequested(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--debug")) return true;
        }
        return false;
    }
}
