package dev.pilothouse.console.main;

import dev.pilothouse.session.Session;
import javafx.collections.ObservableList;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The sessions the console knows, kept in step with the engine's events. FX thread only. A
 * change updates the session's row in place (found through an index) and a frame's batch is
 * announced to the table as one list change.
 */
public final class SessionListModel {
    private final RowList rows = new RowList();
    private final Map<String, SessionRow> index = new HashMap<>();
    private int live;

    public ObservableList<SessionRow> rows() {
        return rows;
    }

    public void setAll(List<Session> sessions) {
        index.clear();
        live = 0;
        List<SessionRow> fresh = new ArrayList<>();
        for (Session s : newest(sessions).values()) {
            live += s.deleted() ? 0 : 1;
            SessionRow r = new SessionRow(s);
            index.put(s.id(), r);
            fresh.add(r);
        }
        rows.reset(fresh);
    }

    /** Applies a batch of session versions; an older version than the one shown is ignored. */
    public void apply(List<Session> changes) {
        List<SessionRow> added = new ArrayList<>();
        List<SessionRow> updated = new ArrayList<>();
        for (Session s : newest(changes).values()) {
            SessionRow r = index.get(s.id());
            if (r == null) {
                live += s.deleted() ? 0 : 1;
                r = new SessionRow(s);
                index.put(s.id(), r);
                added.add(r);
            } else if (r.session().version() < s.version()) {
                live += (r.session().deleted() ? 1 : 0) - (s.deleted() ? 1 : 0);
                r.update(s);
                updated.add(r);
            }
        }
        rows.updated(updated);
        rows.append(added);
    }

    /** Sessions not deleted, counted as changes arrive (the status bar asks every frame). */
    public int liveCount() {
        return live;
    }

    public Optional<Session> get(String id) {
        SessionRow r = index.get(id);
        return r == null ? Optional.empty() : Optional.of(r.session());
    }

    /** Every session known, current versions. */
    public List<Session> sessions() {
        return rows.stream().map(SessionRow::session).toList();
    }

    /** A session's name for display, or a short id when it is not loaded. */
    public String name(String id) {
        return id == null ? "" : get(id).map(Session::name).orElse(id.substring(0, Math.min(8, id.length())));
    }

    private static Map<String, Session> newest(List<Session> sessions) {
        Map<String, Session> m = new LinkedHashMap<>();
        for (Session s : sessions) {
            m.merge(s.id(), s, (a, b) -> a.version() >= b.version() ? a : b);
        }
        return m;
    }
}
