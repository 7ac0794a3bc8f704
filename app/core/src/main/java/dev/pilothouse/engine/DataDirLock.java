package dev.pilothouse.engine;

import dev.pilothouse.errors.OperationFailedException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Exclusive ownership of a data dir: one engine per data dir, so one writer of its store and
 * one owner of its agents. An operating-system lock on {@code engine.lock}, so a process that
 * dies (even by kill -9) releases it; other processes hand their commands to the owner instead
 * of opening the store themselves.
 */
public final class DataDirLock implements AutoCloseable {
    public static final String FILE = "engine.lock";
    /** Data dirs locked by this process: the OS lock cannot tell two owners in one JVM apart. */
    private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;
    private final Object fileKey;

    private DataDirLock(Path dir, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
        this.fileKey = fileKey(dir);
    }

    /** The lock, or empty when another engine (in this process or another) owns the data dir. */
    public static Optional<DataDirLock> tryAcquire(Path dataDir) {
        Path dir = dataDir.toAbsolutePath().normalize();
        if (!HELD_HERE.add(dir)) {
            return Optional.empty();
        }
        FileChannel ch = null;
        try {
            Files.createDirectories(dir);
            ch = FileChannel.open(dir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock l = ch.tryLock();
            if (l == null) {
                ch.close();
                HELD_HERE.remove(dir);
                return Optional.empty();
            }
            return Optional.of(new DataDirLock(dir, ch, l));
        } catch (IOException | OverlappingFileLockException e) {
            HELD_HERE.remove(dir);
            closeQuietly(ch);
            if (e instanceof OverlappingFileLockException) {
                return Optional.empty();
            }
            throw new OperationFailedException("cannot lock data dir " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Whether some process (this one included) owns the data dir now. */
    public static boolean held(Path dataDir) {
        Optional<DataDirLock> probe = tryAcquire(dataDir);
        probe.ifPresent(DataDirLock::close);
        return probe.isEmpty();
    }

    /** Whether this process owns the data dir. */
    public static boolean heldHere(Path dataDir) {
        return HELD_HERE.contains(dataDir.toAbsolutePath().normalize());
    }

    public Path dataDir() {
        return dir;
    }

    /** Whether the lock file is still the one locked: false once the data dir was deleted or replaced. */
    public boolean intact() {
        Object now = fileKey(dir);
        return now != null && (fileKey == null || fileKey.equals(now));
    }

    private static Object fileKey(Path dir) {
        try {
            return Files.readAttributes(dir.resolve(FILE), BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        closeQuietly(channel);
        HELD_HERE.remove(dir);
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing more to release
            }
        }
    }
}
