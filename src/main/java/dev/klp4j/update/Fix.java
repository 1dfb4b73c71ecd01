package dev.klp4j.update;

import java.util.List;

/**
 * One fix of an update: the files its patch changes ({@code id} is the file it fixes, headers it
 * needs to compile come along) and the patch itself.
 */
public record Fix(String id, List<String> files, String patch) {
    public Fix {
        files = List.copyOf(files);
    }
}
