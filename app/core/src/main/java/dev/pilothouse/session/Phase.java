package dev.pilothouse.session;

/** Lifecycle of the session's runtime (pod or local processes), reported beside the state. */
public enum Phase {
    /** Awaiting resources. */
    PENDING,
    /** Setting up: volume prepared or copied, agents starting. */
    INITIALIZING,
    /** Agents running. */
    RUNNING,
    /** Runtime released, volume kept; resumable. */
    PAUSED,
    /**
     * The runtime ended in a failure (an agent crashed, a start failed, the pod failed, the volume
     * was lost): released, volume kept, the session is ERROR; {@code retry} starts it again.
     */
    FAILED,
    /** Finished or TTL expired: runtime cleaned up, volume retained, session archived. */
    COMPLETED
}
