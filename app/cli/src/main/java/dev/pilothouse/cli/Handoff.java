package dev.pilothouse.cli;

import java.util.List;
import java.util.Set;

/**
 * Which command lines a CLI process can hand to the data dir's engine as they are, without building
 * picocli's model of every command first: the engine parses them again anyway (and reports bad
 * input the same way), and the model's reflection and class loading are most of a short command's
 * own time. Help and version, and commands that run in the CLI's own process ({@code engine},
 * {@code store}, {@code serve}), keep the full path. {@code HandoffTest} keeps {@link #ENGINE_COMMANDS}
 * equal to the commands that are {@link EngineCommand}s.
 */
final class Handoff {
    /** Every {@link EngineCommand}, by its path below {@code pilothouse}. */
    static final Set<String> ENGINE_COMMANDS = Set.of(
            "contexts", "run",
            "agents list", "agents create", "agents show", "agents delete",
            "sessions list", "sessions create", "sessions show", "sessions update", "sessions remix",
            "sessions pause", "sessions resume", "sessions retry", "sessions delete", "sessions purge",
            "sessions send", "sessions messages", "sessions events", "sessions logs", "sessions orphans",
            "sessions files", "sessions cp", "sessions rm", "sessions trace", "sessions requests",
            "sessions timeline", "sessions export", "sessions import", "sessions top", "sessions metrics",
            "templates apply", "templates list", "templates show", "templates export", "templates delete",
            "schedules create", "schedules list", "schedules show", "schedules pause", "schedules resume",
            "schedules delete",
            "batch run", "batch list", "batch show", "batch cancel", "batch resume",
            "tokens create", "tokens list", "tokens revoke");

    /** The root's options that take a value ({@link Cli}): their values are not command names. */
    private static final Set<String> VALUE_OPTIONS = Set.of("--data-dir", "--context", "--namespace", "-o", "--output");
    private static final Set<String> HELP_OR_VERSION = Set.of("-h", "--help", "-V", "--version");

    private Handoff() {
    }

    /** Whether {@code args} name an engine command that can be handed over unparsed. */
    static boolean applies(List<String> args) {
        for (String a : args) {
            if (HELP_OR_VERSION.contains(a)) {
                return false;
            }
        }
        String path = null;
        for (int i = 0; i < args.size(); i++) {
            if (path != null && ENGINE_COMMANDS.contains(path)) {
                return true; // the rest is the command's own: the engine parses it
            }
            String a = args.get(i);
            if (a.startsWith("-")) {
                // before the command is named, only the root's options (which every command inherits)
                if (VALUE_OPTIONS.contains(a)) {
                    i++;
                } else if (!isAttachedValue(a)) {
                    return false;
                }
                continue;
            }
            path = path == null ? a : path + " " + a;
            if (path.contains(" ") && !ENGINE_COMMANDS.contains(path)) {
                return false;
            }
        }
        return path != null && ENGINE_COMMANDS.contains(path);
    }

    /**
     * Whether {@code args} ask only for the version, perhaps beside the root's options ({@code
     * --data-dir DIR --version}, as scripts pass the data dir to every command): answered without
     * picocli's model of every command, and without the data dir.
     */
    static boolean asksOnlyVersion(List<String> args) {
        List<String> rest = withoutRootOptions(args);
        return !rest.isEmpty() && rest.stream().allMatch(a -> a.equals("--version") || a.equals("-V"));
    }

    /**
     * Whether {@code args} are {@code engine status}, perhaps beside the root's options: the one
     * command the engine runs for a client of any build or environment, since it only says what
     * serves the data dir (a background engine would otherwise make way for the one asking).
     */
    static boolean asksEngineStatus(List<String> args) {
        return withoutRootOptions(args).equals(List.of("engine", "status"));
    }

    /** {@code args} without the root's options that take a value (and their values): what else was typed, in order. */
    private static List<String> withoutRootOptions(List<String> args) {
        List<String> rest = new java.util.ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (VALUE_OPTIONS.contains(a)) {
                i++;
            } else if (!isAttachedValue(a)) {
                rest.add(a);
            }
        }
        return rest;
    }

    private static boolean isAttachedValue(String a) {
        int eq = a.indexOf('=');
        if (eq > 0 && VALUE_OPTIONS.contains(a.substring(0, eq))) {
            return true;
        }
        return a.startsWith("-o") && a.length() > 2 && !a.startsWith("--"); // -ojson
    }
}
