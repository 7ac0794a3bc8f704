package dev.pilothouse.store;

import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.OperationFailedException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * Looking after the store from outside: check it, back it up, restore a backup, or accept a
 * database that lost writes as it is. None of these needs the engine; {@code restore} and
 * {@code accept} need the store closed (H2's file lock says whether it is).
 */
public final class StoreMaintenance {
    private StoreMaintenance() {
    }

    public enum Status {
        /** The database opens, its tables are whole and it holds every recorded commit. */
        OK,
        /** No database yet: the first open creates it. */
        NEW,
        /** Another process has it open; nothing could be read. */
        IN_USE,
        /** H2 cannot read it, or it is truncated, or tables are missing. */
        DAMAGED,
        /** It opens, but holds fewer commits than store.seq records. */
        LOST_WRITES,
        /** There is no database file but store.seq records commits. */
        MISSING
    }

    /**
     * What {@link #check} found.
     *
     * @param dbSeq the database's commit sequence, null when it could not be read
     * @param recordedSeq store.seq's newest commit, null without a readable store.seq
     * @param durableSeq store.seq's newest commit known to be in the file
     * @param closedCleanly store.seq says the last process closed the store
     * @param requiredSeq what the database must hold to be opened
     * @param tables every table with its rows (each row read in full)
     * @param advice what to do, for anything but OK and NEW
     */
    public record Report(Path dataDir, Path file, boolean exists, long fileSize, Status status, String problem,
                         Long dbSeq, Long recordedSeq, Long durableSeq, Boolean closedCleanly, long requiredSeq,
                         String seqFileProblem, Map<String, Long> tables, List<Backup> backups, String advice) {
        public boolean ok() {
            return status == Status.OK || status == Status.NEW;
        }
    }

    /** Reads the store without changing it: every table in full, the schema, store.seq, the backups. */
    public static Report check(Path dataDir) {
        Path dir = dataDir.toAbsolutePath();
        Path file = dir.resolve(Store.FILE);
        boolean exists = Files.exists(file);
        long size = exists ? sizeOf(file) : 0;
        SeqFile.Read rec = SeqFile.read(dir);
        SeqFile.State st = rec.state();
        long required = st == null ? 0 : st.floor();
        List<Backup> backups = Backup.list(dir);
        boolean busy = exists && inUse(dir);
        Store.Inspection found = !exists ? null : busy ? new Store.Inspection(null, true, false, 0, Map.of())
                : Store.Inspection.of(dir, true);
        Status status;
        String problem = null;
        if (!exists) {
            status = st != null && st.seq() > 0 ? Status.MISSING : Status.NEW;
            if (status == Status.MISSING) {
                problem = "the database file is missing, but " + SeqFile.NAME + " records " + st.seq()
                        + " committed write(s)";
            }
        } else if (found.inUse()) {
            status = Status.IN_USE;
            problem = Store.inUseMessage(dir);
        } else if (found.problem() != null) {
            status = Status.DAMAGED;
            problem = "the database file is damaged: " + found.problem();
        } else if (!found.hasSchema() && st != null) {
            status = Status.DAMAGED;
            problem = "the database file holds none of the store's tables, but " + SeqFile.NAME + " records "
                    + st.seq() + " committed write(s)";
        } else if (found.seq() < required) {
            status = Status.LOST_WRITES;
            problem = "the database holds commit " + found.seq() + " but " + SeqFile.NAME + " records commit " + required
                    + " (" + (required - found.seq()) + " committed write(s) missing)";
        } else {
            status = Status.OK;
        }
        String advice = switch (status) {
            case OK, NEW -> null;
            case IN_USE -> "close the console / stop the engine, then check again";
            default -> Store.refusalMessage(dir, problem);
        };
        boolean readable = found != null && !found.inUse() && found.problem() == null;
        return new Report(dir, file, exists, size, status, problem, readable ? found.seq() : null,
                st == null ? null : st.seq(), st == null ? null : st.durable(), st == null ? null : st.clean(),
                required, rec.problem(), readable ? found.tables() : Map.of(), backups, advice);
    }

    /** The automatic backups, newest first. */
    public static List<Backup> backups(Path dataDir) {
        return Backup.list(dataDir.toAbsolutePath());
    }

    /**
     * Backs up an open store, online: to {@code target}, or (null) to a new automatic backup in the
     * data dir's {@code backups/}, rotated.
     */
    public static Backup backup(Store store, Path target) {
        return store.backup(target);
    }

    /** Opens the store in {@code dataDir} (it must not be in use, nor damaged), backs it up and closes it. */
    public static Backup backup(Path dataDir, Path target) {
        try (Store store = Store.open(dataDir, StoreOptions.defaults().withoutBackups())) {
            return store.backup(target);
        }
    }

    /**
     * What {@link #restore} did.
     *
     * @param movedAside where the database file that was there went (null when there was none)
     * @param seq the restored database's commit sequence, now recorded in store.seq
     */
    public record Restored(Path dataDir, Path backup, Path movedAside, long seq) {
    }

    public static Restored restore(Path dataDir, Path backupZip) {
        return restore(dataDir, backupZip, Clock.systemUTC());
    }

    /**
     * Puts the database from {@code backupZip} in place: the backup is verified and opened
     * read-only first; the current file, if any, is renamed {@code pilothouse.mv.db.damaged-<time>}
     * (nothing is deleted); store.seq is set to the restored commit sequence.
     */
    public static Restored restore(Path dataDir, Path backupZip, Clock clock) {
        Path dir = dataDir.toAbsolutePath();
        Path zip = backupZip.toAbsolutePath();
        if (!Files.isRegularFile(zip)) {
            throw new InvalidInputException("backup " + zip + " does not exist; `pilothouse store backups --data-dir "
                    + Store.quote(dir) + "` lists the backups");
        }
        try {
            Backup.verify(zip);
        } catch (IOException e) {
            throw new InvalidInputException("backup " + zip + " cannot be restored: " + e.getMessage());
        }
        Path file = dir.resolve(Store.FILE);
        if (Files.exists(file) && inUse(dir)) {
            throw new OperationFailedException(Store.inUseMessage(dir));
        }
        String stamp = Backup.stamp(clock.instant());
        Path staging = dir.resolve(".restore-" + stamp);
        try {
            Files.createDirectories(staging);
            Backup.extract(zip, staging.resolve(Store.FILE));
            Store.Inspection restored = Store.Inspection.of(staging, true);
            if (restored.problem() != null || !restored.hasSchema()) {
                throw new InvalidInputException("backup " + zip + " cannot be restored: its database "
                        + (restored.problem() != null ? "is damaged: " + restored.problem() : "holds no store tables"));
            }
            Path aside = null;
            if (Files.exists(file)) {
                aside = dir.resolve(Store.FILE + ".damaged-" + stamp);
                moveAsideUnlessInUse(dir, file, aside);
            }
            Files.move(staging.resolve(Store.FILE), file, StandardCopyOption.ATOMIC_MOVE);
            SeqFile.replace(dir, restored.seq(), true);
            SeqFile.syncDirectory(dir);
            return new Restored(dir, zip, aside, restored.seq());
        } catch (IOException e) {
            throw new OperationFailedException("restoring " + zip + " into " + dir + " failed: " + e.getMessage()
                    + " (nothing was deleted)", e);
        } finally {
            deleteQuietly(staging);
        }
    }

    /**
     * Keeps a database that lost writes as it is: records its commit sequence in store.seq so it
     * opens again. The database must be readable and not in use.
     */
    public static long accept(Path dataDir) {
        Path dir = dataDir.toAbsolutePath();
        if (!Files.exists(dir.resolve(Store.FILE))) {
            throw new InvalidInputException("there is no database in " + dir + " to accept");
        }
        Store.Inspection found = inUse(dir) ? new Store.Inspection(null, true, false, 0, Map.of())
                : Store.Inspection.of(dir);
        if (found.inUse()) {
            throw new OperationFailedException(Store.inUseMessage(dir));
        }
        if (found.problem() != null) {
            throw new OperationFailedException("the database in " + dir + " is damaged (" + found.problem()
                    + "); it cannot be accepted as it is: restore a backup");
        }
        try {
            SeqFile.replace(dir, found.seq(), true);
        } catch (IOException e) {
            throw new OperationFailedException("cannot write " + dir.resolve(SeqFile.NAME) + ": " + e.getMessage(), e);
        }
        return found.seq();
    }

    /**
     * Renames the database file, holding its lock while checking: H2 locks the file it has open,
     * so a lock we cannot take means a process (maybe this one) uses the store.
     */
    private static void moveAsideUnlessInUse(Path dir, Path file, Path aside) throws IOException {
        if (inUse(dir)) {
            throw new OperationFailedException(Store.inUseMessage(dir));
        }
        Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Whether a process has the store open: this one (asked without touching the file: closing any
     * channel on it would drop the lock H2 holds through another), or another one (H2's lock on the
     * file cannot be taken).
     */
    static boolean inUse(Path dir) {
        if (Store.openHere(dir)) {
            return true;
        }
        Path file = dir.resolve(Store.FILE);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock lock = ch.tryLock();
            if (lock == null) {
                return true;
            }
            lock.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static long sizeOf(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            return -1;
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // a leftover staging dir is harmless
                }
            });
        } catch (IOException ignored) {
            // nothing to clean
        }
    }
}
