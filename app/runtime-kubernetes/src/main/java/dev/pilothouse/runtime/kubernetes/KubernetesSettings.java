package dev.pilothouse.runtime.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.json.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * How the Kubernetes runtime provisions sessions, read from {@code <data-dir>/kubernetes.yaml}
 * (optional): top-level keys apply to every context, and {@code contexts.<name>} overrides them for
 * one context. See docs/kubernetes.md for every key.
 *
 * @param namespace                 where new sessions go (null: the kubeconfig context's namespace, else "default")
 * @param defaultImage              the image of an agent whose definition has none
 * @param storageClass              the PVCs' storage class (null: the cluster's default class)
 * @param storageClassSupportsClone whether that class is backed by a CSI driver that clones
 *                                  volumes ({@code dataSource}); otherwise a remix copies with a pod
 * @param copyImage                 the image of that copy pod (needs sh, find, tar, stat, awk) and of the
 *                                  workspace browser's inspector pod (sh, readlink, stat, head, tail, tar or base64)
 * @param egressAllowed             CIDRs a session's pod may reach; empty: no egress at all
 * @param egressBlocked             CIDRs carved out of those (the cloud metadata addresses by default)
 * @param unschedulableDeadline     how long a pod may stay unschedulable before the session is in ERROR
 * @param pullDeadline              how long a scheduled pod's containers may take to run (images pulled,
 *                                  volumes mounted, containers created) before the session is in ERROR
 * @param healthDeadline            how long the agents may take to answer /healthz once their containers
 *                                  run; null: the engine's start timeout (120 s)
 * @param listChunkSize             the informers' first lists come in pages of this many (kubectl's
 *                                  {@code --chunk-size}; 0: whole)
 */
public record KubernetesSettings(
        String namespace,
        String defaultImage,
        String storageClass,
        boolean storageClassSupportsClone,
        String copyImage,
        List<String> egressAllowed,
        List<String> egressBlocked,
        Duration unschedulableDeadline,
        Duration pullDeadline,
        Duration healthDeadline,
        long runAsUser,
        long runAsGroup,
        long fsGroup,
        String workspacePath,
        long terminationGracePeriodSeconds,
        Duration heartbeat,
        Duration connectTimeout,
        Duration requestTimeout,
        int requestRetries,
        Duration requestRetryInterval,
        Duration copyTimeout,
        long listChunkSize) {

    public static final String FILE = "kubernetes.yaml";
    public static final String REFERENCE_IMAGE = "ghcr.io/pilothouse/reference-agent:0.1.0";

    public static final KubernetesSettings DEFAULTS = new KubernetesSettings(null, REFERENCE_IMAGE, null, false,
            "busybox:1.36", List.of("0.0.0.0/0", "::/0"), List.of("169.254.169.254/32", "fd00:ec2::254/128"),
            Duration.ofMinutes(5), Duration.ofMinutes(10), null, 1000, 1000, 1000, "/workspace", 10, Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(30), 5, Duration.ofMillis(250), Duration.ofHours(1), 500);

    public KubernetesSettings {
        egressAllowed = List.copyOf(egressAllowed);
        egressBlocked = List.copyOf(egressBlocked);
    }

    private static final Set<String> KEYS = Set.of("namespace", "defaultImage", "storageClass",
            "storageClassSupportsClone", "copyImage", "egressAllowed", "egressBlocked", "unschedulableDeadlineSeconds",
            "pullDeadlineSeconds", "healthDeadlineSeconds", "runAsUser", "runAsGroup", "fsGroup", "workspacePath",
            "terminationGracePeriodSeconds", "heartbeatSeconds", "connectTimeoutSeconds", "requestTimeoutSeconds", "requestRetries", "requestRetryIntervalMillis",
            "copyTimeoutSeconds", "listChunkSize");

    /** The settings for a context: the defaults, the file's top level, then its {@code contexts.<context>}. */
    public static KubernetesSettings load(Path dataDir, String context) {
        Path file = dataDir.resolve(FILE);
        if (!Files.exists(file)) {
            return DEFAULTS;
        }
        JsonNode root;
        try {
            if (Files.isDirectory(file)) {
                throw new InvalidInputException(file + " is a directory; it must be a file holding a YAML map of the keys "
                        + "in docs/kubernetes.md");
            }
            root = Json.readOne(Json.YAML, Files.readString(file));
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + file + ": "
                    + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? Json.problem(j)
                    : e.getMessage().lines().findFirst().orElse(""))
                    + "; it must be one YAML map of the keys in docs/kubernetes.md, each key once");
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return DEFAULTS;
        }
        if (!root.isObject()) {
            throw new InvalidInputException(file + " must be a YAML map; accepted keys: " + new TreeSet<>(KEYS) + " and contexts");
        }
        ObjectNode merged = ((ObjectNode) root).deepCopy();
        merged.remove("contexts");
        JsonNode perContext = root.path("contexts").path(context);
        if (perContext.isObject()) {
            perContext.fields().forEachRemaining(e -> merged.set(e.getKey(), e.getValue()));
        }
        return DEFAULTS.with(merged, file + (perContext.isObject() ? " (context " + context + ")" : ""));
    }

    /** These settings with the keys of {@code n} applied; unknown keys and bad values are refused by name. */
    public KubernetesSettings with(JsonNode n, String where) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYS.contains(k)) {
                throw new InvalidInputException("unknown key '" + k + "' in " + where + "; accepted keys: "
                        + new TreeSet<>(KEYS) + " and contexts.<name>.<key>");
            }
        }
        Reader r = new Reader(n, where);
        return new KubernetesSettings(
                r.text("namespace", namespace),
                r.text("defaultImage", defaultImage),
                r.text("storageClass", storageClass),
                r.bool("storageClassSupportsClone", storageClassSupportsClone),
                r.text("copyImage", copyImage),
                r.cidrs("egressAllowed", egressAllowed),
                r.cidrs("egressBlocked", egressBlocked),
                Duration.ofSeconds(r.number("unschedulableDeadlineSeconds", unschedulableDeadline.toSeconds(), 1, 86_400)),
                Duration.ofSeconds(r.number("pullDeadlineSeconds", pullDeadline.toSeconds(), 1, 86_400)),
                n.has("healthDeadlineSeconds") ? Duration.ofSeconds(r.number("healthDeadlineSeconds", 0, 1, 86_400))
                        : healthDeadline,
                r.number("runAsUser", runAsUser, 1, Integer.MAX_VALUE),
                r.number("runAsGroup", runAsGroup, 0, Integer.MAX_VALUE),
                r.number("fsGroup", fsGroup, 0, Integer.MAX_VALUE),
                r.path("workspacePath", workspacePath),
                r.number("terminationGracePeriodSeconds", terminationGracePeriodSeconds, 0, 3600),
                Duration.ofSeconds(r.number("heartbeatSeconds", heartbeat.toSeconds(), 1, 3600)),
                Duration.ofSeconds(r.number("connectTimeoutSeconds", connectTimeout.toSeconds(), 1, 600)),
                Duration.ofSeconds(r.number("requestTimeoutSeconds", requestTimeout.toSeconds(), 1, 3600)),
                (int) r.number("requestRetries", requestRetries, 0, 20),
                Duration.ofMillis(r.number("requestRetryIntervalMillis", requestRetryInterval.toMillis(), 1, 60_000)),
                Duration.ofSeconds(r.number("copyTimeoutSeconds", copyTimeout.toSeconds(), 1, 7 * 86_400)),
                r.number("listChunkSize", listChunkSize, 0, 100_000));
    }

    /** The same settings with some keys replaced, given as a map (tests, the console). */
    public KubernetesSettings with(Map<String, Object> values) {
        return with(Json.MAPPER.valueToTree(values), "settings");
    }

    private record Reader(JsonNode n, String where) {
        String text(String key, String fallback) {
            JsonNode v = n.get(key);
            if (v == null) {
                return fallback;
            }
            if (v.isNull()) {
                return null;
            }
            if (!v.isTextual() || v.asText().isBlank()) {
                throw bad(key, "a non-empty string");
            }
            return v.asText();
        }

        String path(String key, String fallback) {
            String p = text(key, fallback);
            if (p == null || !p.startsWith("/")) {
                throw bad(key, "an absolute path such as /workspace");
            }
            return p;
        }

        boolean bool(String key, boolean fallback) {
            JsonNode v = n.get(key);
            if (v == null) {
                return fallback;
            }
            if (!v.isBoolean()) {
                throw bad(key, "true or false");
            }
            return v.asBoolean();
        }

        long number(String key, long fallback, long min, long max) {
            JsonNode v = n.get(key);
            if (v == null) {
                return fallback;
            }
            if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() < min || v.asLong() > max) {
                throw bad(key, "a whole number from " + min + " to " + max);
            }
            return v.asLong();
        }

        List<String> cidrs(String key, List<String> fallback) {
            JsonNode v = n.get(key);
            if (v == null) {
                return fallback;
            }
            if (!v.isArray()) {
                throw bad(key, "a list of CIDRs such as [\"10.0.0.0/8\"] (empty for none)");
            }
            List<String> out = new ArrayList<>();
            for (JsonNode c : v) {
                if (!c.isTextual() || Cidr.parse(c.asText()) == null) {
                    throw bad(key, "a list of CIDRs such as [\"10.0.0.0/8\", \"::/0\"]; '" + c.asText() + "' is not one");
                }
                out.add(c.asText());
            }
            return out;
        }

        InvalidInputException bad(String key, String accepted) {
            return new InvalidInputException("invalid " + key + " in " + where + ": '" + n.get(key) + "'; give " + accepted);
        }
    }
}
