package dev.pilothouse.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.engine.DataDirs;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.json.Json;
import dev.pilothouse.metrics.Units;
import dev.pilothouse.store.Backup;
import dev.pilothouse.store.StoreMaintenance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code pilothouse store}: check, back up and restore the data dir's metadata store. These run on
 * the files directly, without an engine, so they work on a store that refuses to open.
 */
@Command(name = "store", description = "Check, back up and restore the metadata store (docs/store.md)",
        subcommands = {StoreCommand.Check.class, StoreCommand.BackupNow.class, StoreCommand.Backups.class,
                StoreCommand.Restore.class, StoreCommand.Accept.class})
final class StoreCommand {

    /** A store command: the data dir and output format from the root options. */
    abstract static class StoreSub implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        Path dataDir() {
            Cli root = (Cli) spec.root().userObject();
            Path dir = DataDirs.resolve(root.dataDir);
            String problem = DataDirs.problem(dir);
            if (problem != null) {
                throw new InvalidInputException(problem);
            }
            return dir;
        }

        Output output() {
            Cli root = (Cli) spec.root().userObject();
            return new Output(root.output, spec.commandLine().getOut(), Instant.now());
        }

        @Override
        public Integer call() throws Exception {
            return run(dataDir(), output());
        }

        abstract int run(Path dataDir, Output o) throws Exception;
    }

    @Command(name = "check", description = "Read the whole store without changing it and say whether it is sound "
            + "(exit 0) or what is wrong and what to do (exit 1)")
    static final class Check extends StoreSub {
        @Override
        int run(Path dataDir, Output o) {
            StoreMaintenance.Report r = StoreMaintenance.check(dataDir);
            if (o.structured()) {
                ObjectNode n = Json.MAPPER.createObjectNode();
                n.put("data_dir", r.dataDir().toString());
                n.put("file", r.file().toString());
                n.put("exists", r.exists());
                n.put("file_size", r.fileSize());
                n.put("status", r.status().name().toLowerCase(Locale.ROOT));
                n.put("problem", r.problem());
                putLong(n, "db_seq", r.dbSeq());
                putLong(n, "recorded_seq", r.recordedSeq());
                putLong(n, "durable_seq", r.durableSeq());
                if (r.closedCleanly() == null) {
                    n.putNull("closed_cleanly");
                } else {
                    n.put("closed_cleanly", r.closedCleanly());
                }
                n.put("required_seq", r.requiredSeq());
                n.put("seq_file_problem", r.seqFileProblem());
                ObjectNode tables = n.putObject("tables");
                r.tables().forEach(tables::put);
                n.set("backups", backups(r.backups()));
                n.put("advice", r.advice());
                o.json(n);
            } else {
                o.line("data dir   " + r.dataDir());
                o.line("database   " + r.file() + (r.exists() ? " (" + Units.bytes(r.fileSize()) + ")" : " (none yet)"));
                o.line("status     " + r.status() + (r.problem() == null ? "" : ": " + r.problem()));
                o.line("commits    database " + (r.dbSeq() == null ? "?" : r.dbSeq()) + ", store.seq "
                        + (r.recordedSeq() == null ? "none" : r.recordedSeq() + " (written to the file: " + r.durableSeq()
                        + (Boolean.TRUE.equals(r.closedCleanly()) ? ", closed cleanly" : ", not closed cleanly") + ")")
                        + (r.seqFileProblem() == null ? "" : " [" + r.seqFileProblem() + "]"));
                if (!r.tables().isEmpty()) {
                    StringBuilder b = new StringBuilder();
                    for (Map.Entry<String, Long> t : r.tables().entrySet()) {
                        b.append(b.length() == 0 ? "" : ", ").append(t.getKey()).append(' ').append(t.getValue());
                    }
                    o.line("tables     " + b + " (every row read)");
                }
                o.line("backups    " + (r.backups().isEmpty() ? "none" : r.backups().size() + ", newest "
                        + describe(r.backups().get(0))));
                if (r.advice() != null) {
                    o.line("");
                    o.line(r.advice());
                }
            }
            return r.ok() ? 0 : 1;
        }
    }

    @Command(name = "backup", description = "Back the store up now: to FILE, or to the data dir's backups/ "
            + "(rotated with the automatic ones)")
    static final class BackupNow extends StoreSub {
        @Parameters(arity = "0..1", paramLabel = "FILE", description = "Zip file to write (default: a new backup in backups/)")
        Path file;

        @Override
        int run(Path dataDir, Output o) {
            if (file != null && Files.isDirectory(file)) {
                throw new InvalidInputException("FILE: " + file + " is a directory; give the zip file to write");
            }
            Backup b = StoreMaintenance.backup(dataDir, file);
            if (o.structured()) {
                o.json(backup(b));
            } else {
                o.line("backed up the store (commit " + b.seq() + ") to " + b.file() + " (" + Units.bytes(b.size()) + ")");
            }
            return 0;
        }
    }

    @Command(name = "backups", description = "List the automatic backups, newest first")
    static final class Backups extends StoreSub {
        @Override
        int run(Path dataDir, Output o) {
            List<Backup> all = StoreMaintenance.backups(dataDir);
            if (o.structured()) {
                o.json(backups(all));
                return 0;
            }
            if (all.isEmpty()) {
                o.line("no backups in " + dataDir.resolve(Backup.DIR));
                return 0;
            }
            int w = all.stream().mapToInt(b -> b.file().getFileName().toString().length()).max().orElse(4);
            o.line(String.format("%-" + (w + 2) + "s%-26s%-10s%s", "FILE", "TAKEN", "COMMIT", "SIZE"));
            for (Backup b : all) {
                o.line(String.format("%-" + (w + 2) + "s%-26s%-10s%s", b.file().getFileName(), b.time(), b.seq(),
                        Units.bytes(b.size())));
            }
            return 0;
        }
    }

    @Command(name = "restore", description = "Put a backup in place of the database (needs --yes; the current "
            + "file is kept as pilothouse.mv.db.damaged-<time>)")
    static final class Restore extends StoreSub {
        @Parameters(paramLabel = "BACKUP", description = "A backup zip, or the name of one in backups/")
        String backup;

        @Option(names = "--yes", description = "Confirm: the store goes back to the backup's state")
        boolean yes;

        @Override
        int run(Path dataDir, Output o) {
            Path zip = Path.of(backup);
            if (!Files.exists(zip) && Files.exists(dataDir.resolve(Backup.DIR).resolve(backup))) {
                zip = dataDir.resolve(Backup.DIR).resolve(backup);
            }
            if (!Files.isRegularFile(zip)) {
                throw new InvalidInputException("BACKUP: " + backup + " is not a file nor a backup in "
                        + dataDir.resolve(Backup.DIR) + "; `pilothouse store backups` lists them");
            }
            if (!yes) {
                throw new InvalidInputException("restoring replaces the store in " + dataDir + " with " + zip.toAbsolutePath()
                        + " (writes made after it are not in it); the current database file is kept as "
                        + "pilothouse.mv.db.damaged-<time>; add --yes to confirm");
            }
            StoreMaintenance.Restored r = StoreMaintenance.restore(dataDir, zip);
            if (o.structured()) {
                ObjectNode n = Json.MAPPER.createObjectNode();
                n.put("data_dir", r.dataDir().toString());
                n.put("backup", r.backup().toString());
                n.put("moved_aside", r.movedAside() == null ? null : r.movedAside().toString());
                n.put("seq", r.seq());
                o.json(n);
            } else {
                o.line("restored " + r.backup() + " into " + r.dataDir() + " (commit " + r.seq() + ")"
                        + (r.movedAside() == null ? "" : "; the previous database file is now " + r.movedAside()));
            }
            return 0;
        }
    }

    @Command(name = "accept", description = "Keep a database that lost writes as it is, so it opens again (needs --yes)")
    static final class Accept extends StoreSub {
        @Option(names = "--yes", description = "Confirm: the missing writes are given up")
        boolean yes;

        @Override
        int run(Path dataDir, Output o) {
            if (!yes) {
                throw new InvalidInputException("accepting gives up the writes the database in " + dataDir
                        + " lost (`pilothouse store check` counts them; restoring a backup may keep more); add --yes to confirm");
            }
            long seq = StoreMaintenance.accept(dataDir);
            if (o.structured()) {
                ObjectNode n = Json.MAPPER.createObjectNode();
                n.put("data_dir", dataDir.toString());
                n.put("seq", seq);
                o.json(n);
            } else {
                o.line("accepted the store in " + dataDir + " as it is (commit " + seq + ")");
            }
            return 0;
        }
    }

    private static void putLong(ObjectNode n, String field, Long v) {
        if (v == null) {
            n.putNull(field);
        } else {
            n.put(field, v);
        }
    }

    private static ArrayNode backups(List<Backup> all) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        all.forEach(b -> a.add(backup(b)));
        return a;
    }

    private static ObjectNode backup(Backup b) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("file", b.file().toString());
        n.put("time", b.time().toString());
        n.put("seq", b.seq());
        n.put("size", b.size());
        return n;
    }

    private static String describe(Backup b) {
        return b.file().getFileName() + " (commit " + b.seq() + ", " + b.time() + ", " + Units.bytes(b.size()) + ")";
    }
}
