-- Issue 12, item 6: bearer tokens of the REST API. Only a salted SHA-256 of each token's secret is
-- kept; the secret is shown once, when the token is created. A revoked token's name may be reused.
CREATE TABLE api_tokens (
    id           VARCHAR(36)  PRIMARY KEY,
    name         VARCHAR(63)  NOT NULL,
    salt         VARBINARY(16) NOT NULL,
    hash         VARBINARY(32) NOT NULL,
    read_only    BOOLEAN      NOT NULL,
    created_by   VARCHAR(255) NOT NULL,
    created_at   TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    expires_at   TIMESTAMP(6) WITH TIME ZONE,
    revoked_at   TIMESTAMP(6) WITH TIME ZONE,
    last_used_at TIMESTAMP(6) WITH TIME ZONE,
    live_name    VARCHAR(63) GENERATED ALWAYS AS (CASE WHEN revoked_at IS NULL THEN name END)
);
CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (live_name);
