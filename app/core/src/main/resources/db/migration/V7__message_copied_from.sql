-- Issue 10, item 5: messages a remix copied from its parent are marked with the session they were
-- copied from (NULL: the session's own message).
ALTER TABLE messages ADD COLUMN copied_from VARCHAR(36);
