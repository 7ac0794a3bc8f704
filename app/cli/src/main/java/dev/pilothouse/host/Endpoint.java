package dev.pilothouse.host;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * Where the engine that owns a data dir listens ({@code engine.endpoint}: pid, loopback port,
 * kind, build) and the data dir's secret that a client must present ({@code engine.secret},
 * readable by its owner only). Plain properties, so a client reads them without a JSON library.
 */
record Endpoint(long pid, int port, EngineHost.Kind kind, String build, Instant startedAt, String api) {
    Endpoint(long pid, int port, EngineHost.Kind kind, String build, Instant startedAt) {
        this(pid, port, kind, build, startedAt, null);
    }

    /** The same, saying where its REST API listens ({@code pilothouse serve}). */
    Endpoint withApi(String url) {
        return new Endpoint(pid, port, kind, build, startedAt, url);
    }

    static final String FILE = "engine.endpoint";
    static final String SECRET = "engine.secret";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    static Optional<Endpoint> read(Path dataDir) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(dataDir.resolve(FILE), StandardCharsets.UTF_8)) {
            p.load(r);
            return Optional.of(new Endpoint(Long.parseLong(p.getProperty("pid")), Integer.parseInt(p.getProperty("port")),
                    EngineHost.Kind.valueOf(p.getProperty("kind")), p.getProperty("build", ""),
                    Instant.parse(p.getProperty("started")), p.getProperty("api")));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // none, or half written: as if none
        }
    }

    void write(Path dataDir) throws IOException {
        Properties p = new Properties();
        p.setProperty("pid", Long.toString(pid));
        p.setProperty("port", Integer.toString(port));
        p.setProperty("kind", kind.name());
        p.setProperty("build", build);
        p.setProperty("started", startedAt.toString());
        if (api != null) {
            p.setProperty("api", api);
        }
        Path tmp = dataDir.resolve(FILE + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(w, "the engine serving this data dir; written by it, removed when it stops");
        }
        move(tmp, dataDir.resolve(FILE));
    }

    static void remove(Path dataDir, long pid) {
        Optional<Endpoint> cur = read(dataDir);
        if (cur.isPresent() && cur.get().pid() == pid) {
            try {
                Files.deleteIfExists(dataDir.resolve(FILE));
            } catch (IOException ignored) {
                // a stale endpoint names a dead pid: clients look past it
            }
        }
    }

    boolean alive() {
        return ProcessHandle.of(pid).map(dev.pilothouse.runtime.Processes::running).orElse(false);
    }

    /** The data dir's secret, made (owner-only) by the first engine that needs it. */
    static String secret(Path dataDir) throws IOException {
        Path f = dataDir.resolve(SECRET);
        if (!Files.exists(f)) {
            byte[] b = new byte[32];
            new SecureRandom().nextBytes(b);
            Path tmp = dataDir.resolve(SECRET + "." + ProcessHandle.current().pid());
            Files.deleteIfExists(tmp);
            try {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (UnsupportedOperationException notPosix) {
                Files.createFile(tmp);
            }
            Files.writeString(tmp, Base64.getUrlEncoder().withoutPadding().encodeToString(b));
            try {
                Files.move(tmp, f); // not replacing: a secret another engine made first wins
            } catch (FileAlreadyExistsException raced) {
                Files.deleteIfExists(tmp);
            }
        }
        return Files.readString(f, StandardCharsets.UTF_8).trim();
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
