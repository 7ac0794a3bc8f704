package dev.pilothouse.runtime.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns an agent definition's command into the process the local runtime starts.
 *
 * <p>The word {@code pilothouse} at the head of a command means this installation's own
 * launcher, so the registered reference agent runs wherever Pilothouse is installed. Every agent
 * runs under a small {@code sh} wrapper that records its exit status in a file: the status of a
 * crash is then known even when no engine was running to see it. Where {@code setsid} exists the
 * wrapper starts a new session, so closing the terminal of the CLI that started an agent does not
 * take the agent with it.
 */
final class AgentLauncher {
    static final String SELF = "pilothouse";
    /** {@code pilothouse reference-agent ARGS}, run without the launcher, is this class's main with ARGS. */
    static final String REFERENCE_AGENT = "reference-agent";
    static final String REFERENCE_AGENT_MAIN = "dev.pilothouse.agent.reference.ReferenceAgent";
    /** JVM options for agents this installation runs: small and quick to start. */
    static final String AGENT_JVM_OPTS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -Xmx128m "
            + "-XX:+ExitOnOutOfMemoryError -Xshare:auto";
    /**
     * Runs the agent, then records its status. A pooled agent's exit file is named at its claim, in
     * {@code $PILOTHOUSE_EXIT_FILE.to} (see {@link AgentPool}): its environment was fixed before its session was known.
     */
    private static final String WRAPPER = "\"$@\"; code=$?; f=$PILOTHOUSE_EXIT_FILE; "
            + "if [ -f \"$f.to\" ]; then f=$(cat \"$f.to\"); fi; "
            + "printf '%s\\n' \"$code\" > \"$f.tmp\" && mv \"$f.tmp\" \"$f\"; "
            + "exit $code";
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private AgentLauncher() {
    }

    /** Whether agents run in a session (and process group) of their own: then a stop signals the whole group. */
    static boolean leadsItsGroup() {
        return Files.isExecutable(SETSID);
    }

    /** The full command line for an agent whose definition says {@code command}. */
    static List<String> commandLine(List<String> command) {
        List<String> line = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            line.add(SETSID.toString());
        }
        line.add("sh");
        line.add("-c");
        line.add(WRAPPER);
        line.add("pilothouse-agent");
        line.addAll(resolve(command));
        return line;
    }

    static List<String> resolve(List<String> command) {
        if (command.isEmpty() || !command.get(0).equals(SELF)) {
            return command;
        }
        List<String> line = new ArrayList<>();
        String launcher = System.getProperty("pilothouse.launcher");
        if (launcher != null && Files.isExecutable(Path.of(launcher))) {
            line.add(launcher);
        } else {
            line.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            line.addAll(List.of(AGENT_JVM_OPTS.split(" ")));
            line.add("-cp");
            String classPath = absoluteClassPath(System.getProperty("java.class.path"));
            if (command.size() > 1 && command.get(1).equals(REFERENCE_AGENT)) {
                // the reference agent's own main: it is in the engine core, on every class path that runs agents
                line.add(agentClassPath(classPath, coreJar()));
                line.add(REFERENCE_AGENT_MAIN);
                line.addAll(command.subList(2, command.size()));
                return line;
            }
            line.add(classPath);
            line.add("dev.pilothouse.Main");
        }
        line.addAll(command.subList(1, command.size()));
        return line;
    }

    /**
     * The reference agent's class path: the engine core's jar and the libraries its manifest names,
     * taken from {@code classPath} by file name, in that order. An agent started on a whole class
     * path (the console's or a test's, ~130 jars) looks through jars it never needs: its start took
     * ~25 % more CPU (0.57 against 0.43 s). {@code classPath} itself when the core is not a jar
     * (a build's classes folder) or a library it names is not on it.
     */
    static String agentClassPath(String classPath, java.util.Optional<Path> coreJar) {
        if (coreJar.isEmpty()) {
            return classPath;
        }
        java.util.Map<String, String> byName = new java.util.HashMap<>();
        for (String entry : classPath.split(java.io.File.pathSeparator)) {
            Path name = Path.of(entry).getFileName();
            if (name != null) {
                byName.putIfAbsent(name.toString(), entry);
            }
        }
        List<String> entries = new ArrayList<>(List.of(coreJar.get().toAbsolutePath().toString()));
        try (java.util.jar.JarFile jar = new java.util.jar.JarFile(coreJar.get().toFile())) {
            java.util.jar.Manifest manifest = jar.getManifest();
            String names = manifest == null ? null : manifest.getMainAttributes().getValue(java.util.jar.Attributes.Name.CLASS_PATH);
            if (names == null || names.isBlank()) {
                return classPath;
            }
            for (String name : names.trim().split("\\s+")) {
                String entry = byName.get(Path.of(name).getFileName().toString());
                if (entry == null) {
                    return classPath;
                }
                entries.add(entry);
            }
        } catch (java.io.IOException | RuntimeException e) {
            return classPath;
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    /** The jar this JVM loads the reference agent from, if it is loaded from a jar. */
    private static java.util.Optional<Path> coreJar() {
        try {
            java.security.CodeSource source = dev.pilothouse.agent.reference.ReferenceAgent.class.getProtectionDomain().getCodeSource();
            Path location = source == null ? null : Path.of(source.getLocation().toURI());
            return location != null && Files.isRegularFile(location) ? java.util.Optional.of(location) : java.util.Optional.empty();
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return java.util.Optional.empty();
        }
    }

    /** Agents run in their workspace, so a relative class path entry would point elsewhere. */
    static String absoluteClassPath(String classPath) {
        return java.util.Arrays.stream(classPath.split(java.io.File.pathSeparator))
                .map(e -> e.endsWith("*") ? Path.of(e.substring(0, e.length() - 1)).toAbsolutePath() + java.io.File.separator + "*"
                        : Path.of(e).toAbsolutePath().toString())
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    }
}
