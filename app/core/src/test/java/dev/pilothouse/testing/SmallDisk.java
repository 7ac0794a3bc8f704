package dev.pilothouse.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A 3 MB tmpfs, for tests of a full disk. Mounting needs root: the calling test is skipped
 * (an assumption, not a failure) where it cannot be mounted.
 */
public final class SmallDisk implements AutoCloseable {
    private final Path path;

    private SmallDisk(Path path) {
        this.path = path;
    }

    /** Mounts it on a new directory {@code small-disk} under {@code parent}. */
    public static SmallDisk mount(Path parent) throws Exception {
        Path mnt = Files.createDirectory(parent.resolve("small-disk"));
        assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mnt.toString())
                .redirectErrorStream(true).start();
        boolean ok = mount.waitFor(30, TimeUnit.SECONDS) && mount.exitValue() == 0;
        String why = new String(mount.getInputStream().readAllBytes());
        assumeTrue(ok, () -> "cannot mount a tmpfs here: " + why);
        return new SmallDisk(mnt);
    }

    public Path path() {
        return path;
    }

    /** Unmounts it lazily: a process still holding a file there cannot keep it mounted. */
    @Override
    public void close() throws Exception {
        new ProcessBuilder("umount", "-l", path.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
    }
}
