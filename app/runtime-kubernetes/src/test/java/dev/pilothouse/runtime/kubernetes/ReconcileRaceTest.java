package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.agent.AgentEndpoint;
import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.runtime.AgentStatus;
import dev.pilothouse.runtime.ConnectionStatus;
import dev.pilothouse.runtime.CopyProgress;
import dev.pilothouse.runtime.DiscoveredSession;
import dev.pilothouse.runtime.LogLine;
import dev.pilothouse.runtime.LogOptions;
import dev.pilothouse.runtime.LogSubscription;
import dev.pilothouse.runtime.RuntimeEvent;
import dev.pilothouse.runtime.SessionLookup;
import dev.pilothouse.runtime.SessionRuntime;
import dev.pilothouse.runtime.VolumeCopy;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Session;
import dev.pilothouse.testing.TestRuntimes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 9, item 4: reconciles of one context never overlap. A reconnect, context switches and a
 * direct reconcile all requested while a reconcile of the context runs (held inside it here)
 * coalesce into one follow-up; runtime events about the context's sessions go on meanwhile; every
 * session found on the cluster is adopted exactly once.
 */
class ReconcileRaceTest extends KubernetesTestBase {
    @TempDir
    Path bobsWorkstation;
    @TempDir
    Path carolsWorkstation;

    /** The Kubernetes runtime, with its reconcile entry point ({@link #discovered}) counted and, once armed, held. */
    static final class CountingRuntime implements SessionRuntime {
        final SessionRuntime inner;
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger maxRunning = new AtomicInteger();
        final AtomicInteger calls = new AtomicInteger();
        final List<Consumer<RuntimeEvent>> listeners = new CopyOnWriteArrayList<>();
        volatile CountDownLatch hold;
        final CountDownLatch held = new CountDownLatch(1);

        CountingRuntime(SessionRuntime inner) {
            this.inner = inner;
        }

        @Override
        public List<DiscoveredSession> discovered(java.util.function.Predicate<String> wanted) {
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            calls.incrementAndGet();
            try {
                CountDownLatch h = hold;
                if (h != null) {
                    hold = null;
                    held.countDown();
                    h.await(60, TimeUnit.SECONDS);
                }
                return inner.discovered(wanted);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            } finally {
                running.decrementAndGet();
            }
        }

        void emit(RuntimeEvent e) {
            listeners.forEach(l -> l.accept(e));
        }

        @Override
        public void subscribe(Consumer<RuntimeEvent> listener) {
            listeners.add(listener);
            inner.subscribe(listener);
        }

        // ---- the rest is the Kubernetes runtime's own ----

        @Override
        public String context() {
            return inner.context();
        }

        @Override
        public void start(Session session, List<AgentDefinition> agents) {
            inner.start(session, agents);
        }

        @Override
        public void stop(String sessionId, dev.pilothouse.runtime.Stop stop) {
            inner.stop(sessionId, stop);
        }

        @Override
        public List<AgentStatus> status(Session session) {
            return inner.status(session);
        }

        @Override
        public AgentEndpoint endpoint(String sessionId, String agent) {
            return inner.endpoint(sessionId, agent);
        }

        @Override
        public void copyVolume(String from, String to, VolumeCopy what, CopyProgress progress) {
            inner.copyVolume(from, to, what, progress);
        }

        @Override
        public void purgeVolume(String sessionId) {
            inner.purgeVolume(sessionId);
        }

        @Override
        public boolean volumeExists(String sessionId) {
            return inner.volumeExists(sessionId);
        }

        @Override
        public String volumeLocation(String sessionId) {
            return inner.volumeLocation(sessionId);
        }

        @Override
        public Set<String> volumes() {
            return inner.volumes();
        }

        @Override
        public void watch(String sessionId) {
            inner.watch(sessionId);
        }

        @Override
        public List<String> lastLogLines(String sessionId, String agent, int n) {
            return inner.lastLogLines(sessionId, agent, n);
        }

        @Override
        public LogSubscription logs(String sessionId, String agent, LogOptions options, Consumer<List<LogLine>> sink) {
            return inner.logs(sessionId, agent, options, sink);
        }

        @Override
        public ConnectionStatus connection() {
            return inner.connection();
        }

        @Override
        public String defaultNamespace() {
            return inner.defaultNamespace();
        }

        @Override
        public void useNamespace(String namespace) {
            inner.useNamespace(namespace);
        }

        @Override
        public void useLookup(SessionLookup lookup) {
            inner.useLookup(lookup);
        }

        @Override
        public Optional<Phase> observedPhase(String sessionId) {
            return inner.observedPhase(sessionId);
        }

        @Override
        public boolean shared() {
            return inner.shared();
        }

        @Override
        public Optional<String> lostVolume(String sessionId) {
            return inner.lostVolume(sessionId);
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    /** Until the thread has asked for a reconcile and waits for its outcome (or has ended). */
    private static void waitingOnAReconcile(Thread t) {
        await().atMost(Duration.ofSeconds(30)).until(() -> !t.isAlive() || t.getState() == Thread.State.WAITING
                && java.util.Arrays.stream(t.getStackTrace()).anyMatch(f -> f.getClassName().equals(Engine.class.getName())
                && f.getMethodName().equals("reconcile"))
                && java.util.Arrays.stream(t.getStackTrace()).anyMatch(f -> f.getClassName().endsWith("CompletableFuture")));
    }

    @Test
    void reconcilesOfOneContextNeverOverlapAndAdoptEachSessionOnce() throws Exception {
        Engine bob = openEngine(bobsWorkstation, "bob");
        bob.useContext(CONTEXT, NS);
        List<Session> bobs = new ArrayList<>();
        for (String name : List.of("found-1", "found-2", "found-3")) {
            bobs.add(bob.create(CreateRequest.of(name, "reference"), null).session());
        }

        KubernetesSettings st = settings();
        CountingRuntime[] counting = new CountingRuntime[1];
        CountDownLatch release = new CountDownLatch(1);
        Engine carol = Engine.open(EngineConfig.of(carolsWorkstation).withActor("carol").withStartTimeout(Duration.ofSeconds(90)),
                TestRuntimes.withContext(carolsWorkstation, CONTEXT, () -> {
                    counting[0] = new CountingRuntime(KubernetesRuntime.connect(CONTEXT, cluster.client(NS, st), st,
                            runtimeClock()));
                    counting[0].hold = release; // the first reconcile of lab is held inside, before it adopts
                    return counting[0];
                }));
        try {
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            List<Thread> callers = new ArrayList<>();
            Thread first = new Thread(() -> {
                try {
                    carol.useContext(CONTEXT, NS); // carol switches to lab: its first reconcile
                } catch (Throwable t) {
                    failures.add(t);
                }
            });
            first.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> counting[0] != null);
            CountingRuntime lab = counting[0];
            assertThat(lab.held.await(30, TimeUnit.SECONDS)).as("a reconcile of lab is running").isTrue();
            // while it runs: a direct reconcile, another switch to lab, another reconcile
            List<Runnable> requests = List.of(carol::reconcile, () -> carol.useContext(CONTEXT, NS), carol::reconcile);
            for (Runnable r : requests) {
                Thread t = new Thread(() -> {
                    try {
                        r.run();
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                });
                t.start();
                callers.add(t);
                waitingOnAReconcile(t);
            }
            // a reconnect, and agents exiting, reported by the runtime meanwhile
            lab.emit(new RuntimeEvent.ConnectionChanged(CONTEXT, ConnectionStatus.connected(Instant.now())));
            for (Session s : bobs) {
                lab.emit(new RuntimeEvent.AgentExited(s.id(), "reference", 0, "test event"));
            }
            bob.pause("found-3"); // and a real change on the cluster: found-3's pod stopped from bob's workstation

            release.countDown();
            first.join(60_000);
            for (Thread t : callers) {
                t.join(60_000);
            }
            assertThat(failures).isEmpty();

            assertThat(lab.maxRunning).as("never two reconciles of lab at once").hasValue(1);
            int runs = lab.calls.get();
            // the held run, and one follow-up for the three requests and the reconnect (the connection
            // monitor may report "connected" once more on its own: at most one more)
            assertThat(runs).isBetween(2, 3);
            assertThat(carol.sessions(false)).extracting(Session::name)
                    .containsExactlyInAnyOrder("found-1", "found-2", "found-3");
            for (Session s : bobs) {
                assertThat(carol.events(s.id(), 0, 100)).filteredOn(e -> e.kind().equals(AuditEvent.CREATED))
                        .as("adopted once").hasSize(1);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> carol.session("found-3").state()
                    == dev.pilothouse.session.SessionState.IDLE);
            assertThat(carol.session("found-1").state()).isEqualTo(dev.pilothouse.session.SessionState.READY);
        } finally {
            carol.close();
        }
    }
}
