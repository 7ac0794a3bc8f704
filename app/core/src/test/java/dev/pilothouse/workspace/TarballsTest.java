package dev.pilothouse.workspace;

import dev.pilothouse.errors.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TarballsTest {
    private static final FileTime LAST_YEAR = FileTime.from(Instant.parse("2025-06-01T12:00:00Z"));

    @TempDir
    Path dir;

    @Test
    void anUnpackedTreeKeepsItsPermissionBitsAndTimesAsTarDoes() throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Path script = Files.writeString(src.resolve("run.sh"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x---"));
        Files.setLastModifiedTime(script, LAST_YEAR);
        Path locked = Files.createDirectories(src.resolve("locked"));
        Files.writeString(locked.resolve("secret.txt"), "s");
        Files.setPosixFilePermissions(locked.resolve("secret.txt"), PosixFilePermissions.fromString("r--------"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-x------"));
        Files.setLastModifiedTime(locked, LAST_YEAR);

        ByteArrayOutputStream tgz = new ByteArrayOutputStream();
        Tarballs.pack(src, null, tgz);
        Path out = dir.resolve("out");
        assertThat(Tarballs.unpack(new ByteArrayInputStream(tgz.toByteArray()), out)).isEqualTo(3);

        assertThat(Files.getPosixFilePermissions(out.resolve("run.sh"))).isEqualTo(PosixFilePermissions.fromString("rwxr-x---"));
        assertThat(Files.getLastModifiedTime(out.resolve("run.sh"))).isEqualTo(LAST_YEAR);
        // set last, so its own time is kept and it did not refuse its file while it was filled;
        // the owner may still write (it unpacked it, and may replace or remove it)
        assertThat(Files.getPosixFilePermissions(out.resolve("locked"))).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(Files.getLastModifiedTime(out.resolve("locked"))).isEqualTo(LAST_YEAR);
        assertThat(Files.readString(out.resolve("locked/secret.txt"))).isEqualTo("s");
        assertThat(Files.getPosixFilePermissions(out.resolve("locked/secret.txt")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void anArchiveCutShortIsRefusedAsIncomplete() {
        ByteArrayOutputStream tgz = new ByteArrayOutputStream();
        Tarballs.pack(dir, null, tgz);
        byte[] cut = Arrays.copyOf(tgz.toByteArray(), tgz.size() / 2);
        assertThatThrownBy(() -> Tarballs.unpack(new ByteArrayInputStream(cut), dir.resolve("cut")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("not a complete");
    }
}
