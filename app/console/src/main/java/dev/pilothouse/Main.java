package dev.pilothouse;

import dev.pilothouse.agent.reference.ReferenceAgent;
import dev.pilothouse.engine.AppLogFiles;
import dev.pilothouse.engine.DataDirs;

import java.nio.file.Path;

/**
 * The one launcher: no arguments open the console; {@code reference-agent} runs the reference
 * agent (kept apart so an agent process starts without the CLI or the console); anything else
 * is a CLI command.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("reference-agent")) {
            ReferenceAgent.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        // before the first logger exists: the console and the CLI log to a file in the data dir
        Path dataDir = DataDirs.resolve(dataDirFlag(args));
        String problem = DataDirs.problem(dataDir);
        if (problem != null) {
            System.err.println("error: " + problem);
            System.exit(2);
            return;
        }
        Path logDir = dev.pilothouse.engine.BuildInfo.logDir(dataDir);
        System.setProperty("pilothouse.logdir", logDir.toString());
        System.setProperty("PID", Long.toString(ProcessHandle.current().pid()));
        // one log file per process (never two processes rolling one file); the oldest are removed
        System.setProperty(AppLogFiles.NAME_PROPERTY, AppLogFiles.nameForThisProcess());
        AppLogFiles.cleanUp(logDir, AppLogFiles.keep());
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "logback-app.xml");
        }
        if (opensConsole(args)) {
            try {
                dev.pilothouse.console.ConsoleApp.launch(dataDir);
            } catch (UnsupportedOperationException | UnsatisfiedLinkError e) {
                // no display, or no GTK 3: say so instead of a stack trace
                System.err.println("error: the console cannot open a window (" + e.getMessage() + "); it needs a "
                        + "graphical display and GTK 3 (libgtk-3-0). The CLI works without them: pilothouse --help");
                System.exit(1);
            }
            return;
        }
        System.exit(dev.pilothouse.cli.Cli.run(args));
    }

    /** No command, at most a data dir: the console ({@code pilothouse --data-dir ~/work-sessions}). */
    static boolean opensConsole(String[] args) {
        return args.length == 0
                || args.length == 1 && args[0].startsWith("--data-dir=")
                || args.length == 2 && args[0].equals("--data-dir");
    }

    /** The value of {@code --data-dir} anywhere in the arguments, as picocli will read it. */
    static String dataDirFlag(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--data-dir") && i + 1 < args.length) {
                return args[i + 1];
            }
            if (args[i].startsWith("--data-dir=")) {
                return args[i].substring("--data-dir=".length());
            }
        }
        return null;
    }
}
