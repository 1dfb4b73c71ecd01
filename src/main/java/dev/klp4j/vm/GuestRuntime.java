package dev.klp4j.vm;

/**
 * Which runtime loads and unloads the patches inside the guest: klp4j's own Java runtime (the code
 * a host runs, chrooted into the host's root) or its busybox twin. The twin starts in milliseconds
 * where a JVM under TCG takes about ten seconds per command, so it suits proving many modules; the
 * Java runtime proves the host-side code as well.
 */
public enum GuestRuntime {
    JAVA,
    SHELL
}
