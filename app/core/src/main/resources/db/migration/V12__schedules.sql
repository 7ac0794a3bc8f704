-- Issue 14, item 3: scheduled starts. A session created with --at/--after is stored in INIT, phase
-- PENDING, with scheduled_at and no owner; the engine that is up when it falls due claims it (a
-- conditional write that sets the owner) and starts it, so of several engines one starts it.
-- scheduled_at stays after the start: when the session was meant to start.
ALTER TABLE sessions ADD COLUMN scheduled_at TIMESTAMP(6) WITH TIME ZONE;
CREATE INDEX sessions_scheduled_at ON sessions (scheduled_at);
-- Recurring schedules: a template started on a cron expression. A run is claimed by moving
-- next_due_at on from the due time it had (a conditional update), in the transaction that stores
-- the run's session. Runs that fell due while no engine was up are counted, not started.
CREATE TABLE schedules (
    name              VARCHAR(63)   NOT NULL,
    template          VARCHAR(63)   NOT NULL,
    template_version  INT,
    parameters        VARCHAR(16384) NOT NULL,
    cron              VARCHAR(255)  NOT NULL,
    timezone          VARCHAR(64)   NOT NULL,
    paused            BOOLEAN       NOT NULL,
    next_due_at       TIMESTAMP(6) WITH TIME ZONE,
    last_fired_at     TIMESTAMP(6) WITH TIME ZONE,
    last_session_id   VARCHAR(36),
    last_error        VARCHAR(4096),
    missed_runs       INT           DEFAULT 0 NOT NULL,
    last_missed       VARCHAR(1024),
    created_by        VARCHAR(255)  NOT NULL,
    created_at        TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    updated_at        TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    deleted_at        TIMESTAMP(6) WITH TIME ZONE,
    id                VARCHAR(36)   PRIMARY KEY,
    live_name         VARCHAR(63) GENERATED ALWAYS AS (CASE WHEN deleted_at IS NULL THEN name END)
);
CREATE UNIQUE INDEX schedules_live_name ON schedules (live_name);
