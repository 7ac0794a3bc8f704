package dev.pilothouse.console.detail;

import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.SessionState;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The Events tab lists rows as {@code sessions events} does: in the order things happened, as they arrive. */
class EventsOrderPaneTest {
    private static final Instant T = Instant.parse("2026-12-07T13:16:20Z");

    private static AuditEvent row(long id, int second, String reason) {
        return new AuditEvent(id, "s", T.plusSeconds(second), "engine", AuditEvent.RUNTIME, null, (SessionState) null, reason, null);
    }

    @Test
    void aRowRecordedLateAtItsOwnTimeGoesWhereItHappenedAndOneInstantKeepsTheOrderWritten() {
        List<AuditEvent> rows = new ArrayList<>();
        // the store's order (by id): the exit (second 5) was written after the transition it led to (second 6)
        for (AuditEvent e : List.of(row(1, 0, "ready"), row(2, 6, "to ERROR"), row(3, 5, "exited"), row(4, 6, "BackOff"))) {
            rows.add(EventsPane.placeOf(rows, e), e);
        }
        assertThat(rows).extracting(AuditEvent::reason).containsExactly("ready", "exited", "to ERROR", "BackOff");
    }
}
