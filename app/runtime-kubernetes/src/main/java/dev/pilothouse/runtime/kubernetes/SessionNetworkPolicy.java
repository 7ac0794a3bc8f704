package dev.pilothouse.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A session's NetworkPolicy: nothing may connect to its pods (the engine reaches agents through
 * the API server's port-forward, which no policy governs), and they may connect only to the
 * configured CIDRs, less the blocked ones (the cloud metadata addresses by default).
 */
final class SessionNetworkPolicy {
    private SessionNetworkPolicy() {
    }

    static NetworkPolicy build(String sessionId, String namespace, KubernetesSettings st) {
        List<NetworkPolicyPeer> to = new ArrayList<>();
        for (String allowed : st.egressAllowed()) {
            Cidr block = Cidr.parse(allowed);
            List<String> except = st.egressBlocked().stream()
                    .filter(b -> block.strictlyContains(Cidr.parse(b))).toList();
            to.add(new NetworkPolicyPeerBuilder().withIpBlock(new IPBlock(allowed, except)).build());
        }
        var spec = new NetworkPolicyBuilder()
                .withNewMetadata()
                .withName(ObjectNames.of(sessionId))
                .withNamespace(namespace)
                .withLabels(Map.of(ObjectNames.MANAGED_BY, ObjectNames.MANAGER, ObjectNames.SESSION, ObjectNames.label(sessionId)))
                .endMetadata()
                .withNewSpec()
                .withNewPodSelector()
                .withMatchLabels(Map.of(ObjectNames.MANAGED_BY, ObjectNames.MANAGER, ObjectNames.SESSION, ObjectNames.label(sessionId)))
                .endPodSelector()
                .withPolicyTypes("Ingress", "Egress")
                .withIngress(List.of());
        if (to.isEmpty()) {
            spec.withEgress(List.of());
        } else {
            spec.addNewEgress().withTo(to).endEgress();
        }
        return spec.endSpec().build();
    }
}
