package dev.klp4j.cli;

import dev.klp4j.pipeline.Step;
import dev.klp4j.update.FixDecision;
import dev.klp4j.update.UpdateListener;
import dev.klp4j.vm.GuestReport;
import java.io.PrintWriter;

/**
 * An update's progress as text: its steps as a build's, and while fixes are decided a progress
 * line with counts and the time left ("[ 12/40] live-patched fs/ext4/mballoc.c  ETA 3 min").
 */
final class UpdatePrinter implements UpdateListener {
    private final StepPrinter steps;
    private final PrintWriter out;
    private final boolean interactive;

    UpdatePrinter(PrintWriter out, boolean interactive) {
        this.steps = new StepPrinter(out, interactive);
        this.out = out;
        this.interactive = interactive;
    }

    @Override public void started(String step) { steps.started(step); }
    @Override public void progress(String step, String message) { steps.progress(step, message); }
    @Override public void finished(Step s) { steps.finished(s); }
    @Override public void note(String line) { steps.note(line); }

    @Override
    public void decided(int done, int total, FixDecision d, double etaSeconds) {
        String eta = etaSeconds < 0 ? "" : etaSeconds < 90 ? String.format("  ETA %.0f s", etaSeconds) : String.format("  ETA %.0f min", etaSeconds / 60);
        int w = String.valueOf(total).length();
        String line = String.format("  [%" + w + "d/%d] %-12s %s%s", done, total, d.status().id(), d.id(), eta);
        // On a terminal the line is a progress bar, rewritten in place; in a log every fix keeps its line.
        if (interactive) out.print(line + " ".repeat(10) + (done == total ? "\n" : "\r"));
        else out.println(line);
        out.flush();
    }

    @Override
    public void proofPhase(GuestReport.Phase p) {
        out.printf("  %-13s %s  %s%n", p.name(), p.passed() ? "pass" : "FAIL", p.detail());
        out.flush();
    }
}
