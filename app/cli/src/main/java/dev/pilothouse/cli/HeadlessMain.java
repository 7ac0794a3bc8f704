package dev.pilothouse.cli;

import dev.pilothouse.agent.reference.ReferenceAgent;
import dev.pilothouse.engine.AppLogFiles;
import dev.pilothouse.engine.BuildInfo;
import dev.pilothouse.engine.DataDirs;
import dev.pilothouse.errors.PilothouseException;
import dev.pilothouse.host.Remote;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * The launcher without the console: {@code reference-agent} runs the reference agent, anything else
 * is a CLI command ({@code serve} included). The server image's entrypoint and the background
 * engine start here, so neither needs the console module or JavaFX; {@code dev.pilothouse.Main}
 * adds only the console on top of it.
 */
public final class HeadlessMain {
    private HeadlessMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("reference-agent")) {
            ReferenceAgent.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (Handoff.asksOnlyVersion(Arrays.asList(args))) {
            // what picocli prints for it, without building the model of every command first (~0.3 s)
            for (String line : new Version().getVersion()) {
                System.out.println(line);
            }
            return;
        }
        if (Handoff.applies(Arrays.asList(args))) {
            System.exit(handOff(args));
        }
        prepare(args);
        System.exit(Cli.run(args));
    }

    /**
     * An engine command, straight to the data dir's engine ({@link Handoff}). This process writes no
     * log of its own (the engine logs what it does), so the log file set-up is skipped too.
     */
    private static int handOff(String[] args) {
        Path dataDir = usableDataDir(args);
        try {
            return Remote.run(dataDir, Arrays.asList(args), System.in, System.out, System.err);
        } catch (PilothouseException e) {
            System.err.println("error: " + e.getMessage());
            return e.exitCode();
        }
    }

    /**
     * Before the first logger exists: this process's log file in the data dir the arguments name
     * (one file per process, never two processes rolling one file; the oldest are removed). A data
     * dir that cannot be used ends the process with exit 2, saying why.
     */
    public static Path prepare(String[] args) {
        Path dataDir = usableDataDir(args);
        Path logDir = BuildInfo.logDir(dataDir);
        System.setProperty("pilothouse.logdir", logDir.toString());
        System.setProperty("PID", Long.toString(ProcessHandle.current().pid()));
        System.setProperty(AppLogFiles.NAME_PROPERTY, AppLogFiles.nameForThisProcess());
        AppLogFiles.cleanUp(logDir, AppLogFiles.keep());
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "logback-app.xml");
        }
        return dataDir;
    }

    /** The data dir the arguments name; one that cannot be used ends the process with exit 2, saying why. */
    private static Path usableDataDir(String[] args) {
        Path dataDir = DataDirs.resolve(dataDirFlag(args));
        String problem = DataDirs.problem(dataDir);
        if (problem != null) {
            System.err.println("error: " + problem);
            System.exit(2);
        }
        return dataDir;
    }

    /** The value of {@code --data-dir} anywhere in the arguments, as picocli will read it. */
    public static String dataDirFlag(String[] args) {
        return flag(args, "--data-dir");
    }

    /** The value of {@code option} ({@code --context lab} or {@code --context=lab}), its first use; null when not given. */
    public static String flag(String[] args, String option) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(option) && i + 1 < args.length) {
                return args[i + 1];
            }
            if (args[i].startsWith(option + "=")) {
                return args[i].substring(option.length() + 1);
            }
        }
        return null;
    }
}
