-- Issue 15, item 4: agent traces. Every event an agent streamed for a reply, kept with when it
-- arrived (milliseconds after the message was handed to the agent), in the order it came. The
-- text is kept only when the session's guardrails let the reply be stored as it is: a redacted or
-- blocked reply keeps its events' timing and size, never what was held back.
CREATE TABLE reply_events (
    message_id BIGINT       NOT NULL,   -- the reply (messages.id)
    seq        INT          NOT NULL,   -- 0, 1, ... in arrival order
    at_ms      BIGINT       NOT NULL,   -- milliseconds after the message was sent to the agent
    type       VARCHAR(16)  NOT NULL,   -- DELTA, TOOL_OUTPUT, DONE, ERROR
    stream     VARCHAR(16),             -- a tool output's stream (stdout, stderr)
    chars      INT          NOT NULL,   -- the event's text length, kept even when its text is not
    text       CLOB,
    exit_code  INT,                     -- a done event's exit status
    PRIMARY KEY (message_id, seq)
);
