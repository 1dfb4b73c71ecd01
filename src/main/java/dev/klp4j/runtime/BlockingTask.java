package dev.klp4j.runtime;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** A task that has not switched to the transition's target state, with its kernel stack. */
public record BlockingTask(int pid, String comm, int patchState, List<String> stack) {
    public String describe() {
        return pid + " (" + comm + ")" + (stack.isEmpty() ? "" : " in " + stack.get(0).trim());
    }

    /**
     * Names the frame that holds the task back: the first of its stack in one of {@code patched}
     * (the transition waits for exactly those), else the top of the stack. The top is mostly the
     * scheduler, which says nothing about which patched function the task sleeps in.
     */
    public String describe(Set<String> patched) {
        return patchedFrame(patched).map(f -> pid + " (" + comm + ") in " + f).orElseGet(this::describe);
    }

    /** The first frame of the stack whose function is one of {@code patched}. */
    public Optional<String> patchedFrame(Set<String> patched) {
        return stack.stream().map(String::trim).filter(f -> patched.contains(function(f))).findFirst();
    }

    /** The function of a /proc/PID/stack line: "[<0>] name+0x1d/0x30 [module]" -> "name". */
    static String function(String frame) {
        String f = frame.trim();
        if (f.startsWith("[<")) {
            int end = f.indexOf("] ");
            f = end < 0 ? "" : f.substring(end + 2);
        }
        int cut = f.length();
        for (char c : new char[] {'+', ' '}) {
            int i = f.indexOf(c);
            if (i >= 0 && i < cut) cut = i;
        }
        return f.substring(0, cut);
    }
}
