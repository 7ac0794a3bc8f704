package dev.pilothouse.testing;

import dev.pilothouse.engine.Runtimes;
import dev.pilothouse.runtime.SessionRuntime;
import dev.pilothouse.runtime.local.LocalRuntime;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/** Runtimes for tests: {@code local} and one more context, whatever the machine's kubeconfig says. */
public final class TestRuntimes {
    private TestRuntimes() {
    }

    public static Runtimes withContext(Path dataDir, String context, Supplier<SessionRuntime> make) {
        return new Runtimes(dataDir, List::of) {
            @Override
            public List<String> contexts() {
                return List.of(LocalRuntime.CONTEXT, context);
            }

            @Override
            protected SessionRuntime create(String c) {
                return c.equals(context) ? make.get() : super.create(c);
            }
        };
    }
}
