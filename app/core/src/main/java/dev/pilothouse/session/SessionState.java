package dev.pilothouse.session;

/** The five states of a session, exactly as the seed specification defines them. */
public enum SessionState {
    /** Being provisioned: runtime starting, agents not yet healthy. */
    INIT,
    /** Runtime up, every agent healthy, waiting for messages. */
    READY,
    /** Not picking up messages: waiting timeout or manual pause; runtime released, volume kept. */
    IDLE,
    /** An agent is processing a message. */
    BUSY,
    /** A failure, with a reason. */
    ERROR
}
