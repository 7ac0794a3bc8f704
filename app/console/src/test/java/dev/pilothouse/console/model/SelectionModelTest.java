package dev.pilothouse.console.model;

import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Plain JUnit, no toolkit: what the selection allows and how it is worded. */
class SelectionModelTest {
    private static final Instant T = Instant.parse("2026-11-21T10:00:00Z");

    @Test
    void actionsFollowTheStatesOfTheSelection() {
        Session ready = session("a", SessionState.READY);
        Session idle = session("b", SessionState.IDLE);
        Session error = session("c", SessionState.ERROR);
        Session deleted = ready.toBuilder().name("d").deletedAt(T).build();
        Session purged = deleted.toBuilder().name("e").purgedAt(T).build();

        SelectionModel.Availability none = SelectionModel.of(List.of());
        assertThat(none).isEqualTo(new SelectionModel.Availability(false, false, false, false, false, false, false, false));

        SelectionModel.Availability one = SelectionModel.of(List.of(ready));
        assertThat(one.remix()).isTrue();
        assertThat(one.pause()).isTrue();
        assertThat(one.resume()).isFalse();
        assertThat(one.delete()).isTrue();
        assertThat(one.purge()).isFalse();

        SelectionModel.Availability mixed = SelectionModel.of(List.of(idle, error));
        assertThat(mixed.remix()).as("remix takes one parent").isFalse();
        assertThat(mixed.resume()).isTrue();
        assertThat(mixed.retry()).isTrue();
        assertThat(mixed.pause()).isFalse();

        SelectionModel.Availability gone = SelectionModel.of(List.of(deleted));
        assertThat(gone.pause()).as("a deleted READY session cannot be paused").isFalse();
        assertThat(gone.delete()).isFalse();
        assertThat(gone.purge()).isTrue();
        assertThat(gone.remix()).as("a deleted session's volume is kept: remix works").isTrue();
        assertThat(SelectionModel.of(List.of(purged)).purge()).isFalse();
        assertThat(SelectionModel.of(List.of(purged)).remix()).isFalse();
        assertThat(SelectionModel.of(List.of(ready.toBuilder().parentSessionId("p").build())).parent()).isTrue();
    }

    @Test
    void thePaneShowsOnlyASingleSelection() {
        Session a = session("a", SessionState.READY);
        assertThat(SelectionModel.shown(List.of(a))).isSameAs(a);
        assertThat(SelectionModel.shown(List.of())).isNull();
        assertThat(SelectionModel.shown(List.of(a, session("b", SessionState.IDLE)))).isNull();
    }

    @Test
    void questionsSpeakOfOneOrMany() {
        Session a = session("second", SessionState.READY);
        Session b = session("third", SessionState.READY);
        assertThat(SelectionModel.deleteQuestion(List.of(a))).startsWith("Delete second? Its runtime stops.");
        assertThat(SelectionModel.deleteQuestion(List.of(a, b))).startsWith("Delete second, third? Their runtimes stop.");
        assertThat(SelectionModel.deleteHeader(List.of(a))).isEqualTo("Delete 1 session?");
        assertThat(SelectionModel.purgeQuestion(List.of(a))).startsWith("The volume of second will be removed")
                .contains("Its record");
        assertThat(SelectionModel.purgeQuestion(List.of(a, b))).startsWith("The volumes of second, third").contains("Their records");
    }

    @Test
    void aDeletedSessionsBadgeSaysSo() {
        Session a = session("a", SessionState.IDLE);
        assertThat(SelectionModel.badge(a)).isEqualTo("IDLE");
        assertThat(SelectionModel.badgeStyle(a)).isEqualTo("state-idle");
        Session d = a.toBuilder().deletedAt(T).build();
        assertThat(SelectionModel.badge(d)).isEqualTo("DELETED");
        assertThat(SelectionModel.badgeStyle(d)).isEqualTo("state-deleted");
        assertThat(SelectionModel.badge(d.toBuilder().purgedAt(T).build())).isEqualTo("PURGED");
    }

    static Session session(String name, SessionState state) {
        return new Session.Builder().id("id-" + name).name(name).context("local").namespace("default").startingPrompt("")
                .state(state).phase(Phase.RUNNING).waitingTimeoutSeconds(300).ttlSeconds(3600).metadata("{}")
                .agents(List.of()).resources(Resources.DEFAULT).createdBy("t").createdAt(T).updatedAt(T)
                .lastActivityAt(T).version(1).build();
    }
}
