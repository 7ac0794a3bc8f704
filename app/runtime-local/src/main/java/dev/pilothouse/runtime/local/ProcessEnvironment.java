package dev.pilothouse.runtime.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A process's environment as /proc/PID/environ holds it (Linux; elsewhere nothing is found). */
public final class ProcessEnvironment {
    private ProcessEnvironment() {
    }

    /** Whether the process's environment has exactly the entry {@code NAME=value}. */
    public static boolean holds(long pid, String entry) {
        byte[] needle = entry.getBytes(StandardCharsets.UTF_8);
        byte[] env;
        try {
            env = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
        } catch (IOException | RuntimeException e) {
            return false; // gone, another user's, or no /proc
        }
        // entries are NUL-separated: the needle must be a whole entry
        outer:
        for (int i = 0; i + needle.length <= env.length; i++) {
            if (i > 0 && env[i - 1] != 0) {
                continue;
            }
            for (int j = 0; j < needle.length; j++) {
                if (env[i + j] != needle[j]) {
                    continue outer;
                }
            }
            if (i + needle.length == env.length || env[i + needle.length] == 0) {
                return true;
            }
        }
        return false;
    }
}
