package dev.pilothouse.cli;

import dev.pilothouse.errors.PilothouseException;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * The background engine's own start: what {@code pilothouse engine run --background} does, as
 * {@code host.Background} launches it. Its start is what the first command of a script waits for,
 * so the three slow things a cold JVM does here run side by side instead of one after the other —
 * opening the engine, setting up logging, and building the CLI's command model that the first
 * command it serves needs (~0.35 s cold; docs/performance.md, "Start-up").
 */
public final class BackgroundEngineMain {
    private BackgroundEngineMain() {
    }

    /** @param args the data dir */
    public static void main(String[] args) throws InterruptedException {
        if (args.length != 1) {
            System.err.println("usage: " + BackgroundEngineMain.class.getName() + " DATA_DIR (started by a CLI command)");
            System.exit(2);
        }
        Path dataDir = HeadlessMain.prepare(new String[]{"--data-dir", args[0]});
        beside("logging-set-up", LoggerFactory::getILoggerFactory);
        SpareModel.prepare(); // the first command's, built while the engine opens
        PrintWriter err = new PrintWriter(System.err, true);
        try {
            System.exit(EngineControlCommand.Run.serve(dataDir, true, EngineControlCommand.Run.idleFromEnvironment(), err));
        } catch (PilothouseException e) {
            err.println("error: " + e.getMessage());
            System.exit(e.exitCode());
        }
    }

    private static void beside(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
    }
}
