package dev.pilothouse.runtime;

/**
 * Why a session's agents are stopped, for a shared runtime to leave where another workstation
 * (even one whose engine did not run then) reads it: a pause, the agent's own exit after its
 * waiting timeout, or a failure with its reason.
 *
 * @param why    the session's reason, or null when there is nothing to say
 * @param failed the session failed ({@code why} is the failure) rather than stopped
 */
public record Stop(String why, boolean failed) {
    /** A stop with nothing to say. */
    public static final Stop PLAIN = new Stop(null, false);

    /** A stop, saying why. */
    public static Stop because(String why) {
        return new Stop(why, false);
    }

    /** The session failed, and why. */
    public static Stop failed(String reason) {
        return new Stop(reason, true);
    }
}
