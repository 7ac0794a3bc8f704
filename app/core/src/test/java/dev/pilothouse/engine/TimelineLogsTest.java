package dev.pilothouse.engine;

import dev.pilothouse.runtime.LogLine;
import dev.pilothouse.runtime.SessionRuntime;
import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.session.TimelineEntry;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The log lines a timeline takes from a runtime: the newest of all agents, each line cut, none without a time. */
class TimelineLogsTest {
    private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");

    private static Session session(String... agents) {
        List<SessionAgent> list = new ArrayList<>();
        for (String a : agents) {
            list.add(new SessionAgent("id-" + a, a, null, null));
        }
        return new Session("s1", "logged", "local", "default", "", SessionState.READY, Phase.RUNNING, 300, 86400, "{}",
                list, Resources.DEFAULT, null, "tester", T0, T0, T0, null, null, null, null, 0);
    }

    /** A runtime that only answers logHistory, from {@code logs} by agent. */
    private static SessionRuntime runtime(Map<String, List<LogLine>> logs) {
        return (SessionRuntime) Proxy.newProxyInstance(SessionRuntime.class.getClassLoader(),
                new Class<?>[]{SessionRuntime.class}, (p, m, args) -> {
                    if (!m.getName().equals("logHistory")) {
                        throw new UnsupportedOperationException(m.getName());
                    }
                    List<LogLine> all = logs.get((String) args[1]);
                    if (all == null) {
                        throw new IllegalStateException("no pod now");
                    }
                    int max = (int) args[2];
                    return all.subList(Math.max(0, all.size() - max), all.size());
                });
    }

    @Test
    void theNewestLinesOfAllAgentsTogetherAtMostTwoThousand() {
        List<LogLine> a = new ArrayList<>();
        List<LogLine> b = new ArrayList<>();
        for (int i = 0; i < 1_500; i++) {
            a.add(new LogLine(T0.plusMillis(2L * i), "a" + i));
            b.add(new LogLine(T0.plusMillis(2L * i + 1), "b" + i));
        }
        List<TimelineEntry> out = TimelineLogs.of(runtime(Map.of("a", a, "b", b)), session("a", "b"));
        assertThat(out).hasSize(TimelineLogs.MAX_LINES);
        assertThat(out).extracting(TimelineEntry::at).isSorted();
        assertThat(out.get(0).summary()).isEqualTo("a500"); // 3,000 lines, the oldest 1,000 (500 of each) left off
        assertThat(out.get(out.size() - 1).summary()).isEqualTo("b1499");
        assertThat(out).allSatisfy(e -> assertThat(e.kind()).isEqualTo(TimelineEntry.LOG));
        assertThat(out.get(1).agent()).isEqualTo("b");
        assertThat(out.get(1).detail().get("agent").asText()).isEqualTo("b");
    }

    @Test
    void aLongColouredLineIsCutForPeopleKeptWholeUpToALimitAndALineWithoutATimeIsLeftOff() {
        String coloured = "\u001B[31mred\u001B[0m\tand " + "x".repeat(10_000);
        List<TimelineEntry> out = TimelineLogs.of(runtime(Map.of("a", List.of(
                new LogLine(null, "when? nobody knows"),
                new LogLine(T0.minusSeconds(5), "before the session was stored"),
                new LogLine(T0.plusSeconds(1), coloured)))), session("a", "gone"));
        assertThat(out).hasSize(2);
        // a line stamped a moment before the session's creation is placed at the creation
        assertThat(out.get(0).at()).isEqualTo(T0);
        TimelineEntry long1 = out.get(1);
        assertThat(long1.summary()).startsWith("red and xxx").hasSize(200).endsWith("…");
        assertThat(long1.detail().get("line").asText()).hasSize(TimelineLogs.MAX_CHARS).startsWith("\u001B[31mred");
        assertThat(long1.detail().get("truncated").asBoolean()).isTrue();
        assertThat(long1.detail().get("chars").asInt()).isEqualTo(coloured.length());
    }
}
