package dev.pilothouse.console.main;

import dev.pilothouse.session.Session;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The sessions the console knows, in one observable list kept in step with the engine's
 * events. FX thread only. A change replaces the row in place (found through an index), so a
 * frame's batch costs one list update per changed session, whatever the table's size.
 */
public final class SessionListModel {
    private final ObservableList<Session> all = FXCollections.observableArrayList();
    private final Map<String, Integer> index = new HashMap<>();

    public ObservableList<Session> all() {
        return all;
    }

    public void setAll(List<Session> sessions) {
        index.clear();
        List<Session> unique = new ArrayList<>(newest(sessions).values());
        for (int i = 0; i < unique.size(); i++) {
            index.put(unique.get(i).id(), i);
        }
        all.setAll(unique);
    }

    /** Applies a batch of session versions; an older version than the one shown is ignored. */
    public void apply(List<Session> changes) {
        List<Session> added = new ArrayList<>();
        for (Session s : newest(changes).values()) {
            Integer i = index.get(s.id());
            if (i == null) {
                index.put(s.id(), all.size() + added.size());
                added.add(s);
            } else if (all.get(i).version() < s.version()) {
                all.set(i, s);
            }
        }
        if (!added.isEmpty()) {
            all.addAll(added);
        }
    }

    public Optional<Session> get(String id) {
        Integer i = index.get(id);
        return i == null ? Optional.empty() : Optional.of(all.get(i));
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
