-- Larger blocks of numbers for the change sequence and the identity columns. H2 writes a
-- sequence's next block to the file whenever one is used up, in a commit of its own; with
-- WRITE_DELAY=0 that commit writes a chunk of every page dirty at that moment, in the middle of
-- whatever transaction asked for the number. With H2's default block of 32, every 32nd change
-- (and every 32nd audit row) did so: a quarter of the time to adopt 20,000 sessions
-- (docs/performance.md). A crash skips what is left of a block; numbers are never reused, and
-- change numbers and ids only need to grow.
ALTER SEQUENCE change_seq CACHE 10000;
ALTER TABLE messages ALTER COLUMN id SET CACHE 10000;
ALTER TABLE audit_events ALTER COLUMN id SET CACHE 10000;
