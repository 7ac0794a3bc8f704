package dev.pilothouse.console.main;

import javafx.collections.ObservableListBase;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The session rows behind the table, append-only between resets. Rows change in place, and a
 * frame's changed rows are announced as one list change (a list with an extractor fires one per
 * row), so the table's {@link SessionView} re-sorts once per frame.
 */
final class RowList extends ObservableListBase<SessionRow> {
    private final List<SessionRow> rows = new ArrayList<>();

    @Override
    public SessionRow get(int index) {
        return rows.get(index);
    }

    @Override
    public int size() {
        return rows.size();
    }

    void reset(List<SessionRow> fresh) {
        List<SessionRow> old = new ArrayList<>(rows);
        rows.clear();
        rows.addAll(fresh);
        for (int i = 0; i < rows.size(); i++) {
            rows.get(i).position = i;
        }
        beginChange();
        nextReplace(0, rows.size(), old);
        endChange();
    }

    void append(List<SessionRow> added) {
        if (added.isEmpty()) {
            return;
        }
        int from = rows.size();
        for (SessionRow r : added) {
            r.position = rows.size();
            rows.add(r);
        }
        beginChange();
        nextAdd(from, rows.size());
        endChange();
    }

    /** Announces rows whose session changed in place, as one list change. */
    void updated(Collection<SessionRow> changed) {
        if (changed.isEmpty()) {
            return;
        }
        int[] at = changed.stream().mapToInt(r -> r.position).sorted().toArray();
        beginChange();
        for (int i : at) {
            nextUpdate(i);
        }
        endChange();
    }
}
