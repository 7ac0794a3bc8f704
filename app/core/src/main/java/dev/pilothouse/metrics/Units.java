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
        int power = binaryPower(bytes);
        if (power == 0) {
            return bytes + " B";
        }
        return String.format(Locale.ROOT, "%.1f %s", bytes / Math.pow(1024, power), binaryUnit(power));
    }

    /** The power of 1024 whose unit shows {@code bytes} as 1 or more: 0 under 1 KiB, at most 4 (TiB). */
    public static int binaryPower(long bytes) {
        int power = 0;
        for (double v = bytes; v >= 1024 && power < BINARY.length; v /= 1024) {
            power++;
        }
        return power;
    }

    /** The name of 1024 to the {@code power} (1 to 4): KiB, MiB, GiB, TiB. */
    public static String binaryUnit(int power) {
        return BINARY[power - 1];
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
