package dev.pilothouse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.PilothouseException;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.SessionJson;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A command on sessions given by name or id, several at once, or chosen by metadata with
 * {@code --selector key=value} (every pair must match). Each session is acted on in turn and
 * reported on its own line; one failing does not stop the others, and the exit code is 1 if any did.
 */
abstract class EachSessionCommand extends EngineCommand {
    @Parameters(arity = "0..*", paramLabel = "SESSION", description = "Sessions by name or id")
    List<String> refs = new ArrayList<>();

    @Option(names = {"-l", "--selector"}, paramLabel = "KEY=VALUE", split = ",",
            description = "Sessions whose metadata has every KEY=VALUE given (repeatable, or comma-separated)")
    List<String> selector = new ArrayList<>();

    /** What is done to one session; throws to say why it could not be. */
    abstract Session act(Engine e, String ref);

    /** The past tense for the report ("paused"). */
    abstract String done();

    /** Whether the session ended as the command meant (a resume that left ERROR did not). */
    boolean succeeded(Session s) {
        return true;
    }

    /** Why {@link #succeeded} is false. */
    String failure(Session s) {
        return s.terminationReason();
    }

    /** Whether a session matching the selector is one to act on (delete skips deleted ones). */
    boolean eligible(Session s) {
        return true;
    }

    @Override
    int run(Engine e, Output o) {
        if (refs.isEmpty() && selector.isEmpty()) {
            throw new InvalidInputException("no session given: name sessions (by name or id), or choose them by "
                    + "metadata with --selector KEY=VALUE");
        }
        Map<String, String> wanted = pairs(selector);
        if (refs.size() == 1 && wanted.isEmpty()) {
            Session s = act(e, refs.get(0)); // one session named: an error is the command's error
            o.session(s);
            if (!succeeded(s)) {
                err().println("error: session '" + s.name() + "' " + failure(s));
                return 1;
            }
            return 0;
        }
        List<String> targets = new ArrayList<>(refs);
        if (!wanted.isEmpty()) {
            List<Session> matching = e.sessions(false).stream().filter(s -> matches(s, wanted)).filter(this::eligible).toList();
            if (matching.isEmpty() && refs.isEmpty()) {
                err().println("no session in context '" + e.context() + "' has metadata " + selector);
                return 0;
            }
            matching.forEach(s -> targets.add(s.id()));
        }
        ArrayNode results = Json.MAPPER.createArrayNode();
        int failed = 0;
        for (String ref : targets.stream().distinct().toList()) {
            String name = ref;
            try {
                Session s = act(e, ref);
                name = s.name();
                boolean ok = succeeded(s);
                results.addObject().put("session", s.name()).put("ok", ok).put("error", ok ? null : failure(s))
                        .set("detail", SessionJson.toJson(s));
                if (ok) {
                    if (!o.structured()) {
                        o.line(done() + " '" + s.name() + "' (" + s.state() + ")");
                    }
                } else {
                    failed++;
                    err().println("error: session '" + s.name() + "' " + failure(s));
                }
            } catch (PilothouseException ex) {
                failed++;
                results.addObject().put("session", name).put("ok", false).put("error", ex.getMessage());
                err().println("error: " + ex.getMessage());
            }
        }
        if (o.structured()) {
            o.json(results);
        }
        return failed == 0 ? 0 : 1;
    }

    /** KEY=VALUE pairs, each key once. */
    static Map<String, String> pairs(List<String> given) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String p : given) {
            int eq = p.indexOf('=');
            if (eq <= 0) {
                throw new InvalidInputException("--selector: '" + p + "' is not KEY=VALUE; give e.g. --selector team=data");
            }
            if (out.put(p.substring(0, eq).trim(), p.substring(eq + 1).trim()) != null) {
                throw new InvalidInputException("--selector: key '" + p.substring(0, eq).trim() + "' is given twice");
            }
        }
        return out;
    }

    /** Whether the session's metadata has every pair (a value compares as its text; JSON values as written). */
    static boolean matches(Session s, Map<String, String> wanted) {
        JsonNode meta;
        try {
            meta = s.metadata() == null ? Json.object() : Json.MAPPER.readTree(s.metadata());
        } catch (IOException e) {
            return false;
        }
        for (Map.Entry<String, String> w : wanted.entrySet()) {
            JsonNode v = meta.get(w.getKey());
            if (v == null || !(v.isValueNode() ? v.asText() : v.toString()).equals(w.getValue())) {
                return false;
            }
        }
        return true;
    }
}
