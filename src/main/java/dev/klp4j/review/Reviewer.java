package dev.klp4j.review;

import dev.klp4j.base.Failure;

import dev.klp4j.source.SourceHunk;
import dev.klp4j.source.TreeSearch;

import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfFormatException;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.elf.Relocation;
import dev.klp4j.elf.RelocationSection;
import dev.klp4j.elf.Section;
import dev.klp4j.elf.Symbol;
import dev.klp4j.base.Toolchain;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reviews a patch for what kpatch leaves to a human: the source hunks tell where the change is, the
 * debug info of both sides' objects tells what it does to types and prototypes, the differ tells
 * which functions the live patch replaces. Each rule is one method; {@link Rule} lists them.
 *
 * <p>Longer than most classes here on purpose: the six rules share the walk over hunks and objects,
 * the once-per-type folding and the finding wording, and a reader checks one rule against its
 * neighbours; the type and prototype readers (TypeLayouts, Prototypes) are classes of their own.
 */
public final class Reviewer {
    private final Toolchain tools;
    private final TreeSearch tree;

    /** A reviewer that sees only the patch's objects: callers elsewhere in the kernel are unknown to it. */
    public Reviewer(Toolchain tools) {
        this(tools, null);
    }

    /** A reviewer that also finds, in the original {@code tree}, the callers of functions the patch removes. */
    public Reviewer(Toolchain tools, TreeSearch tree) {
        this.tools = tools;
        this.tree = tree;
    }

    /** The findings for a patch: its {@code hunks} and the {@code objects} it changes. */
    public ReviewReport review(List<SourceHunk> hunks, List<ObjectPair> objects) {
        List<Finding> out = new ArrayList<>();
        notPatchable(hunks, out);
        dataSemantics(hunks, out);
        Set<String> patchFiles = new java.util.HashSet<>();
        for (SourceHunk h : hunks) patchFiles.add(h.file());
        Map<ObjectPair, ElfFile> patched = new java.util.LinkedHashMap<>();
        for (ObjectPair o : objects) patched.put(o, read(o.patched()));
        for (ObjectPair o : objects) {
            if (patched.get(o).section(".debug_info").isEmpty()) {
                // Without DWARF pahole and pfunct see nothing: say so rather than pass silently.
                out.add(new Finding(Rule.TYPE_LAYOUT, Severity.NEEDS_CARE, o.source(), null, null,
                        o.object() + " has no debug info (a config without CONFIG_DEBUG_INFO): type layouts and prototypes were not checked",
                        "check by hand that no struct, union or function prototype the patch touches changes, or review against a config with debug info"));
            } else {
                typeLayouts(o, out);
                interfaces(o, patched, patchFiles, out);
            }
            endlessTransitions(o, out, (name, source) -> tree != null && startedElsewhere(tree, name, source));
            inliningFanOut(o, hunks, out);
        }
        differRefusals(objects, out);
        int functions = objects.stream().mapToInt(o -> o.changed().size() + o.added().size()).sum();
        return new ReviewReport(hunks.size(), functions, oncePerType(out));
    }

    // ---- rule 6: what cannot be live patched, told from the source alone --------------------------

    /**
     * Functions placed where no live patch reaches them. Not __meminit (plain text on kernels with
     * memory hotplug, as Debian's) nor __ref (.ref.text, run-time code that may call init code):
     * the compiled object's sections decide those.
     */
    private static final Pattern INIT = Pattern.compile("\\b(__init|__exit)\\b");
    private static final Pattern NO_FENTRY = Pattern.compile("\\b(notrace|noinstr|__no_kcsan|__naked)\\b");

    /**
     * The report when the source alone decides the patch: every hunk is in code a live patch cannot
     * change (assembly, the vDSO, a user-space ABI change, init or notrace code), so there is no
     * need to compile anything to know it cannot be live patched. Empty otherwise.
     */
    /**
     * The differ's refusals are findings too, so {@code klp4j review} says everything at once; a
     * reason for a function the source rules already named would say the same again.
     */
    private static void differRefusals(List<ObjectPair> objects, List<Finding> out) {
        List<Finding> bySource = List.copyOf(out);
        for (ObjectPair o : objects) {
            for (String reason : o.refused()) {
                boolean said = bySource.stream().anyMatch(x -> x.rule() == Rule.NOT_PATCHABLE && x.function() != null
                        && x.file().equals(o.source()) && reason.startsWith(x.function() + ":"));
                if (!said) {
                    out.add(new Finding(Rule.NOT_PATCHABLE, Severity.UNSAFE, o.source(), null, null, reason,
                            "see the reason; docs/build.md lists what a live patch can change"));
                }
            }
        }
    }

    public static java.util.Optional<ReviewReport> decidedBySource(List<SourceHunk> hunks) {
        if (hunks.isEmpty()) return java.util.Optional.empty();
        List<Finding> out = new ArrayList<>();
        for (SourceHunk h : hunks) {
            Finding f = notPatchable(h);
            if (f == null || f.severity() != Severity.UNSAFE) return java.util.Optional.empty();
            out.add(f);
        }
        dataSemantics(hunks, out);
        return java.util.Optional.of(new ReviewReport(hunks.size(), 0, oncePerType(out)));
    }

    static void notPatchable(List<SourceHunk> hunks, List<Finding> out) {
        for (SourceHunk h : hunks) {
            Finding f = notPatchable(h);
            if (f != null) out.add(f);
        }
    }

    /** Rule 6 on one hunk: its finding, or null. */
    private static Finding notPatchable(SourceHunk h) {
        String file = h.file();
        java.util.regex.Matcher init;
        if (file.endsWith(".S")) {
            return new Finding(Rule.NOT_PATCHABLE, Severity.UNSAFE, file, h.name(), null,
                    "assembly has no ftrace entry for the live patch to hook: the change cannot reach the running kernel",
                    "patch the C function that calls this code instead, or ship the fix in a kernel update");
        } else if (file.contains("/vdso/")) {
            return new Finding(Rule.NOT_PATCHABLE, Severity.UNSAFE, file, h.name(), null,
                    "the vDSO is mapped into every process as a prebuilt image: a live patch cannot change it",
                    "ship the fix in a kernel update");
        } else if (file.startsWith("include/uapi/") || file.contains("/include/uapi/")) {
            // Programs are compiled against these: an added constant extends the ABI (old
            // programs never send it), a changed one breaks what they already send.
            boolean changes = h.removed().stream().anyMatch(l -> !l.isBlank());
            return new Finding(Rule.NOT_PATCHABLE, changes ? Severity.UNSAFE : Severity.NEEDS_CARE, file, h.name(), null,
                    changes ? "changes a user-space ABI header: programs compiled against it keep the old definitions and send or expect the old values"
                            : "extends a user-space ABI header: only programs built against the new header use the addition; check that the kernel still accepts what old programs send",
                    changes ? "keep the ABI as it is and change only kernel-internal code" : "nothing, if old programs keep working");
        } else if (h.scope() == SourceHunk.Scope.FUNCTION && (init = INIT.matcher(h.declaration())).find()) {
            if (init.group(1).equals("__exit")) {
                return new Finding(Rule.NOT_PATCHABLE, Severity.UNSAFE, file, h.name(), null,
                        h.name() + " is __exit code: it runs only when its module is unloaded (built-in code never runs it) and has"
                                + " no ftrace entry, so the live patch cannot redirect it",
                        "nothing to patch at run time: the fixed unload comes with the next boot");
            }
            return new Finding(Rule.NOT_PATCHABLE, Severity.UNSAFE, file, h.name(), null,
                    h.name() + " is __init code: it ran at boot (or at its module's load) and was freed, so the change never runs",
                    "if the fix matters after boot, patch the code that uses what the init function set up (or a callback that redoes it)");
        } else if (h.scope() == SourceHunk.Scope.FUNCTION && NO_FENTRY.matcher(h.declaration()).find()) {
            return new Finding(Rule.NOT_PATCHABLE, Severity.UNSAFE, file, h.name(), null,
                    h.name() + " is notrace/noinstr: it has no ftrace entry, so the live patch cannot redirect it",
                    "patch a traceable caller of it instead, which then calls a new copy");
        }
        return null;
    }

    // ---- rule 3: data semantics -------------------------------------------------------------------

    /** Calls that take or drop a lock or a reference: a patch that changes them must stay paired with unpatched code. */
    private static final Pattern LOCKING = Pattern.compile("\\b((?:raw_)?(?:spin|read|write)_(?:un)?lock(?:_bh|_irq|_irqsave|_irqrestore|_nested)?"
            + "|(?:raw_)?spin_trylock\\w*|mutex_(?:un)?lock(?:_interruptible|_killable|_nested)?|mutex_trylock"
            + "|rcu_read_(?:un)?lock(?:_bh|_sched)?|srcu_read_(?:un)?lock|(?:down|up)_(?:read|write)(?:_killable|_interruptible)?|down|up"
            + "|local_irq_(?:save|restore|disable|enable)|preempt_(?:disable|enable)"
            + "|refcount_(?:inc|dec|dec_and_test|inc_not_zero|set)|kref_(?:get|put|init|get_unless_zero)"
            + "|atomic(?:64)?_(?:inc|dec|dec_and_test|inc_not_zero)|get_\\w+|put_\\w+|\\w+_get|\\w+_put|\\w+_hold|\\w+_release)\\s*\\(");

    /**
     * Names {@link #LOCKING}'s get/put shapes catch that move data, not references (user copies,
     * unaligned access, buffer appends, netlink attributes, random numbers).
     */
    private static final Pattern NOT_A_REFERENCE = Pattern.compile("_{0,2}(?:get|put)_(?:user\\w*|unaligned\\w*|random\\w*|order|current\\w*|jiffies\\w*)"
            + "|\\w*skb_put|nla_put|nlmsg_put|genlmsg_put");

    static void dataSemantics(List<SourceHunk> hunks, List<Finding> out) {
        for (SourceHunk h : hunks) {
            if (h.scope() == SourceHunk.Scope.DATA && !h.removed().isEmpty()) {
                out.add(new Finding(Rule.DATA_SEMANTICS, Severity.NEEDS_CARE, h.file(), null, null,
                        "changes the definition of " + (h.name() == null ? "a variable" : h.name())
                                + ": the running kernel keeps its value, and its unchanged code keeps reading it",
                        "leave the variable's initial value; set the new value from a pre-patch callback, or keep the new value in a new variable used only by patched code"));
            }
            if (h.scope() == SourceHunk.Scope.FUNCTION) {
                Set<String> removed = calls(h.removed()), added = calls(h.added());
                Set<String> changed = new TreeSet<>(added);
                changed.removeAll(removed);
                Set<String> dropped = new TreeSet<>(removed);
                dropped.removeAll(added);
                if (!changed.isEmpty() || !dropped.isEmpty()) {
                    out.add(new Finding(Rule.DATA_SEMANTICS, Severity.NEEDS_CARE, h.file(), h.name(), null,
                            h.name() + " changes what it locks or references (" + describe(changed, dropped)
                                    + "): unpatched code that takes the same lock or reference must still pair with it, including a task already inside the old "
                                    + h.name() + " while the patch loads",
                            "check every unpatched function that takes the same lock object or drops the same reference; patch them together, or keep the protocol"));
                }
            }
            if ((h.scope() == SourceHunk.Scope.TYPE || h.scope() == SourceHunk.Scope.MACRO) && h.file().endsWith(".h") && !h.removed().isEmpty()
                    && (h.declaration().contains("enum") || h.scope() == SourceHunk.Scope.MACRO)) {
                out.add(new Finding(Rule.DATA_SEMANTICS, Severity.NEEDS_CARE, h.file(), null, h.name(),
                        "changes the value of " + (h.name() == null ? "a constant" : h.name())
                                + ": unchanged code of the running kernel was compiled with the old value",
                        "add a new constant instead of giving an old one a new meaning"));
            }
        }
    }

    private static Set<String> calls(List<String> lines) {
        Set<String> out = new TreeSet<>();
        for (String l : lines) {
            Matcher m = LOCKING.matcher(stripComments(l));
            while (m.find()) if (!NOT_A_REFERENCE.matcher(m.group(1)).matches()) out.add(m.group(1));
        }
        return out;
    }

    private static String stripComments(String line) {
        return line.replaceAll("/\\*.*?\\*/", " ").replaceAll("//.*", " ");
    }

    private static String describe(Set<String> added, Set<String> dropped) {
        List<String> parts = new ArrayList<>();
        if (!added.isEmpty()) parts.add("adds " + String.join(", ", added));
        if (!dropped.isEmpty()) parts.add("drops " + String.join(", ", dropped));
        return String.join("; ", parts);
    }

    // ---- rule 1: type layouts ---------------------------------------------------------------------

    private static final Pattern RECORD = Pattern.compile("^\\s*(?:typedef\\s+)?(struct|union)\\b");

    /**
     * Rule 1 from the source, for a header whose users are too many to compile and compare: a struct
     * or union definition whose member declarations the patch adds, removes or changes. The objects
     * would show it with pahole; the source already says it.
     */
    public static List<Finding> headerLayouts(List<SourceHunk> hunks) {
        List<Finding> out = new ArrayList<>();
        for (SourceHunk h : hunks) {
            if (h.scope() != SourceHunk.Scope.TYPE || !h.file().endsWith(".h") || h.file().contains("include/uapi/")) continue;
            Matcher m = RECORD.matcher(h.declaration());
            if (!m.find()) continue;
            List<String> was = members(h.removed()), now = members(h.added());
            if (was.stream().map(Reviewer::layoutOf).toList().equals(now.stream().map(Reviewer::layoutOf).toList())) continue;
            String type = m.group(1) + " " + (h.name() == null ? "(anonymous)" : h.name());
            out.add(new Finding(Rule.TYPE_LAYOUT, Severity.UNSAFE, h.file(), null, type,
                    type + " changes its members (" + (now.isEmpty() ? "" : "adds " + String.join(" ", now)) + (was.isEmpty() || now.isEmpty() ? "" : " and ")
                            + (was.isEmpty() ? "" : "drops " + String.join(" ", was)) + "): objects allocated before the patch, and every unchanged user "
                            + "of the header, keep the old layout (told from the source: too many files include " + h.file() + " to compile them all)",
                    "keep " + type + " as it is and attach the new state with a shadow variable (see examples/shadow-variable); "
                            + "if this kernel's config does not use " + type + ", --accept type-layout builds it"));
        }
        return out;
    }

    /** The member declarations among a hunk's lines, without comments and spacing. */
    private static final Pattern FUNCTION_POINTER = Pattern.compile("^[^(]*\\(\\s*\\*\\s*(\\w+)\\s*\\)\\s*\\(.*\\)\\s*;$");

    /**
     * What of a member's declaration its struct's layout depends on: a function pointer is a
     * pointer whatever its parameters are called or typed (stmmac's hwif.h renames
     * {@code set_16kib_bfsize}'s {@code mtu} to {@code len}).
     */
    private static String layoutOf(String member) {
        Matcher m = FUNCTION_POINTER.matcher(member);
        return m.matches() ? "(*" + m.group(1) + ")()" : member;
    }

    private static List<String> members(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            String t = stripComments(l).strip().replaceAll("\\s+", " ");
            if (t.endsWith(";") && !t.startsWith("#") && !t.startsWith("*")) out.add(t);
        }
        return out;
    }

    void typeLayouts(ObjectPair o, List<Finding> out) {
        Map<String, TypeLayouts.Layout> before = TypeLayouts.of(o.original(), tools), after = TypeLayouts.of(o.patched(), tools);
        for (TypeLayouts.Layout b : before.values()) {
            TypeLayouts.Layout a = after.get(b.type());
            if (a == null || a.sameAs(b)) continue;
            // A member added into padding moves nothing: what goes wrong is that no object made before sets it.
            String consequence = TypeLayouts.onlyFillsPadding(b, a)
                    ? "nothing moves, but objects allocated before the patch never set the new member(s), and the running kernel's unchanged "
                            + "code does not either, so the patched functions of " + o.object() + " would read values nobody wrote"
                    : "objects allocated before the patch, and the running kernel's unchanged code, keep the old layout, so the patched "
                            + "functions of " + o.object() + " would read and write them at the wrong offsets";
            out.add(new Finding(Rule.TYPE_LAYOUT, Severity.UNSAFE, o.source(), null, b.type(),
                    b.type() + " changes layout (" + TypeLayouts.describe(b, a) + "): " + consequence,
                    "keep " + b.type() + " as it is and attach the new state with a shadow variable (klp_shadow_get_or_alloc(obj, ID, size, GFP_ATOMIC, NULL, NULL) "
                            + "in the patched code, klp_shadow_free when the object is freed; see examples/shadow-variable)"));
        }
    }

    /**
     * A header's struct changes in every object that includes it: one finding per type, naming how
     * many of the patch's objects see the change.
     */
    private static List<Finding> oncePerType(List<Finding> all) {
        Map<String, List<Finding>> byType = new java.util.LinkedHashMap<>();
        for (Finding f : all) if (f.rule() == Rule.TYPE_LAYOUT && f.type() != null) byType.computeIfAbsent(f.type(), k -> new ArrayList<>()).add(f);
        List<Finding> out = new ArrayList<>();
        for (Finding f : all) {
            if (f.rule() != Rule.TYPE_LAYOUT || f.type() == null) {
                out.add(f);
                continue;
            }
            List<Finding> same = byType.remove(f.type());
            if (same == null) continue;
            out.add(same.size() == 1 ? f : new Finding(f.rule(), f.severity(), f.file(), null, f.type(),
                    f.message() + " (and in " + (same.size() - 1) + " more of the patch's objects)", f.remedy()));
        }
        return out;
    }

    // ---- rule 2: function interfaces ---------------------------------------------------------------

    /**
     * A function whose prototype or linkage changes is unsafe while code the patch does not replace
     * calls it or points to it: in its own object, or, for a global one, in the other objects the
     * patch compiles (a changed header's users that still call it); an exported one can have
     * callers in any module.
     */
    void interfaces(ObjectPair o, Map<ObjectPair, ElfFile> patched, Set<String> patchFiles, List<Finding> out) {
        ElfFile before = read(o.original()), after = patched.get(o);
        Map<String, String> protoBefore = Prototypes.of(o.original(), tools), protoAfter = Prototypes.of(o.patched(), tools);
        Typedefs typedefsBefore = null, typedefsAfter = null;
        for (Symbol s : before.symbols()) {
            if (!s.isFunction() || s.section() == null || s.name().contains(".")) continue;
            Symbol n = after.symbols(s.name()).stream().filter(x -> x.isFunction() && x.section() != null).findFirst().orElse(null);
            if (n == null) {
                // Init code ran at boot and is gone: its callers, init code too, never call it again.
                boolean init = s.section().name().startsWith(".init.") || s.section().name().startsWith(".exit.");
                if (!s.isLocal() && !init) removedGlobal(o, s, patched, patchFiles, out);
                continue;
            }
            String pb = protoBefore.get(s.name()), pa = protoAfter.get(s.name());
            boolean proto = pb != null && pa != null && !pb.equals(pa);
            if (proto) {
                // u8 for unsigned char is the same interface: compare with the typedefs spelled out.
                if (typedefsBefore == null) typedefsBefore = Typedefs.of(o.original(), tools);
                if (typedefsAfter == null) typedefsAfter = Typedefs.of(o.patched(), tools);
                proto = !bytePointers(typedefsBefore.expand(pb)).equals(bytePointers(typedefsAfter.expand(pa)));
            }
            boolean linkage = s.isLocal() != n.isLocal();
            if (!proto && !linkage) continue;
            String what = proto ? "its prototype changes from '" + pb + "' to '" + pa + "'"
                    : "it becomes " + (n.isLocal() ? "static" : "global");
            if (!s.isLocal() && before.symbol("__ksymtab_" + s.name()).isPresent()) {
                out.add(new Finding(Rule.INTERFACE, Severity.UNSAFE, o.source(), s.name(), null,
                        s.name() + " is exported and " + what + ": modules the patch does not replace (any module, in the tree or not) "
                                + "would call the new code with the old interface",
                        "keep " + s.name() + " with its old interface and add a new function (" + s.name() + "_v2, say) that the patched callers call"));
                continue;
            }
            Set<String> callers = new LinkedHashSet<>();
            for (String c : unpatchedUsers(after, n, o)) callers.add(c);
            if (!s.isLocal()) {
                for (var e : patched.entrySet()) {
                    if (e.getKey() == o) continue;
                    for (String c : unpatchedUsers(e.getValue(), Symbol.undefined(s.name(), 0), e.getKey())) callers.add(e.getKey().object() + ": " + c);
                }
            }
            if (callers.isEmpty()) continue;
            out.add(new Finding(Rule.INTERFACE, Severity.UNSAFE, o.source(), s.name(), null,
                    s.name() + ": " + what + UNREPLACED_USERS + String.join(", ", callers),
                    "keep " + s.name() + " with its old interface and add a new function for the new one, or patch every caller"));
        }
    }

    /** How many outside files a finding names: enough to act on. */
    private static final int CALLER_FILES = 5;

    /** How a removed function's finding ends, before the callers it names (an update joins their fixes). */
    public static final String OLD_CALLERS = "keeps running the old one: ";

    /** Ends an interface finding whose users outside the patch are named after it (an update joins their fixes). */
    public static final String UNREPLACED_USERS = ", and code the patch does not replace still uses it: ";

    /**
     * A global function the patched object no longer defines (renamed, moved, made inline) while
     * code the patch does not replace still calls it: those callers keep running the old one, and
     * the fix never reaches them. Renaming 6.1.190's trace_event_eval_update to
     * trace_event_update_all left only new functions nothing called; its caller, trace.c, is notrace.
     * Exported or not, only the tree's callers count: a module outside it that calls the old one
     * keeps working on the running kernel, as it would fail to load on the new one.
     */
    private void removedGlobal(ObjectPair o, Symbol s, Map<ObjectPair, ElfFile> patched, Set<String> patchFiles, List<Finding> out) {
        String name = s.name();
        List<String> callers = new ArrayList<>();
        for (var e : patched.entrySet()) {
            if (e.getKey() == o) continue;
            for (String c : unpatchedUsers(e.getValue(), Symbol.undefined(name, 0), e.getKey())) callers.add(e.getKey().object() + ": " + c);
        }
        if (tree != null) {
            // Files the build did not compile: the patch's own are compiled (or refused) above.
            Set<String> except = new java.util.HashSet<>(patchFiles);
            except.add(o.source());
            callers.addAll(tree.filesNaming(name, except, CALLER_FILES));
        }
        if (callers.isEmpty()) return;
        out.add(new Finding(Rule.INTERFACE, Severity.UNSAFE, o.source(), name, null,
                name + ": global function the patch removes (renamed, moved or made inline), but code the patch does not replace"
                        + " still calls it and " + OLD_CALLERS + String.join(", ", callers),
                "patch " + name + "'s callers in the same patch, or keep " + name + " as a function that calls the new code"));
    }

    /**
     * A pointer to char, signed char or unsigned char is one interface: the same register, the same
     * bytes (the tty layer's const char * to const u8 * conversion); the signedness of what the new
     * code reads is the patch's own business.
     */
    static String bytePointers(String prototype) {
        return prototype.replaceAll("\\b(?:signed |unsigned )?char\\*", "char*");
    }

    /**
     * Sections of {@code elf} other than the patch's own functions that refer to {@code function}
     * (callers, tables of pointers), by its name or, for a static one, its section's symbol.
     */
    private static Set<String> unpatchedUsers(ElfFile elf, Symbol function, ObjectPair o) {
        String name = function.name();
        Set<String> kept = new java.util.HashSet<>(o.changed());
        kept.addAll(o.added());
        kept.add(name);
        Set<String> out = new LinkedHashSet<>();
        for (RelocationSection rs : elf.relocationSections()) {
            Section target = rs.target();
            // Code, and data that can hold a pointer to it (ops tables); not the metadata sections
            // (.eh_frame, __mcount_loc, .orc_unwind_ip, .call_sites, ...) that name every function.
            if (target == null || !(target.isText() || target.name().startsWith(".data") || target.name().startsWith(".rodata"))) continue;
            String owner = sectionOwner(target.name());
            if (owner != null && kept.contains(owner.replaceAll("\\..*", ""))) continue;
            for (Relocation r : rs.relocations()) {
                Symbol to = r.symbol();
                if (to != null && (to == function || name.equals(to.name()) || to.isSectionSymbol() && to.section() == function.section())) {
                    out.add(owner != null ? owner : target.name());
                    break;
                }
            }
        }
        return out;
    }

    /** The function a .text.NAME section holds, or null for another section. */
    private static String sectionOwner(String section) {
        for (String prefix : List.of(".text.unlikely.", ".text.hot.", ".text.")) {
            if (section.startsWith(prefix)) return section.substring(prefix.length());
        }
        return null;
    }

    private static ElfFile read(Path p) {
        try {
            return ElfReader.read(p);
        } catch (IOException | ElfFormatException e) {
            throw new Failure("cannot read " + p + ": " + e.getMessage());
        }
    }

    // ---- rule 4: transitions that never finish ------------------------------------------------------

    /** Functions some task is always inside (a kthread's or the idle task's loop, the scheduler, the system call entry). */
    private static final Set<String> ALWAYS_ON_A_STACK = Set.of("__schedule", "schedule", "schedule_timeout", "io_schedule", "do_idle",
            "cpu_startup_entry", "do_syscall_64", "worker_thread", "rescuer_thread", "kthread", "kthreadd", "smpboot_thread_fn",
            "ret_from_fork", "do_nanosleep", "futex_wait_queue", "ep_poll", "do_select", "do_sys_poll", "rcu_gp_kthread", "kswapd",
            "khugepaged", "do_wait", "pipe_read", "n_tty_read", "unix_stream_read_generic", "wait_woken", "do_epoll_wait");
    private static final Pattern FOREVER = Pattern.compile("for\\s*\\(\\s*;\\s*;\\s*\\)|while\\s*\\(\\s*(?:1|true)\\s*\\)|while\\s*\\(\\s*!\\s*kthread_should_stop\\s*\\(\\s*\\)\\s*\\)");
    private static final Pattern SLEEPS = Pattern.compile("\\b(schedule|schedule_timeout\\w*|wait_event\\w*|wait_for_completion\\w*|msleep\\w*|"
            + "kthread_parkme|freezable_schedule\\w*|swait_event\\w*|wait_woken|usleep_range|ssleep)\\s*\\(");

    static void endlessTransitions(ObjectPair o, List<Finding> out) {
        endlessTransitions(o, out, (name, source) -> false);
    }

    /** Whether a file of {@code tree} but {@code source} starts a thread at {@code name} (6.1's bnep_session is started in its own file; others are not). */
    static boolean startedElsewhere(TreeSearch tree, String name, String source) {
        for (String f : tree.filesNaming(name, List.of(source), STARTER_FILES)) if (startsThreadAt(tree.text(f), name)) return true;
        return false;
    }

    /** Files naming a thread function that are read for what starts it. */
    private static final int STARTER_FILES = 20;

    /**
     * The findings of rule 4 for one object; {@code startedElsewhere} tells whether another file of
     * the tree starts a thread at a function (a loop without kthread_should_stop started elsewhere).
     */
    static void endlessTransitions(ObjectPair o, List<Finding> out, java.util.function.BiPredicate<String, String> startedElsewhere) {
        for (String f : o.changed()) {
            String base = f.replaceAll("\\..*", "");
            String text = o.functions().get(base);
            String why = null;
            if (ALWAYS_ON_A_STACK.contains(base)) {
                why = base + " is on the stack of many tasks at any time (a scheduler, idle or system-call path)";
            } else if (text != null && (kthreadMainLoop(base, text, o.functions())
                    || (threadShaped(base, text) && startedElsewhere.test(base, o.source())))) {
                // Its thread sleeps inside it and never returns: waking or signalling it only turns the loop
                // again, so the transition waits for ever wherever the thread runs (6.1.190's rfcomm_run held
                // krfcommd and stalled a whole cumulative update in the VM; scsi_error_handler runs on every
                // host with a SCSI or ATA disk).
                out.add(new Finding(Rule.ENDLESS_TRANSITION, Severity.UNSAFE, o.source(), base, null,
                        base + " is a thread's main loop: its thread sleeps inside it and never returns, so the patching transition"
                                + " cannot finish wherever that thread runs, and a patch (or cumulative update) that replaces it applies"
                                + " nothing there",
                        "move the change into a function the loop calls and keep that one out of line (noinline), so the loop itself is"
                                + " unchanged; or reboot; --accept endless-transition only for hosts where the thread never runs"));
                continue;
            } else if (text != null && (FOREVER.matcher(text).find() || text.contains("kthread_should_stop")) && SLEEPS.matcher(text).find()) {
                why = base + " loops and sleeps (a kthread's main loop, or a blocking wait): a task sleeping in it does not switch until it wakes, and may never";
            }
            if (why == null) continue;
            out.add(new Finding(Rule.ENDLESS_TRANSITION, Severity.NEEDS_CARE, o.source(), base, null,
                    why + ", and the transition does not finish while such a task is in it "
                            + "(klp4j load and klp4j vm test name the blocking tasks when a transition stalls)",
                    "patch the function it calls that holds the change (mark it noinline if it is inlined); the livepatch core already "
                            + "wakes stalled kthreads and signals stalled tasks every 15 s (there is no signal file since Linux 5.1), so a task "
                            + "that never leaves the function keeps the transition pending until the patch is disabled"));
        }
    }

    /** What starts a thread at a function: kthreads, io_uring's threads (a process's SQPOLL thread), kernel_thread. */
    private static final Pattern STARTS_THREAD = Pattern.compile("\\b(?:kthread_(?:run|create)\\w*|create_io_thread|kernel_thread)\\s*\\(\\s*(\\w+)\\s*,");

    /**
     * A thread function ({@code int NAME(void *)}) that loops for ever and sleeps, and either checks
     * kthread_should_stop or is started by kthread_run/kthread_create (or create_io_thread,
     * kernel_thread) in its own file. A function that only waits in a loop (raid5_make_request)
     * returns once woken; a helper that checks kthread_should_stop returns to its thread's loop.
     * io_uring's io_sq_thread is one too: 6.12.118 changes it, and a process's SQPOLL ring keeps
     * its thread in it for as long as the ring is open.
     */
    static boolean kthreadMainLoop(String name, String text, Map<String, String> functions) {
        if (!threadShaped(name, text)) return false;
        if (text.contains("kthread_should_stop")) return true;
        for (String other : functions.values()) if (startsThreadAt(other, name)) return true;
        return false;
    }

    /** Whether {@code text} starts a thread at the function {@code name}. */
    private static boolean startsThreadAt(String text, String name) {
        Matcher m = STARTS_THREAD.matcher(text);
        while (m.find()) if (m.group(1).equals(name)) return true;
        return false;
    }

    /** A function {@code int NAME(void *)} that loops for ever and sleeps: a thread's main loop, if a thread is started at it. */
    private static boolean threadShaped(String name, String text) {
        return Pattern.compile("\\bint\\s+" + Pattern.quote(name) + "\\s*\\(\\s*void\\s*\\*\\s*\\w*\\s*\\)").matcher(text).find()
                && FOREVER.matcher(text).find() && SLEEPS.matcher(text).find();
    }

    /** Which of {@code names} the function text {@code text} (null: unknown) mentions. */
    private static Set<String> named(String text, Set<String> names) {
        Set<String> out = new TreeSet<>();
        if (text == null) return out;
        for (String n : names) if (Pattern.compile("\\b" + Pattern.quote(n) + "\\b").matcher(text).find()) out.add(n);
        return out;
    }

    // ---- rule 5: inlining fan-out -------------------------------------------------------------------

    static void inliningFanOut(ObjectPair o, List<SourceHunk> hunks, List<Finding> out) {
        Set<String> touched = new TreeSet<>();
        for (SourceHunk h : hunks) if (h.scope() == SourceHunk.Scope.FUNCTION && h.name() != null && h.file().equals(o.source())) touched.add(h.name());
        Set<String> functions = new TreeSet<>(), types = new TreeSet<>(), data = new TreeSet<>();
        for (SourceHunk h : hunks) {
            if (h.name() == null) continue;
            if (h.scope() == SourceHunk.Scope.FUNCTION || h.scope() == SourceHunk.Scope.MACRO) functions.add(h.name());
            else if (h.scope() == SourceHunk.Scope.TYPE) types.add(h.name());
            else if (h.scope() == SourceHunk.Scope.DATA && h.file().equals(o.source())) data.add(h.name());
        }
        Set<String> reported = new TreeSet<>();
        for (String f : o.changed()) {
            String base = f.replaceAll("\\..*", "");
            if (touched.contains(base) || !reported.add(base)) continue;
            String text = o.functions().get(base);
            List<String> because = new ArrayList<>();
            Set<String> callees = new TreeSet<>(), changedTypes = named(text, types);
            // Through the object's own functions it calls (eventfd_release -> eventfd_ctx_put -> eventfd_free -> the changed one).
            Set<String> seen = new TreeSet<>(Set.of(base));
            java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(List.of(base));
            while (!todo.isEmpty()) {
                String t = o.functions().get(todo.poll());
                callees.addAll(named(t, functions));
                for (String next : named(t, o.functions().keySet())) if (!functions.contains(next) && seen.add(next)) todo.add(next);
            }
            if (!callees.isEmpty()) because.add("the changed " + String.join(", ", callees) + " it calls or expands");
            if (!changedTypes.isEmpty()) because.add("the changed type " + String.join(", ", changedTypes) + " it uses");
            Set<String> tables = named(text, data);
            if (because.isEmpty() && !tables.isEmpty()) {
                // a changed read-only table: the patch carries the new one and replaces the functions that read it
                out.add(new Finding(Rule.INLINING_FANOUT, Severity.INFO, o.source(), base, null,
                        base + " is not in any hunk; it reads the changed table " + String.join(", ", tables)
                                + ", which the patch carries anew, so the live patch replaces it to read the new one",
                        "nothing to do; the module is permanent (it stays loaded once unpatched: running code may point into the table)"));
                continue;
            }
            if (because.isEmpty()) because.add("a changed inline function, macro or type it uses");
            out.add(new Finding(Rule.INLINING_FANOUT, Severity.INFO, o.source(), base, null,
                    base + " is not in any hunk; it changed because of " + String.join(" and ", because) + " (inlined, expanded or laid out into it), so the live patch replaces it too",
                    "nothing to do; to keep the patch small, mark the changed callee noinline in the fix"));
        }
    }
}
