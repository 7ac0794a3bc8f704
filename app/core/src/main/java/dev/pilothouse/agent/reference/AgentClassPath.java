package dev.pilothouse.agent.reference;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/** What the reference agent needs on its class path, out of the class path of the JVM that starts it. */
public final class AgentClassPath {
    private AgentClassPath() {
    }

    /** {@link #of(String, Optional)} for the jar this JVM loads the reference agent from. */
    public static String of(String classPath) {
        return of(classPath, coreJar());
    }

    /**
     * The reference agent's class path: the engine core's jar and the libraries its manifest names,
     * taken from {@code classPath} by file name, in that order. An agent started on a whole class
     * path (the console's or a test's, ~130 jars) looks through jars it never needs: its start took
     * ~25 % more CPU (0.57 against 0.43 s). {@code classPath} itself when the core is not a jar
     * (a build's classes folder) or a library it names is not on it.
     */
    public static String of(String classPath, Optional<Path> coreJar) {
        if (coreJar.isEmpty()) {
            return classPath;
        }
        Map<String, String> byName = new HashMap<>();
        for (String entry : classPath.split(File.pathSeparator)) {
            Path name = Path.of(entry).getFileName();
            if (name != null) {
                byName.putIfAbsent(name.toString(), entry);
            }
        }
        List<String> entries = new ArrayList<>(List.of(coreJar.get().toAbsolutePath().toString()));
        try (JarFile jar = new JarFile(coreJar.get().toFile())) {
            Manifest manifest = jar.getManifest();
            String names = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            if (names == null || names.isBlank()) {
                return classPath;
            }
            for (String name : names.trim().split("\\s+")) {
                String entry = byName.get(Path.of(name).getFileName().toString());
                if (entry == null) {
                    return classPath;
                }
                entries.add(entry);
            }
        } catch (IOException | RuntimeException e) {
            return classPath;
        }
        return String.join(File.pathSeparator, entries);
    }

    /** The jar this JVM loads the reference agent from, if it is loaded from a jar. */
    static Optional<Path> coreJar() {
        try {
            CodeSource source = ReferenceAgent.class.getProtectionDomain().getCodeSource();
            Path location = source == null ? null : Path.of(source.getLocation().toURI());
            return location != null && Files.isRegularFile(location) ? Optional.of(location) : Optional.empty();
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
