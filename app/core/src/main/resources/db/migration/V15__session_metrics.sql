-- Issue 15, item 1: per-session metrics without Prometheus. Samples (every 5 s by default) are
-- folded into buckets of three widths as they arrive, so the history is already downsampled and
-- its size bounded: 10 s buckets kept an hour, 1 min a day, 10 min thirty days (at most 6,120
-- rows per agent). Agent '*' holds the session's totals and its workspace size.
CREATE TABLE session_metrics (
    session_id      VARCHAR(64)  NOT NULL,
    agent           VARCHAR(64)  NOT NULL,   -- an agent's name, or '*' for the whole session
    width_s         INT          NOT NULL,   -- the bucket's width in seconds: 10, 60 or 600
    bucket_ms       BIGINT       NOT NULL,   -- the bucket's start, epoch milliseconds
    samples         INT          NOT NULL,   -- samples folded in
    cpu_samples     INT          NOT NULL,   -- of which had a CPU figure
    cpu_sum         DOUBLE,                  -- cores (1.0 = one core busy), summed over cpu_samples
    cpu_max         DOUBLE,
    mem_samples     INT          NOT NULL,
    mem_sum         DOUBLE,                  -- resident bytes, summed over mem_samples
    mem_max         BIGINT,
    workspace_bytes BIGINT,                  -- the last size seen in the bucket ('*' only)
    workspace_files BIGINT,
    PRIMARY KEY (session_id, agent, width_s, bucket_ms)
);
CREATE INDEX session_metrics_age ON session_metrics (width_s, bucket_ms);

-- Token usage an agent reports in its done event (docs/agent-contract.md), kept with the trace.
ALTER TABLE reply_events ADD COLUMN input_tokens INT;
ALTER TABLE reply_events ADD COLUMN output_tokens INT;
