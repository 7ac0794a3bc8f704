package dev.pilothouse.batch;

/** How many of a batch's rows are in each status: what a progress display shows. */
public record BatchCounts(int queued, int running, int done, int failed, int cancelled) {
    public static final BatchCounts NONE = new BatchCounts(0, 0, 0, 0, 0);

    public int total() {
        return queued + running + done + failed + cancelled;
    }

    /** Rows finished (done or failed). */
    public int finished() {
        return done + failed;
    }

    public BatchCounts plus(BatchRow.Status s, int n) {
        return switch (s) {
            case QUEUED -> new BatchCounts(queued + n, running, done, failed, cancelled);
            case RUNNING -> new BatchCounts(queued, running + n, done, failed, cancelled);
            case DONE -> new BatchCounts(queued, running, done + n, failed, cancelled);
            case FAILED -> new BatchCounts(queued, running, done, failed + n, cancelled);
            case CANCELLED -> new BatchCounts(queued, running, done, failed, cancelled + n);
        };
    }

    /** "12/20 done, 1 failed, 4 running, 3 queued". */
    public String describe() {
        StringBuilder b = new StringBuilder().append(done).append('/').append(total()).append(" done");
        if (failed > 0) {
            b.append(", ").append(failed).append(" failed");
        }
        b.append(", ").append(running).append(" running, ").append(queued).append(" queued");
        if (cancelled > 0) {
            b.append(", ").append(cancelled).append(" cancelled");
        }
        return b.toString();
    }
}
