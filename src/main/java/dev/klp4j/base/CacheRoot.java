package dev.klp4j.base;

import java.nio.file.Path;

/** Where klp4j keeps what it can make again: ~/.cache/klp4j (or $KLP4J_CACHE, or $XDG_CACHE_HOME/klp4j). */
public final class CacheRoot {
    private CacheRoot() {}

    public static Path path() {
        String env = System.getenv("KLP4J_CACHE");
        if (env != null && !env.isBlank()) return Path.of(env);
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("klp4j");
    }

    /**
     * apt options that keep apt's binary package cache in {@code dir}: hosts made from container
     * images switch it off (Dir::Cache::pkgcache ""), and then every apt-cache call parses all the
     * package lists again, about 2 s; with a cache it answers in a tenth of that. apt checks the
     * cache against the lists and the dpkg status itself.
     */
    public static java.util.List<String> aptPackageCache(Path dir) {
        return java.util.List.of("-o", "Dir::Cache::pkgcache=" + dir.resolve("pkgcache.bin"),
                "-o", "Dir::Cache::srcpkgcache=" + dir.resolve("srcpkgcache.bin"));
    }
}
