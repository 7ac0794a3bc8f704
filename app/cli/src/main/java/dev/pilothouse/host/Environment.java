package dev.pilothouse.host;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The part of a process's environment that changes what a command does when the engine runs it:
 * which kubeconfig names the clusters, and the keys, tokens, endpoints and proxies agents are
 * started with (an agent inherits the engine's environment). A CLI command runs in the engine's
 * environment, not its own, so the two are compared before it runs. Values travel only as
 * SHA-256 digests.
 */
final class Environment {
    static final Pattern RELEVANT = Pattern.compile(
            "KUBECONFIG|HTTPS?_PROXY|NO_PROXY|https?_proxy|no_proxy|OLLAMA_HOST"
                    + "|(OPENAI|ANTHROPIC|AZURE_OPENAI|GEMINI|GOOGLE|MISTRAL|GROQ|HF)_[A-Z0-9_]*"
                    + "|[A-Z0-9_]*(_API_KEY|_TOKEN|_SECRET|_BASE_URL)");

    private Environment() {
    }

    /** Name to digest of each relevant variable of {@code env}. */
    static Map<String, String> fingerprint(Map<String, String> env) {
        Map<String, String> out = new TreeMap<>();
        env.forEach((k, v) -> {
            if (RELEVANT.matcher(k).matches()) {
                out.put(k, digest(v));
            }
        });
        return out;
    }

    static Map<String, String> current() {
        return fingerprint(System.getenv());
    }

    /** One line per variable, {@code NAME=digest}: what travels in the client's hello. */
    static String encode(Map<String, String> fp) {
        StringBuilder b = new StringBuilder();
        fp.forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
        return b.toString();
    }

    static Map<String, String> decode(String s) {
        Map<String, String> out = new TreeMap<>();
        for (String line : s.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                out.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return out;
    }

    /** Names of the variables set differently (or set in only one of the two). */
    static List<String> differing(Map<String, String> a, Map<String, String> b) {
        TreeSet<String> names = new TreeSet<>(a.keySet());
        names.addAll(b.keySet());
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (!java.util.Objects.equals(a.get(n), b.get(n))) {
                out.add(n);
            }
        }
        return out;
    }

    private static String digest(String value) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
