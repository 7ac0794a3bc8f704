package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.errors.OperationFailedException;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.io.IOException;
import java.util.concurrent.TimeoutException;

/** Kubernetes API failures in the operator's words: what was refused, and what to do about it. */
final class KubeErrors {
    private KubeErrors() {
    }

    /**
     * @param context    the kubeconfig context
     * @param permission what was being done, as an RBAC rule: "create pods", "delete persistentvolumeclaims"
     * @param namespace  where
     */
    static OperationFailedException of(Throwable t, String context, String permission, String namespace) {
        KubernetesClientException k = find(t, KubernetesClientException.class);
        int code = k == null ? 0 : k.getCode();
        String apiMessage = k != null && k.getStatus() != null && k.getStatus().getMessage() != null
                ? k.getStatus().getMessage() : null;
        String where = " in namespace " + namespace + " of context '" + context + "'";
        if (code == 403) {
            return new OperationFailedException("forbidden: missing permission '" + permission + "'" + where
                    + (apiMessage == null ? "" : " (" + apiMessage + ")")
                    + (AccessCheck.roleLine(permission) == null ? "" : "; add to its Role: " + AccessCheck.roleLine(permission))
                    + "; docs/kubernetes.md has the Role with every permission Pilothouse uses", t);
        }
        if (code == 401) {
            return new OperationFailedException("unauthorized: the API server of context '" + context
                    + "' refused its credentials (an expired token or certificate?); renew them in your kubeconfig", t);
        }
        if (unreachable(t)) {
            return new OperationFailedException("the API server of context '" + context + "' is unreachable ("
                    + rootMessage(t) + ") while trying to " + permission + where + "; nothing more was changed", t);
        }
        return new OperationFailedException("Kubernetes refused to " + permission + where + ": "
                + (apiMessage != null ? apiMessage + " (HTTP " + code + ")" : rootMessage(t)), t);
    }

    /** No HTTP answer at all: refused, reset, timed out, no such host. */
    static boolean unreachable(Throwable t) {
        // fabric8 reports "no HTTP status" as 0 or -1
        return code(t) <= 0 && (find(t, IOException.class) != null || find(t, TimeoutException.class) != null);
    }

    static int code(Throwable t) {
        KubernetesClientException k = find(t, KubernetesClientException.class);
        return k == null ? 0 : k.getCode();
    }

    static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        String m = c.getMessage();
        return c.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /** The first of {@code t}'s chain (itself, its causes) that is a {@code type}, or null. */
    static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }
}
