package dev.klp4j.cli;

import dev.klp4j.pipeline.Step;
import dev.klp4j.pipeline.StepListener;
import java.io.PrintWriter;

/**
 * A build's steps as text, one line per step with its time. On a terminal a running step shows
 * "..." (and its progress notes) on a line the finished step's line replaces.
 */
final class StepPrinter implements StepListener {
    private final PrintWriter out;
    private final boolean interactive;

    StepPrinter(PrintWriter out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    @Override
    public void started(String step) {
        if (!interactive) return;
        out.printf("%-18s   ...%s\r", step, " ".repeat(40));
        out.flush();
    }

    @Override
    public void progress(String step, String message) {
        if (interactive) out.printf("%-18s   %s%s\r", step, message, " ".repeat(20));
        else if (!step.equals("changed objects")) out.println("  " + message); // its counts only help while it runs
        out.flush();
    }

    @Override
    public void finished(Step s) {
        out.printf("%-18s %6.1f s  %s%n", s.name(), s.seconds(), s.detail());
        out.flush();
    }

    @Override
    public void note(String line) {
        out.println(line);
        out.flush();
    }
}
