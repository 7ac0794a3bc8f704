package dev.pilothouse.runtime;

/** An open log reader; closing it stops following. */
public interface LogSubscription extends AutoCloseable {
    @Override
    void close();

    /**
     * Completes, with why, when the subscription ends by itself and delivers nothing more (it
     * could not go on following); a subscription that ends only when closed never completes it.
     */
    default java.util.concurrent.CompletionStage<String> ended() {
        return new java.util.concurrent.CompletableFuture<>();
    }

    /**
     * Waits, at most {@code max}, until the log source has delivered what it already holds: a
     * follow that stops because its session stopped would otherwise drop the agent's last lines,
     * which its stream may still carry after the session's state changed (a Kubernetes log
     * stream lags behind the pod status the engine acts on). Returns at once when nothing is on
     * the way.
     */
    default void drain(java.time.Duration max) throws InterruptedException {
    }
}
