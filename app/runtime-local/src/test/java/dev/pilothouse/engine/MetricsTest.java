package dev.pilothouse.engine;

import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.metrics.Current;
import dev.pilothouse.metrics.MetricPoint;
import dev.pilothouse.metrics.Resolution;
import dev.pilothouse.metrics.Sample;
import dev.pilothouse.metrics.SessionMetrics;
import dev.pilothouse.metrics.TopRow;
import dev.pilothouse.runtime.local.LocalRuntime;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.testing.EngineTestBase;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Issue 15, item 1: readings of real agent processes, folded into the store's history. */
class MetricsTest extends EngineTestBase {

    private Current sampled(Session s) {
        return engine.sampleMetrics().get(s.id());
    }

    @Test
    void aBusyCommandsCpuShowsInTheSamplesAndStopsWhenItEnds() throws Exception {
        Session s = engine.create(CreateRequest.of("busy", "reference"), null).session();
        Path ws = new LocalRuntime(dataDir).workspace(s.id());
        assertThat(sampled(s).cpu()).as("the first reading has nothing to compare with").isNull();
        await().pollInterval(Duration.ofMillis(300)).atMost(Duration.ofSeconds(30))
                .until(() -> sampled(s).cpu() != null);
        // idle, the agent uses next to nothing
        assertThat(sampled(s).cpu()).isLessThan(0.3);

        // a shell spinning in a child of the agent until told to stop
        CompletableFuture<SendResult> reply = CompletableFuture.supplyAsync(() ->
                engine.send("busy", null, "$ while [ ! -e stop ]; do :; done; echo stopped", null));
        try {
            await().pollInterval(Duration.ofMillis(300)).atMost(Duration.ofSeconds(30))
                    .until(() -> {
                        Current c = sampled(s);
                        return c.cpu() != null && c.cpu() > 0.5;
                    });
        } finally {
            Files.writeString(ws.resolve("stop"), "");
        }
        assertThat(reply.get().reply().content()).contains("stopped");
        await().pollInterval(Duration.ofMillis(300)).atMost(Duration.ofSeconds(30))
                .until(() -> sampled(s).cpu() < 0.3);

        // the history holds what was seen: some 10 s bucket peaked above half a core
        List<MetricPoint> history = engine.metrics("busy", Duration.ofMinutes(5)).history().get(Sample.SESSION);
        assertThat(history).isNotEmpty();
        assertThat(history).anySatisfy(p -> assertThat(p.cpuMax()).isGreaterThan(0.5));
        assertThat(engine.metrics("busy", Duration.ofMinutes(5)).history()).containsKey("reference");
    }

    @Test
    void memoryIsTheResidentSizeOfTheAgentsProcessesAndTheWorkspaceIsMeasured() throws Exception {
        Session s = engine.create(CreateRequest.of("mem", "reference"), null).session();
        LocalRuntime rt = new LocalRuntime(dataDir);
        Files.write(rt.workspace(s.id()).resolve("data.bin"), new byte[123_456]);
        Files.createDirectories(rt.workspace(s.id()).resolve("sub"));
        Files.writeString(rt.workspace(s.id()).resolve("sub/a.txt"), "hello");
        // the agent's process and its children (a launcher may start the JVM as a child), as the kernel counts them
        ProcessHandle agent = ProcessHandle.of(rt.pids(s.id()).get(0)).orElseThrow();
        long vmRss = java.util.stream.Stream.concat(java.util.stream.Stream.of(agent), agent.descendants())
                .mapToLong(MetricsTest::vmRss).sum();
        assertThat(vmRss).isGreaterThan(10_000_000);

        Current c = sampled(s);

        // a JVM agent: tens of megabytes, and what the kernel says of its process, give or take what moved since
        assertThat(c.memory()).isBetween(vmRss / 2, vmRss * 2);
        assertThat(c.agents()).singleElement().satisfies(a -> {
            assertThat(a.agent()).isEqualTo("reference");
            assertThat(a.memory()).isEqualTo(c.memory());
            assertThat(a.unavailable()).isNull();
        });
        assertThat(c.workspaceBytes()).isGreaterThanOrEqualTo(123_456 + 5);
        assertThat(c.workspaceFiles()).isGreaterThanOrEqualTo(2);
        assertThat(c.unavailable()).isNull();

        SessionMetrics m = engine.metrics("mem", Duration.ofHours(1));
        assertThat(m.resolution()).isEqualTo(Resolution.TEN_SECONDS);
        MetricPoint p = m.history().get(Sample.SESSION).get(0);
        assertThat(p.memory()).isEqualTo(c.memory());
        assertThat(p.workspaceBytes()).isEqualTo(c.workspaceBytes());
        assertThat(m.current().memory()).isEqualTo(c.memory());
    }

    private static long vmRss(ProcessHandle p) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status")).stream()
                    .filter(l -> l.startsWith("VmRSS:")).mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")) * 1024)
                    .findFirst().orElse(0);
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    @Test
    void readingsFollowTheInjectedClockIntoBucketsAndAPausedSessionIsNotSampled() {
        Session s = engine.create(CreateRequest.of("clocked", "reference"), null).session();
        for (int i = 0; i < 30; i++) { // 30 readings 5 s apart: 150 s
            sampled(s);
            clock.advance(Duration.ofSeconds(5));
        }
        SessionMetrics tenSeconds = engine.metrics("clocked", Duration.ofMinutes(10));
        List<MetricPoint> points = tenSeconds.history().get(Sample.SESSION);
        assertThat(points).hasSize(15).allSatisfy(p -> assertThat(p.samples()).isEqualTo(2));
        assertThat(points).extracting(MetricPoint::at).isSorted();
        SessionMetrics minutes = engine.metrics("clocked", Duration.ofHours(2));
        assertThat(minutes.resolution()).isEqualTo(Resolution.MINUTE);
        assertThat(minutes.history().get(Sample.SESSION)).extracting(MetricPoint::samples).containsExactly(12, 12, 6);
        assertThat(minutes.runningSeconds()).isEqualTo(150);
        // the replay's timeline has each 10 s bucket, in time order among the session's other moments
        List<dev.pilothouse.session.TimelineEntry> metrics = engine.timeline("clocked").stream()
                .filter(t -> t.kind().equals(dev.pilothouse.session.TimelineEntry.METRICS)).toList();
        assertThat(metrics).extracting(dev.pilothouse.session.TimelineEntry::at).isEqualTo(points.stream().map(MetricPoint::at).toList());
        assertThat(metrics.get(0).summary()).startsWith("cpu ").contains("memory ").contains(" MiB");

        engine.pause("clocked");
        assertThat(engine.sampleMetrics()).doesNotContainKey(s.id());
        assertThat(engine.metrics("clocked", Duration.ofHours(1)).current().unavailable()).isEqualTo("not running: IDLE");
        assertThatThrownBy(() -> engine.metrics("clocked", Duration.ofDays(31)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("up to 30 days (30d)");
    }

    /**
     * Versions are published from the threads that wrote them: a create's INIT can reach the sampler
     * after its READY. The benchmark's 100 sessions were sampled as 99 until the next reload.
     */
    @Test
    void anOlderVersionPublishedLateDoesNotTakeARunningSessionOutOfTheRounds() {
        List<Session> versions = new java.util.concurrent.CopyOnWriteArrayList<>();
        Runnable unsubscribe = engine.subscribe(e -> {
            if (e instanceof EngineEvent.SessionChanged c && c.session().name().equals("late")) {
                versions.add(c.session());
            }
        });
        Session s = engine.create(CreateRequest.of("late", "reference"), null).session();
        unsubscribe.run();
        assertThat(s.state()).isEqualTo(SessionState.READY);
        Session created = versions.stream().filter(v -> v.state() == SessionState.INIT).findFirst().orElseThrow();
        assertThat(created.version()).isLessThan(s.version());
        assertThat(engine.sampleMetrics()).containsKey(s.id()); // the first round reads the running sessions from the store

        engine.publishFromFeed(created); // the INIT, as a slower thread hands it over after the READY
        assertThat(engine.sampleMetrics()).as("sampled in the next round").containsKey(s.id());

        engine.pause("late"); // a newer version still counts
        assertThat(engine.sampleMetrics()).doesNotContainKey(s.id());
    }

    @Test
    void topListsEverySessionAndMeasuresWhenASessionHasNoCpuFigureYet() {
        engine.create(CreateRequest.of("one", "reference"), null);
        Session two = engine.create(CreateRequest.of("two", "reference"), null).session();
        engine.pause("two");
        engine.send("one", null, "hello", null);

        List<TopRow> top = engine.top();

        assertThat(top).extracting(TopRow::name).containsExactlyInAnyOrder("one", "two");
        TopRow one = top.stream().filter(r -> r.name().equals("one")).findFirst().orElseThrow();
        assertThat(one.state()).isEqualTo(SessionState.READY);
        assertThat(one.current().cpu()).isNotNull();
        assertThat(one.current().memory()).isPositive();
        assertThat(one.activity().messages()).isEqualTo(1);
        assertThat(one.activity().errors()).isZero();
        assertThat(one.activity().latencyP50Millis()).isNotNull();
        TopRow paused = top.stream().filter(r -> r.sessionId().equals(two.id())).findFirst().orElseThrow();
        assertThat(paused.current().cpu()).isNull();
        assertThat(paused.current().unavailable()).isEqualTo("not running: IDLE");
    }

    @Test
    void aPurgedSessionsHistoryGoesWithIt() {
        Session s = engine.create(CreateRequest.of("gone", "reference"), null).session();
        sampled(s);
        clock.advance(Duration.ofMinutes(10));
        sampled(s); // the first reading's buckets have closed: written
        long before = engine.store().read(tx -> tx.metrics().count(s.id()));
        assertThat(before).isPositive();
        engine.delete("gone");
        engine.purge(s.id());
        long after = engine.store().read(tx -> tx.metrics().count(s.id()));
        assertThat(after).isZero();
        assertThat(engine.openMetrics(s.id())).isEmpty();
    }

    @Test
    void bucketsAreWrittenOnceClosedAndTheOpenOnesWhenTheEngineCloses() {
        Session s = engine.create(CreateRequest.of("folded", "reference"), null).session();
        for (int i = 0; i < 30; i++) { // 09:00:00 … 09:02:25, 5 s apart
            sampled(s);
            clock.advance(Duration.ofSeconds(5));
        }
        java.util.Map<String, List<MetricPoint>> seen = engine.metrics("folded", Duration.ofMinutes(10)).history();
        java.util.Map<String, List<MetricPoint>> minutes = engine.metrics("folded", Duration.ofHours(2)).history();
        // for the session and its agent: 14 closed 10 s buckets and 2 closed minutes; 09:02:20, 09:02 and
        // 09:00–09:10 are still open, in memory, and the readers above folded them in
        long written = engine.store().read(tx -> tx.metrics().count(s.id()));
        assertThat(written).isEqualTo(2 * (14 + 2));
        assertThat(seen.get(Sample.SESSION)).hasSize(15);

        engine.close();
        engine = openEngine("bob");

        long all = engine.store().read(tx -> tx.metrics().count(s.id()));
        assertThat(all).isEqualTo(2 * (15 + 3 + 1));
        assertThat(engine.metrics("folded", Duration.ofMinutes(10)).history()).isEqualTo(seen);
        assertThat(engine.metrics("folded", Duration.ofHours(2)).history()).isEqualTo(minutes);
    }
}
