-- Issue 14, items 4 and 5: batches and pipelines. A batch is a template (and the templates of its
-- further stages) times a table of inputs; the engine that owns the data dir drives it. Its rows are
-- its queue: QUEUED rows wait for a slot, RUNNING rows hold one (at most `parallel` per batch, counted
-- here, never in memory), DONE / FAILED / CANCELLED rows are finished. A RUNNING row whose engine
-- died is re-queued by the next engine's start.
CREATE TABLE batches (
    id            VARCHAR(16)  NOT NULL PRIMARY KEY,
    stages        CLOB         NOT NULL,   -- JSON [{"template": NAME, "version": N}, ...]: stage 1, then each --then
    parallel      INT          NOT NULL,
    retries       INT          NOT NULL,
    collect_path  VARCHAR(1024),
    context       VARCHAR(255) NOT NULL,
    namespace     VARCHAR(255),
    status        VARCHAR(16)  NOT NULL,   -- RUNNING, CANCELLED, DONE
    created_by    VARCHAR(255) NOT NULL,
    created_at    TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    updated_at    TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    finished_at   TIMESTAMP(6) WITH TIME ZONE
);

CREATE TABLE batch_rows (
    batch_id      VARCHAR(16)  NOT NULL,
    idx           INT          NOT NULL,   -- 1, 2, ... in input order
    input         CLOB         NOT NULL,   -- the row's fields, a JSON object of strings
    status        VARCHAR(16)  NOT NULL,   -- QUEUED, RUNNING, DONE, FAILED, CANCELLED
    stage         INT          NOT NULL,   -- the stage being run or waited for, 0-based
    tries         INT          NOT NULL,   -- sessions made for the row (they are named by it)
    attempts      INT          NOT NULL,   -- attempts finished, every stage
    failures      INT          NOT NULL,   -- failed attempts of the current stage (retried while <= retries)
    interruptions INT          NOT NULL,   -- attempts cut off by the engine stopping (not the row's fault)
    session_id    VARCHAR(36),             -- the current (or last) stage's session
    stages_done   CLOB         NOT NULL,   -- JSON [{"stage", "template", "session_id", "session", "attempts"}, ...]
    result        CLOB,
    error         CLOB,
    started_at    TIMESTAMP(6) WITH TIME ZONE,
    finished_at   TIMESTAMP(6) WITH TIME ZONE,
    updated_at    TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    PRIMARY KEY (batch_id, idx)
);
CREATE INDEX batch_rows_status ON batch_rows (batch_id, status);
