package dev.pilothouse.console.logs;

import dev.pilothouse.runtime.LogLine;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LineStoreTest {
    @Test
    void keepsEveryLineWithItsTimeAcrossChunksAndBlocks() {
        LineStore store = new LineStore();
        Instant t0 = Instant.parse("2026-11-21T10:15:03.123456789Z");
        List<LogLine> batch = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) { // ~2.5 MB: several chunks, several index blocks
            batch.add(new LogLine(i % 3 == 0 ? null : t0.plusNanos(i), "line " + i + " ".repeat(i % 17) + "é✓"));
            if (batch.size() == 777) {
                store.append(batch);
                batch.clear();
            }
        }
        store.append(batch);

        assertThat(store.size()).isEqualTo(100_000);
        for (int i = 0; i < 100_000; i += 997) {
            assertThat(store.text(i)).isEqualTo("line " + i + " ".repeat(i % 17) + "é✓");
            assertThat(store.time(i)).isEqualTo(i % 3 == 0 ? null : t0.plusNanos(i));
        }
        assertThat(store.longestLine()).isEqualTo("line 99999".length() + 16 + 2);
    }

    @Test
    void asciiAndOtherLinesMixedAcrossChunkEnds() {
        LineStore store = new LineStore();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) { // ~2 MB: every chunk boundary falls somewhere among them
            texts.add(i % 5 == 0 ? "ünïcode " + i + "x".repeat(i % 200) : "ascii " + i + "y".repeat(i % 150));
        }
        for (int from = 0; from < texts.size(); from += 333) {
            store.append(texts.subList(from, Math.min(texts.size(), from + 333)).stream()
                    .map(t -> new LogLine(null, t)).toList());
        }
        assertThat(store.size()).isEqualTo(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            assertThat(store.text(i)).isEqualTo(texts.get(i));
        }
    }

    @Test
    void aLineLargerThanAChunkGetsOneOfItsOwn() {
        LineStore store = new LineStore();
        String huge = "x".repeat(5 * 1024 * 1024);
        store.append(List.of(new LogLine(null, "before"), new LogLine(null, huge), new LogLine(null, "after"),
                new LogLine(null, ""), new LogLine(null, null)));

        assertThat(store.text(0)).isEqualTo("before");
        assertThat(store.text(1)).isEqualTo(huge);
        assertThat(store.text(2)).isEqualTo("after");
        assertThat(store.text(3)).isEmpty();
        assertThat(store.text(4)).isEmpty();
    }

    @Test
    void timesOutsideWhatNanosecondsCanHoldAreNoTime() {
        LineStore store = new LineStore();
        store.append(List.of(new LogLine(Instant.MAX, "far"), new LogLine(Instant.EPOCH, "epoch")));

        assertThat(store.time(0)).isNull();
        assertThat(store.time(1)).isEqualTo(Instant.EPOCH);
    }
}
