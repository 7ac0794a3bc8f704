package dev.pilothouse.cli;

import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.SessionState;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sessions events} around a failure: a container's exit is recorded at its own time after
 * the transition it caused was written; the rows print in the order things happened.
 */
class EventsOrderTest {
    private static final Instant T = Instant.parse("2026-12-07T13:16:20Z");

    private static AuditEvent row(long id, int second, String kind, SessionState from, SessionState to, String reason) {
        return new AuditEvent(id, "s", T.plusSeconds(second), "engine", kind, from, to, reason, null);
    }

    /** As the store lists them: by id, the order written. */
    private static final List<AuditEvent> WRITTEN = List.of(
            row(1, 0, AuditEvent.TRANSITION, SessionState.INIT, SessionState.READY, "agents answer"),
            row(2, 6, AuditEvent.TRANSITION, SessionState.READY, SessionState.ERROR, "CrashLoopBackOff"),
            row(3, 5, AuditEvent.RUNTIME, null, null, "agent 'reference' exited (exit 2); the kubelet restarts it"),
            row(4, 6, AuditEvent.RUNTIME, null, null, "Kubernetes: Warning BackOff on pod p"));

    private static String print(Output.Format format) {
        StringWriter w = new StringWriter();
        new Output(format, new PrintWriter(w, true), T).events(WRITTEN);
        return w.toString();
    }

    @Test
    void rowsPrintInTimeOrderAndRowsOfOneInstantInTheOrderWritten() {
        String table = print(Output.Format.table);
        assertThat(table.indexOf("INIT -> READY")).isLessThan(table.indexOf("exited (exit 2)"));
        assertThat(table.indexOf("exited (exit 2)")).isLessThan(table.indexOf("READY -> ERROR"));
        assertThat(table.indexOf("READY -> ERROR")).isLessThan(table.indexOf("Warning BackOff"));

        String json = print(Output.Format.json);
        assertThat(json.indexOf("exited (exit 2)")).isLessThan(json.indexOf("CrashLoopBackOff"));
    }
}
