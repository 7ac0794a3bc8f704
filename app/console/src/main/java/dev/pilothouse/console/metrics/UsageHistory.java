package dev.pilothouse.console.metrics;

import dev.pilothouse.metrics.Current;
import javafx.beans.property.ReadOnlyLongProperty;
import javafx.beans.property.ReadOnlyLongWrapper;

import java.util.HashMap;
import java.util.Map;

/**
 * The last few readings of each running session, for the table's sparklines: kept in the console
 * as they are polled (every 5 s), a ring of {@link #POINTS} per session. A session missing from a
 * poll (paused, deleted) keeps its line but shows no current figure. Used on the FX thread only.
 */
public final class UsageHistory {
    /** Two minutes at one reading every 5 s. */
    public static final int POINTS = 24;

    private final Map<String, double[]> cpu = new HashMap<>();
    private final Map<String, double[]> memory = new HashMap<>();
    private final Map<String, Current> latest = new HashMap<>();
    /** Moves on with every poll: cells listen to it to redraw. */
    private final ReadOnlyLongWrapper version = new ReadOnlyLongWrapper();

    public ReadOnlyLongProperty version() {
        return version.getReadOnlyProperty();
    }

    /**
     * One poll's readings: appended to each session's rings; sessions not in it have no current
     * figure. A failed poll (null) changes nothing: the next one comes in 5 s.
     */
    public void add(Map<String, Current> readings) {
        if (readings == null) {
            return;
        }
        latest.clear();
        readings.forEach((id, c) -> {
            latest.put(id, c);
            push(cpu, id, c.cpu());
            push(memory, id, c.memory() == null ? null : c.memory().doubleValue());
        });
        version.set(version.get() + 1);
    }

    private static void push(Map<String, double[]> rings, String id, Double value) {
        double[] ring = rings.computeIfAbsent(id, k -> {
            double[] r = new double[POINTS];
            java.util.Arrays.fill(r, Double.NaN);
            return r;
        });
        System.arraycopy(ring, 1, ring, 0, POINTS - 1);
        ring[POINTS - 1] = value == null ? Double.NaN : value;
    }

    /** The session's latest reading, or null when it was not in the last poll. */
    public Current latest(String id) {
        return latest.get(id);
    }

    /** The last {@link #POINTS} CPU figures, oldest first (NaN where none), or null. */
    public double[] cpu(String id) {
        return cpu.get(id);
    }

    public double[] memory(String id) {
        return memory.get(id);
    }

    /** Forgets sessions no longer listed (a context switch). */
    public void clear() {
        cpu.clear();
        memory.clear();
        latest.clear();
        version.set(version.get() + 1);
    }
}
