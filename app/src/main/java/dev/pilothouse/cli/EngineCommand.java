package dev.pilothouse.cli;

import dev.pilothouse.engine.DataDirs;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.engine.EngineConfig;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** A command that runs on an engine opened on the data dir for the length of the command. */
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
        try (Engine engine = Engine.open(EngineConfig.of(DataDirs.resolve(root.dataDir)))) {
            if (root.context != null || root.namespace != null) {
                engine.useContext(root.context != null ? root.context : engine.context(), root.namespace);
            }
            warnIfDisconnected(engine);
            return run(engine, new Output(root.output, out(), engine.config().clock().instant()));
        }
    }

    abstract int run(Engine engine, Output output) throws Exception;

    /** A cluster that cannot be used is said once, up front; commands that need it then fail saying why. */
    void warnIfDisconnected(Engine engine) {
        var c = engine.connection();
        if (!c.connected()) {
            err().println("warning: context '" + engine.context() + "' is " + c.describe());
        }
    }
}
