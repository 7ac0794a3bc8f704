package dev.pilothouse.runtime;

import java.time.Instant;
import java.util.List;

/**
 * Whether a context's runtime can be used now, as the console and the CLI show it.
 *
 * @param reason  what is wrong, for the operator; null when connected with every permission
 * @param missing the permissions found missing ("create pods", "get pods/log"): when forbidden, or
 *                when connected without some a runtime needs only for some operations (those
 *                operations are refused, naming them; reading and adopting sessions work)
 */
public record ConnectionStatus(State state, String reason, List<String> missing, Instant checkedAt) {
    public enum State {
        /** Not checked yet. */
        CHECKING,
        /** Reachable, and sessions can be seen; {@code missing} lists permissions some operations would need. */
        CONNECTED,
        /** The API server does not answer (network, DNS, TLS, a server that is down). */
        UNREACHABLE,
        /** The API server refused the credentials (expired token, unknown user). */
        UNAUTHORIZED,
        /** Reachable, but permissions the runtime needs are missing. */
        FORBIDDEN
    }

    public ConnectionStatus {
        missing = missing == null ? List.of() : List.copyOf(missing);
    }

    public static ConnectionStatus connected(Instant at) {
        return new ConnectionStatus(State.CONNECTED, null, List.of(), at);
    }

    public boolean connected() {
        return state == State.CONNECTED;
    }

    /**
     * "connected", or the state and its reason: "unreachable: ...", "forbidden: missing list pods",
     * "connected; missing create secrets ...".
     */
    public String describe() {
        if (state == State.CONNECTED) {
            return reason == null ? "connected" : "connected; " + reason;
        }
        return state.name().toLowerCase() + (reason == null ? "" : ": " + reason);
    }
}
