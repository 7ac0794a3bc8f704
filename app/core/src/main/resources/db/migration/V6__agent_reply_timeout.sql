-- Issue 9, item 5: replies have a time limit, and can be cancelled.
-- An agent definition may say how long a reply may take (NULL: the engine's default, 10 minutes).
ALTER TABLE agents ADD COLUMN reply_timeout_seconds INT;

-- A reply the operator cancelled (pause, delete or retry while it was pending) is kept, with what
-- had arrived and who cancelled it in `error`.
ALTER TABLE messages DROP CONSTRAINT messages_status;
ALTER TABLE messages ADD CONSTRAINT messages_status CHECK (status IN ('COMPLETE', 'ERROR', 'TRUNCATED', 'CANCELLED'));
