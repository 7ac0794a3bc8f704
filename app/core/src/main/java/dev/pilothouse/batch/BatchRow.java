package dev.pilothouse.batch;

import java.time.Instant;

/**
 * One input row of a batch and where it is: its queue entry and its result.
 *
 * @param input      the row's fields, a JSON object of strings (the template's parameters)
 * @param stage      the stage being run or waited for, 0-based
 * @param tries      sessions made for the row so far (each is named by it)
 * @param attempts   attempts finished, over every stage
 * @param failures   failed attempts of the current stage
 * @param stagesDone JSON array of the finished stages: stage, template, session_id, session, attempts
 */
public record BatchRow(String batchId, int index, String input, Status status, int stage, int tries, int attempts,
                       int failures, int interruptions, String sessionId, String stagesDone, String result, String error,
                       Instant startedAt, Instant finishedAt, Instant updatedAt) {

    public enum Status {
        QUEUED, RUNNING, DONE, FAILED, CANCELLED;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public boolean finished() {
        return status == Status.DONE || status == Status.FAILED;
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** A changed copy. */
    public static final class Builder {
        private final BatchRow r;
        private Status status;
        private int stage;
        private int tries;
        private int attempts;
        private int failures;
        private int interruptions;
        private String sessionId;
        private String stagesDone;
        private String result;
        private String error;
        private Instant startedAt;
        private Instant finishedAt;

        private Builder(BatchRow r) {
            this.r = r;
            status = r.status;
            stage = r.stage;
            tries = r.tries;
            attempts = r.attempts;
            failures = r.failures;
            interruptions = r.interruptions;
            sessionId = r.sessionId;
            stagesDone = r.stagesDone;
            result = r.result;
            error = r.error;
            startedAt = r.startedAt;
            finishedAt = r.finishedAt;
        }

        public Builder status(Status v) { status = v; return this; }
        public Builder stage(int v) { stage = v; return this; }
        public Builder tries(int v) { tries = v; return this; }
        public Builder attempts(int v) { attempts = v; return this; }
        public Builder failures(int v) { failures = v; return this; }
        public Builder interruptions(int v) { interruptions = v; return this; }
        public Builder sessionId(String v) { sessionId = v; return this; }
        public Builder stagesDone(String v) { stagesDone = v; return this; }
        public Builder result(String v) { result = v; return this; }
        public Builder error(String v) { error = v; return this; }
        public Builder startedAt(Instant v) { startedAt = v; return this; }
        public Builder finishedAt(Instant v) { finishedAt = v; return this; }

        public BatchRow build(Instant at) {
            return new BatchRow(r.batchId, r.index, r.input, status, stage, tries, attempts, failures, interruptions,
                    sessionId, stagesDone, result, error, startedAt, finishedAt, at);
        }
    }
}
