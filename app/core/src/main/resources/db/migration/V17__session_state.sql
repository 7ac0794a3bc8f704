-- Issue 15, item 1: what a transition writes moves to a narrow table of its own. H2 runs an
-- UPDATE as a removal and an insertion of the whole row in every index of the table, so a
-- transition of the wide sessions row (its prompt, metadata, seven indexes) rewrote eight random
-- leaves, each serialised whole at the commit (docs/performance.md, "Session table"). A session's
-- state, phase, times, owner, deadlines, version and change number are now a row of session_state,
-- keyed by a number and indexed by the change number only; the deadlines need no index, as the
-- engine keeps its timers in its work queue and reads them from the store only when it opens.
-- The sessions row is written only when a field an operator sets changes (name, prompt, timeouts,
-- metadata, resources) or the session is deleted or purged.
CREATE SEQUENCE session_num CACHE 10000;
ALTER TABLE sessions ADD COLUMN num BIGINT;
UPDATE sessions SET num = NEXT VALUE FOR session_num;
ALTER TABLE sessions ALTER COLUMN num SET NOT NULL;
ALTER TABLE sessions ADD CONSTRAINT sessions_num UNIQUE (num);

CREATE TABLE session_state (
    num                 BIGINT        PRIMARY KEY REFERENCES sessions (num),
    state               VARCHAR(8)    NOT NULL,
    phase               VARCHAR(16)   NOT NULL,
    updated_at          TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    last_activity_at    TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    termination_reason  VARCHAR(8192),
    owner               VARCHAR(128),
    idle_deadline       TIMESTAMP(6) WITH TIME ZONE,
    ttl_deadline        TIMESTAMP(6) WITH TIME ZONE,
    version             BIGINT        NOT NULL,
    seq                 BIGINT        NOT NULL,
    CONSTRAINT session_state_state CHECK (state IN ('INIT', 'READY', 'IDLE', 'BUSY', 'ERROR')),
    CONSTRAINT session_state_phase
        CHECK (phase IN ('PENDING', 'INITIALIZING', 'RUNNING', 'PAUSED', 'FAILED', 'COMPLETED'))
);
INSERT INTO session_state (num, state, phase, updated_at, last_activity_at, termination_reason, owner,
                           idle_deadline, ttl_deadline, version, seq)
    SELECT num, state, phase, updated_at, last_activity_at, termination_reason, owner,
           idle_deadline, ttl_deadline, version, seq FROM sessions;
CREATE INDEX session_state_seq ON session_state (seq);

DROP INDEX sessions_seq;
DROP INDEX sessions_idle_deadline;
DROP INDEX sessions_ttl_deadline;
ALTER TABLE sessions DROP CONSTRAINT sessions_state;
ALTER TABLE sessions DROP CONSTRAINT sessions_phase;
-- one statement: H2 copies the table for each ALTER that drops columns
ALTER TABLE sessions DROP COLUMN (state, phase, updated_at, last_activity_at, termination_reason, owner,
                                  idle_deadline, ttl_deadline, version, seq);

-- The audit trail is found by the session's number, not its 36-character id. Each transition's
-- audit row landed in a random leaf of two indexes of ids (the trail's, and the one H2 made for
-- the column's foreign key), each serialised whole at the commit; now one index of numbers. A row
-- can only be written for a session that exists: its number is looked up by id, and NOT NULL.
ALTER TABLE audit_events ADD COLUMN session_num BIGINT;
UPDATE audit_events SET session_num = (SELECT num FROM sessions WHERE sessions.id = audit_events.session_id);
ALTER TABLE audit_events ALTER COLUMN session_num SET NOT NULL;
CREATE INDEX audit_events_session_num ON audit_events (session_num, id);
DROP INDEX audit_events_session;
-- dropping the column drops its foreign key and that key's index
ALTER TABLE audit_events DROP COLUMN session_id;
