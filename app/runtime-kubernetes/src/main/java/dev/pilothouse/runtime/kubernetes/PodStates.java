package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.runtime.AgentStatus;
import dev.pilothouse.session.Phase;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a session's pod (and PVC) say about its agents, in the engine's words: a container being
 * created is RUNNING (coming up), a terminated one EXITED, and the states Kubernetes would keep
 * retrying without hope (image pulls, crash loops, bad configuration, OOM, unschedulable past the
 * deadline) FAILED with Kubernetes' reason and message.
 */
final class PodStates {
    /** Waiting reasons that mean the container will not start without someone changing something. */
    static final Set<String> FATAL_WAITING = Set.of("ErrImagePull", "ImagePullBackOff", "CrashLoopBackOff",
            "CreateContainerConfigError", "CreateContainerError", "InvalidImageName", "RunContainerError",
            "ErrImageNeverPull");

    private PodStates() {
    }

    /** The agents' statuses, the phase seen, and the first failure, if any. */
    record View(List<AgentStatus> agents, Phase phase, AgentStatus failure) {
    }

    /**
     * @param lostPod why the pod is gone when someone else deleted it, else null
     */
    static View of(String sessionId, Pod pod, PersistentVolumeClaim pvc, boolean volumeExpected, List<String> agents,
                   String lostPod, Instant now, Duration unschedulableDeadline) {
        List<AgentStatus> out = new ArrayList<>();
        if (pod == null || pod.getMetadata().getDeletionTimestamp() != null) {
            String why = lostPod != null ? lostPod : pod == null ? null : "its pod is being deleted";
            agents.forEach(a -> out.add(new AgentStatus(a, AgentStatus.Kind.STOPPED, null, why)));
            return new View(out, null, null);
        }
        String volumeGone = volumeExpected && (pvc == null || pvc.getMetadata().getDeletionTimestamp() != null)
                ? "VolumeLost: the session's PVC " + ObjectNames.of(sessionId) + " was deleted; its workspace is gone"
                : null;
        var status = pod.getStatus();
        String podPhase = status == null ? null : status.getPhase();
        if ("Failed".equals(podPhase) && "DeadlineExceeded".equals(status.getReason())) {
            // activeDeadlineSeconds (the TTL) ended the pod: a clean stop, as an agent's own idle exit is
            String d = "the pod reached its activeDeadlineSeconds (the session's TTL): " + status.getMessage();
            agents.forEach(a -> out.add(new AgentStatus(a, AgentStatus.Kind.EXITED, 0, d)));
            return new View(out, null, null);
        }
        if ("Failed".equals(podPhase) && status.getContainerStatuses().isEmpty()) {
            String d = reason(status.getReason(), status.getMessage());
            agents.forEach(a -> out.add(new AgentStatus(a, AgentStatus.Kind.FAILED, null, d)));
            return new View(out, null, out.get(0));
        }
        if ("Unknown".equals(podPhase)) {
            String d = "Kubernetes lost contact with the pod's node: " + reason(status.getReason(), status.getMessage());
            agents.forEach(a -> out.add(new AgentStatus(a, AgentStatus.Kind.UNKNOWN, null, d)));
            return new View(out, null, null);
        }
        Optional<PodCondition> unscheduled = condition(pod, "PodScheduled")
                .filter(c -> "False".equals(c.getStatus()) && "Unschedulable".equals(c.getReason()));
        if (unscheduled.isPresent()) {
            Instant since = parse(unscheduled.get().getLastTransitionTime(), parse(pod.getMetadata().getCreationTimestamp(), now));
            Duration waited = Duration.between(since, now);
            if (waited.compareTo(unschedulableDeadline) >= 0) {
                String d = reason("Unschedulable", unscheduled.get().getMessage()) + " (for " + waited.toSeconds()
                        + " s; the deadline is " + unschedulableDeadline.toSeconds() + " s)";
                agents.forEach(a -> out.add(new AgentStatus(a, AgentStatus.Kind.FAILED, null, d)));
                return new View(out, Phase.PENDING, out.get(0));
            }
            agents.forEach(a -> out.add(AgentStatus.running(a)));
            return new View(out, Phase.PENDING, null);
        }
        boolean scheduled = condition(pod, "PodScheduled").map(c -> "True".equals(c.getStatus())).orElse(false)
                || pod.getSpec() != null && pod.getSpec().getNodeName() != null;
        boolean allRunning = true;
        AgentStatus failure = null;
        for (String a : agents) {
            ContainerStatus cs = status == null ? null : status.getContainerStatuses().stream()
                    .filter(c -> c.getName().equals(a)).findFirst().orElse(null);
            AgentStatus st = container(a, cs, volumeGone);
            if (st.kind() == AgentStatus.Kind.FAILED && failure == null) {
                failure = st;
            }
            allRunning &= st.kind() == AgentStatus.Kind.RUNNING && cs != null && cs.getState() != null
                    && cs.getState().getRunning() != null;
            out.add(st);
        }
        Phase phase = !scheduled ? Phase.PENDING : allRunning && "Running".equals(podPhase) ? Phase.RUNNING : Phase.INITIALIZING;
        return new View(out, phase, failure);
    }

    private static AgentStatus container(String agent, ContainerStatus cs, String volumeGone) {
        if (volumeGone != null) {
            return new AgentStatus(agent, AgentStatus.Kind.FAILED, null, volumeGone);
        }
        if (cs == null || cs.getState() == null) {
            return AgentStatus.running(agent);
        }
        ContainerStateWaiting w = cs.getState().getWaiting();
        if (w != null && FATAL_WAITING.contains(w.getReason())) {
            String d = reason(w.getReason(), w.getMessage());
            ContainerStateTerminated last = cs.getLastState() == null ? null : cs.getLastState().getTerminated();
            Integer code = null;
            if (last != null) {
                code = last.getExitCode();
                d += " (restarted " + cs.getRestartCount() + " times; last exit " + last.getExitCode()
                        + (last.getReason() == null ? "" : " " + last.getReason()) + ")"
                        + (last.getMessage() == null || last.getMessage().isBlank() ? "" : "; last log lines:\n" + last.getMessage().strip());
            }
            return new AgentStatus(agent, AgentStatus.Kind.FAILED, code, d);
        }
        ContainerStateTerminated t = cs.getState().getTerminated();
        if (t != null) {
            String log = t.getMessage() == null ? "" : t.getMessage().strip();
            if ("OOMKilled".equals(t.getReason())) {
                return new AgentStatus(agent, AgentStatus.Kind.FAILED, t.getExitCode(),
                        "OOMKilled: the container exceeded its memory limit (exit " + t.getExitCode() + ")"
                                + (log.isEmpty() ? "" : "; last log lines:\n" + log));
            }
            return new AgentStatus(agent, AgentStatus.Kind.EXITED, t.getExitCode(), log);
        }
        return AgentStatus.running(agent);
    }

    /** Whether every agent's container runs and is ready: the agents answer /healthz. */
    static boolean ready(Pod pod, String agent) {
        if (pod == null || pod.getStatus() == null || pod.getMetadata().getDeletionTimestamp() != null
                || !"Running".equals(pod.getStatus().getPhase())) {
            return false;
        }
        return pod.getStatus().getContainerStatuses().stream().anyMatch(c -> c.getName().equals(agent)
                && Boolean.TRUE.equals(c.getReady()) && c.getState() != null && c.getState().getRunning() != null);
    }

    private static Optional<PodCondition> condition(Pod pod, String type) {
        return pod.getStatus() == null ? Optional.empty()
                : pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    static String reason(String reason, String message) {
        String r = reason == null || reason.isBlank() ? "Failed" : reason;
        return message == null || message.isBlank() ? r : r + ": " + message.strip();
    }

    private static Instant parse(String time, Instant fallback) {
        try {
            return time == null ? fallback : Instant.parse(time);
        } catch (RuntimeException e) {
            return fallback;
        }
    }
}
