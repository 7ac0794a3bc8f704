-- Issue 14, item 1: session templates. Each apply of a name stores a new version with the YAML as
-- the operator gave it; delete is soft (deleted_at on every version of the name), and a deleted
-- name may be applied again (its versions continue from the highest).
CREATE TABLE templates (
    name        VARCHAR(63)  NOT NULL,
    version     INT          NOT NULL,
    yaml        CLOB         NOT NULL,
    created_by  VARCHAR(255) NOT NULL,
    created_at  TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    updated_at  TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    deleted_at  TIMESTAMP(6) WITH TIME ZONE,
    PRIMARY KEY (name, version)
);
