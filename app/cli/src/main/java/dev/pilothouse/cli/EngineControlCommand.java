package dev.pilothouse.cli;

import dev.pilothouse.engine.DataDirInUseException;
import dev.pilothouse.engine.DataDirs;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.engine.Runtimes;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.host.EngineHost;
import dev.pilothouse.host.Remote;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code pilothouse engine}: the one engine that serves a data dir. A CLI command starts it in the
 * background when nothing else (a console, {@code serve}) serves the data dir; it stops by itself
 * when idle. These commands show it, stop it, or run it in the foreground.
 */
@Command(name = "engine", description = "The engine that serves the data dir: status, stop, run",
        subcommands = {EngineControlCommand.Status.class, EngineControlCommand.Stop.class, EngineControlCommand.Run.class})
final class EngineControlCommand {
    /** The default for how long the background engine stays without commands (and no local session running). */
    static final Duration DEFAULT_IDLE = Duration.ofSeconds(60);

    abstract static class Base implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        Cli root() {
            return (Cli) spec.root().userObject();
        }

        Path dataDir() {
            return DataDirs.resolve(root().dataDir);
        }
    }

    @Command(name = "status", description = "Which process serves the data dir, if any")
    static final class Status extends Base {
        @Override
        public Integer call() {
            Cli root = root();
            var out = spec.commandLine().getOut();
            if (root.host != null) {
                EngineHost h = root.host;
                // asked by a client, this command is one of those running
                int others = h.commandsRunning() - (root.invocation != null ? 1 : 0);
                out.println(h.kind().label() + " (pid " + ProcessHandle.current().pid() + ") serves " + dataDir()
                        + " since " + h.startedAt() + "; commands running: " + others);
                h.engine().standby().forEach(out::println);
                return 0;
            }
            // the engine itself says what it keeps ready (the local runtime's agent pool)
            Optional<Integer> asked = Remote.status(dataDir(), new EngineCommand.WriterStream(out),
                    new EngineCommand.WriterStream(spec.commandLine().getErr()));
            if (asked.isPresent()) {
                return asked.get();
            }
            var who = Remote.describe(dataDir());
            out.println(who.map(w -> w + " serves " + dataDir()).orElse("no engine serves " + dataDir()
                    + " now; the next command starts one in the background"));
            return 0;
        }
    }

    @Command(name = "stop", description = "Stop the background engine (running commands finish first; agents keep running)")
    static final class Stop extends Base {
        @Override
        public Integer call() {
            Cli root = root();
            var out = spec.commandLine().getOut();
            if (root.host == null) {
                if (Remote.describe(dataDir()).isEmpty()) {
                    out.println("no engine serves " + dataDir());
                    return 0;
                }
                return Remote.run(dataDir(), List.of("--data-dir", dataDir().toString(), "engine", "stop"),
                        System.in, System.out, System.err);
            }
            if (root.host.kind() != EngineHost.Kind.BACKGROUND) {
                throw new InvalidInputException(root.host.kind().label() + " serves " + dataDir()
                        + "; close it there (`engine stop` stops only the background engine)");
            }
            root.host.requestStop("stopped by `pilothouse engine stop`");
            out.println("the background engine (pid " + ProcessHandle.current().pid() + ") is stopping");
            return 0;
        }
    }

    @Command(name = "run", description = "Run the engine in the foreground until it is stopped (Ctrl+C)")
    static final class Run extends Base {
        @Option(names = "--background", hidden = true, description = "Run as the background engine: stop when idle")
        boolean background;

        @Option(names = "--idle", paramLabel = "DURATION", converter = Converters.Duration.class,
                description = "With --background: stop after this long without commands and no local session running "
                        + "(default 60s)")
        Long idleSeconds;

        @Override
        public Integer call() throws InterruptedException {
            if (root().host != null) {
                throw new InvalidInputException("an engine already serves " + dataDir());
            }
            Duration idle = idleSeconds != null ? Duration.ofSeconds(idleSeconds) : idleFromEnvironment();
            return serve(dataDir(), background, idle, spec.commandLine().getErr());
        }

        /** Serves {@code dataDir} until the engine stops (as the background engine: also when idle that long). */
        static int serve(Path dataDir, boolean background, Duration idle, java.io.PrintWriter err) throws InterruptedException {
            EngineConfig config = EngineConfig.of(dataDir).withBackground(true);
            EngineHost host;
            try {
                host = EngineHost.open(config, () -> new Runtimes(config.dataDir()),
                        background ? EngineHost.Kind.BACKGROUND : EngineHost.Kind.SERVE, background ? idle : Duration.ZERO);
            } catch (DataDirInUseException other) {
                if (background) {
                    return 0; // another engine serves the data dir: the command that started this one uses it
                }
                throw other;
            }
            Runtime.getRuntime().addShutdownHook(new Thread(host::close, "engine-shutdown"));
            err.println(host.kind().label() + " serves " + dataDir);
            String why = host.awaitStopped();
            err.println("stopped: " + why);
            return 0;
        }

        static Duration idleFromEnvironment() {
            String s = System.getenv("PILOTHOUSE_ENGINE_IDLE_SECONDS");
            try {
                return s == null ? DEFAULT_IDLE : Duration.ofSeconds(Long.parseLong(s.trim()));
            } catch (NumberFormatException e) {
                return DEFAULT_IDLE;
            }
        }
    }
}
