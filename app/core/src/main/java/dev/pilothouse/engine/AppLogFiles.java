package dev.pilothouse.engine;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The console's and the CLI's own log: one file per process in the data dir's {@code logs}
 * folder, {@code pilothouse-<UTC start time>-<pid>.log} (two processes never roll one file, and
 * the names sort by time), rolled within the process at 10 MB to {@code .1.log.gz} and on.
 * Before a process starts its own, the files of all but the newest {@link #DEFAULT_KEEP} earlier
 * processes are removed (settable with {@code pilothouse.log.keep}); a live process's never are.
 */
public final class AppLogFiles {
    public static final int DEFAULT_KEEP = 20;
    /** The system property naming this process's log file (without {@code .log}), read by logback-app.xml. */
    public static final String NAME_PROPERTY = "pilothouse.logname";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);
    /** A process's files: its log, and what logback rolled from it. */
    private static final Pattern PROCESS_FILE = Pattern.compile("(pilothouse-\\d{8}-\\d{6}-(\\d+))(\\.\\d+)?\\.log(\\.gz)?");
    /** Files of the single shared log of earlier versions: the oldest of all. */
    private static final Pattern LEGACY_FILE = Pattern.compile("pilothouse(\\.\\d{4}-\\d\\d-\\d\\d\\.\\d+)?\\.log(\\.gz)?");

    private AppLogFiles() {
    }

    /** The name (without {@code .log}) of a process's log file. */
    public static String name(long pid, Instant start) {
        return "pilothouse-" + STAMP.format(start) + "-" + pid;
    }

    /** This process's log name, from its pid and start time. */
    public static String nameForThisProcess() {
        ProcessHandle self = ProcessHandle.current();
        return name(self.pid(), self.info().startInstant().orElse(Instant.now()));
    }

    /** This process's log file, when it was started by the launcher (which names it). */
    public static Optional<Path> current(Path dataDir) {
        String name = System.getProperty(NAME_PROPERTY);
        return name == null ? Optional.empty() : Optional.of(BuildInfo.logDir(dataDir).resolve(name + ".log"));
    }

    /** How many earlier processes' logs are kept: {@code pilothouse.log.keep}, else {@link #DEFAULT_KEEP}. */
    public static int keep() {
        try {
            return Math.max(1, Integer.parseInt(System.getProperty("pilothouse.log.keep", Integer.toString(DEFAULT_KEEP))));
        } catch (NumberFormatException e) {
            return DEFAULT_KEEP;
        }
    }

    /**
     * Removes the log files of all but the newest {@code keep} processes (by the time in their
     * names; the old shared log counts as the oldest), leaving those of live processes alone.
     * Returns the files removed. Problems are not fatal: logging must never stop a command.
     */
    public static List<Path> cleanUp(Path logDir, int keep) {
        Map<String, List<Path>> byProcess = new TreeMap<>(); // names sort by start time
        Map<String, Long> pids = new TreeMap<>();
        if (!Files.isDirectory(logDir)) {
            return List.of();
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(logDir)) {
            for (Path f : ds) {
                String n = f.getFileName().toString();
                Matcher m = PROCESS_FILE.matcher(n);
                if (m.matches()) {
                    byProcess.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(f);
                    pids.put(m.group(1), Long.parseLong(m.group(2)));
                } else if (LEGACY_FILE.matcher(n).matches()) {
                    byProcess.computeIfAbsent("pilothouse-0", k -> new ArrayList<>()).add(f);
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        List<String> oldestFirst = new ArrayList<>(byProcess.keySet());
        List<Path> removed = new ArrayList<>();
        for (int i = 0; i < oldestFirst.size() - keep; i++) {
            String process = oldestFirst.get(i);
            Long pid = pids.get(process);
            if (pid != null && ProcessHandle.of(pid).map(dev.pilothouse.runtime.Processes::running).orElse(false)) {
                continue; // still writing it (or its pid was reused: kept one round longer)
            }
            for (Path f : byProcess.get(process)) {
                try {
                    Files.deleteIfExists(f);
                    removed.add(f);
                } catch (IOException e) {
                    // another process removed it, or it cannot be: the next start tries again
                }
            }
        }
        return removed;
    }
}
