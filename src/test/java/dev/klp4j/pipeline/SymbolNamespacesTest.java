package dev.klp4j.pipeline;

import org.junit.jupiter.api.Order;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.testing.CliRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * iwlwifi exports its logging helpers in the IWLWIFI symbol namespace; iwlmvm imports it. A patch
 * of an iwlmvm function that logs (here: a stable fix to the WoWLAN wake packet check, taken
 * backwards) uses __iwl_err too. As a normal relocation the patch module would have to import the
 * namespace (modpost refuses it otherwise: "uses symbol __iwl_err from namespace IWLWIFI, but does
 * not import it") and would depend on iwlwifi, loading it wherever the patch loads. iwlmvm uses
 * it already, so it goes through a livepatch relocation against iwlwifi, written when iwlwifi
 * loads (before iwlmvm): no dependency, no namespace to import.
 */
@Order(Integer.MAX_VALUE - 3) // long classes start first (src/test/resources/junit-platform.properties)
@Tag("kernel")
class SymbolNamespacesTest {
    @Test
    void anotherModulesNamespacedExportThePatchedModuleUsesIsALivepatchRelocation(@TempDir Path dir) throws Exception {
        Path patch = dir.resolve("d3.patch");
        Files.writeString(patch, """
                --- a/drivers/net/wireless/intel/iwlwifi/mvm/d3.c
                +++ b/drivers/net/wireless/intel/iwlwifi/mvm/d3.c
                @@ -2627,7 +2627,7 @@
                 					 struct iwl_wowlan_status_data *status,
                 					 u32 len)
                 {
                -	u32 data_size, packet_len;
                +	u32 data_size, packet_len = le32_to_cpu(notif->wake_packet_length);
                 
                 	if (len < sizeof(*notif)) {
                 		IWL_ERR(mvm, "Invalid WoWLAN wake packet notification!\\n");
                @@ -2646,7 +2646,6 @@
                 		return -EIO;
                 	}
                 
                -	packet_len = le32_to_cpu(notif->wake_packet_length);
                 	data_size = len - offsetof(struct iwl_wowlan_wake_pkt_notif, wake_packet);
                 
                 	/* data_size got the padding from the notification, remove it. */
                """);
        CliRun b = CliRun.of("build", patch.toString(), "-n", "klp4j_ns", "-o", dir.resolve("out").toString(), "-j", "2");
        assertThat(b.exit()).as(b.out() + b.err()).isZero();
        assertThat(b.out()).contains("->iwlmvm");
        ElfFile ko = ElfReader.read(dir.resolve("out/klp4j_ns.ko"));
        String modinfo = new String(ko.section(".modinfo").orElseThrow().data(), StandardCharsets.ISO_8859_1);
        assertThat(modinfo).doesNotContain("import_ns=IWLWIFI").doesNotContain("iwlwifi");
        assertThat(ko.symbols(".klp.sym.iwlwifi.__iwl_err,1")).singleElement()
                .satisfies(s -> assertThat(s.shndx()).isEqualTo(dev.klp4j.elf.Elf.SHN_LIVEPATCH));
        assertThat(ko.sections()).anyMatch(x -> x.name().startsWith(".klp.rela.iwlwifi."));
    }
}
