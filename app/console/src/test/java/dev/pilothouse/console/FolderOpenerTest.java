package dev.pilothouse.console;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class FolderOpenerTest {

    @Test
    void aUnixDesktopOpensFoldersOnlyWithADisplayAndAnOpener(@TempDir Path bin) throws Exception {
        assertThat(FolderOpener.desktopCanOpen("Linux", Map.of("PATH", bin.toString(), "DISPLAY", ":0"))).isFalse();
        Path xdg = Files.writeString(bin.resolve("xdg-open"), "#!/bin/sh\n");
        xdg.toFile().setExecutable(true);
        assertThat(FolderOpener.desktopCanOpen("Linux", Map.of("PATH", bin.toString(), "DISPLAY", ":0"))).isTrue();
        assertThat(FolderOpener.desktopCanOpen("Linux", Map.of("PATH", bin.toString()))).as("no display").isFalse();
        assertThat(FolderOpener.desktopCanOpen("Mac OS X", Map.of())).isTrue();
    }
}
