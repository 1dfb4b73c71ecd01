package dev.klp4j.cli;

import dev.klp4j.base.Failure;
import dev.klp4j.fleet.AptRepository;
import dev.klp4j.fleet.RepoKey;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "repo", mixinStandardHelpOptions = true,
        description = {"A signed apt repository of live-patch packages whose suites are rollout rings (e.g. canary, stable).",
                "Hosts use it with: deb [signed-by=/etc/apt/keyrings/klp4j.asc] URL RING main (the key is REPO/"
                        + AptRepository.KEY_FILE + ")."},
        subcommands = {RepoCommand.Add.class, RepoCommand.Promote.class, RepoCommand.ListRing.class})
final class RepoCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: add, promote or list");
    }

    /** How the repository is signed: the operator's key, or klp4j's own. */
    static final class Signing {
        @Option(names = "--gpg-key", paramLabel = "ID", description = "Sign with this secret key of gpg's (your keyring, or --gnupg-home);"
                + " without it klp4j signs with a key of its own, made on first use in --gnupg-home.")
        String keyId;
        @Option(names = "--gnupg-home", paramLabel = "DIR", description = "gpg's home for the key (default: your keyring with --gpg-key,"
                + " else ~/.local/share/klp4j/gnupg).")
        Path home;
        @Option(names = "--valid-for", paramLabel = "DAYS", defaultValue = "30", description = "Days apt trusts the signed index"
                + " (Valid-Until; 0: no limit; default: ${DEFAULT-VALUE}): re-sign with 'klp4j repo add REPO' before then.")
        int validDays;

        AptRepository open(Path repo) {
            if (validDays < 0) throw new UserError("--valid-for must be 0 or more days");
            RepoKey key = keyId != null ? RepoKey.operator(home, keyId)
                    : RepoKey.own(home != null ? home : Path.of(System.getProperty("user.home"), ".local/share/klp4j/gnupg"));
            return new AptRepository(repo, key, validDays);
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = {"Add packages to a ring (made if new) and sign the repository again; with no DEB, only sign it again"
                    + " (a fresh Valid-Until)."})
    static final class Add implements Runnable {
        @Parameters(index = "0", paramLabel = "REPO", description = "The repository's directory (made if missing).") Path repo;
        @Parameters(index = "1..*", paramLabel = "DEB", arity = "0..*", description = "Packages to add (klp4j package, make deb).") List<Path> debs = List.of();
        @Option(names = "--ring", paramLabel = "RING", defaultValue = "canary", description = "The ring (suite) to add to (default: ${DEFAULT-VALUE}).") String ring;
        @Mixin Signing signing;
        @Spec CommandSpec spec;

        @Override
        public void run() {
            for (Path d : debs) InputFiles.requireReadable(d, ".deb file");
            InputFiles.requireWritableDir("REPO", repo);
            try {
                AptRepository r = signing.open(repo);
                AptRepository.requireRing(ring);
                if (debs.isEmpty()) {
                    r.publish();
                    spec.commandLine().getOut().println("signed " + repo + " again (" + String.join(", ", r.rings()) + ")");
                    return;
                }
                for (AptRepository.Entry e : r.add(debs, ring)) {
                    spec.commandLine().getOut().println("added " + e.name() + " " + e.version() + " to " + ring);
                }
            } catch (Failure e) {
                throw new UserError(ExitStatus.ofBuild(e.kind()), e.getMessage());
            }
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true,
            description = {"Put a package of one ring into another, the very same file (the newest version unless NAME=VERSION)."})
    static final class Promote implements Runnable {
        @Parameters(index = "0", paramLabel = "REPO") Path repo;
        @Parameters(index = "1", paramLabel = "PACKAGE[=VERSION]", description = "e.g. klp4j-livepatch-6.1.0-55-amd64 or NAME=6.1.192-3.") String pkg;
        @Option(names = "--from", required = true, paramLabel = "RING") String from;
        @Option(names = "--to", required = true, paramLabel = "RING") String to;
        @Mixin Signing signing;
        @Spec CommandSpec spec;

        @Override
        public void run() {
            int eq = pkg.indexOf('=');
            String name = eq < 0 ? pkg : pkg.substring(0, eq);
            String version = eq < 0 ? null : pkg.substring(eq + 1);
            if (!java.nio.file.Files.isDirectory(repo.resolve("pool"))) throw new UserError(repo + ": not a klp4j repository (no pool/): 'klp4j repo add' makes one");
            try {
                AptRepository.Entry e = signing.open(repo).promote(name, version, from, to);
                spec.commandLine().getOut().println("promoted " + e.name() + " " + e.version() + " from " + from + " to " + to);
            } catch (Failure e) {
                throw new UserError(ExitStatus.ofBuild(e.kind()), e.getMessage());
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = {"List each ring's packages."})
    static final class ListRing implements Runnable {
        @Parameters(index = "0", paramLabel = "REPO") Path repo;
        @Option(names = "--ring", paramLabel = "RING", description = "Only this ring.") String ring;
        @Spec CommandSpec spec;

        @Override
        public void run() {
            if (!java.nio.file.Files.isDirectory(repo.resolve("pool"))) throw new UserError(repo + ": not a klp4j repository (no pool/): 'klp4j repo add' makes one");
            try {
                AptRepository r = new AptRepository(repo, null, 0);
                for (String g : ring == null ? r.rings() : List.of(AptRepository.requireRing(ring))) {
                    for (AptRepository.Entry e : r.entries(g)) spec.commandLine().getOut().println(g + "\t" + e.name() + "\t" + e.version());
                }
            } catch (Failure e) {
                throw new UserError(ExitStatus.ofBuild(e.kind()), e.getMessage());
            }
        }
    }
}
