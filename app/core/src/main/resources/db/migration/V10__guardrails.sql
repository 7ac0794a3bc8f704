-- Issue 14, item 2: a session's guardrails, as the canonical specs the engine checks every message
-- with (a JSON array of strings, e.g. ["no-pii-exposure:action=block,kinds=all"]); sessions made
-- before have none. A message a guardrail redacted, blocked or refused carries its mark (a JSON
-- object: verdict, guardrail, kinds; never the matched text). Guardrail hits are audit events of
-- kind 'guardrail' (audit_events.kind has no CHECK constraint).
ALTER TABLE sessions ADD COLUMN guardrails VARCHAR(16384) DEFAULT '[]' NOT NULL;
ALTER TABLE messages ADD COLUMN guardrail VARCHAR(4096);
