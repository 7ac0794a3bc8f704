-- Issue 10, item 5: a session whose runtime ended in a failure (crash, failed start, lost volume)
-- is in phase FAILED, not PAUSED; sessions already in ERROR with a released runtime are moved.
ALTER TABLE sessions DROP CONSTRAINT sessions_phase;
ALTER TABLE sessions ADD CONSTRAINT sessions_phase
    CHECK (phase IN ('PENDING', 'INITIALIZING', 'RUNNING', 'PAUSED', 'FAILED', 'COMPLETED'));
UPDATE sessions SET phase = 'FAILED' WHERE state = 'ERROR' AND phase = 'PAUSED';
