package dev.klp4j.elf;

import java.util.ArrayList;
import java.util.List;

/** A SHT_GROUP section (COMDAT): a flag word, a signature symbol and its member sections. */
public final class GroupSection extends Section {
    private int groupFlags;
    private Symbol signature;
    private final List<Section> members;

    public GroupSection(String name, long flags, int groupFlags, Symbol signature, List<Section> members) {
        super(name, Elf.SHT_GROUP, flags, 4, 4, null);
        this.groupFlags = groupFlags;
        this.signature = signature;
        this.members = new ArrayList<>(members);
    }

    public int groupFlags() { return groupFlags; }
    public GroupSection groupFlags(int f) { this.groupFlags = f; return this; }
    public Symbol signature() { return signature; }
    public GroupSection signature(Symbol s) { this.signature = s; return this; }
    public List<Section> members() { return members; }

    @Override
    public long size() {
        return 4L * (members.size() + 1);
    }
}
