package dev.pilothouse.console.main;

import dev.pilothouse.session.Session;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;

/**
 * One row of the session table. The row object stays the same for a session's whole life and
 * its current version changes inside it: the table keeps the selection, and sorting and
 * filtering follow the change when the model announces it (once per frame).
 */
public final class SessionRow {
    private final String id;
    private final ReadOnlyObjectWrapper<Session> session;
    /** Index in the model's {@link RowList}, for announcing changes. */
    int position;
    /** Index in the table's {@link SessionView}, or -1 when filtered out. */
    int viewIndex = -1;
    /** Whether the table last drew this row as deleted (a row style, not a cell's content). */
    boolean drawnDeleted;

    SessionRow(Session s) {
        this.id = s.id();
        this.session = new ReadOnlyObjectWrapper<>(s);
    }

    public String id() {
        return id;
    }

    public Session session() {
        return session.get();
    }

    public ReadOnlyObjectProperty<Session> sessionProperty() {
        return session.getReadOnlyProperty();
    }

    void update(Session s) {
        session.set(s);
    }
}
