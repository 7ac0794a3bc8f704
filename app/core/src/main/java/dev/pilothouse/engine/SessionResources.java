package dev.pilothouse.engine;

import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.session.Validation;

/**
 * A change of a live session's cpu and memory. Stored at once, applied when the runtime next
 * starts the agents (a running pod's limits cannot change in place), so front ends say when.
 */
public final class SessionResources {

    private SessionResources() {
    }

    /** Checks a requested change; null for none. */
    static Resources change(Resources r) {
        if (r == null || r.cpu() == null && r.memory() == null && r.storage() == null) {
            return null;
        }
        return Validation.resources(r);
    }

    /**
     * The resources after a change. A quantity equal to the current one (1000m and 1) leaves it as
     * it is, so that sending back what was read changes nothing; storage is refused unless it is the
     * current size: the volume exists with it.
     */
    static Resources apply(Resources current, Resources change) {
        if (change.storage() != null && !Validation.sameQuantity(change.storage(), current.storage())) {
            throw new InvalidInputException("storage cannot change after a session is created (its volume exists with "
                    + "its size" + (current.storage() == null ? "" : ", " + current.storage()) + "); accepted: cpu and "
                    + "memory. Remix it with --storage for a larger volume", "resources.storage");
        }
        return new Resources(changed(current.cpu(), change.cpu()), changed(current.memory(), change.memory()),
                current.storage());
    }

    private static String changed(String current, String asked) {
        return asked == null || Validation.sameQuantity(asked, current) ? current : asked;
    }

    /**
     * When changed cpu and memory take effect, for people; null when the runtime already runs
     * with them (an agent change restarted the session with them just now).
     */
    public static String whenApplied(Session after, boolean agentsChanged) {
        if (agentsChanged && after.state() == SessionState.READY) {
            return null;
        }
        String how = switch (after.state()) {
            case IDLE -> "it is IDLE: they apply when it is resumed";
            case ERROR -> "they apply when it is retried (`pilothouse sessions retry " + after.name() + "`)";
            default -> "the running agents keep their limits until then: pause and resume it, "
                    + "or change its agents, to restart them";
        };
        return "cpu and memory apply at the session's next start; " + how;
    }
}
