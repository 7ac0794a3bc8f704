package dev.pilothouse.runtime.kubernetes;

import dev.pilothouse.runtime.LogLine;
import dev.pilothouse.runtime.LogOptions;
import dev.pilothouse.runtime.LogSubscription;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.ContainerResource;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import io.fabric8.kubernetes.client.dsl.Loggable;
import io.fabric8.kubernetes.client.dsl.TimeTailPrettyLoggable;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A container's log through the API server (fabric8's log watch): the tail, the previous
 * container's log, and following. Lines are asked for with timestamps, which fill {@link LogLine#time()}.
 */
final class PodLogs {
    private PodLogs() {
    }

    static Loggable loggable(KubernetesClient client, String namespace, String pod, String container, LogOptions o,
                             boolean timestamps) {
        ContainerResource c = client.pods().inNamespace(namespace).withName(pod).inContainer(container)
                // a crashed or finished container is never "ready": do not wait for it
                .withReadyWaitTimeout(0);
        TimeTailPrettyLoggable l = timestamps ? c.usingTimestamps() : c;
        if (o.previous()) {
            l = timestamps ? c.usingTimestamps().terminated() : c.terminated();
        }
        return o.tail() >= 0 ? l.tailingLines(o.tail()) : l;
    }

    /** Delivers the log to {@code sink}; when following, keeps delivering until the subscription is closed. */
    static LogSubscription read(KubernetesClient client, String namespace, String pod, String container, LogOptions o,
                                Consumer<List<LogLine>> sink) {
        Loggable l = loggable(client, namespace, pod, container, o, true);
        if (!o.follow() || o.previous()) {
            sink.accept(parse(l.getLog()));
            return () -> {
            };
        }
        LineSplitter out = new LineSplitter(sink);
        LogWatch watch = l.watchLog(out);
        return () -> {
            watch.close();
            out.flushRest();
        };
    }

    static List<LogLine> parse(String text) {
        List<LogLine> out = new ArrayList<>();
        if (text == null || text.isEmpty()) {
            return out;
        }
        for (String line : text.split("\n", -1)) {
            out.add(line(line));
        }
        if (!out.isEmpty() && out.get(out.size() - 1).text().isEmpty() && out.get(out.size() - 1).time() == null) {
            out.remove(out.size() - 1);
        }
        return out;
    }

    /** "2026-03-01T09:00:00.123456789Z text" as the kubelet writes it with timestamps=true. */
    static LogLine line(String raw) {
        String s = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
        int space = s.indexOf(' ');
        if (space > 0 && s.charAt(0) >= '0' && s.charAt(0) <= '9') {
            try {
                return new LogLine(Instant.parse(s.substring(0, space)), s.substring(space + 1));
            } catch (DateTimeParseException e) {
                // not a timestamp: the whole line is text
            }
        }
        return new LogLine(null, s);
    }

    /** Collects streamed bytes into lines, handing each write's complete lines over at once. */
    static final class LineSplitter extends OutputStream {
        private final Consumer<List<LogLine>> sink;
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

        LineSplitter(Consumer<List<LogLine>> sink) {
            this.sink = sink;
        }

        @Override
        public void write(int b) {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            List<LogLine> lines = new ArrayList<>();
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n') {
                    lines.add(line(partial.toString(StandardCharsets.UTF_8)));
                    partial.reset();
                } else {
                    partial.write(b[i]);
                }
            }
            if (!lines.isEmpty()) {
                sink.accept(lines);
            }
        }

        synchronized void flushRest() {
            if (partial.size() > 0) {
                sink.accept(List.of(line(partial.toString(StandardCharsets.UTF_8))));
                partial.reset();
            }
        }
    }
}
