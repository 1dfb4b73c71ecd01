package dev.klp4j.cli;

import picocli.CommandLine;

/** Reads the version Maven stamps into the jar manifest. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        return new String[] {"klp4j " + (v == null ? "(development build)" : v)};
    }
}
