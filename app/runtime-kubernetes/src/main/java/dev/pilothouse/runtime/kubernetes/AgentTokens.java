package dev.pilothouse.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The agents' tokens (what an agent asks of every request to it) in a Secret of their own, one
 * per session, named as the session's other objects: not in the pod's annotations, which anyone
 * allowed to {@code get pods} reads. Containers get theirs through {@code secretKeyRef}; the
 * engine (of any workstation) reads the Secret to reach an agent. The Secret belongs to the
 * session's PVC (an owner reference), so it goes with the volume even if Pilothouse does not
 * delete it itself; it is immutable, and replaced (deleted and created) when the pod is.
 */
final class AgentTokens {
    static final String ENV = "PILOTHOUSE_AGENT_TOKEN";

    private AgentTokens() {
    }

    static Secret build(String sessionId, String namespace, Map<String, String> tokens, PersistentVolumeClaim owner) {
        Map<String, String> data = new LinkedHashMap<>();
        tokens.forEach((agent, token) -> data.put(agent, Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8))));
        SecretBuilder b = new SecretBuilder()
                .withNewMetadata()
                .withName(ObjectNames.of(sessionId))
                .withNamespace(namespace)
                .withLabels(ObjectNames.labels(sessionId, ObjectNames.ROLE_TOKENS))
                .endMetadata()
                .withType("Opaque")
                .withImmutable(true)
                .withData(data);
        if (owner != null && owner.getMetadata().getUid() != null) {
            b.editMetadata().addNewOwnerReference().withApiVersion("v1").withKind("PersistentVolumeClaim")
                    .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid()).endOwnerReference()
                    .endMetadata();
        }
        return b.build();
    }

    /** The tokens in a Secret, by agent. */
    static Map<String, String> read(Secret s) {
        Map<String, String> out = new LinkedHashMap<>();
        if (s != null && s.getData() != null) {
            s.getData().forEach((k, v) -> out.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        if (s != null && s.getStringData() != null) {
            out.putAll(s.getStringData());
        }
        return out;
    }

    /** The container's token variable: a reference to its key in the session's Secret, never the value. */
    static EnvVar env(String sessionId, String agent) {
        return new EnvVarBuilder().withName(ENV).withNewValueFrom().withNewSecretKeyRef()
                .withName(ObjectNames.of(sessionId)).withKey(agent).withOptional(false)
                .endSecretKeyRef().endValueFrom().build();
    }
}
