package dev.klp4j.runtime;

import dev.klp4j.base.Failure;
import dev.klp4j.kernel.ModuleInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Installed patches, kept per kernel release: {@code ROOT/RELEASE/NAME.ko} plus
 * {@code ROOT/RELEASE/order}, one module name a line in install order (the order klp4j.service
 * loads them at boot). ROOT is {@code /var/lib/klp4j} on a host.
 */
public final class PatchStore {
    public static final Path DEFAULT_ROOT = Path.of("/var/lib/klp4j");

    /** One installed patch. */
    public record Installed(String release, String name, Path file) {}

    private final Path root;

    public PatchStore(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** Copies a livepatch module into the store for the release it was built for (or {@code release}). */
    public Installed install(Path ko, String release) {
        ModuleInfo info = ModuleInfo.read(ko).requireLivepatch();
        String built = info.vermagicRelease();
        if (built == null) throw new Failure(ko + ": has no vermagic; rebuild it with kbuild");
        if (release != null && !release.equals(built)) info.requireRelease(release);
        String rel = release != null ? release : built;
        String name = info.name();
        List<String> order = order(rel);
        if (order.contains(name)) {
            throw new Failure("'" + name + "' is already installed for " + rel + "; 'klp4j uninstall "
                    + name + "' first to replace it");
        }
        Path dir = root.resolve(rel);
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve("." + name + ".ko.tmp");
            Files.copy(ko, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, dir.resolve(name + ".ko"), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
            List<String> next = new ArrayList<>(order);
            next.add(name);
            writeOrder(rel, next);
        } catch (IOException e) {
            throw Failure.failed("cannot install into " + dir + ": " + e.getMessage() + " (run as root?)");
        }
        return new Installed(rel, name, dir.resolve(name + ".ko"));
    }

    public Installed uninstall(String name, String release) {
        List<String> order = order(release);
        if (!order.contains(name)) {
            throw new Failure("'" + name + "' is not installed for " + release + " (see 'klp4j list')");
        }
        Path file = root.resolve(release).resolve(name + ".ko");
        try {
            List<String> next = new ArrayList<>(order);
            next.remove(name);
            writeOrder(release, next);
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw Failure.failed("cannot uninstall from " + root.resolve(release) + ": " + e.getMessage());
        }
        return new Installed(release, name, file);
    }

    /** The patches installed for {@code release}, in install order. */
    public List<Installed> installed(String release) {
        List<Installed> out = new ArrayList<>();
        for (String n : order(release)) out.add(new Installed(release, n, root.resolve(release).resolve(n + ".ko")));
        return out;
    }

    private List<String> order(String release) {
        Path f = root.resolve(release).resolve("order");
        if (!Files.exists(f)) return List.of();
        try {
            return Files.readAllLines(f, StandardCharsets.UTF_8).stream().map(String::trim)
                    .filter(s -> !s.isEmpty() && !s.startsWith("#")).toList();
        } catch (IOException e) {
            throw Failure.failed("cannot read " + f + ": " + e.getMessage());
        }
    }

    private void writeOrder(String release, List<String> names) throws IOException {
        Path dir = root.resolve(release);
        Files.createDirectories(dir);
        Path tmp = dir.resolve(".order.tmp");
        StringBuilder sb = new StringBuilder("# klp4j: installed patches for " + release + ", in load order\n");
        for (String n : names) sb.append(n).append('\n');
        Files.writeString(tmp, sb.toString(), StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve("order"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
