-- A reply longer than one stored message holds is kept up to the limit and marked TRUNCATED;
-- its error column says how long it was and what the limit is.
ALTER TABLE messages DROP CONSTRAINT messages_status;
ALTER TABLE messages ADD CONSTRAINT messages_status CHECK (status IN ('COMPLETE', 'ERROR', 'TRUNCATED'));
