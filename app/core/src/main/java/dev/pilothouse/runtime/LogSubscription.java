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
}
