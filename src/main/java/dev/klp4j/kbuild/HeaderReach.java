package dev.klp4j.kbuild;

import java.util.List;

/**
 * What one fix's changed headers reach: the objects whose code they change (the fix's own sources
 * first) and how many objects were preprocessed to tell. Past the limit of objects to preprocess
 * ({@link ChangedObjects#limit}) nothing was preprocessed: {@code objects} are the sources only,
 * {@code preprocessed} is how many it would take, and {@code why} says which header change needs
 * them (a type code reaches without naming it, a change no name follows).
 */
public record HeaderReach(List<String> objects, int preprocessed, boolean pastLimit, String why) {
    public HeaderReach {
        objects = List.copyOf(objects);
    }

    static HeaderReach found(List<String> objects, int preprocessed) {
        return new HeaderReach(objects, preprocessed, false, "");
    }
}
