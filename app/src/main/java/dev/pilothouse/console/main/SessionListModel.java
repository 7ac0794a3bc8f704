package dev.pilothouse.console.main;

import dev.pilothouse.session.Session;
import javafx.beans.Observable;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The sessions the console knows, kept in step with the engine's events. FX thread only. A
 * change updates the session's row in place (found through an index), so a frame's batch costs
 * one update per changed session, whatever the table's size.
 */
public final class SessionListModel {
    private final ObservableList<SessionRow> rows =
            FXCollections.observableArrayList(r -> new Observable[]{r.sessionProperty()});
    private final Map<String, SessionRow> index = new HashMap<>();

    public ObservableList<SessionRow> rows() {
        return rows;
    }

    public void setAll(List<Session> sessions) {
        index.clear();
        List<SessionRow> fresh = new ArrayList<>();
        for (Session s : newest(sessions).values()) {
            SessionRow r = new SessionRow(s);
            index.put(s.id(), r);
            fresh.add(r);
        }
        rows.setAll(fresh);
    }

    /** Applies a batch of session versions; an older version than the one shown is ignored. */
    public void apply(List<Session> changes) {
        List<SessionRow> added = new ArrayList<>();
        for (Session s : newest(changes).values()) {
            SessionRow r = index.get(s.id());
            if (r == null) {
                r = new SessionRow(s);
                index.put(s.id(), r);
                added.add(r);
            } else if (r.session().version() < s.version()) {
                r.update(s);
            }
        }
        if (!added.isEmpty()) {
            rows.addAll(added);
        }
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
