package dev.pilothouse;

import dev.pilothouse.cli.HeadlessMain;

import java.nio.file.Path;

/**
 * The one launcher: no arguments open the console; anything else is what {@link HeadlessMain}
 * does ({@code reference-agent} runs the reference agent, the rest are CLI commands).
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (!opensConsole(args)) {
            HeadlessMain.main(args);
            return;
        }
        Path dataDir = HeadlessMain.prepare(args);
        try {
            dev.pilothouse.console.ConsoleApp.launch(dataDir, HeadlessMain.flag(args, "--context"));
        } catch (UnsupportedOperationException | UnsatisfiedLinkError e) {
            // no display, or no GTK 3: say so instead of a stack trace
            System.err.println("error: the console cannot open a window (" + e.getMessage() + "); it needs a "
                    + "graphical display and GTK 3 (libgtk-3-0). The CLI works without them: pilothouse --help");
            System.exit(1);
        }
    }

    /** The options the console takes: the data dir, and the context to show first. */
    private static final java.util.List<String> CONSOLE_OPTIONS = java.util.List.of("--data-dir", "--context");

    /**
     * No command, at most a data dir and a context: the console ({@code pilothouse --data-dir ~/work-sessions
     * --context lab}). The launcher script decides the same before starting a JVM.
     */
    static boolean opensConsole(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (CONSOLE_OPTIONS.stream().anyMatch(o -> a.startsWith(o + "=") && a.length() > o.length() + 1)) {
                continue;
            }
            if (!CONSOLE_OPTIONS.contains(a) || i + 1 >= args.length || args[i + 1].startsWith("-")) {
                return false;
            }
            i++;
        }
        return true;
    }

    static String dataDirFlag(String[] args) {
        return HeadlessMain.dataDirFlag(args);
    }
}
