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
            dev.pilothouse.console.ConsoleApp.launch(dataDir);
        } catch (UnsupportedOperationException | UnsatisfiedLinkError e) {
            // no display, or no GTK 3: say so instead of a stack trace
            System.err.println("error: the console cannot open a window (" + e.getMessage() + "); it needs a "
                    + "graphical display and GTK 3 (libgtk-3-0). The CLI works without them: pilothouse --help");
            System.exit(1);
        }
    }

    /** No command, at most a data dir: the console ({@code pilothouse --data-dir ~/work-sessions}). */
    static boolean opensConsole(String[] args) {
        return args.length == 0
                || args.length == 1 && args[0].startsWith("--data-dir=")
                || args.length == 2 && args[0].equals("--data-dir");
    }

    static String dataDirFlag(String[] args) {
        return HeadlessMain.dataDirFlag(args);
    }
}
