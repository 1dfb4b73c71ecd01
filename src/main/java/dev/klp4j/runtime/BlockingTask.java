package dev.klp4j.runtime;

import java.util.List;

/** A task that has not switched to the transition's target state, with its kernel stack. */
public record BlockingTask(int pid, String comm, int patchState, List<String> stack) {
    public String describe() {
        return pid + " (" + comm + ")" + (stack.isEmpty() ? "" : " in " + stack.get(0).trim());
    }
}
