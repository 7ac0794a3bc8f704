package dev.pilothouse.host;

import dev.pilothouse.cli.BackgroundEngineMain;
import dev.pilothouse.engine.BuildInfo;
import dev.pilothouse.errors.OperationFailedException;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts the background engine ({@code BackgroundEngineMain}: what {@code pilothouse engine run
 * --background} does) in a process of its own session (so a Ctrl+C in the terminal that started it
 * does not reach it), with this process's Java and class path, its output in the data dir's logs.
 */
final class Background {
    record Start(Process process, Path log) {
        String outputTail() {
            try {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                return String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size())).trim();
            } catch (IOException e) {
                return "(no output in " + log + ")";
            }
        }
    }

    private static final String ARCHIVE_OPTION = "-XX:SharedArchiveFile=";

    private Background() {
    }

    static Path log(Path dataDir) {
        return BuildInfo.logDir(dataDir).resolve("engine-background.out");
    }

    /**
     * The launcher's class-data archive of the engine (packaging/launcher/cds-archive), beside the
     * one this command runs with: the launcher keeps them together, in whichever layout. None when
     * this command runs without one (archives turned off, or not started by the launcher). The
     * engine's start is the first command's wait.
     */
    private static java.util.Optional<Path> engineArchive(Path ownArchive) {
        Path archive = ownArchive == null ? null : ownArchive.resolveSibling("engine.jsa");
        return archive != null && Files.isRegularFile(archive) ? java.util.Optional.of(archive) : java.util.Optional.empty();
    }

    static Start start(Path dataDir) {
        Path log = log(dataDir);
        List<String> cmd = new ArrayList<>();
        Path setsid = Path.of("/usr/bin/setsid");
        if (Files.isExecutable(setsid)) {
            cmd.add(setsid.toString());
        }
        // java.home's own java: the runtime this command runs on (the app image's own, in the image)
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:+UseSerialGC");
        // C2 later than by default, as the console's launcher starts it: its start is the first command's
        // wait, and compiling beside it took most of a core (docs/performance.md, "Start-up")
        cmd.addAll(List.of("-XX:Tier4InvocationThreshold=50000", "-XX:Tier4MinInvocationThreshold=6000",
                "-XX:Tier4CompileThreshold=150000", "-XX:Tier4BackEdgeThreshold=400000"));
        Path ownArchive = null;
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // system properties (the launcher's path, logging) carry over; another GC, a debugger or an agent do not
            if (a.startsWith("-D") || a.startsWith("-Xmx") || a.startsWith("-Xss")) {
                cmd.add(a);
            }
            if (a.startsWith(ARCHIVE_OPTION)) {
                ownArchive = Path.of(a.substring(ARCHIVE_OPTION.length())).toAbsolutePath();
            }
        }
        engineArchive(ownArchive).ifPresent(a -> cmd.add(ARCHIVE_OPTION + a));
        // its own main, headless: the background engine never opens the console, and the server image has no console
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), BackgroundEngineMain.class.getName(),
                dataDir.toString()));
        try {
            Files.createDirectories(log.getParent());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            p.getOutputStream().close(); // no stdin: it never reads the terminal
            return new Start(p, log);
        } catch (IOException e) {
            throw new OperationFailedException("cannot start the background engine for " + dataDir + ": " + e.getMessage(), e);
        }
    }
}
