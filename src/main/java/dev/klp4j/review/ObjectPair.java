package dev.klp4j.review;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One object the patch changes, compiled on both sides with debug info, and what the differ kept.
 *
 * @param object    the object, relative to the tree ("fs/minix/inode.o")
 * @param original  the object compiled from the original source
 * @param patched   the object compiled from the patched source
 * @param changed   functions the patch replaces (the differ's CHANGED)
 * @param added     functions the patch adds
 * @param functions the patched side's function definitions of the object's own source: name -> text
 * @param refused   the differ's reasons for refusing the object (none when it made a patch object)
 */
public record ObjectPair(String object, Path original, Path patched, List<String> changed, List<String> added, Map<String, String> functions,
                         List<String> refused) {
    public ObjectPair {
        changed = List.copyOf(changed);
        added = List.copyOf(added);
        functions = Map.copyOf(functions);
        refused = List.copyOf(refused);
    }

    /** An object the differ made a patch object of. */
    public ObjectPair(String object, Path original, Path patched, List<String> changed, List<String> added, Map<String, String> functions) {
        this(object, original, patched, changed, added, functions, List.of());
    }

    /** The object's source file. */
    public String source() {
        return object.substring(0, object.length() - 2) + ".c";
    }
}
