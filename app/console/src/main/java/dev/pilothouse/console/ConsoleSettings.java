package dev.pilothouse.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.json.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * What the console remembers between runs, in {@code console.json} in the data dir: window
 * bounds and layout, the last context and namespace, the theme. A missing or unreadable file
 * means defaults, never a failure to start.
 */
public final class ConsoleSettings {
    private static final Logger log = LoggerFactory.getLogger(ConsoleSettings.class);

    public double x = Double.NaN;
    public double y = Double.NaN;
    public double width = 1400;
    public double height = 880;
    public boolean maximized;
    public double tableDivider = 0.55;
    public String context = "local";
    /** Where the console creates sessions; empty: the context's own namespace (kubernetes.yaml's, else the kubeconfig's). */
    public String namespace = "";
    public boolean dark;

    /** The context asked for on the command line ({@code pilothouse --context lab}): shown first, not remembered by itself. */
    public transient String requestedContext;

    private transient Path file;

    public static ConsoleSettings load(Path dataDir) {
        Path file = dataDir.resolve("console.json");
        ConsoleSettings s = new ConsoleSettings();
        s.file = file;
        if (!Files.exists(file)) {
            return s;
        }
        try {
            JsonNode n = Json.MAPPER.readTree(Files.readString(file));
            s.x = n.path("x").asDouble(Double.NaN);
            s.y = n.path("y").asDouble(Double.NaN);
            s.width = clamp(n.path("width").asDouble(s.width), 640, 10_000);
            s.height = clamp(n.path("height").asDouble(s.height), 400, 10_000);
            s.maximized = n.path("maximized").asBoolean(false);
            s.tableDivider = clamp(n.path("table_divider").asDouble(s.tableDivider), 0.15, 0.85);
            s.context = n.path("context").asText(s.context);
            s.namespace = n.path("namespace").asText(s.namespace);
            s.dark = n.path("dark").asBoolean(false);
        } catch (IOException | RuntimeException e) {
            log.warn("ignoring unreadable {}: {}", file, e.getMessage());
        }
        return s;
    }

    public void save() {
        ObjectNode n = Json.object().put("x", x).put("y", y).put("width", width).put("height", height)
                .put("maximized", maximized).put("table_divider", tableDivider).put("context", context)
                .put("namespace", namespace).put("dark", dark);
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, Json.pretty(n));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.warn("cannot save {}: {}", file, e.getMessage());
        }
    }

    private static double clamp(double v, double min, double max) {
        return Double.isNaN(v) ? min : Math.max(min, Math.min(max, v));
    }
}
