package dev.pilothouse.console.main;

import dev.pilothouse.session.Phase;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import javafx.collections.ListChangeListener;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The table's view against the obvious answer (filter, then sort, the model's rows), after
 * random batches of changes; and a mirror rebuilt only from the view's change events must equal
 * the view, since the table sees nothing else.
 */
class SessionViewTest {
    private static final Comparator<SessionRow> BY_NAME = Comparator.comparing(r -> r.session().name());
    private static final Predicate<SessionRow> LIVE = r -> r.session().state() != SessionState.IDLE;

    @Test
    void followsBatchesOfChangesAndAnnouncesThemExactly() {
        SessionListModel model = new SessionListModel();
        List<Session> all = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            all.add(session("s" + i, "name-" + (i * 7919 % 300), i % 3 == 0 ? SessionState.IDLE : SessionState.READY));
        }
        model.setAll(all);
        SessionView view = new SessionView(model.rows());
        List<SessionRow> mirror = new ArrayList<>(view);
        view.addListener((ListChangeListener<SessionRow>) c -> replay(c, mirror));
        view.setPredicate(LIVE);
        view.setComparator(BY_NAME);
        assertThat(view).containsExactlyElementsOf(expected(model, LIVE, BY_NAME));

        Random random = new Random(42);
        for (int batch = 0; batch < 200; batch++) {
            List<Session> changes = new ArrayList<>();
            for (int k = 0; k < 1 + random.nextInt(20); k++) {
                Session cur = model.sessions().get(random.nextInt(model.sessions().size()));
                changes.add(cur.toBuilder().version(cur.version() + 1)
                        .name(random.nextBoolean() ? cur.name() : "name-" + random.nextInt(1000))
                        .state(random.nextInt(3) == 0 ? SessionState.IDLE : SessionState.READY)
                        .deletedAt(random.nextInt(10) == 0 ? (cur.deleted() ? null : Instant.now()) : cur.deletedAt()).build());
            }
            if (batch % 10 == 0) {
                changes.add(session("new" + batch, "name-" + random.nextInt(1000), SessionState.READY));
            }
            model.apply(changes);
            assertThat(view).as("batch %d", batch).containsExactlyElementsOf(expected(model, LIVE, BY_NAME));
            assertThat(mirror).as("mirror after batch %d", batch).containsExactlyElementsOf(view);
            assertThat(model.liveCount()).isEqualTo(model.sessions().stream().filter(s -> !s.deleted()).count());
        }
        view.setComparator(BY_NAME.reversed());
        assertThat(view).containsExactlyElementsOf(expected(model, LIVE, BY_NAME.reversed()));
        assertThat(mirror).containsExactlyElementsOf(view);

        model.setAll(List.of());
        assertThat(view).isEmpty();
        assertThat(mirror).isEmpty();
    }

    private static List<SessionRow> expected(SessionListModel model, Predicate<SessionRow> p, Comparator<SessionRow> c) {
        // ties (equal names) keep the order the sessions arrived in
        return model.rows().stream().filter(p).sorted(c.thenComparingInt(r -> r.position)).toList();
    }

    private static void replay(ListChangeListener.Change<? extends SessionRow> c, List<SessionRow> mirror) {
        while (c.next()) {
            if (c.wasPermutated()) {
                List<SessionRow> copy = new ArrayList<>(mirror.subList(c.getFrom(), c.getTo()));
                for (int i = c.getFrom(); i < c.getTo(); i++) {
                    mirror.set(c.getPermutation(i), copy.get(i - c.getFrom()));
                }
            } else if (!c.wasUpdated()) {
                mirror.subList(c.getFrom(), c.getFrom() + c.getRemovedSize()).clear();
                mirror.addAll(c.getFrom(), c.getAddedSubList());
            }
        }
    }

    private static Session session(String id, String name, SessionState state) {
        Instant t = Instant.parse("2026-11-21T10:00:00Z");
        return new Session.Builder().id(id).name(name).context("local").namespace("default").startingPrompt("")
                .state(state).phase(Phase.RUNNING).waitingTimeoutSeconds(300).ttlSeconds(3600).metadata("{}")
                .agents(List.of()).resources(Resources.DEFAULT).createdBy("t").createdAt(t).updatedAt(t)
                .lastActivityAt(t).version(0).build();
    }
}
