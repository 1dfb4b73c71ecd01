package dev.klp4j.diff;

/** How a symbol of the patched object relates to the original. */
enum Status {
    /** Correlated and identical (or differing only in __LINE__ values). */
    SAME,
    /** Correlated, but its bytes or references differ. */
    CHANGED,
    /** No counterpart in the original. */
    NEW
}
