package dev.pilothouse.testing;

import dev.pilothouse.engine.Runtimes;
import dev.pilothouse.runtime.RuntimeProvider;
import dev.pilothouse.runtime.SessionRuntime;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * Runtimes for tests: {@code local} and one more context, whatever the machine's kubeconfig says.
 * {@code local} is the local runtime's: the module using this has pilothouse-runtime-local on its class path.
 */
public final class TestRuntimes {
    private TestRuntimes() {
    }

    public static Runtimes withContext(Path dataDir, String context, Supplier<SessionRuntime> make) {
        return new Runtimes(dataDir, RuntimeProvider.installed().stream()
                .filter(p -> p.kind().equals(RuntimeProvider.LOCAL_CONTEXT)).toList()) {
            @Override
            public List<String> contexts() {
                return List.of(RuntimeProvider.LOCAL_CONTEXT, context);
            }

            @Override
            protected SessionRuntime create(String c) {
                return c.equals(context) ? make.get() : super.create(c);
            }
        };
    }
}
