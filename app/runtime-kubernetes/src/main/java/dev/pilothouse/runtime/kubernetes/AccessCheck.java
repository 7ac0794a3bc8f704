package dev.pilothouse.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * Asks the API server, with SelfSubjectAccessReviews, whether the kubeconfig's user may do
 * everything the runtime does in a namespace. The list is exactly what the code uses; the Role in
 * the README, docs/kubernetes.md and packaging/kubernetes/role.yaml grants the same (a test holds
 * them to {@link #ROLE}).
 *
 * <p>Only the {@link #OBSERVE} permissions are needed to see sessions (list, adopt, show, events):
 * without them the runtime is blind and the context is forbidden. Any other missing permission
 * refuses only the operations that use it ({@link #refusal}).
 */
final class AccessCheck {
    /** One RBAC permission: a verb on a resource (and subresource) of an API group. */
    record Permission(String verb, String group, String resource, String subresource) {
        /** "create pods/portforward", "list events": how RBAC and the operator say it. */
        String describe() {
            return verb + " " + resource + (subresource == null ? "" : "/" + subresource)
                    + (group.isEmpty() ? "" : "." + group);
        }
    }

    static final List<Permission> NEEDED = List.of(
            new Permission("get", "", "pods", null),
            new Permission("list", "", "pods", null),
            new Permission("watch", "", "pods", null),
            new Permission("create", "", "pods", null),
            new Permission("patch", "", "pods", null),
            new Permission("delete", "", "pods", null),
            new Permission("get", "", "pods", "log"),
            // port-forward is a websocket upgrade: API servers before 1.30 authorize it as "get",
            // later ones as "create"; the Role grants both and the check asks for "create"
            new Permission("create", "", "pods", "portforward"),
            new Permission("get", "", "persistentvolumeclaims", null),
            new Permission("list", "", "persistentvolumeclaims", null),
            new Permission("watch", "", "persistentvolumeclaims", null),
            new Permission("create", "", "persistentvolumeclaims", null),
            new Permission("patch", "", "persistentvolumeclaims", null),
            new Permission("delete", "", "persistentvolumeclaims", null),
            // the agents' tokens: one immutable Secret per session, replaced (deleted, created) with its pod
            new Permission("get", "", "secrets", null),
            new Permission("create", "", "secrets", null),
            new Permission("delete", "", "secrets", null),
            new Permission("get", "networking.k8s.io", "networkpolicies", null),
            new Permission("create", "networking.k8s.io", "networkpolicies", null),
            new Permission("delete", "networking.k8s.io", "networkpolicies", null),
            // why a pod waits (FailedScheduling, BackOff, FailedMount...), into the session's history
            new Permission("list", "", "events", null),
            new Permission("watch", "", "events", null),
            // the workspace browser (and volume sizes) run commands in a pod
            new Permission("create", "", "pods", "exec"));

    /** What the informers need to see sessions at all: without these the context is forbidden. */
    static final List<String> OBSERVE = List.of("list pods", "watch pods", "list persistentvolumeclaims",
            "watch persistentvolumeclaims");

    /**
     * Granted by the Role though not asked for: websocket upgrades that API servers before 1.30
     * authorize as "get", and the optional metrics (without them usage says why there is none).
     */
    static final List<Permission> ALSO_GRANTED = List.of(
            new Permission("get", "", "pods", "portforward"),
            new Permission("get", "", "pods", "exec"),
            new Permission("get", "metrics.k8s.io", "pods", null));

    /** Every permission the minimal Role grants: what is checked, and what is granted besides. */
    static final List<Permission> ROLE = java.util.stream.Stream.concat(NEEDED.stream(), ALSO_GRANTED.stream()).toList();

    /** Whether the user is blind without these missing permissions (as {@link Permission#describe} says them). */
    static boolean blind(List<String> missing) {
        return missing.stream().anyMatch(OBSERVE::contains);
    }

    /**
     * The Role's rule for the resource a permission is on, with every verb it grants there, as
     * one line of YAML: {@code {apiGroups: [""], resources: [secrets], verbs: [get, create, delete]}}.
     */
    static String roleLine(String permission) {
        Permission p = ROLE.stream().filter(r -> r.describe().equals(permission)).findFirst().orElse(null);
        if (p == null) {
            return null;
        }
        List<String> verbs = ROLE.stream().filter(r -> r.group().equals(p.group()) && r.resource().equals(p.resource())
                && java.util.Objects.equals(r.subresource(), p.subresource())).map(Permission::verb).distinct().toList();
        return "{apiGroups: [\"" + p.group() + "\"], resources: [" + p.resource()
                + (p.subresource() == null ? "" : "/" + p.subresource()) + "], verbs: [" + String.join(", ", verbs) + "]}";
    }

    /**
     * Why {@code doing} is refused when some of the permissions it uses are missing, naming them and
     * the Role lines that grant them; null when none is missing.
     */
    static String refusal(String doing, String context, String namespace, List<String> missing, String... uses) {
        List<String> lacking = java.util.Arrays.stream(uses).filter(missing::contains).toList();
        if (lacking.isEmpty()) {
            return null;
        }
        List<String> lines = lacking.stream().map(AccessCheck::roleLine).filter(java.util.Objects::nonNull).distinct().toList();
        return "cannot " + doing + ": context '" + context + "' is missing " + String.join(", ", lacking)
                + " in namespace " + namespace + "; add to its Role: " + String.join(" and ", lines)
                + " (the README's minimal Role has every line)";
    }

    private AccessCheck() {
    }

    /** The permissions the user lacks in the namespace, described; empty when all are granted. */
    static List<String> missing(KubernetesClient client, String namespace, ExecutorService pool) {
        List<CompletableFuture<String>> asks = new ArrayList<>();
        for (Permission p : NEEDED) {
            asks.add(CompletableFuture.supplyAsync(() -> allowed(client, namespace, p) ? null : p.describe(), pool));
        }
        List<String> out = new ArrayList<>();
        for (CompletableFuture<String> a : asks) {
            String m = a.join();
            if (m != null) {
                out.add(m);
            }
        }
        return out;
    }

    private static boolean allowed(KubernetesClient client, String namespace, Permission p) {
        SelfSubjectAccessReview review = new SelfSubjectAccessReviewBuilder()
                .withNewMetadata().endMetadata()
                .withNewSpec()
                .withNewResourceAttributes()
                .withNamespace(namespace)
                .withVerb(p.verb())
                .withGroup(p.group())
                .withResource(p.resource())
                .withSubresource(p.subresource())
                .endResourceAttributes()
                .endSpec()
                .build();
        SelfSubjectAccessReview answer = client.authorization().v1().selfSubjectAccessReview().create(review);
        return answer.getStatus() != null && Boolean.TRUE.equals(answer.getStatus().getAllowed());
    }
}
