package dev.pilothouse.console.files;

import dev.pilothouse.metrics.Units;

/** Byte counts for people: 512 B, 1.5 KiB, 2.0 GiB. */
final class Sizes {
    private Sizes() {
    }

    static String of(long bytes) {
        return Units.bytes(bytes);
    }
}
