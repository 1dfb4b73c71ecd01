package dev.klp4j.vm;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * Writes a cpio archive in the "newc" format the kernel unpacks as an initramfs
 * (Documentation/driver-api/early-userspace/buffer-format.rst). Pure Java, so device nodes
 * need no root; parent directories are added on demand.
 */
public final class CpioWriter implements Closeable {
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;
    private static final int S_IFCHR = 0020000;

    private final OutputStream out;
    private final Set<String> dirs = new HashSet<>();
    private long written;
    private int ino = 1;

    public CpioWriter(OutputStream out) {
        this.out = out;
    }

    public void directory(String path) throws IOException {
        path = clean(path);
        if (path.isEmpty() || dirs.contains(path)) return;
        parents(path);
        dirs.add(path);
        entry(path, S_IFDIR | 0755, 0, 0, new byte[0]);
    }

    public void file(String path, byte[] data, int perm) throws IOException {
        path = clean(path);
        parents(path);
        entry(path, S_IFREG | (perm & 07777), 0, 0, data);
    }

    public void symlink(String path, String target) throws IOException {
        path = clean(path);
        parents(path);
        entry(path, S_IFLNK | 0777, 0, 0, target.getBytes(StandardCharsets.UTF_8));
    }

    public void charDevice(String path, int major, int minor, int perm) throws IOException {
        path = clean(path);
        parents(path);
        entry(path, S_IFCHR | (perm & 07777), major, minor, new byte[0]);
    }

    /** Writes the trailer; the stream stays open. */
    public void finish() throws IOException {
        entry("TRAILER!!!", 0, 0, 0, new byte[0]);
        pad(512);
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }

    private void parents(String path) throws IOException {
        int slash = path.lastIndexOf('/');
        if (slash > 0) directory(path.substring(0, slash));
    }

    private static String clean(String path) {
        while (path.startsWith("/")) path = path.substring(1);
        while (path.endsWith("/")) path = path.substring(0, path.length() - 1);
        return path;
    }

    private void entry(String name, int mode, int rdevMajor, int rdevMinor, byte[] data) throws IOException {
        byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder("070701");
        hex(h, name.equals("TRAILER!!!") ? 0 : ino++);
        hex(h, mode);
        hex(h, 0);                 // uid
        hex(h, 0);                 // gid
        hex(h, (mode & S_IFDIR) == S_IFDIR && mode != 0 ? 2 : 1); // nlink
        hex(h, 0);                 // mtime: reproducible images
        hex(h, data.length);
        hex(h, 0);                 // devmajor
        hex(h, 0);                 // devminor
        hex(h, rdevMajor);
        hex(h, rdevMinor);
        hex(h, nameBytes.length);
        hex(h, 0);                 // check
        write(h.toString().getBytes(StandardCharsets.US_ASCII));
        write(nameBytes);
        pad(4);
        write(data);
        pad(4);
    }

    private static void hex(StringBuilder h, long v) {
        String s = Long.toHexString(v);
        h.append("0".repeat(8 - s.length())).append(s);
    }

    private void write(byte[] b) throws IOException {
        out.write(b);
        written += b.length;
    }

    private void pad(int to) throws IOException {
        int n = (int) ((to - written % to) % to);
        if (n > 0) write(new byte[n]);
    }
}
