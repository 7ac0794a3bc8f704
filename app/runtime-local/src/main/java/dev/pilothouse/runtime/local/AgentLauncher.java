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
                line.add(dev.pilothouse.agent.reference.AgentClassPath.of(classPath));
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

    /** Agents run in their workspace, so a relative class path entry would point elsewhere. */
    static String absoluteClassPath(String classPath) {
        return java.util.Arrays.stream(classPath.split(java.io.File.pathSeparator))
                .map(e -> e.endsWith("*") ? Path.of(e.substring(0, e.length() - 1)).toAbsolutePath() + java.io.File.separator + "*"
                        : Path.of(e).toAbsolutePath().toString())
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    }
}
