package dev.klp4j.fleet;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Finds an oops, BUG or WARN of the kernel log that names a patch module: a patched function's new
 * code lives in the patch module, so its frames ("nfsd4_sequence+0x12/0x400 [klp4j_update_x]")
 * and the faulting address carry the module's name in brackets. "Modules linked in:" names every
 * loaded module and is not counted.
 */
final class KernelLogScan {
    private KernelLogScan() {}

    private static final Pattern START = Pattern.compile("(Oops|BUG:|kernel BUG at|WARNING:|general protection fault|Kernel panic)");
    private static final int BLOCK = 80; // a report's lines: registers, stack, call trace

    /** The first line of the first report in {@code lines} that names {@code module}, if any. */
    static Optional<String> oopsNaming(List<String> lines, String module) {
        String tag = "[" + module + "]";
        for (int i = 0; i < lines.size(); i++) {
            if (!START.matcher(lines.get(i)).find()) continue;
            int end = Math.min(lines.size(), i + BLOCK);
            for (int j = i; j < end; j++) {
                String l = lines.get(j);
                if (j > i && l.contains("---[ end trace")) break;
                if (l.contains("Modules linked in:")) continue;
                if (l.contains(tag)) return Optional.of(lines.get(i).replaceFirst("^\\[\\s*[0-9.]+\\]\\s*", ""));
            }
        }
        return Optional.empty();
    }
}
