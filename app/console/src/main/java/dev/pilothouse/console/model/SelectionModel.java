package dev.pilothouse.console.model;

import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;

import java.util.List;
import java.util.Locale;

/**
 * What the selected sessions allow and what the window shows for them, decided without the FX
 * thread so it can be tested as plain code: the toolbar, the context menu and the keyboard all
 * ask here, and so can never disagree.
 */
public final class SelectionModel {
    private SelectionModel() {
    }

    /** Which actions the selection allows. */
    public record Availability(boolean remix, boolean pause, boolean resume, boolean retry, boolean delete, boolean purge,
                               boolean copy, boolean parent) {
    }

    public static Availability of(List<Session> picked) {
        boolean one = picked.size() == 1;
        return new Availability(
                one && !picked.get(0).purged(),
                picked.stream().anyMatch(SelectionModel::canPause),
                picked.stream().anyMatch(SelectionModel::canResume),
                picked.stream().anyMatch(SelectionModel::canRetry),
                picked.stream().anyMatch(SelectionModel::canDelete),
                picked.stream().anyMatch(SelectionModel::canPurge),
                !picked.isEmpty(),
                one && picked.get(0).parentSessionId() != null);
    }

    /** The session the detail pane shows: the selection when it is exactly one session, else none. */
    public static Session shown(List<Session> picked) {
        return picked.size() == 1 ? picked.get(0) : null;
    }

    public static boolean canPause(Session s) {
        return s.state() == SessionState.READY && !s.deleted();
    }

    public static boolean canResume(Session s) {
        return s.state() == SessionState.IDLE && !s.deleted() && !s.completed();
    }

    public static boolean canRetry(Session s) {
        return s.state() == SessionState.ERROR && !s.deleted() && !s.completed();
    }

    public static boolean canDelete(Session s) {
        return !s.deleted();
    }

    public static boolean canPurge(Session s) {
        return s.deleted() && !s.purged();
    }

    /** The delete confirmation's text, in the grammar of how many there are. */
    public static String deleteQuestion(List<Session> live) {
        String names = names(live);
        boolean one = live.size() == 1;
        return "Delete " + names + "? " + (one ? "Its runtime stops" : "Their runtimes stop") + ". The record, "
                + "conversation, audit trail and volume are kept (remix still works; purge removes the volume).";
    }

    public static String deleteHeader(List<Session> live) {
        return "Delete " + live.size() + (live.size() == 1 ? " session" : " sessions") + "?";
    }

    public static String purgeHeader(List<Session> deleted) {
        return "Purge " + deleted.size() + (deleted.size() == 1 ? " volume" : " volumes") + " for good?";
    }

    public static String purgeQuestion(List<Session> deleted) {
        boolean one = deleted.size() == 1;
        return "The volume" + (one ? " of " : "s of ") + names(deleted) + (one ? " will be removed and cannot be recovered. "
                + "Its record and history stay." : " will be removed and cannot be recovered. Their records and history stay.");
    }

    /** The text of a session's state badge: its state, or DELETED once deleted (PURGED once its volume is gone). */
    public static String badge(Session s) {
        if (s.purged()) {
            return "PURGED";
        }
        return s.deleted() ? "DELETED" : s.state().name();
    }

    /** The badge's style class. */
    public static String badgeStyle(Session s) {
        return s.deleted() ? "state-deleted" : "state-" + s.state().name().toLowerCase(Locale.ROOT);
    }

    private static String names(List<Session> sessions) {
        List<String> n = sessions.stream().map(Session::name).toList();
        if (n.size() <= 5) {
            return String.join(", ", n);
        }
        return String.join(", ", n.subList(0, 5)) + " and " + (n.size() - 5) + " more";
    }
}
