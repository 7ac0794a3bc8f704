package dev.pilothouse.agent.reference;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Everything the reference agent is told at start: the environment of the agent contract
 * (docs/agent-contract.md), with a few flags for running it by hand. Flags win over the environment;
 * empty variables count as unset, because agent definitions pass empty values for "not configured".
 */
record AgentConfig(
        String name,
        String host,
        int port,
        Path workspace,
        Path historyDir,
        long waitingTimeoutSeconds,
        long commandTimeoutSeconds,
        String token,
        String sessionId,
        String sessionName,
        String instructions,
        String model,
        String openAiBaseUrl,
        String openAiApiKey,
        java.util.Map<String, String> commandEnv) {

    static final String DEFAULT_NAME = "reference";
    static final String DEFAULT_HOST = "127.0.0.1";
    static final long DEFAULT_WAITING_TIMEOUT_SECONDS = 300;
    static final long DEFAULT_COMMAND_TIMEOUT_SECONDS = 600;

    static final String USAGE = """
            usage: pilothouse reference-agent [--port N] [--host ADDRESS] [--workspace DIR] [--waiting-timeout SECONDS] [--name NAME]
              --port             TCP port to listen on, 0 to 65535 (0 picks a free port); or PILOTHOUSE_AGENT_PORT
              --host             address to bind, default 127.0.0.1; or PILOTHOUSE_AGENT_HOST
              --workspace        existing directory commands run in, default the current directory; or PILOTHOUSE_WORKSPACE
              --waiting-timeout  exit after this many whole seconds (at least 1) without a message, default 300;
                                 or PILOTHOUSE_WAITING_TIMEOUT_SECONDS
              --name             the agent's name, default 'reference'; or PILOTHOUSE_AGENT_NAME
            Other settings come from the environment only: PILOTHOUSE_HISTORY_DIR, PILOTHOUSE_AGENT_TOKEN,
            PILOTHOUSE_COMMAND_TIMEOUT_SECONDS (default 600), PILOTHOUSE_MODEL, PILOTHOUSE_INSTRUCTIONS,
            OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_MODEL (see docs/agent-contract.md).""";

    /** A value the agent cannot start with; the message says what is accepted. */
    static final class InvalidConfigException extends Exception {
        InvalidConfigException(String message) {
            super(message);
        }
    }

    /** Thrown for {@code --help}: not an error, the caller prints {@link #USAGE}. */
    static final class HelpRequested extends Exception {
        HelpRequested() {
            super("help requested");
        }
    }

    /** The same configuration with commands run in {@code env} rather than the agent's own environment. */
    AgentConfig withCommandEnv(Map<String, String> env) {
        return new AgentConfig(name, host, port, workspace, historyDir, waitingTimeoutSeconds, commandTimeoutSeconds,
                token, sessionId, sessionName, instructions, model, openAiBaseUrl, openAiApiKey, Map.copyOf(env));
    }

    boolean llmConfigured() {
        return openAiBaseUrl != null;
    }

    /**
     * Reads the configuration.
     *
     * @param env the environment (System.getenv() in production)
     * @param args the arguments after {@code reference-agent}
     * @param currentDir the directory relative paths and the default workspace are resolved against
     */
    static AgentConfig parse(Map<String, String> env, String[] args, Path currentDir)
            throws InvalidConfigException, HelpRequested {
        String portText = value(env, "PILOTHOUSE_AGENT_PORT");
        String host = value(env, "PILOTHOUSE_AGENT_HOST");
        String workspaceText = value(env, "PILOTHOUSE_WORKSPACE");
        String waitingText = value(env, "PILOTHOUSE_WAITING_TIMEOUT_SECONDS");
        String name = value(env, "PILOTHOUSE_AGENT_NAME");

        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                throw new HelpRequested();
            }
            String flag = arg;
            String flagValue = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                flag = arg.substring(0, eq);
                flagValue = arg.substring(eq + 1);
            }
            switch (flag) {
                case "--port", "--host", "--workspace", "--waiting-timeout", "--name" -> {
                    if (flagValue == null) {
                        if (i + 1 >= args.length) {
                            throw new InvalidConfigException(flag + " needs a value");
                        }
                        flagValue = args[++i];
                    }
                }
                default -> throw new InvalidConfigException("unknown argument '" + arg + "'");
            }
            switch (flag) {
                case "--port" -> portText = flagValue;
                case "--host" -> host = flagValue;
                case "--workspace" -> workspaceText = flagValue;
                case "--waiting-timeout" -> waitingText = flagValue;
                default -> name = flagValue;
            }
        }

        if (portText == null) {
            throw new InvalidConfigException("no port given: set PILOTHOUSE_AGENT_PORT or pass --port "
                    + "(0 to 65535; 0 picks a free port)");
        }
        int port = (int) integer("port", portText, 0, 65_535);
        host = host == null ? DEFAULT_HOST : host.strip();
        if (host.isEmpty() || new InetSocketAddress(host, 0).isUnresolved()) {
            throw new InvalidConfigException("host '" + host + "' is not an address this machine can bind: "
                    + "give an IP address such as 127.0.0.1 or 0.0.0.0, or a resolvable host name");
        }
        name = name == null ? DEFAULT_NAME : name.strip();
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..") || name.indexOf('\0') >= 0) {
            throw new InvalidConfigException("agent name '" + name + "' is not usable: it names the history "
                    + "directory, so it must be non-empty, without '/', and not '.' or '..'");
        }
        Path workspace = directory(currentDir, workspaceText == null ? "." : workspaceText);
        long waiting = waitingText == null ? DEFAULT_WAITING_TIMEOUT_SECONDS
                : integer("waiting timeout", waitingText, 1, Integer.MAX_VALUE);
        String commandTimeoutText = value(env, "PILOTHOUSE_COMMAND_TIMEOUT_SECONDS");
        long commandTimeout = commandTimeoutText == null ? DEFAULT_COMMAND_TIMEOUT_SECONDS
                : integer("PILOTHOUSE_COMMAND_TIMEOUT_SECONDS", commandTimeoutText, 1, Integer.MAX_VALUE);

        String historyText = value(env, "PILOTHOUSE_HISTORY_DIR");
        Path historyDir = historyText == null
                ? workspace.resolve(".pilothouse").resolve("history").resolve(name)
                : path(currentDir, historyText, "PILOTHOUSE_HISTORY_DIR");

        String baseUrl = value(env, "OPENAI_BASE_URL");
        if (baseUrl != null && !(baseUrl.startsWith("http://") || baseUrl.startsWith("https://"))) {
            throw new InvalidConfigException("OPENAI_BASE_URL '" + baseUrl + "' is not an http:// or https:// URL "
                    + "(for example https://api.openai.com/v1)");
        }
        String model = value(env, "PILOTHOUSE_MODEL");
        if (model == null) {
            model = value(env, "OPENAI_MODEL");
        }
        return new AgentConfig(name, host, port, workspace, historyDir, waiting, commandTimeout,
                value(env, "PILOTHOUSE_AGENT_TOKEN"), value(env, "PILOTHOUSE_SESSION_ID"),
                value(env, "PILOTHOUSE_SESSION_NAME"), value(env, "PILOTHOUSE_INSTRUCTIONS"), model,
                baseUrl, value(env, "OPENAI_API_KEY"), null);
    }

    private static String value(Map<String, String> env, String key) {
        String v = env.get(key);
        return v == null || v.isBlank() ? null : v;
    }

    private static long integer(String what, String text, long min, long max) throws InvalidConfigException {
        try {
            long v = Long.parseLong(text.strip());
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below, with what is accepted
        }
        throw new InvalidConfigException(what + " '" + text + "' is not accepted: give a whole number from "
                + min + " to " + max);
    }

    private static Path path(Path currentDir, String text, String what) throws InvalidConfigException {
        try {
            return currentDir.resolve(text.strip()).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new InvalidConfigException(what + " '" + text + "' is not a valid path: " + e.getMessage());
        }
    }

    private static Path directory(Path currentDir, String text) throws InvalidConfigException {
        Path dir = path(currentDir, text, "workspace");
        if (!Files.isDirectory(dir)) {
            throw new InvalidConfigException("workspace '" + dir + "' is not an existing directory: "
                    + "set PILOTHOUSE_WORKSPACE or --workspace to one");
        }
        return dir;
    }
}
