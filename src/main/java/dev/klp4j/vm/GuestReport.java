package dev.klp4j.vm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the guest runtime reported on its protocol port (ttyS1): lines {@code KLP4J key args...}.
 * See klp4j-guest.sh for the writer.
 */
public final class GuestReport {
    /** One phase of the harness sequence. */
    public record Phase(String name, boolean passed, String detail) {}

    /** A finished (un)patching transition: the kernel's own duration and the wall time we saw. */
    public record Transition(String module, String kind, long kernelMicros, long wallMillis) {}

    /**
     * A transition that had not finished at a stall interval: how many tasks held it up, and the
     * runtime's one line naming them, each in the patched function it sleeps in where it is in one.
     */
    public record Stall(String module, int tasks, String heldBy) {}

    private String booted;
    private final List<Phase> phases = new ArrayList<>();
    private final List<Transition> transitions = new ArrayList<>();
    private final List<Stall> stalls = new ArrayList<>();
    private final Map<String, String> blocked = new LinkedHashMap<>();
    private final List<String> reversed = new ArrayList<>();
    private final List<String> dmesg = new ArrayList<>();
    private final Map<String, String> info = new LinkedHashMap<>();
    private String result;
    private boolean inDmesg;

    /** Feeds one line; returns the phase it completed, if any. */
    public Phase accept(String line) {
        if (inDmesg) {
            if (line.startsWith("KLP4J dmesg-end")) inDmesg = false;
            else dmesg.add(line);
            return null;
        }
        if (!line.startsWith("KLP4J ")) return null;
        String[] w = line.substring(6).trim().split(" ", 4);
        switch (w[0]) {
            case "booted" -> booted = w.length > 1 ? w[1] : "";
            case "phase" -> {
                if (w.length < 3) return null;
                Phase p = new Phase(w[1], w[2].equals("pass"), w.length > 3 ? w[3] : "");
                phases.add(p);
                return p;
            }
            case "transition", "untransition" -> {
                if (w.length < 4) return null;
                String[] t = w[3].split(" ");
                transitions.add(new Transition(w[1], w[0].equals("transition") ? "patching" : "unpatching",
                        parse(w[2]), parse(t[0])));
            }
            case "stall" -> stalls.add(new Stall(w.length > 1 ? w[1] : "", w.length > 2 ? (int) Math.max(0, parse(w[2])) : 0,
                    w.length > 3 ? w[3].trim() : ""));
            case "blocked" -> blocked.put(w.length > 1 ? w[1] : "", String.join(" ",
                    java.util.Arrays.copyOfRange(w, Math.min(2, w.length), w.length)).trim());
            case "reversed" -> reversed.add(w.length > 1 ? w[1] : "");
            case "info" -> {
                if (w.length > 2) info.put(w[1], String.join(" ", java.util.Arrays.copyOfRange(w, 2, w.length)).trim());
            }
            case "dmesg-begin" -> inDmesg = true;
            case "result" -> result = w.length > 1 ? w[1] : "";
            default -> { }
        }
        return null;
    }

    private static long parse(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    public boolean booted() { return booted != null; }
    public String bootedRelease() { return booted; }
    public List<Phase> phases() { return phases; }
    public List<Transition> transitions() { return transitions; }
    public List<Stall> stalls() { return stalls; }
    public List<String> dmesg() { return dmesg; }
    /** Module -> the tasks that blocked its transition at the timeout ("PID COMM PID COMM ..."). */
    public Map<String, String> blocked() { return blocked; }
    /** Modules whose timed-out transition was reversed and which were unloaded again. */
    public List<String> reversed() { return reversed; }
    public String result() { return result; }
    /** Module -> what {@code klp4j info NAME --json} printed in the guest while the patch was loaded. */
    public Map<String, String> info() { return info; }

    /** Every phase reported passed and the guest said so. */
    public boolean passed() {
        return "pass".equals(result) && !phases.isEmpty() && phases.stream().allMatch(Phase::passed);
    }

    public String lastPhase() {
        return phases.isEmpty() ? (booted() ? "booted" : "boot") : phases.get(phases.size() - 1).name();
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("release", booted);
        m.put("result", result == null ? "incomplete" : result);
        List<Object> ps = new ArrayList<>();
        for (Phase p : phases) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", p.name());
            e.put("passed", p.passed());
            e.put("detail", p.detail());
            ps.add(e);
        }
        m.put("phases", ps);
        List<Object> ts = new ArrayList<>();
        for (Transition t : transitions) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("module", t.module());
            e.put("kind", t.kind());
            e.put("transitionMs", t.kernelMicros() / 1000.0);
            e.put("wallMs", t.wallMillis());
            ts.add(e);
        }
        m.put("transitions", ts);
        m.put("stalls", List.copyOf(stalls)); // a record: Jackson writes its components by name
        m.put("blocked", blocked);
        m.put("reversed", reversed);
        Map<String, Object> inf = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : info.entrySet()) {
            try {
                inf.put(e.getKey(), new com.fasterxml.jackson.databind.ObjectMapper().readTree(e.getValue()));
            } catch (java.io.IOException ex) {
                inf.put(e.getKey(), e.getValue());
            }
        }
        m.put("info", inf);
        return m;
    }
}
