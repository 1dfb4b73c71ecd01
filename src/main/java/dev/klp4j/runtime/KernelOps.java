package dev.klp4j.runtime;

import dev.klp4j.base.Failure;

import java.nio.file.Path;

/**
 * The actions that change a kernel: loading and removing modules and writing sysfs attributes.
 * {@link LinuxKernelOps} does them for real; tests drive a fake that edits a sysfs tree in a
 * temp dir. Reads go straight to the (possibly fake) tree through {@link SysRoot}.
 */
public interface KernelOps {
    /** insmod; throws {@link dev.klp4j.base.Failure} with the kernel's reason on failure. */
    void insmod(Path module);

    /** rmmod; throws {@link dev.klp4j.base.Failure} on failure. */
    void rmmod(String name);

    /** Writes {@code value} to a sysfs attribute; throws {@link dev.klp4j.base.Failure} on failure. */
    void write(Path attribute, String value);

    /** Milliseconds of a monotonic clock. */
    long millis();

    /** Sleeps between two polls (a fake advances its clock and its simulated kernel instead). */
    void sleep(long millis);
}
