package dev.pilothouse.host;

import dev.pilothouse.errors.OperationFailedException;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A console beside {@code pilothouse serve}: when serve owns the data dir, the console works
 * through its REST API with a token of its own, made through serve's command door (the data dir's
 * secret proves the same user) and revoked when the console closes. The token expires within a
 * day should the console die without revoking it.
 */
public final class ServeAttachment {
    private ServeAttachment() {
    }

    /** Serve's engine over its API, when serve owns {@code dataDir} and says where it listens; else empty. */
    public static Optional<ApiEngine> open(Path dataDir) {
        Path dir = dataDir.toAbsolutePath().normalize();
        Optional<Endpoint> owner = Endpoint.read(dir).filter(Endpoint::alive)
                .filter(e -> e.kind() == EngineHost.Kind.SERVE && e.api() != null);
        if (owner.isEmpty()) {
            return Optional.empty();
        }
        String name = "console-" + ProcessHandle.current().pid();
        String token = command(dir, "tokens", "create", name, "--expires", "1d").strip();
        try {
            return Optional.of(new ApiEngine(owner.get().api(), token, () -> command(dir, "tokens", "revoke", name)));
        } catch (RuntimeException e) {
            command(dir, "tokens", "revoke", name);
            throw e;
        }
    }

    private static String command(Path dir, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> all = new java.util.ArrayList<>(List.of("--data-dir", dir.toString()));
        all.addAll(List.of(args));
        int code = Remote.run(dir, all, new ByteArrayInputStream(new byte[0]), out, err);
        if (code != 0) {
            throw new OperationFailedException("pilothouse serve owns " + dir + ", and `pilothouse " + String.join(" ", args)
                    + "` failed there: " + err.toString(StandardCharsets.UTF_8).strip());
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
