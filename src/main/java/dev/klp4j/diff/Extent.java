package dev.klp4j.diff;

/** A byte range [start, end) of a section: a code fragment, or a stretch a rebuilt section moved. */
record Extent(long start, long end) {
    long length() { return end - start; }

    boolean contains(long at) { return at >= start && at < end; }
}
