package dev.pilothouse.runtime.kubernetes;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

/**
 * Names and labels of a session's objects on the cluster. Names are DNS-1123 labels derived from
 * the session id (a UUID, so {@code pilothouse-<id>} is 47 characters); any other id is made to fit.
 */
final class ObjectNames {
    static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    static final String MANAGER = "pilothouse";
    static final String SESSION = "pilothouse.dev/session-id";
    /** What an object is to its session: the agents' pod, the remix copy pod, the volume, the policy. */
    static final String ROLE = "pilothouse.dev/role";
    static final String ROLE_AGENTS = "agents";
    static final String ROLE_COPY = "copy";
    /** A paused session's read-only inspector pod, for the workspace browser: neither an agent pod nor an orphan. */
    static final String ROLE_INSPECTOR = "inspector";
    static final String ROLE_VOLUME = "volume";
    static final String ROLE_TOKENS = "tokens";
    /** Annotations: the session's spec and its agents' definitions (JSON). */
    static final String SPEC = "pilothouse.dev/session";
    static final String AGENTS = "pilothouse.dev/agents";
    /**
     * Where pods made before the tokens moved to a Secret ({@link AgentTokens}) kept them: read
     * only to reach the agents of such a pod, never written.
     */
    static final String TOKENS = "pilothouse.dev/agent-tokens";
    /** Set on a pod just before Pilothouse deletes it: who stops it (pause, delete, a failed start). */
    static final String STOPPED_BY = "pilothouse.dev/stopped-by";
    /** Beside {@link #STOPPED_BY} when the session had failed: why, for a workstation that did not see it. */
    static final String FAILED = "pilothouse.dev/failed";

    private static final String PREFIX = "pilothouse-";
    private static final int MAX = 63;

    private ObjectNames() {
    }

    /** The session's pod, PVC and NetworkPolicy share this name (they are different kinds). */
    static String of(String sessionId) {
        String id = sessionId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-").replaceAll("^-+|-+$", "");
        String name = PREFIX + id;
        if (name.length() <= MAX - 5 && id.equals(sessionId)) {
            return name;
        }
        // not a UUID: keep it readable and unique with a hash of the original id
        String hash = sha(sessionId).substring(0, 10);
        String stem = name.length() > MAX - 16 ? name.substring(0, MAX - 16) : name;
        return stem.replaceAll("-+$", "") + "-" + hash;
    }

    /** The pod that copies a parent's volume into this session's during a remix. */
    static String copyPod(String sessionId) {
        return of(sessionId) + "-copy";
    }

    /** An inspector pod of the session; {@code suffix} tells apart several open at once. */
    static String inspectorPod(String sessionId, String suffix) {
        return of(sessionId) + "-inspect-" + suffix;
    }

    /** Whether a pod name is an inspector's (it may be gone already when its events arrive). */
    static boolean isInspectorPod(String name) {
        return name.matches(".*-inspect-[0-9a-f]{6}");
    }

    /** A label value for the session id (63 characters at most, alphanumeric at both ends). */
    static String label(String sessionId) {
        String v = sessionId.replaceAll("[^A-Za-z0-9._-]", "-");
        return v.length() <= MAX && v.matches("[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?") ? v : sha(sessionId).substring(0, 40);
    }

    static Map<String, String> labels(String sessionId, String role) {
        return Map.of(MANAGED_BY, MANAGER, SESSION, label(sessionId), ROLE, role);
    }

    private static String sha(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
