package dev.klp4j.kbuild;

import org.junit.jupiter.api.Order;

import dev.klp4j.base.CacheLock;

import dev.klp4j.kernel.KernelTarget;
import dev.klp4j.source.PatchApplier;
import dev.klp4j.source.UnifiedDiff;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.testing.TestKernel;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.elf.Section;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against the real Debian kernel source (the shared cache in ~/.cache/klp4j/RELEASE, made once). */
@Order(3) // long classes start first (src/test/resources/junit-platform.properties)
@Tag("kernel")
class KernelTreeTest {
    static KernelTarget target;
    static Path tree;
    static KbuildQuery kbuild;

    CacheLock held;

    @BeforeAll
    static void prepare() {
        target = TestKernel.target();
        try (CacheLock h = TestKernel.holdTree(target)) {
            SourceTreeCache c = TestKernel.preparedTree(target);
            tree = c.tree();
            PatchApplier.recover(tree, c.cacheDir().resolve("journal"));
        }
        kbuild = new KbuildQuery(tree);
    }

    /** Each test holds the shared tree, so the other class's builds run between them rather than wait minutes. */
    @BeforeEach
    void hold() {
        held = TestKernel.holdTree(target);
    }

    @AfterEach
    void release() {
        if (held != null) held.close();
    }

    static UnifiedDiff diffOf(String... paths) {
        StringBuilder sb = new StringBuilder();
        for (String p : paths) sb.append("--- a/").append(p).append("\n+++ b/").append(p).append("\n@@ -1,1 +1,1 @@\n-x\n+y\n");
        return UnifiedDiff.parse(sb.toString());
    }

    @Test
    void cFileMapsToItsObject() {
        assertThat(new ChangedObjects(tree, kbuild, 2).find(diffOf("fs/proc/cmdline.c")).sources()).containsExactly("fs/proc/cmdline.o");
        assertThat(kbuild.kind("fs/proc/cmdline.o")).isEqualTo(KbuildQuery.Kind.BUILTIN);
        assertThat(kbuild.kind("fs/minix/inode.o")).isEqualTo(KbuildQuery.Kind.MODULE);
    }

    @Test
    void anObjectADirectoryAboveWouldAlsoCompileIsCompiledByItsOwnDirectoryAlone(@TempDir Path out) throws Exception {
        // drivers/Makefile enters char/ipmi/ and char/: asked as a single target, drivers/char would
        // compile ipmi_msghandler.o too, as built-in code, racing the real one.
        assertThat(kbuild.shadowedBuilder("drivers/char/ipmi/ipmi_msghandler.o")).isEqualTo("drivers/char/ipmi");
        assertThat(kbuild.shadowedBuilder("fs/minix/inode.o")).isNull();
        assertThat(kbuild.shadowedBuilder("arch/x86/kvm/mmu/mmu.o")).isNull();
        // Preprocessing too: the .i is asked of drivers/char/ipmi alone.
        assertThat(kbuild.makeCalls(List.of("make"), List.of("drivers/char/ipmi/ipmi_msghandler.i", "fs/minix/inode.i"))).containsExactly(
                List.of("make", "fs/minix/inode.i"), List.of("make", "M=drivers/char/ipmi", "subdir-ym=", "ipmi_msghandler.i"));
        new ObjectCompiler(tree, 2, null, kbuild::makeTarget).makeCalls(kbuild::makeCalls)
                .compile(List.of("drivers/char/ipmi/ipmi_msghandler.o"), out);
        String cmd = Files.readString(ObjectCompiler.cmdFile(out, "drivers/char/ipmi/ipmi_msghandler.o"));
        assertThat(cmd.lines().findFirst().orElse("")).contains(" -DMODULE ").doesNotContain("KBUILD_MODFILE='\"drivers/char/ipmi_msghandler\"'");
        assertThat(new ObjectOwner(kbuild, target.modulesDir()).owner("drivers/char/ipmi/ipmi_msghandler.o", out).name()).isEqualTo("ipmi_msghandler");
    }

    @Test
    void anObjectASubdirectoryBelowItsBuilderWouldTakeIsCompiledByItsBuilderAlone(@TempDir Path out) throws Exception {
        // drivers/gpu/drm builds bridge/panel.o into drm_kms_helper and enters bridge/, which takes
        // the single target and compiles it as built-in code (a 6.1.190 header batch failed on it).
        assertThat(kbuild.builder("drivers/gpu/drm/bridge/panel.o")).isEqualTo(new KbuildQuery.Builder("drivers/gpu/drm", KbuildQuery.Kind.MODULE));
        assertThat(kbuild.shadowedBuilder("drivers/gpu/drm/bridge/panel.o")).isEqualTo("drivers/gpu/drm");
        new ObjectCompiler(tree, 2, null, kbuild::makeTarget).makeCalls(kbuild::makeCalls)
                .compile(List.of("drivers/gpu/drm/bridge/panel.o"), out);
        assertThat(new ObjectOwner(kbuild, target.modulesDir()).owner("drivers/gpu/drm/bridge/panel.o", out).name()).isEqualTo("drm_kms_helper");
    }

    @Test
    void anObjectAMakefileFarAwayNamesIsFoundWithThatBuilder() {
        // arch/x86/kvm/Makefile includes virt/kvm/Makefile.kvm: kvm-y := $(KVM)/kvm_main.o, KVM ?= ../../../virt/kvm.
        assertThat(kbuild.builder("virt/kvm/kvm_main.o")).isEqualTo(new KbuildQuery.Builder("arch/x86/kvm", KbuildQuery.Kind.MODULE));
        assertThat(kbuild.makeTarget("virt/kvm/kvm_main.o")).isEqualTo("arch/x86/kvm/../../../virt/kvm/kvm_main.o");
        assertThat(new ChangedObjects(tree, kbuild, 2).find(diffOf("virt/kvm/kvm_main.c")).sources()).containsExactly("virt/kvm/kvm_main.o");
        // A file no Makefile names is still not built.
        assertThat(kbuild.kind("drivers/gpio/gpio-timberdale.o")).isEqualTo(KbuildQuery.Kind.NOT_BUILT);
    }

    @Test
    void objectsOfCompositeModulesAndNestedDirectoriesAreFoundWithTheirBuilder() {
        // kvm-y += mmu/mmu.o: built by arch/x86/kvm's Makefile, not by a Makefile of its own directory.
        assertThat(kbuild.builder("arch/x86/kvm/mmu/mmu.o")).isEqualTo(new KbuildQuery.Builder("arch/x86/kvm", KbuildQuery.Kind.MODULE));
        // drivers/gpu/drm enters amd/amdgpu directly (obj-$(CONFIG_DRM_AMDGPU) += amd/amdgpu/).
        assertThat(kbuild.builder("drivers/gpu/drm/amd/amdgpu/amdgpu_cs.o"))
                .isEqualTo(new KbuildQuery.Builder("drivers/gpu/drm/amd/amdgpu", KbuildQuery.Kind.MODULE));
        // amdgpu-y names parts beside its directory (../pm/...): a sibling directory builds them.
        assertThat(kbuild.builder("drivers/gpu/drm/amd/pm/swsmu/amdgpu_smu.o"))
                .isEqualTo(new KbuildQuery.Builder("drivers/gpu/drm/amd/amdgpu", KbuildQuery.Kind.MODULE));
        assertThat(new ChangedObjects(tree, kbuild, 2).find(diffOf("arch/x86/kvm/mmu/mmu.c")).sources()).containsExactly("arch/x86/kvm/mmu/mmu.o");
    }

    @Test
    void aCFileThatAnotherIncludesMapsToTheIncludersObject() {
        // kernel/sched/build_utility.c has #include "loadavg.c"; there is no loadavg.o.
        assertThat(kbuild.kind("kernel/sched/loadavg.o")).isEqualTo(KbuildQuery.Kind.NOT_BUILT);
        assertThat(new ChangedObjects(tree, kbuild, 2).find(diffOf("kernel/sched/loadavg.c")).sources())
                .containsExactly("kernel/sched/build_utility.o");
    }

    @Test
    void fileOutsideTheConfigIsRefused() throws Exception {
        String config = Files.readString(tree.resolve(".config"));
        // The premise, asserted rather than assumed: a config that builds ext2 must fail here, not skip.
        assertThat(config).as("Debian's config leaves ext2 to ext4").contains("# CONFIG_EXT2_FS is not set");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ChangedObjects(tree, kbuild, 2).find(diffOf("fs/ext2/balloc.c")))
                .hasMessageContaining("not built by this kernel's config");
        // Another architecture's header is the same case: an update classes it not-built, not a failure of klp4j.
        assertThat(tree.resolve("include/kvm/arm_arch_timer.h")).exists();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ChangedObjects(tree, kbuild, 2).find(diffOf("include/kvm/arm_arch_timer.h")))
                .hasMessageContaining("not built by this kernel's config (no object of this config includes this header)");
    }

    @Test
    void headerMapsToTheObjectsThatIncludeIt() throws Exception {
        // Independently: the .c files in fs/minix whose text includes "minix.h".
        Set<String> expected = new TreeSet<>();
        try (Stream<Path> s = Files.list(tree.resolve("fs/minix"))) {
            for (Path p : s.filter(p -> p.toString().endsWith(".c")).toList()) {
                if (Files.readString(p).contains("#include \"minix.h\"")) expected.add("fs/minix/" + p.getFileName().toString().replace(".c", ".o"));
            }
        }
        assertThat(expected).isNotEmpty();
        List<String> found = new ChangedObjects(tree, kbuild, 2).headerUsers("fs/minix/minix.h");
        assertThat(new TreeSet<>(found)).isEqualTo(expected);
    }

    /** The objects a header patch makes klp4j compile: applied to the real tree, then taken out again. */
    /** What {@link ChangedObjects#affected} compiles for a patch to {@code header} that replaces each "from" by its "to". */
    private static List<String> compiledFor(Path work, String header, String... fromTo) throws Exception {
        return reachOf(work, Integer.MAX_VALUE, header, fromTo).objects();
    }

    /** What {@link ChangedObjects#affected} finds, preprocessing at most {@code limit} objects. */
    private static HeaderReach reachOf(Path work, int limit, String header, String... fromTo) throws Exception {
        String text = Files.readString(tree.resolve(header));
        String patched = text;
        for (int k = 0; k < fromTo.length; k += 2) {
            assertThat(text).contains(fromTo[k]);
            patched = patched.replace(fromTo[k], fromTo[k + 1]);
        }
        Path a = work.resolve("a/" + header), b = work.resolve("b/" + header);
        Files.createDirectories(a.getParent());
        Files.createDirectories(b.getParent());
        Files.writeString(a, text);
        Files.writeString(b, patched);
        String diff = new String(new ProcessBuilder("diff", "-u", "a/" + header, "b/" + header).directory(work.toFile())
                .start().getInputStream().readAllBytes());
        Path patch = work.resolve("h.patch");
        Files.writeString(patch, diff);
        PatchApplier applier = new PatchApplier(tree, work.resolve("journal"), patch);
        ChangedObjects c = new ChangedObjects(tree, kbuild, 2).limit(limit);
        ChangedObjects.Changes changes = c.find(applier.diff());
        assertThat(changes.considered()).as("every object of fs/minix includes minix.h").isGreaterThanOrEqualTo(5);
        HeaderReach out = c.affected(changes, applier::apply, applier::revert);
        assertThat(Files.readString(tree.resolve(header))).as("the tree is pristine again").isEqualTo(text);
        lastPreprocessed = out.preprocessed();
        return out;
    }

    private static int lastPreprocessed;

    /** A unified diff of {@code header} with each "from" replaced by its "to" (the tree is not touched). */
    private static String diffOf(Path work, String header, String from, String to) throws Exception {
        String text = Files.readString(tree.resolve(header));
        assertThat(text).contains(from);
        Path a = work.resolve("a/" + header), b = work.resolve("b/" + header);
        Files.createDirectories(a.getParent());
        Files.createDirectories(b.getParent());
        Files.writeString(a, text);
        Files.writeString(b, text.replace(from, to));
        return new String(new ProcessBuilder("diff", "-u", "a/" + header, "b/" + header).directory(work.toFile())
                .start().getInputStream().readAllBytes());
    }

    @Test
    void theUsersOfManyHeaderFixesAreFoundTogetherEachWithItsOwn(@TempDir Path work) throws Exception {
        // An update's header fixes: a prototype in minix.h (its definition and caller) and a macro of
        // the uapi minix_fs.h (the one file naming it, by its text), in one patch and one pass.
        String proto = diffOf(work, "fs/minix/minix.h", "extern unsigned long minix_count_free_blocks(struct super_block *sb);",
                "extern unsigned long minix_count_free_blocks(struct super_block *sb, int verbose);");
        String macro = diffOf(work, "include/uapi/linux/minix_fs.h", "#define MINIX_ERROR_FS\t\t0x0002", "#define MINIX_ERROR_FS\t\t0x0004");
        Path patch = work.resolve("both.patch");
        Files.writeString(patch, proto + macro);
        PatchApplier applier = new PatchApplier(tree, work.resolve("journal"), patch);
        ChangedObjects c = new ChangedObjects(tree, kbuild, 2);
        java.util.Map<String, ChangedObjects.Changes> fixes = new java.util.LinkedHashMap<>();
        fixes.put("proto", c.find(dev.klp4j.source.UnifiedDiff.parse(proto)));
        fixes.put("macro", c.find(dev.klp4j.source.UnifiedDiff.parse(macro)));

        java.util.Map<String, HeaderReach> users = c.affectedEach(fixes, applier::apply, applier::revert);

        assertThat(users.get("proto").objects()).containsExactly("fs/minix/bitmap.o", "fs/minix/inode.o");
        assertThat(users.get("macro").objects()).containsExactly("fs/minix/inode.o");
        assertThat(Files.readString(tree.resolve("include/uapi/linux/minix_fs.h"))).doesNotContain("0x0004");
    }

    @Test
    void aPrototypeChangeCompilesItsCallersAfterOnePass(@TempDir Path work) throws Exception {
        // Only the definition (bitmap.c) and the caller (inode.c) depend on it; code reaches a
        // prototype only by naming it, so the other includers of minix.h are not even preprocessed.
        assertThat(compiledFor(work, "fs/minix/minix.h", "extern unsigned long minix_count_free_blocks(struct super_block *sb);",
                "extern unsigned long minix_count_free_blocks(struct super_block *sb, int verbose);"))
                .containsExactly("fs/minix/bitmap.o", "fs/minix/inode.o");
        assertThat(lastPreprocessed).as("the two files naming it").isEqualTo(2);
    }

    @Test
    void pastTheLimitNothingIsPreprocessedAndTheReachSaysWhy(@TempDir Path work) throws Exception {
        // A struct every includer may reach through other types: all of fs/minix would be preprocessed.
        HeaderReach wide = reachOf(work, 3, "fs/minix/minix.h", "\tunsigned short s_version;\n",
                "\tunsigned short s_version;\n\tunsigned short s_klp4j;\n");
        assertThat(wide.pastLimit()).isTrue();
        assertThat(wide.preprocessed()).isGreaterThanOrEqualTo(5);
        assertThat(wide.why()).startsWith("fs/minix/minix.h: code reaches minix_sb_info through other types");
        assertThat(wide.objects()).as("nothing found: only the fix's own sources, none here").isEmpty();
        // (A prototype's users, found by name, are two: aPrototypeChangeCompilesItsCallersAfterOnePass.)
    }

    @Test
    void aStructChangeUnderAnOptionThisConfigLeavesOutCompilesNothingAndPreprocessesNothing(@TempDir Path work) throws Exception {
        // A kcov field added to task_struct (a real stable fix): Debian does not enable CONFIG_KCOV,
        // and sched.h has some twenty thousand users that preprocessing twice would take an hour for.
        assertThat(compiledFor(work, "include/linux/sched.h", "\tunsigned int\t\t\tkcov_softirq;\n",
                "\tunsigned int\t\t\tkcov_softirq;\n\tunsigned int\t\t\tkcov_klp4j_saved_mode;\n")).isEmpty();
        assertThat(lastPreprocessed).isZero();
    }

    @Test
    void aStaticInlineChangeCompilesOnlyItsUsers(@TempDir Path work) throws Exception {
        assertThat(compiledFor(work, "fs/minix/minix.h", "return DIV_ROUND_UP(bits, blocksize * 8);",
                "return DIV_ROUND_UP(bits, blocksize * 8) + 0 * bits;")).containsExactly("fs/minix/inode.o");
    }

    @Test
    void aCommentChangeInAHeaderCompilesNothing(@TempDir Path work) throws Exception {
        assertThat(compiledFor(work, "fs/minix/minix.h", "#define INODE_VERSION(inode)", "/* which layout */\n#define INODE_VERSION(inode)"))
                .isEmpty();
    }

    @Test
    void anAddedIncludeAndCleanupHelperCompileNothingAndPreprocessNothing(@TempDir Path work) throws Exception {
        // Stable fixes add "#include <linux/err.h>" and "DEFINE_FREE(fput, ...)" to linux/file.h, a
        // header of thousands of objects: both only add names no compiled code could use before.
        assertThat(compiledFor(work, "fs/minix/minix.h", "#include <linux/minix_fs.h>\n",
                "#include <linux/minix_fs.h>\n#include <linux/err.h>\n",
                "static inline struct minix_sb_info *minix_sb(",
                "DEFINE_FREE(minix_brelse, struct buffer_head *, if (!IS_ERR_OR_NULL(_T)) brelse(_T))\n\n"
                        + "static inline struct minix_sb_info *minix_sb(")).isEmpty();
        assertThat(lastPreprocessed).isZero();
    }

    @Test
    void aCleanupHelperThatDefinesDataIsFollowedByPreprocessing(@TempDir Path work) throws Exception {
        // DEFINE_PER_CPU makes a variable in every includer: not a new name only.
        List<String> found = compiledFor(work, "fs/minix/minix.h", "static inline struct minix_sb_info *minix_sb(",
                "DEFINE_PER_CPU(int, minix_hits);\n\nstatic inline struct minix_sb_info *minix_sb(");
        assertThat(lastPreprocessed).isGreaterThanOrEqualTo(5);
        assertThat(found).contains("fs/minix/inode.o", "fs/minix/bitmap.o");
    }

    @Test
    void aMacroChangeCompilesTheUsersWhosePreprocessedCodeChanged(@TempDir Path work) throws Exception {
        // Only the files that expand MINIX_V1 see the change (INODE_VERSION users compare with it).
        Set<String> expected = new TreeSet<>();
        try (Stream<Path> s = Files.list(tree.resolve("fs/minix"))) {
            for (Path p : s.filter(p -> p.toString().endsWith(".c")).toList()) {
                if (Files.readString(p).contains("MINIX_V1")) {
                    expected.add("fs/minix/" + p.getFileName().toString().replace(".c", ".o"));
                }
            }
        }
        assertThat(expected).isNotEmpty();
        List<String> found = compiledFor(work, "fs/minix/minix.h", "#define MINIX_V1\t\t0x0001", "#define MINIX_V1\t\t0x0011");
        assertThat(new TreeSet<>(found)).isEqualTo(expected);
        assertThat(lastPreprocessed).as("only the includers that name MINIX_V1 are preprocessed").isEqualTo(expected.size());
    }

    @Test
    void includeLinesResolveToTheirOwnDirectorysHeader() throws Exception {
        // Many directories have an "internal.h"; only fs/proc's users may be proposed for fs/proc/internal.h.
        Set<String> expected = new TreeSet<>();
        try (Stream<Path> s = Files.list(tree.resolve("fs/proc"))) {
            for (Path p : s.filter(p -> p.toString().endsWith(".c")).toList()) {
                if (Files.readString(p).contains("#include \"internal.h\"")) expected.add("fs/proc/" + p.getFileName());
            }
        }
        Set<String> found = IncludeGraph.of(tree).mentioning("fs/proc/internal.h");
        assertThat(found).containsAll(expected).allMatch(f -> f.startsWith("fs/"));
        assertThat(found).doesNotContain("kernel/printk/printk.c", "mm/page_alloc.c");
    }

    @Test
    void compilesOriginalAndPatchedWithFunctionSections(@TempDir Path work) throws Exception {
        Path patch = Path.of("examples/cmdline/cmdline.patch").toAbsolutePath();
        PatchApplier a = new PatchApplier(tree, work.resolve("journal"), patch);
        ObjectCompiler c = new ObjectCompiler(tree, 2);
        c.compile(List.of("fs/proc/cmdline.o"), work.resolve("orig"));
        a.apply();
        try {
            c.compile(List.of("fs/proc/cmdline.o"), work.resolve("patched"));
        } finally {
            a.revert();
        }
        ElfFile orig = ElfReader.read(work.resolve("orig/fs/proc/cmdline.o"));
        ElfFile patched = ElfReader.read(work.resolve("patched/fs/proc/cmdline.o"));
        Section o = orig.section(".text.cmdline_proc_show").orElseThrow();
        Section p = patched.section(".text.cmdline_proc_show").orElseThrow();
        assertThat(Arrays.equals(o.data(), p.data())).isFalse();
        assertThat(Files.readString(tree.resolve("fs/proc/cmdline.c"))).doesNotContain("klp4j_cmdline");
        // kbuild's own flags were used (fentry for ftrace), and the owner is vmlinux.
        assertThat(Files.readString(ObjectCompiler.cmdFile(work.resolve("orig"), "fs/proc/cmdline.o"))).contains("-mfentry")
                .contains("-ffunction-sections");
        ObjectOwner owner = new ObjectOwner(kbuild, target.modulesDir());
        assertThat(owner.owner("fs/proc/cmdline.o", work.resolve("orig")).isVmlinux()).isTrue();
    }

    /**
     * The patched cache on the real tree: an entry is kept under what kbuild's record (make) and
     * gcc's dependency file (a replay) say the compile read, hundreds of headers, and found again
     * only while the tree holds that content.
     */
    @Test
    void aPatchedObjectIsTakenFromTheCacheOnlyWhileTheTreeHoldsWhatItWasCompiledFrom(@TempDir Path work) throws Exception {
        Path patch = Path.of("examples/cmdline/cmdline.patch").toAbsolutePath();
        PatchApplier a = new PatchApplier(tree, work.resolve("journal"), patch);
        ObjectCompiler c = new ObjectCompiler(tree, 2, null, kbuild::makeTarget).makeCalls(kbuild::makeCalls);
        c.cachingPatched(new PatchedObjectCache(tree, work.resolve("cache"), c.patchedFlags()));
        List<String> obj = List.of("fs/proc/cmdline.o");
        Path orig = work.resolve("orig");
        c.compile(obj, orig);
        a.apply();
        try {
            assertThat(c.compilePatched(obj, work.resolve("p1"))).isZero();
            assertThat(c.compileLike(obj, orig, work.resolve("p2"))).isEqualTo(1);
        } finally {
            a.revert();
        }
        assertThat(work.resolve("p2/fs/proc/cmdline.o")).hasSameBinaryContentAs(work.resolve("p1/fs/proc/cmdline.o"));
        // the pristine tree is not the patched one: the replay compiles, and keeps it by gcc's file
        assertThat(c.compileLike(obj, orig, work.resolve("p3"))).isZero();
        assertThat(ElfReader.read(work.resolve("p3/fs/proc/cmdline.o")).section(".text.cmdline_proc_show").orElseThrow().data())
                .isEqualTo(ElfReader.read(orig.resolve("fs/proc/cmdline.o")).section(".text.cmdline_proc_show").orElseThrow().data());
        assertThat(tree.resolve("fs/proc/.cmdline.o.d")).doesNotExist();
        a.apply();
        try {
            assertThat(c.compileLike(obj, orig, work.resolve("p4"))).isEqualTo(1);
        } finally {
            a.revert();
        }
        assertThat(work.resolve("p4/fs/proc/cmdline.o")).hasSameBinaryContentAs(work.resolve("p1/fs/proc/cmdline.o"));
        List<Path> entries;
        try (Stream<Path> s = Files.walk(work.resolve("cache"))) {
            entries = s.filter(p -> p.getFileName().toString().equals("deps")).toList();
        }
        assertThat(entries).hasSize(2);
        for (Path deps : entries) {
            assertThat(Files.readAllLines(deps)).hasSizeGreaterThan(100).contains("fs/proc/cmdline.c", "include/linux/seq_file.h");
        }
    }

    @Test
    void compilesGoToADistccWorkerWithTheKernelsOwnCommand(@TempDir Path work) throws Exception {
        // A local distccd is the cluster; DISTCC_FALLBACK=0 makes a job it did not take fail instead
        // of compiling here, and its log names each job it compiled.
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        // distccd drops root for an unprivileged user: its log goes to stderr, which this process writes.
        Path log = work.resolve("distccd.log");
        Process d = new ProcessBuilder("distccd", "--no-detach", "--daemon", "--allow", "127.0.0.1", "--listen", "127.0.0.1",
                "--port", String.valueOf(port), "--log-stderr", "--log-level", "info", "--jobs", "2").redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            for (int i = 0; i < 100; i++) {
                try (java.net.Socket ignored = new java.net.Socket("127.0.0.1", port)) {
                    break;
                } catch (java.io.IOException notYet) {
                    Thread.sleep(100);
                }
            }
            ObjectCompiler c = new ObjectCompiler(tree, 2, null, kbuild::makeTarget).makeCalls(kbuild::makeCalls)
                    .via(CompilerCluster.DISTCC, java.util.Map.of("DISTCC_HOSTS", "127.0.0.1:" + port, "DISTCC_FALLBACK", "0"));
            c.compile(List.of("fs/proc/cmdline.o"), work.resolve("orig"));
            // the replay of kbuild's record goes to the worker too
            c.compileLike(List.of("fs/proc/cmdline.o"), work.resolve("orig"), work.resolve("replayed"));
        } finally {
            d.descendants().forEach(ProcessHandle::destroy);
            d.destroy();
            d.waitFor();
        }
        assertThat(ElfReader.read(work.resolve("replayed/fs/proc/cmdline.o")).section(".text.cmdline_proc_show")).isPresent();
        assertThat(Files.readString(ObjectCompiler.cmdFile(work.resolve("orig"), "fs/proc/cmdline.o"))).as("kbuild's own command")
                .startsWith("cmd_fs/proc/cmdline.o := gcc ");
        assertThat(Files.readAllLines(log).stream().filter(l -> l.contains("COMPILE_OK") && l.contains("cmdline.c")).count())
                .as(Files.readString(log)).isEqualTo(2);
    }

    @Test
    void anObjectAModuleTakesFromASiblingDirectoryIsCompiledWithThatModulesFlags(@TempDir Path work) throws Exception {
        // amdgpu's Makefile adds ../amdkfd/*.o to amdgpu-y with its own include paths; asked for by its
        // plain path, kbuild compiles it in drivers/gpu/drm without them (kgd_kfd_interface.h not found).
        String obj = "drivers/gpu/drm/amd/amdkfd/kfd_chardev.o";
        assertThat(kbuild.makeTarget(obj)).isEqualTo("drivers/gpu/drm/amd/amdgpu/../amdkfd/kfd_chardev.o");
        assertThat(kbuild.makeTarget("drivers/gpu/drm/amd/amdkfd/kfd_chardev.i")).isEqualTo("drivers/gpu/drm/amd/amdgpu/../amdkfd/kfd_chardev.i");
        assertThat(kbuild.makeTarget("fs/proc/cmdline.o")).isEqualTo("fs/proc/cmdline.o");
        assertThat(kbuild.makeTarget("arch/x86/kvm/mmu/mmu.o")).isEqualTo("arch/x86/kvm/mmu/mmu.o");
        new ObjectCompiler(tree, 2, null, kbuild::makeTarget).compile(List.of(obj), work);
        assertThat(Files.readString(ObjectCompiler.cmdFile(work, obj))).contains("-I./drivers/gpu/drm/amd/amdgpu/../amdkfd");
        assertThat(new ObjectOwner(kbuild, target.modulesDir()).owner(obj, work).name()).isEqualTo("amdgpu");
    }

    @Test
    void moduleObjectOwnerIsTheModule(@TempDir Path work) throws Exception {
        new ObjectCompiler(tree, 2).compile(List.of("fs/minix/bitmap.o"), work);
        ObjectOwner.Owner o = new ObjectOwner(kbuild, target.modulesDir()).owner("fs/minix/bitmap.o", work);
        assertThat(o.name()).isEqualTo("minix");
        assertThat(target.modulesDir().resolve(o.modulePath())).exists();
    }

    @Test
    void specialSectionEntrySizesAreMeasuredFromTheTargetsHeaders(@TempDir Path work) throws Exception {
        // Linux 6.1 uses relative jump entries (16 bytes) and alt_instr without padlen (12 bytes),
        // unlike the corpus defaults (24 and 13): the differ must be given the target's sizes.
        Files.deleteIfExists(tree.resolve("klp4j-probe/sizes.properties"));
        dev.klp4j.diff.StructSizes sizes = TargetStructSizes.of(tree);
        assertThat(sizes.toString()).contains("jump=16").contains("alt=12").contains("ex=12").contains("bug=12")
                .contains("orc=6").contains("static_call=8");
        assertThat(tree.resolve("klp4j-probe/sizes.properties")).content().contains("jump=16");
        // A real object's tables are whole multiples of the measured sizes (kernel/sys.o has all three).
        new ObjectCompiler(tree, 2).compile(List.of("kernel/sys.o"), work);
        dev.klp4j.elf.ElfFile f = dev.klp4j.elf.ElfReader.read(work.resolve("kernel/sys.o"));
        assertThat(f.section("__jump_table").orElseThrow().size() % 16).isZero();
        assertThat(f.section(".altinstructions").orElseThrow().size() % 12).isZero();
        assertThat(f.section("__bug_table").orElseThrow().size() % 12).isZero();
    }
}
