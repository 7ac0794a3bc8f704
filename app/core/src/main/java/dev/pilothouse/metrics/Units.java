package dev.pilothouse.metrics;

import java.util.Locale;

/** Figures for people, as {@code kubectl top} shows them: CPU in millicores, bytes in binary units. */
public final class Units {
    private static final String[] BINARY = {"KiB", "MiB", "GiB", "TiB"};

    private Units() {
    }

    /** 512 B, 1.5 KiB, 2.0 GiB; a dash for unknown. */
    public static String bytes(Long bytes) {
        if (bytes == null) {
            return "-";
        }
        if (bytes < 1024) {
            return bytes + " B";
        }
        double v = bytes;
        int unit = -1;
        while (v >= 1024 && unit < BINARY.length - 1) {
            v /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, BINARY[unit]);
    }

    /** Cores as millicores: 0.25 is 250m, 1.5 is 1500m; a dash for unknown. */
    public static String cpu(Double cores) {
        return cores == null ? "-" : Math.round(cores * 1000) + "m";
    }

    /** Cores as percent of one core, as {@code top} shows them: 0.25 is 25%, 1.5 is 150%; a dash for unknown. */
    public static String percent(Double cores) {
        if (cores == null) {
            return "-";
        }
        double p = cores * 100;
        return (p < 10 ? String.format(Locale.ROOT, "%.1f", p) : Long.toString(Math.round(p))) + "%";
    }

    /** "1 file", "3 files". */
    public static String files(long n) {
        return n + (n == 1 ? " file" : " files");
    }

    /** Milliseconds: 850 ms, 2.3 s; a dash for unknown. */
    public static String millis(Long ms) {
        if (ms == null) {
            return "-";
        }
        return ms < 1000 ? ms + " ms" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
