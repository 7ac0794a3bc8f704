package dev.pilothouse.session;

import dev.pilothouse.errors.WrongStateException;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The seed's transition table, nothing more and nothing less. The console draws its diagram from
 * {@link #table()}, so the picture cannot drift from the rules.
 */
public final class StateMachine {
    private static final Map<SessionState, Set<SessionState>> ALLOWED;

    static {
        Map<SessionState, Set<SessionState>> m = new EnumMap<>(SessionState.class);
        m.put(SessionState.INIT, EnumSet.of(SessionState.READY, SessionState.ERROR));
        m.put(SessionState.READY, EnumSet.of(SessionState.IDLE, SessionState.BUSY, SessionState.ERROR));
        m.put(SessionState.IDLE, EnumSet.of(SessionState.READY, SessionState.ERROR));
        m.put(SessionState.BUSY, EnumSet.of(SessionState.READY, SessionState.ERROR));
        m.put(SessionState.ERROR, EnumSet.of(SessionState.INIT, SessionState.READY));
        m.replaceAll((k, v) -> Collections.unmodifiableSet(v));
        ALLOWED = Collections.unmodifiableMap(m);
    }

    private StateMachine() {
    }

    public static boolean allowed(SessionState from, SessionState to) {
        return ALLOWED.get(from).contains(to);
    }

    /** The states reachable in one step from {@code from}. */
    public static Set<SessionState> next(SessionState from) {
        return ALLOWED.get(from);
    }

    public static Map<SessionState, Set<SessionState>> table() {
        return ALLOWED;
    }

    /** Refuses a transition the table does not allow, naming the ones it does. */
    public static void check(SessionState from, SessionState to) {
        if (!allowed(from, to)) {
            throw new WrongStateException("transition " + from + " -> " + to + " is not allowed; from " + from
                    + " a session may go to " + next(from));
        }
    }
}
