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
 * created is RUNNING (coming up), and so is one that exited and that the kubelet restarts (the
 * pod's restart policy: restarts are Kubernetes' business, not a session failure); one that ended
 * for good EXITED; and what Kubernetes itself calls a failure (image pulls, crash loops, bad
 * configuration, OOM kills in a row, unschedulable past the deadline, the pod Failed) FAILED with
 * Kubernetes' reason and message.
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
                   String lostPod, Instant now, Duration unschedulableDeadline, Duration pullDeadline) {
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
        if ("Failed".equals(podPhase)) {
            // Kubernetes gave up on the pod (evicted, node lost, a container that may not restart failed)
            String d = reason(status.getReason(), status.getMessage());
            for (String a : agents) {
                ContainerStateTerminated t = status.getContainerStatuses().stream().filter(c -> c.getName().equals(a))
                        .map(c -> c.getState() == null ? null : c.getState().getTerminated()).filter(x -> x != null)
                        .findFirst().orElse(null);
                String log = t == null || t.getMessage() == null || t.getMessage().isBlank() ? ""
                        : "; last log lines:\n" + t.getMessage().strip();
                out.add(new AgentStatus(a, AgentStatus.Kind.FAILED, t == null ? null : t.getExitCode(),
                        "pod " + pod.getMetadata().getName() + " Failed: " + d + (t == null ? "" : " (container " + termination(t) + ")") + log));
            }
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
        boolean scheduled = scheduled(pod);
        boolean allRunning = true;
        AgentStatus failure = null;
        for (String a : agents) {
            ContainerStatus cs = containerStatus(pod, a);
            AgentStatus st = container(pod, a, cs, volumeGone);
            if (st.kind() == AgentStatus.Kind.FAILED && failure == null) {
                failure = st;
            }
            allRunning &= st.kind() == AgentStatus.Kind.RUNNING && cs != null && cs.getState() != null
                    && cs.getState().getRunning() != null;
            out.add(st);
        }
        Phase phase = !scheduled ? Phase.PENDING : allRunning && "Running".equals(podPhase) ? Phase.RUNNING : Phase.INITIALIZING;
        if (failure == null && scheduled) {
            Duration waited = Duration.between(scheduledAt(pod, now), now);
            if (waited.compareTo(pullDeadline) >= 0) {
                for (int i = 0; i < out.size(); i++) {
                    ContainerStatus cs = containerStatus(pod, out.get(i).agent());
                    if (neverRan(cs)) {
                        String waiting = cs == null || cs.getState() == null || cs.getState().getWaiting() == null ? "not created"
                                : reason(cs.getState().getWaiting().getReason(), cs.getState().getWaiting().getMessage());
                        out.set(i, new AgentStatus(out.get(i).agent(), AgentStatus.Kind.FAILED, null, "StartTimeout: its container "
                                + "did not run within " + pullDeadline.toSeconds() + " s of the pod being scheduled (still "
                                + waiting + "; kubernetes.yaml pullDeadlineSeconds is the limit)"));
                        failure = failure == null ? out.get(i) : failure;
                    }
                }
            }
        }
        return new View(out, phase, failure);
    }

    /**
     * The view with the pull error added where an agent failed in ImagePullBackOff, whose own
     * message ("Back-off pulling image X") leaves out why the pull failed: from the pod's Events
     * ("Failed to pull image X: rpc error: code = NotFound ..."), else from the ErrImagePull
     * message its container showed before. {@code pullError} gives it by agent, or null.
     */
    static View withPullErrors(View v, java.util.function.Function<String, String> pullError) {
        if (v.failure() == null && v.agents().stream().noneMatch(a -> a.kind() == AgentStatus.Kind.FAILED)) {
            return v;
        }
        List<AgentStatus> out = new ArrayList<>();
        AgentStatus failure = v.failure();
        for (AgentStatus a : v.agents()) {
            String error = a.kind() == AgentStatus.Kind.FAILED && a.detail() != null
                    && a.detail().startsWith("ImagePullBackOff") ? pullError.apply(a.agent()) : null;
            AgentStatus next = error == null || a.detail().contains(error) ? a
                    : new AgentStatus(a.agent(), a.kind(), a.exitCode(), a.detail() + " (the pull failed: " + error + ")");
            if (a == v.failure()) {
                failure = next;
            }
            out.add(next);
        }
        return new View(out, v.phase(), failure);
    }

    /** The newest "Failed to pull image" Event about the agent's container, its message; or null. */
    static String pullErrorEvent(List<io.fabric8.kubernetes.api.model.Event> events, String agent) {
        String field = "spec.containers{" + agent + "}";
        return events.stream()
                .filter(e -> "Failed".equals(e.getReason()) && e.getMessage() != null && e.getMessage().startsWith("Failed to pull image")
                        && (e.getInvolvedObject().getFieldPath() == null || field.equals(e.getInvolvedObject().getFieldPath())))
                .max(java.util.Comparator.comparing((io.fabric8.kubernetes.api.model.Event e) -> StartProgress.eventTime(e, Instant.MIN)))
                .map(e -> e.getMessage().strip()).orElse(null);
    }

    /** Whether the pod was placed on a node. */
    static boolean scheduled(Pod pod) {
        return condition(pod, "PodScheduled").map(c -> "True".equals(c.getStatus())).orElse(false)
                || pod.getSpec() != null && pod.getSpec().getNodeName() != null;
    }

    /** When the pod was placed on a node (else when it was created): the pull deadline counts from there. */
    static Instant scheduledAt(Pod pod, Instant now) {
        Instant created = parse(pod.getMetadata().getCreationTimestamp(), now);
        return condition(pod, "PodScheduled").filter(c -> "True".equals(c.getStatus()))
                .map(c -> parse(c.getLastTransitionTime(), created)).orElse(created);
    }

    /** A container still coming up for the first time: images pulled, volumes mounted, created. */
    static boolean neverRan(ContainerStatus cs) {
        if (cs == null || cs.getState() == null) {
            return true;
        }
        boolean ranBefore = cs.getRestartCount() != null && cs.getRestartCount() > 0
                || cs.getLastState() != null && cs.getLastState().getTerminated() != null;
        return cs.getState().getWaiting() != null && !ranBefore;
    }

    static ContainerStatus containerStatus(Pod pod, String agent) {
        return pod.getStatus() == null ? null : pod.getStatus().getContainerStatuses().stream()
                .filter(c -> c.getName().equals(agent)).findFirst().orElse(null);
    }

    private static AgentStatus container(Pod pod, String agent, ContainerStatus cs, String volumeGone) {
        if (volumeGone != null) {
            return new AgentStatus(agent, AgentStatus.Kind.FAILED, null, volumeGone);
        }
        if (cs == null || cs.getState() == null) {
            return AgentStatus.running(agent);
        }
        ContainerStateWaiting w = cs.getState().getWaiting();
        ContainerStateTerminated last = cs.getLastState() == null ? null : cs.getLastState().getTerminated();
        if (w != null && FATAL_WAITING.contains(w.getReason())) {
            String d = reason(w.getReason(), w.getMessage());
            Integer code = null;
            if (last != null) {
                code = last.getExitCode();
                if ("OOMKilled".equals(last.getReason())) {
                    d = "OOMKilled: the container exceeded its memory limit again and again (exit " + code + "); " + d;
                }
                d += " (restarted " + times(cs.getRestartCount()) + "; last exit " + last.getExitCode()
                        + (last.getReason() == null ? "" : " " + last.getReason()) + ")"
                        + (last.getMessage() == null || last.getMessage().isBlank() ? "" : "; last log lines:\n" + last.getMessage().strip());
            }
            return new AgentStatus(agent, AgentStatus.Kind.FAILED, code, d);
        }
        ContainerStateTerminated t = cs.getState().getTerminated();
        if (t != null) {
            String log = t.getMessage() == null ? "" : t.getMessage().strip();
            boolean oom = "OOMKilled".equals(t.getReason());
            if (oom && last != null && "OOMKilled".equals(last.getReason())) {
                return new AgentStatus(agent, AgentStatus.Kind.FAILED, t.getExitCode(),
                        "OOMKilled: the container exceeded its memory limit again and again (exit " + t.getExitCode()
                                + ", restarted " + times(cs.getRestartCount()) + ")" + (log.isEmpty() ? "" : "; last log lines:\n" + log));
            }
            if (restarts(pod, t)) {
                // the kubelet restarts it (the pod's restart policy): its business, not a failure of the session
                return new AgentStatus(agent, AgentStatus.Kind.RUNNING, null, "restarting: its container exited ("
                        + termination(t) + ")" + (oom ? ": it exceeded its memory limit" : ""));
            }
            return new AgentStatus(agent, AgentStatus.Kind.EXITED, t.getExitCode(), log);
        }
        if (w != null && last != null) {
            return new AgentStatus(agent, AgentStatus.Kind.RUNNING, null, "restarting (" + reason(w.getReason(), w.getMessage())
                    + "): its container exited (" + termination(last) + ")");
        }
        return AgentStatus.running(agent);
    }

    /**
     * Whether the agent's container exited or was restarted since {@code since} (a second's
     * leeway for the node's clock), in words: "its container exited (exit 137, Error) at ...; the
     * kubelet restarts it" or "its container was restarted by the kubelet (restart 2) after ...".
     */
    static Optional<String> containerWentDown(Pod pod, String agent, Instant since) {
        ContainerStatus cs = pod == null || pod.getStatus() == null ? null : pod.getStatus().getContainerStatuses().stream()
                .filter(c -> c.getName().equals(agent)).findFirst().orElse(null);
        if (cs == null || cs.getState() == null) {
            return Optional.empty();
        }
        Instant after = since.minusSeconds(1);
        ContainerStateTerminated now = cs.getState().getTerminated();
        if (now != null && !parse(now.getFinishedAt(), Instant.MAX).isBefore(after)) {
            return Optional.of("its container exited (" + termination(now) + ")" + (restarts(pod, now) ? "; the kubelet restarts it" : ""));
        }
        ContainerStateTerminated last = cs.getLastState() == null ? null : cs.getLastState().getTerminated();
        if (last != null && !parse(last.getFinishedAt(), Instant.MIN).isBefore(after)) {
            return Optional.of("its container " + (cs.getState().getRunning() != null ? "was restarted by the kubelet"
                    : "is being restarted by the kubelet") + " (restart " + cs.getRestartCount() + ") after it exited ("
                    + termination(last) + ")");
        }
        return Optional.empty();
    }

    /** "1 time", "3 times": how often a container was restarted, as people write it. */
    static String times(Integer n) {
        int count = n == null ? 0 : n;
        return count + (count == 1 ? " time" : " times");
    }

    /** "exit 137, Error, at 2026-...Z" (a kill by signal named), with the kubelet's reason. */
    static String termination(ContainerStateTerminated t) {
        int code = t.getExitCode() == null ? -1 : t.getExitCode();
        String signal = code == 137 ? " (SIGKILL)" : code == 143 ? " (SIGTERM)" : "";
        return "exit " + code + signal + (t.getReason() == null ? "" : ", " + t.getReason())
                + (t.getFinishedAt() == null ? "" : ", at " + t.getFinishedAt());
    }

    /** Whether the kubelet restarts a container that ended so, by the pod's restart policy. */
    static boolean restarts(Pod pod, ContainerStateTerminated t) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        if ("Failed".equals(phase) || "Succeeded".equals(phase)) {
            return false;
        }
        String policy = pod.getSpec() == null || pod.getSpec().getRestartPolicy() == null ? "Always"
                : pod.getSpec().getRestartPolicy();
        return policy.equals("Always") || policy.equals("OnFailure") && t.getExitCode() != null && t.getExitCode() != 0;
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

    static Instant parse(String time, Instant fallback) {
        try {
            return time == null ? fallback : Instant.parse(time);
        } catch (RuntimeException e) {
            return fallback;
        }
    }
}
