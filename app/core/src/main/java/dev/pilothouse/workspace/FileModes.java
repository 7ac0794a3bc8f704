package dev.pilothouse.workspace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/** Permission bits and modification times put back on what was unpacked, as {@code tar -x} does. */
public final class FileModes {
    /** Bit i of a mode is BITS[i]. */
    private static final PosixFilePermission[] BITS = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};

    private FileModes() {
    }

    /** The permission bits of {@code p} as a mode (0 where the file system has none). */
    public static int of(Path p) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            return 0;
        }
        int mode = 0;
        Set<PosixFilePermission> perms = view.readAttributes().permissions();
        for (int i = 0; i < BITS.length; i++) {
            if (perms.contains(BITS[i])) {
                mode |= 1 << i;
            }
        }
        return mode;
    }

    /**
     * Gives {@code p} (a file or folder, not a link) the permission bits of {@code mode} (never
     * set-id or sticky) and the time; the owner keeps reading and writing it (and entering a
     * folder), whatever the mode said, so it can be packed, replaced or removed later. A file
     * system without POSIX permissions keeps only the time.
     */
    public static void apply(Path p, int mode, long modifiedMillis) throws IOException {
        Set<PosixFilePermission> perms = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        for (int i = 0; i < BITS.length; i++) {
            if ((mode & (1 << i)) != 0) {
                perms.add(BITS[i]);
            }
        }
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            perms.add(PosixFilePermission.OWNER_EXECUTE);
        }
        try {
            Files.setPosixFilePermissions(p, perms);
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the bytes are what matter
        }
        if (modifiedMillis > 0) {
            Files.setLastModifiedTime(p, FileTime.fromMillis(modifiedMillis));
        }
    }
}
