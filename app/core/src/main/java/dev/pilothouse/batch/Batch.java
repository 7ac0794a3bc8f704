package dev.pilothouse.batch;

import java.time.Instant;
import java.util.List;

/**
 * A stored batch (docs/batches.md): one session per input row from the first stage's template, each
 * further stage a remix of the row's previous session with that stage's template; at most
 * {@code parallel} of its sessions running at once.
 *
 * @param collect a file in each session's workspace to collect instead of its reply; null: the reply
 */
public record Batch(String id, List<Stage> stages, int parallel, int retries, String collect, String context,
                    String namespace, Status status, String createdBy, Instant createdAt, Instant updatedAt,
                    Instant finishedAt) {

    /** A stage: a template at the version it had when the batch was submitted. */
    public record Stage(String template, int version) {
    }

    public enum Status {
        /** Rows are queued or running. */
        RUNNING,
        /** Cancelled: nothing new starts; {@code batch resume} queues the cancelled rows again. */
        CANCELLED,
        /** Every row is done or failed. */
        DONE
    }

    public boolean finished() {
        return status == Status.DONE;
    }
}
