package dev.pilothouse.console.logs;

import dev.pilothouse.runtime.LogLine;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ViewScanTest {
    private static final Executor WORKER = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "scan-test");
        t.setDaemon(true);
        return t;
    });

    private static LineStore store(int from, int to, LineStore store) {
        List<LogLine> lines = new ArrayList<>();
        for (int i = from; i < to; i++) { // every 10th line is a warning, every 7th mentions a disk
            lines.add(new LogLine(null, (i % 10 == 0 ? "WARN " : "INFO ") + i + (i % 7 == 0 ? " disk disk" : "")));
        }
        store.append(lines);
        return store;
    }

    private static ViewScan.Result finished(ViewScan scan, int lines) {
        scan.catchUp();
        await().atMost(Duration.ofSeconds(10)).until(() -> scan.result().scanned() == lines);
        return scan.result();
    }

    @Test
    void filtersAndCountsMatchesAmongTheShownLinesThenKeepsUpWithNewOnes() {
        LineStore store = store(0, 100_000, new LineStore());
        ViewScan scan = new ViewScan(store, Pattern.compile("^WARN"), TextQuery.of("DISK"), null, WORKER, () -> { });

        ViewScan.Result r = finished(scan, 100_000);
        assertThat(r.rowCount()).isEqualTo(10_000);
        assertThat(r.rows()[1]).isEqualTo(10);
        // warnings that mention a disk: multiples of 70, each with two matches
        assertThat(r.matchCount()).isEqualTo(2 * (100_000 / 70 + 1));
        assertThat(r.lineOfMatch(0)).isZero();
        assertThat(r.lineOfMatch(3)).isEqualTo(70);
        assertThat(r.ordinalInLine(3)).isEqualTo(1);
        assertThat(r.firstMatchFrom(71)).isEqualTo(4);
        assertThat(r.lastMatchUpTo(139)).isEqualTo(3);

        store(100_000, 100_100, store);
        r = finished(scan, 100_100);
        assertThat(r.rowCount()).isEqualTo(10_010);
        assertThat(r.rows()[10_009]).isEqualTo(100_090);
    }

    @Test
    void aNewSearchUnderTheSameFilterReusesItsRowsAndFindsTheSame() {
        LineStore store = store(0, 50_000, new LineStore());
        ViewScan first = new ViewScan(store, Pattern.compile("^WARN"), TextQuery.of("disk"), null, WORKER, () -> { });
        ViewScan.Result expected = finished(first, 50_000);
        ViewScan second = new ViewScan(store, first.filter(), TextQuery.of("disk"), expected, WORKER, () -> { });

        assertThat(second.result().rowCount()).isEqualTo(expected.rowCount()); // shown at once
        ViewScan.Result r = finished(second, 50_000);
        assertThat(r.rowCount()).isEqualTo(expected.rowCount());
        assertThat(r.matchCount()).isEqualTo(expected.matchCount());
    }

    @Test
    void aCancelledScanStops() {
        LineStore store = store(0, 10, new LineStore());
        ViewScan scan = new ViewScan(store, null, TextQuery.of("disk"), null, WORKER, () -> { });
        scan.cancel();
        scan.catchUp();
        assertThat(scan.result().scanned()).isZero();
    }
}
