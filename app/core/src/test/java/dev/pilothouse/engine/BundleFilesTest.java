package dev.pilothouse.engine;

import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.OperationFailedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An export is whole under the chosen name or not there at all; an older file of that name stays as it was. */
class BundleFilesTest {
    @TempDir
    Path dir;

    /** An engine whose export writes {@code bytes} and then, when {@code failWith} is given, fails. */
    private static EngineOperations exporting(byte[] bytes, RuntimeException failWith) {
        return (EngineOperations) Proxy.newProxyInstance(EngineOperations.class.getClassLoader(),
                new Class<?>[]{EngineOperations.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("exportBundle")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    ((OutputStream) args[2]).write(bytes);
                    if (failWith != null) {
                        throw failWith;
                    }
                    return null;
                });
    }

    @Test
    void aWholeExportIsMovedOntoTheTarget() {
        Path target = dir.resolve("s.bundle.tar.gz");
        AtomicLong written = new AtomicLong();
        long size = BundleFiles.export(exporting(new byte[1234], null), "s", true, target, written);
        assertThat(size).isEqualTo(1234);
        assertThat(written).hasValue(1234);
        assertThat(target).hasSize(1234);
        assertThat(dir.resolve("s.bundle.tar.gz.part")).doesNotExist();
    }

    @Test
    void aFailedExportLeavesNothingUnderTheNameAndAnOlderFileAsItWas() throws IOException {
        Path target = dir.resolve("s.bundle.tar.gz");
        assertThatThrownBy(() -> BundleFiles.export(exporting(new byte[500],
                new OperationFailedException("the bundle broke off")), "s", false, target, new AtomicLong()))
                .hasMessage("the bundle broke off");
        try (var left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }

        Files.writeString(target, "an older bundle");
        assertThatThrownBy(() -> BundleFiles.export(exporting(new byte[500],
                new OperationFailedException("the bundle broke off")), "s", false, target, new AtomicLong()))
                .isInstanceOf(OperationFailedException.class);
        assertThat(target).hasContent("an older bundle");
        try (var left = Files.list(dir)) {
            assertThat(left).containsExactly(target);
        }
    }

    @Test
    void aFolderOrAMissingOneIsRefusedWithWhatIsAccepted() {
        assertThatThrownBy(() -> BundleFiles.export(exporting(new byte[1], null), "s", false, dir, new AtomicLong()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("is a folder; name the bundle file");
        assertThatThrownBy(() -> BundleFiles.export(exporting(new byte[1], null), "s", false,
                dir.resolve("nowhere/s.bundle.tar.gz"), new AtomicLong()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("there is no folder");
        assertThatThrownBy(() -> BundleFiles.importFrom(exporting(new byte[1], null), dir.resolve("none.tar.gz"), null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("there is no file");
        assertThatThrownBy(() -> BundleFiles.importFrom(exporting(new byte[1], null), dir, null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("is a folder, not a bundle file");
    }
}
