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
 * docs/kubernetes.md grants the same.
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
            new Permission("watch", "", "events", null));

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
