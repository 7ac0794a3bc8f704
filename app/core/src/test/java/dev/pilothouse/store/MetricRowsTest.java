package dev.pilothouse.store;

import dev.pilothouse.metrics.MetricPoint;
import dev.pilothouse.metrics.Resolution;
import dev.pilothouse.metrics.Sample;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Issue 15, item 1: metric history downsampled on write and bounded, on a real H2 file, with explicit times. */
class MetricRowsTest {
    private static final String S = "8d6f7a36-6c39-4d1f-9e52-0b0f6f1f0a01";
    private static final Instant T0 = Instant.parse("2026-03-01T09:00:00Z");

    @TempDir
    Path dir;
    Store store;

    @BeforeEach
    void open() {
        store = Store.open(dir);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static Sample sample(Instant at, Double cpu, Long mem, Long wsBytes) {
        return new Sample(S, Sample.SESSION, at, cpu, mem, wsBytes, wsBytes == null ? null : 1L);
    }

    @Test
    void eachBucketKeepsTheMeanAndPeakOfItsSamplesAtEveryWidth() {
        // one minute of samples every 5 s: cpu 0.0, 0.1 ... 1.1; memory 100 MB + i MB; size measured twice
        List<Sample> minute = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Long size = i == 0 ? Long.valueOf(1000) : i == 7 ? Long.valueOf(2000) : null;
            minute.add(sample(T0.plusSeconds(5L * i), i / 10.0, 100_000_000L + i * 1_000_000L, size));
        }
        // a reading without CPU (the first of a run) counts as a sample, but not into the CPU mean
        minute.add(sample(T0.plusSeconds(61), null, 50_000_000L, null));
        store.write(tx -> {
            tx.metrics().fold(minute);
            return null;
        });

        Map<String, List<MetricPoint>> tens = store.read(tx -> tx.metrics().series(S, Resolution.TEN_SECONDS, T0));
        List<MetricPoint> p = tens.get(Sample.SESSION);
        assertThat(p).hasSize(7);
        assertThat(p.get(0).at()).isEqualTo(T0);
        assertThat(p.get(0).samples()).isEqualTo(2);
        assertThat(p.get(0).cpu()).isCloseTo(0.05, within(1e-9));
        assertThat(p.get(0).cpuMax()).isCloseTo(0.1, within(1e-9));
        assertThat(p.get(0).memory()).isEqualTo(100_500_000L);
        assertThat(p.get(0).memoryMax()).isEqualTo(101_000_000L);
        // the size is carried forward until the next measurement
        assertThat(p).extracting(MetricPoint::workspaceBytes).containsExactly(1000L, 1000L, 1000L, 2000L, 2000L, 2000L, 2000L);
        MetricPoint last = p.get(6);
        assertThat(last.samples()).isEqualTo(1);
        assertThat(last.cpu()).isNull();
        assertThat(last.memory()).isEqualTo(50_000_000L);

        List<MetricPoint> minutes = store.read(tx -> tx.metrics().series(S, Resolution.MINUTE, T0)).get(Sample.SESSION);
        assertThat(minutes).hasSize(2);
        assertThat(minutes.get(0).samples()).isEqualTo(12);
        assertThat(minutes.get(0).cpu()).isCloseTo(0.55, within(1e-9));
        assertThat(minutes.get(0).cpuMax()).isCloseTo(1.1, within(1e-9));
        List<MetricPoint> tenMinutes = store.read(tx -> tx.metrics().series(S, Resolution.TEN_MINUTES, T0.minusSeconds(1)))
                .get(Sample.SESSION);
        assertThat(tenMinutes).singleElement().satisfies(m -> {
            assertThat(m.samples()).isEqualTo(13);
            assertThat(m.workspaceBytes()).isEqualTo(2000L);
        });
    }

    @Test
    void historyIsBoundedByWhatEachWidthKeeps() {
        // 31 days of one reading every 10 minutes, then one every 10 s for the last 2 hours, pruned as a sampler would
        Instant now = T0.plus(Duration.ofDays(31));
        List<Sample> all = new ArrayList<>();
        for (Instant t = T0; t.isBefore(now.minus(Duration.ofHours(2))); t = t.plus(Duration.ofMinutes(10))) {
            all.add(sample(t, 0.5, 1L, 10L));
        }
        for (Instant t = now.minus(Duration.ofHours(2)); t.isBefore(now); t = t.plusSeconds(10)) {
            all.add(sample(t, 0.5, 1L, null));
        }
        for (int from = 0; from < all.size(); from += 500) {
            List<Sample> chunk = all.subList(from, Math.min(all.size(), from + 500));
            store.write(tx -> {
                tx.metrics().fold(chunk);
                return null;
            });
        }
        int pruned = store.write(tx -> tx.metrics().prune(now));
        assertThat(pruned).isPositive();

        long rows = store.read(tx -> tx.metrics().count(S));
        long bound = 0;
        for (Resolution r : Resolution.values()) {
            bound += r.maxBuckets();
        }
        assertThat(rows).isLessThanOrEqualTo(bound);
        List<MetricPoint> tens = store.read(tx -> tx.metrics().series(S, Resolution.TEN_SECONDS, T0)).get(Sample.SESSION);
        assertThat(tens.get(0).at()).isAfterOrEqualTo(now.minus(Duration.ofHours(1)).minusSeconds(10));
        assertThat(tens).hasSizeLessThanOrEqualTo((int) Resolution.TEN_SECONDS.maxBuckets());
        // the size measured before the hour kept at 10 s is still known there: carried from the oldest row kept
        List<MetricPoint> minutes = store.read(tx -> tx.metrics().series(S, Resolution.MINUTE, T0)).get(Sample.SESSION);
        assertThat(minutes.get(0).at()).isAfterOrEqualTo(now.minus(Duration.ofDays(1)).minusSeconds(60));
        List<MetricPoint> tenMinutes = store.read(tx -> tx.metrics().series(S, Resolution.TEN_MINUTES, T0)).get(Sample.SESSION);
        assertThat(tenMinutes.get(0).at()).isAfterOrEqualTo(now.minus(Duration.ofDays(30)).minusSeconds(600));
        assertThat(tenMinutes).hasSizeGreaterThan(4000).allSatisfy(m -> assertThat(m.cpu()).isEqualTo(0.5));
        assertThat(tenMinutes).extracting(MetricPoint::workspaceBytes).containsOnly(10L);

        int deleted = store.write(tx -> tx.metrics().delete(S));
        assertThat(deleted).isEqualTo((int) rows);
        Map<String, List<MetricPoint>> none = store.read(tx -> tx.metrics().series(S, Resolution.MINUTE, T0));
        assertThat(none).isEmpty();
    }

    @Test
    void tokensReportedInDoneEventsAreSummedPerSessionAndNullWhenNoneWereReported() {
        var agent = dev.pilothouse.testing.Fixtures.reference(store);
        var s = dev.pilothouse.testing.Fixtures.insert(store, agent, "tokens", dev.pilothouse.session.SessionState.READY, T0);
        long[] none = store.read(tx -> tx.tokenTotals(s.id()));
        assertThat(none).isNull();
        for (long[] t : new long[][] {{120, 30}, {80, 20}}) {
            store.write(tx -> {
                var reply = tx.insertMessage(new dev.pilothouse.session.Message(0, s.id(), dev.pilothouse.session.Message.Role.AGENT,
                        "reference", "ok", dev.pilothouse.session.Message.Status.COMPLETE, null, T0));
                tx.insertTrace(List.of(
                        new dev.pilothouse.session.TraceEvent(reply.id(), 0, 5, dev.pilothouse.agent.AgentEvent.Type.DELTA, null, 2, "ok", null),
                        new dev.pilothouse.session.TraceEvent(reply.id(), 1, 9, dev.pilothouse.agent.AgentEvent.Type.DONE, null, 0, null, 0,
                                t[0], t[1])));
                return null;
            });
        }
        long[] sum = store.read(tx -> tx.tokenTotals(s.id()));
        assertThat(sum).containsExactly(200, 50);
    }
}
