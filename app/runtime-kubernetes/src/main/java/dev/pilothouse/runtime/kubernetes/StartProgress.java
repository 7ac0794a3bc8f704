package dev.pilothouse.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What a starting pod waits for, in an operator's words and with how long it has waited: a node,
 * an image pull ({@code pulling image "x" (45 s)}), a volume, its containers, or the agents'
 * {@code /healthz}. Read from the pod's status and its Events: the kubelet says "ContainerCreating"
 * for all of these, and only its Events tell a slow pull from a volume that will not mount.
 */
final class StartProgress {
    private StartProgress() {
    }

    /** Empty when the pod is gone or its agents run and are ready. */
    static Optional<String> of(Pod pod, List<Event> events, Instant now) {
        if (pod == null || pod.getStatus() == null || pod.getMetadata().getDeletionTimestamp() != null) {
            return Optional.empty();
        }
        if (!PodStates.scheduled(pod)) {
            Instant created = PodStates.parse(pod.getMetadata().getCreationTimestamp(), now);
            Optional<Event> why = latest(events, null, "FailedScheduling");
            return Optional.of("waiting for a node (" + seconds(created, now) + ")"
                    + why.map(e -> ": " + e.getMessage().strip()).orElse(""));
        }
        List<String> steps = new ArrayList<>();
        Instant started = null;
        int running = 0;
        boolean ready = true;
        for (Container c : pod.getSpec().getContainers()) {
            ContainerStatus cs = PodStates.containerStatus(pod, c.getName());
            if (cs != null && cs.getState() != null && cs.getState().getRunning() != null) {
                Instant at = PodStates.parse(cs.getState().getRunning().getStartedAt(), now);
                started = started == null || at.isAfter(started) ? at : started;
                running++;
                ready &= Boolean.TRUE.equals(cs.getReady());
                continue;
            }
            if (!PodStates.neverRan(cs)) {
                continue; // restarting: the kubelet's back-off, told by the agent's status
            }
            String field = "spec.containers{" + c.getName() + "}";
            Optional<Event> pulling = latest(events, field, "Pulling");
            // Events carry whole seconds: a pull that ended in the second it began has ended
            Instant pullStarted = pulling.map(e -> eventTime(e, now)).orElse(null);
            if (pullStarted != null && events.stream().noneMatch(e -> isAbout(e, field) && !"Pulling".equals(e.getReason())
                    && !eventTime(e, Instant.MIN).isBefore(pullStarted))) {
                steps.add("pulling image \"" + c.getImage() + "\" (" + seconds(pullStarted, now) + ")");
            }
        }
        if (!steps.isEmpty()) {
            return Optional.of(String.join("; ", steps));
        }
        if (running == pod.getSpec().getContainers().size()) {
            return ready ? Optional.empty()
                    : Optional.of("waiting for the agents to answer /healthz (" + seconds(started == null ? now : started, now) + ")");
        }
        // a volume that will not mount, a missing secret: the pod's latest warning says which
        Optional<Event> warning = events.stream().filter(e -> "Warning".equals(e.getType()))
                .max(Comparator.comparing(e -> eventTime(e, now)));
        return Optional.of("creating containers (" + seconds(PodStates.scheduledAt(pod, now), now) + ")"
                + warning.map(e -> ": " + e.getReason() + (e.getMessage() == null ? "" : ": " + e.getMessage().strip())).orElse(""));
    }

    /** The latest event about a field of the pod (null: any), of one reason. */
    private static Optional<Event> latest(List<Event> events, String fieldPath, String reason) {
        return events.stream().filter(e -> fieldPath == null || isAbout(e, fieldPath)).filter(e -> reason.equals(e.getReason()))
                .max(Comparator.comparing(e -> eventTime(e, Instant.MIN)));
    }

    private static boolean isAbout(Event e, String fieldPath) {
        return e.getInvolvedObject() != null && fieldPath.equals(e.getInvolvedObject().getFieldPath());
    }

    /** When an Event last happened, by whichever time its reporter filled in. */
    static Instant eventTime(Event e, Instant fallback) {
        for (String t : new String[]{e.getLastTimestamp(), e.getEventTime() == null ? null : e.getEventTime().getTime(),
                e.getFirstTimestamp(), e.getMetadata() == null ? null : e.getMetadata().getCreationTimestamp()}) {
            Instant at = PodStates.parse(t, null);
            if (at != null) {
                return at;
            }
        }
        return fallback;
    }

    private static String seconds(Instant since, Instant now) {
        return Math.max(0, Duration.between(since, now).toSeconds()) + " s";
    }
}
