package dev.pilothouse.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.pilothouse.agent.AgentDefinition;
import dev.pilothouse.agent.AgentJson;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.AuditEvent;
import dev.pilothouse.session.Message;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionAgent;
import dev.pilothouse.session.SessionJson;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Prints results as an aligned table for people, or as JSON / YAML with the seed's field names. */
final class Output {
    enum Format { table, json, yaml }

    private final Format format;
    private final PrintWriter out;
    private final Instant now;

    Output(Format format, PrintWriter out, Instant now) {
        this.format = format;
        this.out = out;
        this.now = now;
    }

    boolean structured() {
        return format != Format.table;
    }

    void json(JsonNode node) {
        try {
            out.println(format == Format.yaml ? Json.YAML.writeValueAsString(node).stripTrailing()
                    : Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        out.flush();
    }

    void sessions(List<Session> sessions) {
        if (structured()) {
            json(array(sessions, SessionJson::toJson));
            return;
        }
        table(List.of("NAME", "STATE", "PHASE", "AGENTS", "AGE", "LAST ACTIVITY", "ID"), sessions, s -> List.of(
                s.name() + (s.deleted() ? " (deleted)" : ""), s.state().name(),
                s.pendingStart() ? s.phase().name() + " (starts " + Json.time(s.scheduledAt()) + ")" : s.phase().name(),
                String.join(",", s.agents().stream().map(SessionAgent::name).toList()),
                ago(s.createdAt()), ago(s.lastActivityAt()), s.id()));
    }

    void session(Session s) {
        session(s, null);
    }

    /** One session, with what its start waits for when it is starting ({@code progress}). */
    void session(Session s, String progress) {
        var n = SessionJson.toJson(s);
        if (progress != null) {
            n.put("progress", progress);
        }
        if (structured()) {
            json(n);
            return;
        }
        List<String[]> rows = new ArrayList<>();
        n.properties().forEach(e -> rows.add(new String[]{e.getKey(), e.getValue().isTextual()
                ? e.getValue().asText() : e.getValue().isNull() ? "" : e.getKey().equals("guardrails")
                ? (e.getValue().isEmpty() ? "none" : String.join("\n", s.guardrails())) : Json.compact(e.getValue())}));
        int width = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
        for (String[] r : rows) {
            out.println(String.format("%-" + width + "s  %s", r[0], r[1].replace("\n", "\n" + " ".repeat(width + 2))));
        }
        out.flush();
    }

    void agents(List<AgentDefinition> agents) {
        if (structured()) {
            json(array(agents, AgentJson::toJson));
            return;
        }
        table(List.of("NAME", "COMMAND", "IMAGE", "MODEL", "PORT"), agents, a -> List.of(a.name(),
                String.join(" ", a.command()), nz(a.image()), nz(a.model()), Integer.toString(a.port())));
    }

    void agent(AgentDefinition a) {
        json(AgentJson.toJson(a), true);
    }

    /** A conversation; {@code parentId} tells a remix's copied history from one imported with a bundle. */
    void messages(List<Message> messages, String parentId) {
        if (structured()) {
            json(array(messages, SessionJson::toJson));
            return;
        }
        boolean inCopy = false;
        for (Message m : messages) {
            if (m.copied() != inCopy) {
                // a remix's (or an import's) copied history is set apart from the session's own messages
                out.println(!m.copied() ? "--- this session's own messages ---"
                        : "--- copied from session " + m.copiedFrom() + (m.copiedFrom().equals(parentId)
                        ? " when this session was remixed ---" : " when this session was imported from its bundle ---"));
                inCopy = m.copied();
            }
            String who = m.role() == Message.Role.USER ? "you -> " + m.agent() : m.agent();
            out.println("#" + m.id() + " " + who + " (" + Json.time(m.createdAt()) + ")"
                    + (m.status() == Message.Status.ERROR ? " [error: " + m.error() + "]"
                    : m.status() == Message.Status.TRUNCATED ? " [truncated: " + m.error() + "]"
                    : m.status() == Message.Status.CANCELLED ? " [" + m.error() + "]" : "")
                    + (m.guard() != null && m.guard().verdict().equals(Message.Guard.REDACTED)
                    ? " [" + m.guard().summary() + "]" : ""));
            if (!m.content().isEmpty()) {
                out.println(indent(m.content()));
            }
        }
        out.flush();
    }

    void events(List<AuditEvent> unordered) {
        List<AuditEvent> events = inTimeOrder(unordered);
        if (structured()) {
            json(array(events, SessionJson::toJson));
            return;
        }
        table(List.of("TIME", "ACTOR", "EVENT", "REASON"), events, e -> List.of(Json.time(e.at()), e.actor(),
                e.kind().equals(AuditEvent.TRANSITION) ? e.from() + " -> " + e.to() : e.kind(),
                nz(e.reason()).replace('\n', ' ') + (e.detail() == null ? "" : " " + e.detail())));
    }

    /**
     * A session's audit rows in the order things happened. The store lists them in the order they
     * were written, which is not that: a runtime records what it saw at the time it happened (a
     * container's exit at its own finishedAt), after the engine wrote what the exit led to (the
     * transition to ERROR). Stable: rows of the same instant stay in the order written.
     */
    static List<AuditEvent> inTimeOrder(List<AuditEvent> events) {
        List<AuditEvent> sorted = new ArrayList<>(events);
        sorted.sort(java.util.Comparator.comparing(AuditEvent::at, java.util.Comparator.nullsLast(java.util.Comparator.naturalOrder())));
        return sorted;
    }

    /** YAML or JSON even in table mode, for objects with nested fields. */
    private void json(JsonNode node, boolean yamlForTable) {
        if (format == Format.table && yamlForTable) {
            try {
                out.println(Json.YAML.writeValueAsString(node).stripTrailing());
                out.flush();
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        } else {
            json(node);
        }
    }

    void tokens(List<dev.pilothouse.engine.ApiTokens.Info> tokens) {
        if (structured()) {
            json(array(tokens, t -> Json.object().put("name", t.name()).put("read_only", t.readOnly())
                    .put("created_by", t.createdBy()).put("created_at", Json.time(t.createdAt()))
                    .put("expires_at", Json.time(t.expiresAt())).put("revoked_at", Json.time(t.revokedAt()))
                    .put("last_used_at", Json.time(t.lastUsedAt()))));
            return;
        }
        table(List.of("NAME", "ACCESS", "CREATED", "EXPIRES", "LAST USED", "STATUS"), tokens, t -> List.of(
                t.name(), t.readOnly() ? "read-only" : "read-write", ago(t.createdAt()),
                t.expiresAt() == null ? "never" : t.expiresAt().toString(), t.lastUsedAt() == null ? "never" : ago(t.lastUsedAt()),
                t.revokedAt() != null ? "revoked" : t.expired(now) ? "expired" : "active"));
    }

    void line(String text) {
        out.println(text);
        out.flush();
    }

    private static <T> ArrayNode array(List<T> items, Function<T, JsonNode> view) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        items.forEach(i -> a.add(view.apply(i)));
        return a;
    }

    <T> void table(List<String> headers, List<T> rows, Function<T, List<String>> cells) {
        List<List<String>> all = new ArrayList<>();
        all.add(headers);
        rows.forEach(r -> all.add(cells.apply(r)));
        int[] width = new int[headers.size()];
        for (List<String> r : all) {
            for (int i = 0; i < r.size(); i++) {
                width[i] = Math.max(width[i], r.get(i).length());
            }
        }
        for (List<String> r : all) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < r.size(); i++) {
                b.append(i == r.size() - 1 ? r.get(i) : String.format("%-" + (width[i] + 2) + "s", r.get(i)));
            }
            out.println(b.toString().stripTrailing());
        }
        out.flush();
    }

    String ago(Instant t) {
        if (t == null) {
            return "";
        }
        return human(Duration.between(t, now)) + " ago";
    }

    static String human(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return s / 60 + "m";
        }
        if (s < 86400) {
            return s / 3600 + "h" + (s % 3600 >= 60 ? (s % 3600) / 60 + "m" : "");
        }
        return s / 86400 + "d" + (s % 86400 >= 3600 ? (s % 86400) / 3600 + "h" : "");
    }

    private static String indent(String text) {
        return "    " + text.stripTrailing().replace("\n", "\n    ");
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
