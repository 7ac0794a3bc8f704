package dev.pilothouse.cli;

import dev.pilothouse.engine.DataDirInUseException;
import dev.pilothouse.engine.DataDirs;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import dev.pilothouse.host.EngineHost;
import dev.pilothouse.host.Remote;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.ByteArrayInputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * A command that needs the engine. The data dir has one engine (see {@link EngineHost}): a command
 * typed in a shell is handed to it; the same command run by that engine for a client works on a
 * view of it in the command's own context and namespace.
 */
abstract class EngineCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    Cli root() {
        return (Cli) spec.root().userObject();
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    @Override
    public Integer call() throws Exception {
        Cli root = root();
        if (root.host != null) {
            return runOn(root.host.engine());
        }
        Path dataDir = DataDirs.resolve(root.dataDir);
        Optional<Engine> here = Engine.openInThisProcess(dataDir);
        if (here.isPresent()) {
            return runOn(here.get());
        }
        List<String> args = spec.root().commandLine().getParseResult().originalArgs();
        if (root.forward) {
            return Remote.run(dataDir, args, System.in, System.out, System.err);
        }
        try (Engine engine = Engine.open(EngineConfig.of(dataDir))) {
            return runOn(engine);
        } catch (DataDirInUseException ownedElsewhere) {
            return Remote.run(dataDir, args, new ByteArrayInputStream(new byte[0]), new WriterStream(out()), new WriterStream(err()));
        }
    }

    /**
     * Runs on {@code engine} as seen from this command's context (--context, else the default: local,
     * or in-cluster in a pod) and namespace.
     */
    private int runOn(Engine engine) throws Exception {
        Cli root = root();
        Engine view = engine.at(root.context != null ? root.context : engine.defaultContext(), root.namespace);
        warnIfDisconnected(view);
        return run(view, new Output(root.output, out(), view.config().clock().instant()));
    }

    abstract int run(Engine engine, Output output) throws Exception;

    /** A cluster that cannot be used is said once, up front; commands that need it then fail saying why. */
    void warnIfDisconnected(Engine engine) {
        var c = engine.connection();
        if (!c.connected()) {
            err().println("warning: context '" + engine.context() + "' is " + c.describe());
        } else if (!c.missing().isEmpty()) {
            // sessions are seen; what needs the missing permissions is refused when asked, naming them
            err().println("note: context '" + engine.context() + "' is " + c.describe());
        }
    }

    /** Bytes from another process's engine into this command's writer. */
    static final class WriterStream extends OutputStream {
        private final PrintWriter w;

        WriterStream(PrintWriter w) {
            this.w = w;
        }

        @Override
        public void write(int b) {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            w.write(new String(b, off, len, StandardCharsets.UTF_8));
            w.flush();
        }
    }
}
