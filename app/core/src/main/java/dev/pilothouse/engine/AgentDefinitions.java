package dev.pilothouse.engine;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Validation;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Checks a new agent definition from an operator and fills in what it leaves out. */
final class AgentDefinitions {
    private static final int MAX_TEXT = 65_536;
    static final int MAX_REPLY_TIMEOUT_SECONDS = 7 * 24 * 3600;

    private AgentDefinitions() {
    }

    static AgentDefinition validate(AgentDefinition a, Instant now) {
        String name = Validation.name("agent", a.name());
        if ((a.command() == null || a.command().isEmpty()) && (a.image() == null || a.image().isBlank())) {
            throw new InvalidInputException("agent '" + name + "' needs a command (to run locally) or an image (to run "
                    + "on Kubernetes), or both; e.g. --command 'python3 agent.py' or --image ghcr.io/acme/agent:1.0", "command");
        }
        if (a.command() != null && a.command().stream().anyMatch(c -> c == null || c.isEmpty() || c.indexOf('\0') >= 0)) {
            throw new InvalidInputException("agent '" + name + "' has an empty word in its command; give the program and "
                    + "its arguments, e.g. python3 agent.py --verbose", "command");
        }
        if (a.image() != null && !a.image().isBlank() && !a.image().matches("[A-Za-z0-9][A-Za-z0-9._/:@-]{0,511}")) {
            throw new InvalidInputException("invalid image '" + a.image() + "': give a container image reference such as "
                    + "ghcr.io/acme/agent:1.0", "image");
        }
        if (a.instructions() != null && a.instructions().length() > MAX_TEXT) {
            throw new InvalidInputException("instructions are " + a.instructions().length() + " characters; the limit is "
                    + MAX_TEXT, "instructions");
        }
        Map<String, String> env = new LinkedHashMap<>();
        if (a.env() != null) {
            a.env().forEach((k, v) -> {
                if (Validation.envKey(k).startsWith("PILOTHOUSE_")) {
                    throw new InvalidInputException("environment variable '" + k + "' is reserved: Pilothouse sets the "
                            + "PILOTHOUSE_ variables itself", "env");
                }
                env.put(k, v == null ? "" : v);
            });
        }
        int port = a.port() == 0 ? AgentDefinition.DEFAULT_PORT : Validation.port(a.port());
        Resources resources = a.resources() == null ? new Resources(null, null, null) : Validation.resources(a.resources());
        Integer replyTimeout = a.replyTimeoutSeconds();
        if (replyTimeout != null && (replyTimeout < 1 || replyTimeout > MAX_REPLY_TIMEOUT_SECONDS)) {
            throw new InvalidInputException("reply_timeout_seconds " + replyTimeout + " is out of range; accepted: 1 to "
                    + MAX_REPLY_TIMEOUT_SECONDS + " (7 days), or leave it out for the default of "
                    + AgentDefinition.DEFAULT_REPLY_TIMEOUT_SECONDS + " s", "reply_timeout_seconds");
        }
        return new AgentDefinition(Validation.newId(), name, blankToNull(a.image()),
                a.command() == null ? java.util.List.of() : a.command(), blankToNull(a.model()),
                blankToNull(a.instructions()), env, port, resources, now, now, null, replyTimeout);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
