package dev.pilothouse.runtime.kubernetes;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What the kubelet keeps of its containers' output, as a container runtime does: one log per run
 * of a container, each line stamped when it was written; the current run's log and the previous
 * one's (what {@code previous=true} reads). A log ends when its container exits; readers that
 * follow it are told, as the API server ends a {@code follow=true} stream then.
 */
final class ContainerLogs {
    record Line(Instant time, String text) {
    }

    /** Someone following a log: new lines as they are written, then the end. */
    interface Follower {
        void lines(List<Line> lines);

        void ended();
    }

    /** The log of one run of a container. */
    static final class Log {
        private final List<Line> lines = new ArrayList<>();
        private final List<Follower> followers = new CopyOnWriteArrayList<>();
        private boolean ended;

        void append(String text) {
            append(text, Instant.now());
        }

        /** A line the container runtime stamped {@code at}. */
        void append(String text, Instant at) {
            List<Follower> to;
            Line l = new Line(at, text);
            synchronized (this) {
                if (ended) {
                    return;
                }
                lines.add(l);
                to = List.copyOf(followers);
            }
            to.forEach(f -> f.lines(List.of(l)));
        }

        /** The container exited: nothing more is written, followers' streams end. */
        void end() {
            List<Follower> to;
            synchronized (this) {
                if (ended) {
                    return;
                }
                ended = true;
                to = List.copyOf(followers);
                followers.clear();
            }
            to.forEach(Follower::ended);
        }

        synchronized boolean ended() {
            return ended;
        }

        synchronized List<Line> lines() {
            return List.copyOf(lines);
        }

        /**
         * The last {@code tail} lines (all when negative) written at or after {@code since} (all when null) now; with {@code follow}, every later line
         * and the end. Returns how to stop following.
         */
        Runnable read(int tail, Instant since, boolean follow, Follower to) {
            List<Line> now;
            boolean over;
            synchronized (this) {
                List<Line> from = since == null ? lines : lines.stream().filter(l -> !l.time().isBefore(since)).toList();
                now = tail < 0 ? List.copyOf(from) : List.copyOf(from.subList(Math.max(0, from.size() - tail), from.size()));
                over = ended || !follow;
                if (!over) {
                    followers.add(to);
                }
            }
            if (!now.isEmpty()) {
                to.lines(now);
            }
            if (over) {
                to.ended();
                return () -> {
                };
            }
            return () -> followers.remove(to);
        }
    }

    /** By "namespace/pod/container": every run, oldest first. */
    private final Map<String, Deque<Log>> runs = new ConcurrentHashMap<>();

    private static String key(String ns, String pod, String container) {
        return ns + "/" + pod + "/" + container;
    }

    /** A container (re)starts: a new log, and the one before becomes the previous run's. */
    Log start(String ns, String pod, String container) {
        Log l = new Log();
        Deque<Log> d = runs.computeIfAbsent(key(ns, pod, container), k -> new ConcurrentLinkedDeque<>());
        Log last = d.peekLast();
        if (last != null) {
            last.end();
        }
        d.addLast(l);
        while (d.size() > 2) {
            d.pollFirst();
        }
        return l;
    }

    /** The current run's log, or null when the container never started. */
    Log current(String ns, String pod, String container) {
        Deque<Log> d = runs.get(key(ns, pod, container));
        return d == null ? null : d.peekLast();
    }

    /** The previous run's log, or null when the container has not restarted. */
    Log previous(String ns, String pod, String container) {
        Deque<Log> d = runs.get(key(ns, pod, container));
        if (d == null || d.size() < 2) {
            return null;
        }
        List<Log> all = new ArrayList<>(d);
        return all.get(all.size() - 2);
    }

    /** The pod is gone: its containers' logs end and are forgotten, as the kubelet removes them. */
    void podGone(String ns, String pod) {
        String prefix = ns + "/" + pod + "/";
        runs.entrySet().removeIf(e -> {
            if (e.getKey().startsWith(prefix)) {
                e.getValue().forEach(Log::end);
                return true;
            }
            return false;
        });
    }
}
