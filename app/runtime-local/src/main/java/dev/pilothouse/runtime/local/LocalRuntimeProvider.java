package dev.pilothouse.runtime.local;

import dev.pilothouse.runtime.RuntimeProvider;
import dev.pilothouse.runtime.SessionRuntime;

import java.nio.file.Path;
import java.util.List;

/** The context {@code local}: sessions as directories and processes on this machine, always available. */
public final class LocalRuntimeProvider implements RuntimeProvider {
    @Override
    public String kind() {
        return "local";
    }

    @Override
    public int order() {
        return 0;
    }

    @Override
    public List<Context> contexts(Path dataDir) {
        return List.of(new Context(LocalRuntime.CONTEXT, "default", false, null));
    }

    @Override
    public String accepted(Path dataDir) {
        return LocalRuntime.CONTEXT;
    }

    @Override
    public SessionRuntime open(Path dataDir, String context) {
        return new LocalRuntime(dataDir);
    }
}
