package dev.pilothouse.runtime.local;

import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.TimelineEntry;
import dev.pilothouse.testing.EngineTestBase;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Issue 15, item 3: a local agent's log lines on the session's timeline, in order with its messages. */
class LogTimelineTest extends EngineTestBase {

    @Test
    void theAgentsLogLinesSitBetweenTheMessagesTheyFollow() {
        // log lines are timed by the files' clock, the system's: the engine's is the system's here too
        engine.close();
        engine = openEngine("alice", c -> c.withClock(Clock.systemUTC()));
        Session s = engine.create(CreateRequest.of("logged", "reference"), null).session();
        Path log = dataDir.resolve("sessions").resolve(s.id()).resolve("logs").resolve("reference.log");

        engine.send("logged", null, "$ echo one", null);
        // the engine has seen all the agent logged about the first message before the second is sent
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(log).contains("finished in") && seenAll(log));
        engine.send("logged", null, "$ echo second", null);

        List<TimelineEntry> t = engine.timeline("logged");
        assertThat(t).extracting(TimelineEntry::at).isSorted();
        int spawned = index(t, e -> e.kind().equals(TimelineEntry.LOG) && e.summary().startsWith(LogFiles.MARKER));
        int listening = index(t, log("reference agent 'reference' listening on"));
        int one = index(t, e -> e.kind().equals(TimelineEntry.MESSAGE) && e.summary().endsWith("$ echo one"));
        int received = index(t, log("received (10 characters, command)"));
        int finished = lastIndex(t, log("finished in"));
        int firstFinished = index(t, log("finished in"));
        int second = index(t, e -> e.kind().equals(TimelineEntry.MESSAGE) && e.summary().endsWith("$ echo second"));
        int receivedSecond = index(t, log("received (13 characters, command)"));
        assertThat(List.of(spawned, listening, one, received, firstFinished, second, receivedSecond, finished)).isSorted();

        TimelineEntry line = t.get(received);
        assertThat(line.agent()).isEqualTo("reference");
        assertThat(line.detail().get("agent").asText()).isEqualTo("reference");
        assertThat(line.detail().get("stream").asText()).isEqualTo("stdout+stderr");
        assertThat(line.detail().get("line").asText()).isEqualTo(line.summary()).startsWith("message ");
        assertThat(line.detail().has("truncated")).isFalse();
    }

    /**
     * The poller looks at logs every 250 ms and times what it finds by the file's last write: lines
     * logged just before a message, first seen after the agent logged its answer, took the answer's
     * time and sat after the message ({@link #theAgentsLogLinesSitBetweenTheMessagesTheyFollow} failed
     * that way in a clean run: the agent's start lines after the first message).
     */
    @Test
    void whatAnAgentLoggedIsTimedBeforeTheEngineTalksToIt() throws Exception {
        Session s = engine.create(CreateRequest.of("asked", "reference"), null).session();
        Path log = dataDir.resolve("sessions").resolve(s.id()).resolve("logs").resolve("reference.log");
        Files.writeString(log, "said just before the next exchange\n", java.nio.file.StandardOpenOption.APPEND);

        engine.runtime(s).endpoint(s.id(), "reference");

        assertThat(LogClock.read(log)).last().extracting(LogClock.Checkpoint::offset).isEqualTo(Files.size(log));
    }

    private static Predicate<TimelineEntry> log(String part) {
        return e -> e.kind().equals(TimelineEntry.LOG) && e.summary().contains(part);
    }

    /** Whether the engine took a checkpoint of everything in the log so far. */
    private static boolean seenAll(Path log) throws Exception {
        List<LogClock.Checkpoint> c = LogClock.read(log);
        return !c.isEmpty() && c.get(c.size() - 1).offset() == Files.size(log);
    }

    private static int index(List<TimelineEntry> t, Predicate<TimelineEntry> p) {
        for (int i = 0; i < t.size(); i++) {
            if (p.test(t.get(i))) {
                return i;
            }
        }
        throw new AssertionError("not on the timeline: " + t.stream().map(e -> e.kind() + " " + e.summary()).toList());
    }

    private static int lastIndex(List<TimelineEntry> t, Predicate<TimelineEntry> p) {
        for (int i = t.size() - 1; i >= 0; i--) {
            if (p.test(t.get(i))) {
                return i;
            }
        }
        throw new AssertionError("not on the timeline");
    }
}
