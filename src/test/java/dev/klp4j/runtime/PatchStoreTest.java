package dev.klp4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.klp4j.kernel.FakeModules;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PatchStoreTest {
    static final String R = "6.1.0-56-amd64";
    @TempDir Path tmp;

    @Test
    void installKeepsModulesPerReleaseInInstallOrder() throws IOException {
        PatchStore store = new PatchStore(tmp.resolve("store"));
        Path b = FakeModules.livepatch(tmp, "patch_b", R);
        Path a = FakeModules.livepatch(tmp, "patch_a", R);
        Path old = FakeModules.livepatch(tmp, "patch_old", "5.10.0-28-amd64");
        store.install(b, null);
        store.install(a, null);
        store.install(old, null);

        assertThat(store.installed(R)).extracting(PatchStore.Installed::name).containsExactly("patch_b", "patch_a");
        assertThat(store.installed("5.10.0-28-amd64")).extracting(PatchStore.Installed::name).containsExactly("patch_old");
        assertThat(tmp.resolve("store/" + R + "/patch_a.ko")).hasSameBinaryContentAs(a);
        assertThat(Files.readAllLines(tmp.resolve("store/" + R + "/order"))).contains("patch_b", "patch_a");

        assertThatThrownBy(() -> store.install(a, null)).hasMessageContaining("already installed");
        assertThatThrownBy(() -> store.install(old, R)).hasMessageContaining("vermagic mismatch");

        store.uninstall("patch_b", R);
        assertThat(store.installed(R)).extracting(PatchStore.Installed::name).containsExactly("patch_a");
        assertThat(tmp.resolve("store/" + R + "/patch_b.ko")).doesNotExist();
        assertThatThrownBy(() -> store.uninstall("patch_b", R)).hasMessageContaining("not installed");
    }

    @Test
    void onlyLivepatchModulesAreInstalled() throws IOException {
        Path plain = FakeModules.module(tmp, "plain", R, false);
        assertThatThrownBy(() -> new PatchStore(tmp.resolve("s")).install(plain, null))
                .hasMessageContaining("not a livepatch module");
        assertThat(tmp.resolve("s")).doesNotExist();
    }
}
