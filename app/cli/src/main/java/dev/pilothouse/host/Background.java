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

    private Background() {
    }

    static Path log(Path dataDir) {
        return BuildInfo.logDir(dataDir).resolve("engine-background.out");
    }

    /**
     * The launcher's class-data archive of the engine (packaging/launcher/cds-archive), when this
     * command ran with the launcher's archive too (not turned off): the engine's start is the
     * first command's wait.
     */
    private static java.util.Optional<Path> engineArchive(boolean archived) {
        String launcher = System.getProperty("pilothouse.launcher");
        if (!archived || launcher == null) {
            return java.util.Optional.empty();
        }
        Path bin = Path.of(launcher).toAbsolutePath().getParent();
        if (bin == null) {
            return java.util.Optional.empty();
        }
        // beside the jars, as the launcher keeps them: lib/app in the app image, else lib
        Path lib = bin.resolveSibling("lib");
        return java.util.stream.Stream.of(lib.resolve("app"), lib).map(d -> d.resolve("engine.jsa"))
                .filter(Files::isRegularFile).findFirst();
    }

    static Start start(Path dataDir) {
        Path log = log(dataDir);
        List<String> cmd = new ArrayList<>();
        Path setsid = Path.of("/usr/bin/setsid");
        if (Files.isExecutable(setsid)) {
            cmd.add(setsid.toString());
        }
        // java.home's own java: in the app image this process may have been started by a native launcher
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:+UseSerialGC");
        boolean archived = false;
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // system properties (the launcher's path, logging) carry over; another GC, a debugger or an agent do not
            if (a.startsWith("-D") || a.startsWith("-Xmx") || a.startsWith("-Xss")) {
                cmd.add(a);
            }
            archived |= a.startsWith("-XX:SharedArchiveFile=");
        }
        engineArchive(archived).ifPresent(a -> cmd.add("-XX:SharedArchiveFile=" + a));
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
