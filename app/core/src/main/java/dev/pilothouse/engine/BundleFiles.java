package dev.pilothouse.engine;

import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.OperationFailedException;
import dev.pilothouse.session.Session;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A session bundle to a file and back, for the CLI's export and import and the console's dialogs.
 * An export is written beside the target and moved onto it when whole: a failed one leaves nothing
 * under the chosen name (and an older file of that name as it was).
 */
public final class BundleFiles {
    private static final String MADE_BY = "a bundle is made by `pilothouse sessions export` or the console's Export…";
    private BundleFiles() {
    }

    /** Writes the bundle to {@code target}, counting the bytes written into {@code written}; returns its size. */
    public static long export(EngineOperations engine, String ref, boolean withWorkspace, Path target, AtomicLong written) {
        if (Files.isDirectory(target)) {
            throw new InvalidInputException(target + " is a folder; name the bundle file to write", "file");
        }
        Path folder = target.toAbsolutePath().getParent();
        if (folder == null || !Files.isDirectory(folder)) {
            throw new InvalidInputException("there is no folder " + folder + " to write the bundle in", "file");
        }
        Path part = target.resolveSibling(target.getFileName() + ".part");
        try {
            try (OutputStream out = new Counting(Files.newOutputStream(part), written)) {
                engine.exportBundle(ref, withWorkspace, out);
            }
            Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return Files.size(target);
        } catch (IOException e) {
            throw new OperationFailedException("cannot write the bundle to " + target + ": " + reason(e), e);
        } catch (java.io.UncheckedIOException e) {
            throw new OperationFailedException("cannot write the bundle to " + target + ": " + reason(e.getCause()), e);
        } finally {
            try {
                Files.deleteIfExists(part);
            } catch (IOException ignored) {
                // moved onto the target, or never made
            }
        }
    }

    /** A new session from the bundle in {@code file}, named {@code name} (null: as exported). */
    public static Session importFrom(EngineOperations engine, Path file, String name) {
        if (Files.isDirectory(file)) {
            throw new InvalidInputException(file + " is a folder, not a bundle file; " + MADE_BY, "file");
        }
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException("there is no file " + file + "; " + MADE_BY, "file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return engine.importBundle(in, name);
        } catch (IOException e) {
            throw new OperationFailedException("cannot read " + file + ": " + reason(e), e);
        }
    }

    /** What went wrong with a file, for people: NoSuchFileException and friends name only the path. */
    private static String reason(IOException e) {
        String kind = e.getClass().getSimpleName().replace("Exception", "");
        return e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
                : e instanceof java.nio.file.FileSystemException ? kind.replaceAll("(?<=[a-z])(?=[A-Z])", " ").toLowerCase()
                : e.getMessage();
    }

    /** Counts what goes through, for the progress shown while the bundle is written. */
    private static final class Counting extends FilterOutputStream {
        private final AtomicLong written;

        Counting(OutputStream out, AtomicLong written) {
            super(out);
            this.written = written;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            written.incrementAndGet();
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            written.addAndGet(len);
        }
    }
}
