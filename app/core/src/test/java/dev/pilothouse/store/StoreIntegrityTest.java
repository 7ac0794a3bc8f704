package dev.pilothouse.store;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.OperationFailedException;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionState;
import dev.pilothouse.testing.Fixtures;
import dev.pilothouse.testing.MutableClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Lost writes and damaged files are refused on open, backups are taken and restored (docs/store.md). */
class StoreIntegrityTest {
    @TempDir
    Path dir;
    final Instant t0 = Instant.parse("2026-01-20T10:00:00Z");
    final MutableClock clock = new MutableClock(t0);
    final StoreOptions manual = StoreOptions.defaults().withClock(clock).withoutBackups();

    private Path file() {
        return dir.resolve(Store.FILE);
    }

    /** Opens, makes {@code n} sessions named {@code prefix-i} (one commit each), closes. */
    private List<Session> commit(int n, String prefix) {
        List<Session> made = new ArrayList<>();
        try (Store store = Store.open(dir, manual)) {
            AgentDefinition ref = Fixtures.reference(store);
            for (int i = 1; i <= n; i++) {
                made.add(Fixtures.insert(store, ref, prefix + "-" + i, SessionState.READY, t0));
            }
        }
        return made;
    }

    private List<String> names() {
        try (Store store = Store.open(dir, manual)) {
            return store.read(tx -> tx.listSessions("local", true)).stream().map(Session::name).sorted().toList();
        }
    }

    private Backup backupNow() {
        try (Store store = Store.open(dir, manual)) {
            return StoreMaintenance.backup(store, null);
        }
    }

    @Test
    void everyWriteCountsOneCommitInTheDatabaseAndInStoreSeq() {
        commit(3, "a");
        SeqFile.State s = SeqFile.read(dir).state();
        assertThat(s.seq()).isEqualTo(3);
        assertThat(s.durable()).isEqualTo(3);
        assertThat(s.clean()).isTrue();
        try (Store store = Store.open(dir, manual)) {
            assertThat(store.commitSeq()).isEqualTo(3);
            assertThat(SeqFile.read(dir).state().clean()).as("open: not clean").isFalse();
            Fixtures.insert(store, Fixtures.reference(store), "b", SessionState.READY, t0);
            assertThat(SeqFile.read(dir).state().seq()).as("recorded at once, before close").isEqualTo(4);
            // a failed transaction counts nothing
            assertThatThrownBy(() -> store.write(tx -> {
                tx.insertSession(Fixtures.newSession(Fixtures.reference(store), "b", SessionState.READY, t0),
                        List.of(Fixtures.reference(store)), "t", "duplicate name", null);
                return null;
            })).isNotNull();
            assertThat(store.commitSeq()).isEqualTo(4);
        }
        assertThat(Store.Inspection.of(dir).seq()).isEqualTo(4);
    }

    @Test
    void aDatabaseThatWentBackToAnOlderStateIsRefusedNamingTheNewestBackup() throws IOException {
        commit(5, "early");
        Backup backup = backupNow();
        Path old = dir.resolve("old.mv.db");
        Files.copy(file(), old);
        commit(5, "late");
        // what issue 9 saw: the file back at an earlier state, the later writes gone
        Files.copy(old, file(), StandardCopyOption.REPLACE_EXISTING);
        byte[] before = Files.readAllBytes(file());

        assertThatThrownBy(() -> Store.open(dir, manual))
                .isInstanceOf(OperationFailedException.class)
                .hasMessageContaining("lost committed writes")
                .hasMessageContaining("holds commit 5 but store.seq records commit 10 (5 committed write(s) missing")
                .hasMessageContaining("Nothing was changed")
                .hasMessageContaining(backup.file().getFileName().toString())
                .hasMessageContaining("pilothouse store restore --data-dir " + dir.toAbsolutePath() + " "
                        + backup.file())
                .hasMessageContaining("pilothouse store accept");
        assertThat(Files.readAllBytes(file())).as("the refused file is left as it was").isEqualTo(before);
    }

    @Test
    void aTruncatedFileIsRefusedAndLeftAsItWas() throws IOException {
        commit(30, "s");
        // cut just past the two header blocks: the chunks that hold the data are gone (half the file
        // is not enough: compaction at close may leave only free space in the second half)
        long cut = 3 * 4096;
        assertThat(Files.size(file())).isGreaterThan(cut);
        try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.WRITE)) {
            ch.truncate(cut);
        }
        assertThatThrownBy(() -> Store.open(dir, manual))
                .isInstanceOf(OperationFailedException.class)
                .hasMessageContaining("was not opened")
                .hasMessageContaining("There is no backup in " + dir.resolve("backups"));
        assertThat(Files.size(file())).isEqualTo(cut);
    }

    @Test
    void aFileCutToNothingIsRefusedNotStartedAfresh() throws IOException {
        commit(2, "s");
        Files.write(file(), new byte[0]);
        assertThatThrownBy(() -> Store.open(dir, manual))
                .isInstanceOf(OperationFailedException.class)
                .hasMessageContaining("is damaged: it is only 0 bytes long (truncated)");
        assertThat(Files.size(file())).isZero();
    }

    @Test
    void corruptedBytesAreRefused() throws IOException {
        commit(30, "s");
        long size = Files.size(file());
        byte[] junk = new byte[(int) (size - 8192)];
        new Random(42).nextBytes(junk);
        try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(junk), 8192);
        }
        assertThatThrownBy(() -> Store.open(dir, manual))
                .isInstanceOf(OperationFailedException.class)
                .hasMessageContaining("was not opened");
        assertThat(Files.size(file())).isEqualTo(size);
    }

    @Test
    void anEmptyDatabaseInPlaceOfTheStoreIsRefused() throws Exception {
        commit(2, "s");
        Files.delete(file());
        // an H2 file with nothing in it, where the store was
        java.util.Properties user = new java.util.Properties();
        user.setProperty("user", "pilothouse");
        user.setProperty("password", "");
        try (var c = new org.h2.Driver().connect("jdbc:h2:file:" + dir.resolve(Store.BASE), user)) {
            c.createStatement().execute("CREATE TABLE unrelated (x INT)");
        }
        assertThatThrownBy(() -> Store.open(dir, manual))
                .isInstanceOf(OperationFailedException.class)
                .hasMessageContaining("holds none of the store's tables")
                .hasMessageContaining("records 2 committed write(s)");
    }

    @Test
    void aMissingFileIsRefusedWhenCommitsWereRecorded() throws IOException {
        commit(2, "s");
        Files.move(file(), dir.resolve("elsewhere.mv.db"));
        assertThatThrownBy(() -> Store.open(dir, manual))
                .isInstanceOf(OperationFailedException.class)
                .hasMessageContaining("is missing, but store.seq records 2 committed write(s)");
        assertThat(file()).doesNotExist();
    }

    @Test
    void afterACrashOnlyCommitsKnownToBeWrittenMustBeThere() throws IOException {
        commit(4, "s");
        // the process died while open: it had seen commit 9 return, and checkpointed up to 4
        writeSeqFile(new SeqFile.State(7, 9, 4, false));
        try (Store store = Store.open(dir, manual)) {
            assertThat(store.commitSeq()).as("H2's write delay lost 5..9; the store goes on from 4").isEqualTo(4);
        }
        // but a crash cannot lose what was checkpointed
        writeSeqFile(new SeqFile.State(7, 9, 6, false));
        assertThatThrownBy(() -> Store.open(dir, manual))
                .hasMessageContaining("holds commit 4 but store.seq records commit 6");
    }

    private void writeSeqFile(SeqFile.State s) throws IOException {
        byte[] slot = SeqFile.format(s);
        try (OutputStream out = Files.newOutputStream(dir.resolve(SeqFile.NAME))) {
            out.write(slot);
            out.write(slot);
        }
    }

    @Test
    void checkpointsRecordCommitsAsWrittenToTheFile() throws Exception {
        try (Store store = Store.open(dir, manual)) {
            AgentDefinition ref = Fixtures.reference(store);
            Fixtures.insert(store, ref, "a", SessionState.READY, t0);
            Fixtures.insert(store, ref, "b", SessionState.READY, t0);
            store.checkpoint();
            SeqFile.State s = SeqFile.read(dir).state();
            assertThat(s.seq()).isEqualTo(2);
            assertThat(s.durable()).isEqualTo(2);
            assertThat(s.clean()).isFalse();
        }
    }

    @Test
    void aTornSeqFileSlotFallsBackToTheOtherSlot() throws IOException {
        commit(3, "s");
        byte[] bytes = Files.readAllBytes(dir.resolve(SeqFile.NAME));
        SeqFile.State newest = SeqFile.read(dir).state();
        int newestSlot = (int) (newest.gen() & 1);
        bytes[newestSlot * SeqFile.SLOT + 50] ^= 0x55;
        Files.write(dir.resolve(SeqFile.NAME), bytes);
        SeqFile.State after = SeqFile.read(dir).state();
        assertThat(after.gen()).isEqualTo(newest.gen() - 1);
        // both slots spoiled: the store opens, and records the database's own sequence again
        Files.write(dir.resolve(SeqFile.NAME), "garbage".getBytes());
        assertThat(SeqFile.read(dir).problem()).contains("is damaged");
        assertThat(names()).hasSize(3);
        assertThat(SeqFile.read(dir).state().seq()).isEqualTo(3);
    }

    @Test
    void aDataDirFromBeforeTheCommitSequenceOpensAndStartsCounting() throws Exception {
        // the schema before the commit sequence (V5), no store.seq
        String url = "jdbc:h2:file:" + dir.resolve(Store.BASE);
        org.flywaydb.core.Flyway.configure().dataSource(url, "pilothouse", "").locations("classpath:db/migration")
                .target("4").load().migrate();
        try (Store store = Store.open(dir, manual)) {
            assertThat(store.commitSeq()).isZero();
            Fixtures.insert(store, Fixtures.reference(store), "a", SessionState.READY, t0);
        }
        assertThat(SeqFile.read(dir).state().seq()).isEqualTo(1);
    }

    // ---- backups ----------------------------------------------------------------------------

    @Test
    void backupsAreVerifiedNamedWithTheirCommitAndRotated() throws IOException {
        StoreOptions keep3 = manual.withBackups(Duration.ZERO, 3, 10_000, Duration.ZERO);
        List<Backup> made = new ArrayList<>();
        try (Store store = Store.open(dir, keep3)) {
            AgentDefinition ref = Fixtures.reference(store);
            for (int i = 1; i <= 5; i++) {
                Fixtures.insert(store, ref, "s-" + i, SessionState.READY, t0);
                clock.advance(Duration.ofMinutes(10));
                made.add(StoreMaintenance.backup(store, null));
            }
        }
        List<Backup> left = StoreMaintenance.backups(dir);
        assertThat(left).extracting(Backup::seq).containsExactly(5L, 4L, 3L);
        assertThat(left).extracting(Backup::file).containsExactly(made.get(4).file(), made.get(3).file(),
                made.get(2).file());
        assertThat(left.get(0).file().getFileName().toString())
                .isEqualTo("pilothouse-20260120T105000.000Z-seq5.zip");
        for (Backup b : left) {
            assertThat(Backup.verify(b.file())).isPositive();
        }
        try (var files = Files.list(dir.resolve(Backup.DIR))) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void aBackupIsTakenOnOpenWhenTheNewestIsOlderThanTheInterval() {
        commit(2, "s");
        StoreOptions hourly = manual.withBackups(Duration.ofHours(1), 10, 10_000, Duration.ofMinutes(5));
        try (Store store = Store.open(dir, hourly)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> StoreMaintenance.backups(dir).size() == 1);
        }
        clock.advance(Duration.ofMinutes(30));
        try (Store store = Store.open(dir, hourly)) {
            Fixtures.insert(store, Fixtures.reference(store), "more", SessionState.READY, t0);
        }
        assertThat(StoreMaintenance.backups(dir)).as("the newest is only 30 minutes old").hasSize(1);
        clock.advance(Duration.ofMinutes(31));
        try (Store store = Store.open(dir, hourly)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> StoreMaintenance.backups(dir).size() == 2);
        }
        assertThat(StoreMaintenance.backups(dir).get(0).seq()).isEqualTo(3);
    }

    @Test
    void aBackupIsTakenAfterEveryBatchOfCommits() {
        StoreOptions everyFour = manual.withBackups(Duration.ofHours(1), 10, 4, Duration.ZERO);
        try (Store store = Store.open(dir, everyFour)) {
            AgentDefinition ref = Fixtures.reference(store);
            for (int i = 1; i <= 4; i++) {
                Fixtures.insert(store, ref, "s-" + i, SessionState.READY, t0);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> !StoreMaintenance.backups(dir).isEmpty());
        }
        assertThat(StoreMaintenance.backups(dir).get(0).seq()).isBetween(1L, 4L);
    }

    @Test
    void restoreMovesTheCurrentFileAsideAndPutsTheBackupInPlace() throws IOException {
        commit(5, "early");
        Backup backup = backupNow();
        commit(3, "late");
        byte[] current = Files.readAllBytes(file());

        clock.advance(Duration.ofMinutes(1));
        StoreMaintenance.Restored r = StoreMaintenance.restore(dir, backup.file(), clock);
        assertThat(r.seq()).isEqualTo(5);
        assertThat(r.movedAside()).isEqualTo(dir.resolve("pilothouse.mv.db.damaged-20260120T100100.000Z"));
        assertThat(Files.readAllBytes(r.movedAside())).as("nothing deleted").isEqualTo(current);
        assertThat(SeqFile.read(dir).state()).extracting(SeqFile.State::seq, SeqFile.State::clean)
                .containsExactly(5L, true);

        assertThat(names()).containsExactly("early-1", "early-2", "early-3", "early-4", "early-5");
        commit(1, "after");
        assertThat(SeqFile.read(dir).state().seq()).isEqualTo(6);
        assertThat(backup.file()).exists();
    }

    @Test
    void restoreRepairsAStoreThatLostWrites() throws IOException {
        commit(5, "early");
        Backup backup = backupNow();
        Path old = dir.resolve("old.mv.db");
        Files.copy(file(), old);
        commit(5, "late");
        Files.copy(old, file(), StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> Store.open(dir, manual)).hasMessageContaining("lost committed writes");

        StoreMaintenance.restore(dir, backup.file());
        assertThat(names()).hasSize(5);
    }

    @Test
    void restoreRefusesWhileTheStoreIsOpen() {
        commit(2, "s");
        Backup backup = backupNow();
        try (Store open = Store.open(dir, manual)) {
            assertThatThrownBy(() -> StoreMaintenance.restore(dir, backup.file()))
                    .isInstanceOf(OperationFailedException.class)
                    .hasMessage("the data dir " + dir.toAbsolutePath() + " is in use by this process ("
                            + ProcessHandle.current().pid() + "); close the console / stop the engine (`pilothouse engine stop`) first");
            assertThat(open.commitSeq()).isEqualTo(2);
        }
        assertThat(dir.resolve(Store.FILE)).exists();
    }

    @Test
    void restoreRefusesWhatIsNotABackup() throws IOException {
        commit(1, "s");
        Path notZip = dir.resolve("notes.zip");
        Files.writeString(notZip, "not a zip");
        assertThatThrownBy(() -> StoreMaintenance.restore(dir, notZip)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("holds no pilothouse.mv.db");
        Path otherZip = dir.resolve("other.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(otherZip))) {
            z.putNextEntry(new ZipEntry(Store.FILE));
            z.write("hello".getBytes());
        }
        assertThatThrownBy(() -> StoreMaintenance.restore(dir, otherZip)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("does not start with an H2 store header");
        assertThatThrownBy(() -> StoreMaintenance.restore(dir, dir.resolve("nope.zip")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("does not exist");
        assertThat(names()).containsExactly("s-1");
    }

    @Test
    void acceptKeepsADatabaseThatLostWritesAsItIs() throws IOException {
        commit(2, "early");
        Path old = dir.resolve("old.mv.db");
        Files.copy(file(), old);
        commit(2, "late");
        Files.copy(old, file(), StandardCopyOption.REPLACE_EXISTING);
        assertThat(StoreMaintenance.accept(dir)).isEqualTo(2);
        assertThat(names()).containsExactly("early-1", "early-2");
    }

    // ---- check ------------------------------------------------------------------------------

    @Test
    void checkReadsEverythingAndChangesNothing() throws IOException {
        assertThat(StoreMaintenance.check(dir).status()).isEqualTo(StoreMaintenance.Status.NEW);
        commit(3, "s");
        backupNow();
        byte[] before = Files.readAllBytes(file());
        StoreMaintenance.Report r = StoreMaintenance.check(dir);
        assertThat(r.status()).isEqualTo(StoreMaintenance.Status.OK);
        assertThat(r.ok()).isTrue();
        assertThat(r.dbSeq()).isEqualTo(3);
        assertThat(r.recordedSeq()).isEqualTo(3);
        assertThat(r.closedCleanly()).isTrue();
        assertThat(r.fileSize()).isEqualTo(before.length);
        assertThat(r.tables()).containsEntry("SESSIONS", 3L).containsEntry("AUDIT_EVENTS", 3L)
                .containsEntry("AGENTS", 3L).containsEntry("STORE_COMMIT", 1L).containsKey("flyway_schema_history");
        assertThat(r.backups()).hasSize(1);
        assertThat(r.advice()).isNull();
        assertThat(Files.readAllBytes(file())).isEqualTo(before);
    }

    @Test
    void checkSaysWhatIsWrongAndWhatToDo() throws IOException {
        commit(2, "early");
        Backup backup = backupNow();
        Path old = dir.resolve("old.mv.db");
        Files.copy(file(), old);
        commit(1, "late");
        Files.copy(old, file(), StandardCopyOption.REPLACE_EXISTING);
        StoreMaintenance.Report lost = StoreMaintenance.check(dir);
        assertThat(lost.status()).isEqualTo(StoreMaintenance.Status.LOST_WRITES);
        assertThat(lost.problem()).isEqualTo("the database holds commit 2 but store.seq records commit 3 "
                + "(1 committed write(s) missing)");
        assertThat(lost.advice()).contains("pilothouse store restore --data-dir " + dir.toAbsolutePath() + " "
                + backup.file());

        Files.write(file(), new byte[100]);
        StoreMaintenance.Report damaged = StoreMaintenance.check(dir);
        assertThat(damaged.status()).isEqualTo(StoreMaintenance.Status.DAMAGED);
        assertThat(damaged.dbSeq()).isNull();
        assertThat(damaged.problem()).contains("only 100 bytes");
    }

    @Test
    void checkSaysWhenTheStoreIsInUse() {
        commit(1, "s");
        try (Store open = Store.open(dir, manual)) {
            StoreMaintenance.Report r = StoreMaintenance.check(dir);
            assertThat(r.status()).isEqualTo(StoreMaintenance.Status.IN_USE);
            assertThat(r.problem()).contains("is in use by this process");
            assertThat(r.ok()).isFalse();
            assertThat(open.commitSeq()).isEqualTo(1);
        }
    }
}
