package dev.pilothouse.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * One backup of the store: a zip written by H2's online {@code BACKUP TO}, holding
 * {@code pilothouse.mv.db}. Automatic ones live in {@code DATA_DIR/backups} and are named
 * {@code pilothouse-<UTC time>-seq<N>.zip}, N being the store's commit sequence when the backup
 * began (the backup holds at least that; a restore reads the exact value from the file).
 */
public record Backup(Path file, Instant time, long seq, long size) {
    public static final String DIR = "backups";
    static final String ENTRY = Store.FILE;
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Pattern NAME = Pattern.compile("pilothouse-(\\d{8}T\\d{6}\\.\\d{3}Z)-seq(\\d+)\\.zip");

    static String name(Instant time, long seq) {
        return "pilothouse-" + STAMP.format(time) + "-seq" + seq + ".zip";
    }

    static String stamp(Instant time) {
        return STAMP.format(time);
    }

    /** The automatic backups of a data dir, newest first; files not named like one are left out. */
    public static List<Backup> list(Path dataDir) {
        Path dir = dataDir.resolve(DIR);
        List<Backup> all = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return all;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "pilothouse-*.zip")) {
            for (Path f : files) {
                parse(f).ifPresent(all::add);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        all.sort(Comparator.comparing(Backup::time).thenComparingLong(Backup::seq).reversed());
        return all;
    }

    static java.util.Optional<Backup> parse(Path f) {
        Matcher m = NAME.matcher(f.getFileName().toString());
        if (!m.matches()) {
            return java.util.Optional.empty();
        }
        try {
            Instant t = STAMP.parse(m.group(1), Instant::from);
            return java.util.Optional.of(new Backup(f, t, Long.parseLong(m.group(2)), Files.size(f)));
        } catch (DateTimeParseException | NumberFormatException | IOException e) {
            return java.util.Optional.empty();
        }
    }

    /**
     * Checks that {@code zip} is a whole backup: a readable zip whose every entry inflates with the
     * right CRC, holding {@code pilothouse.mv.db} that starts with an H2 store header. Returns the
     * database file's size; throws with the reason otherwise.
     */
    public static long verify(Path zip) throws IOException {
        long dbSize = -1;
        byte[] buf = new byte[64 * 1024];
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                long n = 0;
                boolean header = true;
                if (e.getName().equals(ENTRY)) {
                    byte[] head = in.readNBytes(4);
                    n += head.length;
                    header = new String(head, StandardCharsets.ISO_8859_1).equals("H:2,");
                }
                // reading to the end makes ZipInputStream compare the entry's CRC
                for (int r; (r = in.read(buf)) > 0; ) {
                    n += r;
                }
                if (e.getName().equals(ENTRY)) {
                    if (!header) {
                        throw new IOException(zip + ": " + ENTRY + " does not start with an H2 store header");
                    }
                    dbSize = n;
                }
            }
        } catch (java.util.zip.ZipException e) {
            throw new IOException(zip + " is not a readable zip: " + e.getMessage(), e);
        }
        if (dbSize < 0) {
            throw new IOException(zip + " holds no " + ENTRY + " (not a Pilothouse store backup)");
        }
        return dbSize;
    }

    /** Copies the database file out of {@code zip} to {@code target}. */
    static void extract(Path zip, Path target) throws IOException {
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.getName().equals(ENTRY)) {
                    try (var out = Files.newOutputStream(target)) {
                        in.transferTo(out);
                    }
                    return;
                }
            }
        }
        throw new IOException(zip + " holds no " + ENTRY);
    }
}
