package dev.pilothouse.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Every request's query parameters against those its operation documents in openapi.json (read
 * from the document itself, so the two cannot drift apart): an unknown parameter (a typo such as
 * {@code prefix} for {@code name_prefix}), one given twice, or one whose percent-escapes are broken
 * is a 400 naming it and the accepted ones, not silently ignored. An operation may document
 * parameters named by a prefix ({@code x-query-prefixes}, e.g. {@code metadata.} for
 * {@code metadata.KEY=VALUE}). Parameters that take several values take them comma-separated in
 * one ({@code state=READY,IDLE}), as the document's {@code explode: false} says.
 */
final class QueryCheck {
    /** One documented operation: its path as a pattern, and what it accepts. */
    private record Operation(String method, Pattern path, int literalLength, Set<String> names, List<String> prefixes,
                             Set<String> lists) {
    }

    private final List<Operation> operations;

    private QueryCheck(List<Operation> operations) {
        this.operations = operations;
    }

    /** The checks the server's own document describes. */
    static QueryCheck fromDocument() {
        JsonNode doc;
        try (InputStream in = QueryCheck.class.getResourceAsStream("openapi.json")) {
            doc = Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Operation> ops = new ArrayList<>();
        doc.path("paths").fields().forEachRemaining(p -> p.getValue().fields().forEachRemaining(m -> {
            if (!m.getValue().isObject() || m.getKey().equals("parameters")) {
                return;
            }
            Set<String> names = new LinkedHashSet<>();
            Set<String> lists = new LinkedHashSet<>();
            List<JsonNode> params = new ArrayList<>();
            p.getValue().path("parameters").forEach(params::add);
            m.getValue().path("parameters").forEach(params::add);
            for (JsonNode param : params) {
                JsonNode r = param.has("$ref") ? doc.at(param.get("$ref").asText().substring(1)) : param;
                if (r.path("in").asText().equals("query")) {
                    names.add(r.path("name").asText());
                    if (r.path("schema").path("type").asText().equals("array")) {
                        lists.add(r.path("name").asText());
                    }
                }
            }
            List<String> prefixes = new ArrayList<>();
            m.getValue().path("x-query-prefixes").forEach(x -> prefixes.add(x.asText()));
            String regex = java.util.Arrays.stream(p.getKey().split("/", -1))
                    .map(seg -> seg.startsWith("{") && seg.endsWith("}") ? "[^/]+" : Pattern.quote(seg))
                    .reduce((a, b) -> a + "/" + b).orElse("");
            ops.add(new Operation(m.getKey().toUpperCase(), Pattern.compile(regex),
                    p.getKey().replaceAll("\\{[^}]*}", "").length(), names, prefixes, lists));
        }));
        // a literal path wins over a template that also matches (POST /sessions/remix over /sessions/{id})
        ops.sort(Comparator.comparingInt(Operation::literalLength).reversed());
        return new QueryCheck(List.copyOf(ops));
    }

    /** Refuses the request's query when its operation does not accept it; an undocumented route is left to the router. */
    void check(Context ctx) {
        String query = ctx.queryString();
        if (query == null || query.isEmpty()) {
            return;
        }
        String method = ctx.method() == HandlerType.HEAD ? "GET" : ctx.method().name();
        String path = ctx.path();
        Operation op = operations.stream().filter(o -> o.method().equals(method) && o.path().matcher(path).matches())
                .findFirst().orElse(null);
        if (op == null) {
            return;
        }
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String rawName = eq < 0 ? pair : pair.substring(0, eq);
            String name = decode(rawName, null, rawName);
            if (eq >= 0) {
                decode(pair.substring(eq + 1), name, pair.substring(eq + 1));
            }
            String prefix = op.prefixes().stream().filter(name::startsWith).findFirst().orElse(null);
            if (prefix != null && !op.names().contains(name)) {
                if (name.length() == prefix.length()) {
                    throw ApiException.badRequest("query parameter '" + name + "' names no key; give " + prefix
                            + "KEY=VALUE, e.g. " + prefix + "project=q4", name);
                }
            } else if (!op.names().contains(name)) {
                throw ApiException.badRequest("unknown query parameter '" + name + "' for " + method + " " + path
                        + "; accepted: " + accepted(op), name);
            }
            if (seen.merge(name, 1, Integer::sum) == 2) {
                throw ApiException.badRequest("query parameter '" + name + "' is given more than once; give it once"
                        + (op.lists().contains(name) ? ", with its values separated by commas (e.g. " + name
                        + "=READY,IDLE)" : ""), name);
            }
        }
    }

    private static String accepted(Operation op) {
        List<String> all = new ArrayList<>(op.names());
        op.prefixes().forEach(p -> all.add(p + "KEY"));
        return all.isEmpty() ? "none (this operation takes no query parameters)" : String.join(", ", all);
    }

    /** Percent-decoding that refuses a broken escape ({@code %zz}, a lone {@code %}) instead of guessing. */
    private static String decode(String raw, String name, String shown) {
        try {
            return URLDecoder.decode(raw, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            String what = name == null ? "the query parameter name '" + shown + "'" : "query parameter '" + name
                    + "' has the value '" + shown + "', which";
            throw ApiException.badRequest(what + " is not valid URL encoding: a '%' must be followed by two hex digits "
                    + "(write % itself as %25)", name == null ? shown : name);
        }
    }
}
