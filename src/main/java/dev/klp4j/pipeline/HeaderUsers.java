package dev.klp4j.pipeline;

import java.util.List;

/** The objects a header change reaches (the patched .c files' own objects first), and how many were preprocessed to tell. */
public record HeaderUsers(List<String> objects, int preprocessed) {
    public HeaderUsers {
        objects = List.copyOf(objects);
    }
}
