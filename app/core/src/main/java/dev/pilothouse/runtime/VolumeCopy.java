package dev.pilothouse.runtime;

/**
 * What a remix copies from the parent's volume: the workspace, and/or the agents' conversation
 * memory (the {@code .pilothouse/history} part of the workspace, see the agent contract).
 */
public record VolumeCopy(boolean workspace, boolean conversation) {
    /** Where agents keep conversation memory, relative to the workspace. */
    public static final String HISTORY_DIR = ".pilothouse/history";
}
