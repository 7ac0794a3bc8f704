package dev.pilothouse.console.main;

import javafx.collections.ListChangeListener;
import javafx.collections.ObservableList;
import javafx.collections.ObservableListBase;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * What the table shows: the model's rows that pass the filters, in the table's sort order. It
 * stands in for FilteredList + SortedList, which re-sort the whole list once per changed row
 * (50,000 rows × 2,000 changes a second does not fit in a frame). Here a frame's changes cost
 * at most one nearly-sorted TimSort and three list changes: rows that left the filter, a
 * permutation, rows that entered; a change that moves nothing is no list change at all (every
 * list change makes the table reconfigure all its visible cells). A permutation keeps the selection.
 */
final class SessionView extends ObservableListBase<SessionRow> {
    private static final Comparator<SessionRow> MODEL_ORDER = Comparator.comparingInt(r -> r.position);

    private static final int REBUILD_ABOVE = 1_000;

    private final ObservableList<SessionRow> source;
    private final List<SessionRow> shown = new ArrayList<>();
    private Predicate<SessionRow> predicate = r -> true;
    private Comparator<SessionRow> comparator = MODEL_ORDER;

    SessionView(ObservableList<SessionRow> source) {
        this.source = source;
        source.addListener((ListChangeListener<SessionRow>) this::sourceChanged);
        rebuild();
    }

    @Override
    public SessionRow get(int index) {
        return shown.get(index);
    }

    @Override
    public int size() {
        return shown.size();
    }

    void setPredicate(Predicate<SessionRow> p) {
        predicate = p;
        rebuild();
    }

    /** Null: the order sessions arrived in. */
    void setComparator(Comparator<SessionRow> c) {
        comparator = c == null ? MODEL_ORDER : c.thenComparing(MODEL_ORDER);
        beginChange();
        resort(List.of(), List.of());
        endChange();
    }

    private void sourceChanged(ListChangeListener.Change<? extends SessionRow> c) {
        List<SessionRow> candidates = new ArrayList<>();
        while (c.next()) {
            // the model removes only when it reloads; a large arrival is cheaper sorted at once
            if (c.wasRemoved() || c.getAddedSize() > REBUILD_ABOVE) {
                rebuild();
                return;
            }
            if (c.wasUpdated() || c.wasAdded()) {
                candidates.addAll(c.getList().subList(c.getFrom(), c.getTo()));
            }
        }
        apply(candidates);
    }

    /** Re-applies the filter and order to rows that changed or arrived. */
    private void apply(List<SessionRow> candidates) {
        List<SessionRow> leaving = new ArrayList<>();
        List<SessionRow> entering = new ArrayList<>();
        List<SessionRow> staying = new ArrayList<>();
        for (SessionRow r : candidates) {
            boolean pass = predicate.test(r);
            if (r.viewIndex >= 0) {
                (pass ? staying : leaving).add(r);
            } else if (pass) {
                entering.add(r);
            }
        }
        if (!leaving.isEmpty()) {
            beginChange();
            leaving.sort(Comparator.comparingInt((SessionRow r) -> r.viewIndex).reversed());
            for (SessionRow r : leaving) {
                int at = r.viewIndex;
                shown.remove(at);
                r.viewIndex = -1;
                nextRemove(at, r);
            }
            renumber();
            endChange();
        }
        if (!staying.isEmpty()) {
            // a visible cell follows its row's session by itself; the table hears only of moves,
            // and of rows whose deleted look (a row style) changed
            List<SessionRow> restyled = staying.stream().filter(r -> r.drawnDeleted != r.session().deleted()).toList();
            restyled.forEach(r -> r.drawnDeleted = r.session().deleted());
            beginChange();
            resort(staying, restyled);
            endChange();
        }
        if (!entering.isEmpty()) {
            beginChange();
            entering.sort(comparator);
            for (SessionRow r : entering) {
                r.drawnDeleted = r.session().deleted();
                int at = Collections.binarySearch(shown, r, comparator);
                at = at >= 0 ? at : -at - 1;
                shown.add(at, r);
                nextAdd(at, at + 1);
            }
            renumber();
            endChange();
        }
    }

    /** Sorts (nearly sorted after a frame's changes, so close to linear) and announces the moves. */
    private void resort(List<SessionRow> changed, List<SessionRow> updated) {
        if (!changed.isEmpty() && inOrder(changed)) {
            for (SessionRow r : updated) {
                nextUpdate(r.viewIndex);
            }
            return;
        }
        List<SessionRow> sorted = new ArrayList<>(shown);
        sorted.sort(comparator);
        int[] perm = new int[shown.size()];
        boolean moved = false;
        for (int i = 0; i < sorted.size(); i++) {
            SessionRow r = sorted.get(i);
            perm[r.viewIndex] = i;
            moved |= r.viewIndex != i;
        }
        if (moved) {
            shown.clear();
            shown.addAll(sorted);
            renumber();
            nextPermutation(0, perm.length, perm);
        }
        for (SessionRow r : updated) {
            nextUpdate(r.viewIndex);
        }
    }

    /** Only these rows changed: the list is still sorted if each is in order with its neighbours. */
    private boolean inOrder(List<SessionRow> changed) {
        for (SessionRow r : changed) {
            int i = r.viewIndex;
            if (i > 0 && comparator.compare(shown.get(i - 1), r) > 0
                    || i < shown.size() - 1 && comparator.compare(r, shown.get(i + 1)) > 0) {
                return false;
            }
        }
        return true;
    }

    private void rebuild() {
        List<SessionRow> old = new ArrayList<>(shown);
        for (SessionRow r : old) {
            r.viewIndex = -1;
        }
        shown.clear();
        for (SessionRow r : source) {
            if (predicate.test(r)) {
                r.drawnDeleted = r.session().deleted();
                shown.add(r);
            }
        }
        shown.sort(comparator);
        renumber();
        beginChange();
        nextReplace(0, shown.size(), old);
        endChange();
    }

    private void renumber() {
        for (int i = 0; i < shown.size(); i++) {
            shown.get(i).viewIndex = i;
        }
    }
}
