package dev.klp4j.vm;

import dev.klp4j.testing.Proc;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpioWriterTest {
    @TempDir Path tmp;

    @Test
    void gnuCpioReadsWhatWeWrite() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (CpioWriter w = new CpioWriter(bytes)) {
            w.charDevice("dev/console", 5, 1, 0600);
            w.file("klp4j/patches/01-a.ko", "hello".getBytes(StandardCharsets.UTF_8), 0644);
            w.file("init", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8), 0755);
            w.symlink("bin/sh", "busybox");
            w.finish();
        }
        assertThat(bytes.size() % 512).isZero();
        Path archive = Files.write(tmp.resolve("a.cpio"), bytes.toByteArray());
        String listing = Proc.check(tmp, "cpio", "-itv", "-F", archive.toString());
        assertThat(listing).contains("crw-------").contains("dev/console").contains("klp4j/patches/01-a.ko")
                .contains("-rwxr-xr-x").contains("bin/sh -> busybox");
        // parents come before children
        assertThat(listing.indexOf(" klp4j\n")).isLessThan(listing.indexOf("klp4j/patches\n"));
        Path out = Files.createDirectories(tmp.resolve("x"));
        Proc.check(out, "cpio", "-id", "--no-absolute-filenames", "-F", archive.toString(), "klp4j/*");
        assertThat(out.resolve("klp4j/patches/01-a.ko")).hasContent("hello");
    }

    @Test
    void theImageGetsAStaticBusybox() throws IOException {
        assertThat(GuestImage.hasInterpreter(GuestImage.busybox())).isFalse();
        assertThat(GuestImage.hasInterpreter(Path.of("/bin/ls"))).isTrue();   // a dynamic executable
    }

}
