package dev.klp4j.review;

import dev.klp4j.base.Failure;

import dev.klp4j.base.Toolchain;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs a dwarves tool (pahole, pfunct) on one object's debug info. */
final class Dwarves {
    private Dwarves() {}

    /** The output of {@code tool args... OBJECT}, run in the object's directory. */
    static String run(Toolchain tools, Path object, String tool, String... args) {
        List<String> cmd = new ArrayList<>(List.of(tool));
        cmd.addAll(List.of(args));
        cmd.add(object.getFileName().toString());
        Toolchain.Result r = tools.run(object.getParent(), cmd, Map.of(), new byte[0]);
        if (!r.ok()) {
            throw new Failure(tool + " cannot read the debug info of " + object + ": " + r.tail(3)
                    + " (install dwarves and binutils: scripts/install-deps.sh)");
        }
        return r.output();
    }
}
