-- The number of write transactions ever committed: every Store.write adds one in the same
-- transaction. The store also keeps the newest value it saw in store.seq next to the database,
-- so a database file that went back to an older state is refused on open (docs/store.md).
CREATE TABLE store_commit (
    id   INT    PRIMARY KEY,
    seq  BIGINT NOT NULL,
    CONSTRAINT store_commit_one_row CHECK (id = 0)
);
INSERT INTO store_commit (id, seq) VALUES (0, 0);
