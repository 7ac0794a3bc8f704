package dev.pilothouse.console.model;

import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.agent.CommandLineWords;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Validation;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Agents dialog's form, checked as it is typed, without the FX thread: every field's problem
 * at once (not one per click), with the engine's own rules, and a draft only when there is none.
 * A blank port means the default (8080); 0 is refused, never quietly turned into 8080.
 */
public final class AgentForm {
    public static final String NAME = "name";
    public static final String COMMAND = "command";
    public static final String IMAGE = "image";
    public static final String PORT = "port";
    public static final String ENV = "env";
    public static final String INSTRUCTIONS = "instructions";
    static final int MAX_INSTRUCTIONS = 65_536;

    /** What was typed. */
    public record Input(String name, String command, String image, String model, String port, String env,
                        String instructions) {
    }

    /** The problems by field (empty when there are none) and, when there are none, the definition to store. */
    public record Result(Map<String, String> problems, AgentDefinition draft) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    /** The form filled from a definition, for editing it. */
    public static Input of(AgentDefinition a) {
        StringBuilder env = new StringBuilder();
        a.env().forEach((k, v) -> env.append(k).append('=').append(v).append('\n'));
        return new Input(a.name(), join(a.command()), a.image() == null ? "" : a.image(),
                a.model() == null ? "" : a.model(), Integer.toString(a.port()), env.toString(),
                a.instructions() == null ? "" : a.instructions());
    }

    /**
     * @param taken   names of the live definitions
     * @param editing the name of the definition being edited (it may keep its name), or null for a new one
     */
    public static Result check(Input in, Collection<String> taken, String editing) {
        Map<String, String> problems = new LinkedHashMap<>();
        String name = trim(in.name());
        if (name.isEmpty()) {
            problems.put(NAME, "A name is needed: lowercase letters, digits or '-', e.g. data-analyzer.");
        } else {
            try {
                Validation.name("agent", name);
                if (!name.equals(editing) && taken.contains(name)) {
                    problems.put(NAME, "An agent named '" + name + "' already exists.");
                }
            } catch (RuntimeException e) {
                problems.put(NAME, e.getMessage());
            }
        }
        List<String> command = List.of();
        if (!trim(in.command()).isEmpty()) {
            try {
                command = CommandLineWords.split(in.command().trim());
            } catch (RuntimeException e) {
                problems.put(COMMAND, e.getMessage());
            }
        }
        String image = trim(in.image());
        if (!image.isEmpty() && !image.matches("[A-Za-z0-9][A-Za-z0-9._/:@-]{0,511}")) {
            problems.put(IMAGE, "'" + image + "' is not an image reference; e.g. ghcr.io/acme/agent:1.0");
        }
        if (command.isEmpty() && image.isEmpty() && !problems.containsKey(COMMAND)) {
            problems.put(COMMAND, "Give a command (to run locally) or an image (to run on Kubernetes), or both.");
        }
        int port = AgentDefinition.DEFAULT_PORT;
        String p = trim(in.port());
        if (!p.isEmpty()) {
            try {
                long n = Long.parseLong(p);
                if (n < 1 || n > 65535) {
                    problems.put(PORT, "Port " + n + " is not a port; accepted: 1 to 65535 (blank: "
                            + AgentDefinition.DEFAULT_PORT + ").");
                } else {
                    port = (int) n;
                }
            } catch (NumberFormatException e) {
                problems.put(PORT, "'" + p + "' is not a number; accepted: 1 to 65535 (blank: "
                        + AgentDefinition.DEFAULT_PORT + ").");
            }
        }
        Map<String, String> env = new LinkedHashMap<>();
        List<String> envProblems = new java.util.ArrayList<>();
        String[] lines = in.env() == null ? new String[0] : in.env().split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank()) {
                continue;
            }
            int eq = line.indexOf('=');
            String key = eq <= 0 ? null : line.substring(0, eq).trim();
            if (key == null) {
                envProblems.add("line " + (i + 1) + " is not KEY=value");
                continue;
            }
            try {
                Validation.envKey(key);
                if (key.startsWith("PILOTHOUSE_")) {
                    envProblems.add("line " + (i + 1) + ": " + key + " is reserved (Pilothouse sets PILOTHOUSE_ variables)");
                } else {
                    env.put(key, line.substring(eq + 1));
                }
            } catch (RuntimeException e) {
                envProblems.add("line " + (i + 1) + ": " + e.getMessage());
            }
        }
        if (!envProblems.isEmpty()) {
            problems.put(ENV, String.join("; ", envProblems) + ". One variable per line, e.g. LOG_LEVEL=debug.");
        }
        String instructions = in.instructions() == null ? "" : in.instructions();
        if (instructions.length() > MAX_INSTRUCTIONS) {
            problems.put(INSTRUCTIONS, instructions.length() + " characters; the limit is " + MAX_INSTRUCTIONS + ".");
        }
        if (!problems.isEmpty()) {
            return new Result(Map.copyOf(problems), null);
        }
        return new Result(Map.of(), new AgentDefinition(null, name, image.isEmpty() ? null : image, command,
                trim(in.model()).isEmpty() ? null : trim(in.model()), instructions, env, port,
                new Resources(null, null, null), null, null, null));
    }

    /** A command's words as one line that splits back into them. */
    static String join(List<String> words) {
        StringBuilder b = new StringBuilder();
        for (String w : words) {
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(w.isEmpty() || w.matches(".*[\\s'\"\\\\$`].*") ? "'" + w.replace("'", "'\"'\"'") + "'" : w);
        }
        return b.toString();
    }

    private static String trim(String s) {
        return s == null ? "" : s.trim();
    }
}
