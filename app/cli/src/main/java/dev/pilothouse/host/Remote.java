package dev.pilothouse.host;

import dev.pilothouse.engine.BuildInfo;
import dev.pilothouse.errors.OperationFailedException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A CLI command's way to the engine that owns its data dir: finds it by its endpoint file, or
 * starts the background engine when none serves the data dir, and hands the command over.
 */
public final class Remote {
    /** How long a command waits for an engine to serve it (starting one included). */
    static final Duration WAIT = Duration.ofSeconds(60);
    /** How long {@code engine status} waits for the engine's answer before saying what its endpoint file says. */
    static final Duration STATUS_WAIT = Duration.ofSeconds(5);

    private Remote() {
    }

    /**
     * Runs {@code args} on the data dir's engine, starting the background engine if none runs.
     *
     * @return the command's exit code
     */
    public static int run(Path dataDir, List<String> args, InputStream stdin, OutputStream stdout, OutputStream stderr) {
        Path dir = dataDir.toAbsolutePath().normalize();
        Path cwd = Path.of("").toAbsolutePath();
        long deadline = System.nanoTime() + WAIT.toNanos();
        Background.Start started = null;
        String lastProblem = "no engine started";
        while (true) {
            Optional<Endpoint> ep = Endpoint.read(dir).filter(Endpoint::alive);
            if (ep.isPresent()) {
                try {
                    return CommandClient.run(ep.get().port(), Endpoint.secret(dir), hello(), cwd, args,
                            stdin, stdout, stderr);
                } catch (ConnectException notYet) {
                    lastProblem = "the engine (pid " + ep.get().pid() + ") did not accept the connection";
                } catch (CommandClient.Refused r) {
                    switch (r.why) {
                        case STOPPING -> lastProblem = "the engine (pid " + ep.get().pid() + ") is stopping";
                        case BUILD -> {
                            if (ep.get().kind() != EngineHost.Kind.BACKGROUND) {
                                throw new OperationFailedException("data dir " + dir + " is served by " + ep.get().kind().label()
                                        + " (pid " + ep.get().pid() + ") of another build (" + r.getMessage()
                                        + "); use the pilothouse it came with, or close it");
                            }
                            lastProblem = "the background engine is of another build and is making way";
                        }
                        case ENV -> {
                            if (ep.get().kind() != EngineHost.Kind.BACKGROUND) {
                                throw new OperationFailedException("data dir " + dir + " is served by " + ep.get().kind().label()
                                        + " (pid " + ep.get().pid() + "), started with another environment ("
                                        + r.getMessage() + ": not as in this command's). Commands run in the engine's "
                                        + "environment (the clusters it sees, the keys agents get), so this one was not "
                                        + "run; run it where those variables match, or close "
                                        + ep.get().kind().label() + " first");
                            }
                            lastProblem = "the background engine has another environment (" + r.getMessage()
                                    + ") and is making way";
                        }
                        // refused before anything ran: ask again until a command ends and frees a slot
                        case BUSY -> lastProblem = "the engine (pid " + ep.get().pid() + ") was busy: " + r.getMessage();
                        case AUTH -> throw new OperationFailedException("the engine serving " + dir + " refused this "
                                + "command: " + r.getMessage() + " (is " + Endpoint.SECRET + " readable by you?)");
                    }
                } catch (IOException broken) {
                    // it may have run: never run it twice
                    throw new OperationFailedException("the connection to the engine (pid " + ep.get().pid()
                            + ") broke while it ran the command (" + broken.getMessage() + "); `pilothouse sessions list` "
                            + "shows what was done", broken);
                }
            } else if (started == null) {
                started = Background.start(dir);
            } else if (!started.process().isAlive()) {
                Optional<Endpoint> now = Endpoint.read(dir).filter(Endpoint::alive);
                if (now.isEmpty() && started.process().exitValue() != 0) {
                    throw new OperationFailedException("the background engine for " + dir + " could not start: "
                            + started.outputTail());
                }
            }
            if (System.nanoTime() > deadline) {
                throw new OperationFailedException("no engine served data dir " + dir + " within " + WAIT.toSeconds()
                        + " s (" + lastProblem + "); see " + Background.log(dir));
            }
            EngineHost.pause(Duration.ofMillis(25));
        }
    }

    /**
     * Has the engine serving the data dir, if any, say what it is and what it keeps ready ({@code
     * engine status} run there); empty when none serves it or it could not answer, and nothing was written.
     */
    public static Optional<Integer> status(Path dataDir, OutputStream stdout, OutputStream stderr) {
        Path dir = dataDir.toAbsolutePath().normalize();
        Optional<Endpoint> ep = Endpoint.read(dir).filter(Endpoint::alive);
        if (ep.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(CommandClient.run(ep.get().port(), Endpoint.secret(dir), hello(), dir,
                    List.of("--data-dir", dir.toString(), "engine", "status"), InputStream.nullInputStream(), stdout, stderr,
                    (int) STATUS_WAIT.toMillis()));
        } catch (java.net.SocketTimeoutException e) {
            // the question for when something is wrong: a wedged engine must not wedge it too
            try {
                stderr.write(("warning: the engine (pid " + ep.get().pid() + ") did not answer within "
                        + STATUS_WAIT.toSeconds() + " s\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // nowhere to say it
            }
            return Optional.empty();
        } catch (IOException e) {
            // stopping, or an engine of an older build that refuses it: what its endpoint says is all there is
            return Optional.empty();
        }
    }

    /** Asks a background engine to stop so that a console can take its data dir; true if it was asked. */
    static boolean stopBackground(Path dir, Endpoint ep) {
        try {
            CommandClient.run(ep.port(), Endpoint.secret(dir), hello(), dir, List.of("engine", "stop"),
                    InputStream.nullInputStream(), OutputStream.nullOutputStream(), OutputStream.nullOutputStream());
            return true;
        } catch (CommandClient.Refused r) {
            // another build or environment stops by itself
            return r.why == Frames.Refusal.STOPPING || r.why == Frames.Refusal.BUILD || r.why == Frames.Refusal.ENV;
        } catch (IOException e) {
            return false;
        }
    }

    /** This process's build and environment, as the hello carries them. */
    private static String hello() {
        return Frames.buildAndEnvironment(BuildInfo.build(), Environment.current());
    }

    /** Whether an engine serves the data dir now, and which. */
    public static Optional<String> describe(Path dataDir) {
        return Endpoint.read(dataDir.toAbsolutePath().normalize()).filter(Endpoint::alive)
                .map(e -> e.kind().label() + " (pid " + e.pid() + ", since " + e.startedAt() + ")");
    }
}
