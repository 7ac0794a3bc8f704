package dev.pilothouse.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.Resources;
import io.javalin.http.ContentTooLargeResponse;
import io.javalin.http.Context;

import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A request's JSON body, read strictly: JSON only (415 otherwise), one object, each key once,
 * unknown fields named, and every field's type checked with what is accepted.
 */
final class RequestBody {
    /** The request attribute holding the JSON body limit, in bytes (--max-body). */
    static final String LIMIT = "pilothouse.maxBodyBytes";

    private final ObjectNode node;

    private RequestBody(ObjectNode node) {
        this.node = node;
    }

    /** The body as an object with only the {@code accepted} fields; an empty body is an empty object. */
    static RequestBody of(Context ctx, List<String> accepted) {
        refuseDeclaredOverLimit(ctx);
        String type = ctx.contentType();
        String body = ctx.body();
        if (body.isBlank()) {
            return new RequestBody(Json.object());
        }
        if (type != null && !isJson(type)) {
            throw new ApiException(415, "unsupported_media_type", "the body is sent as '" + type + "'; send it as JSON "
                    + "with Content-Type: application/json (or an application/...+json type)", null);
        }
        JsonNode n;
        try {
            n = Json.readOne(Json.MAPPER, body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the body is not valid JSON: " + Json.problem(e), null);
        }
        if (!n.isObject()) {
            throw ApiException.badRequest("the body must be a JSON object with fields " + String.join(", ", accepted)
                    + ", not " + n.getNodeType().toString().toLowerCase(), null);
        }
        List<String> unknown = new ArrayList<>();
        n.fieldNames().forEachRemaining(f -> {
            if (!accepted.contains(f)) {
                unknown.add(f);
            }
        });
        if (!unknown.isEmpty()) {
            throw ApiException.badRequest("unknown field" + (unknown.size() == 1 ? " " : "s ") + unknown
                    + "; accepted: " + String.join(", ", accepted), unknown.get(0));
        }
        return new RequestBody((ObjectNode) n);
    }

    /**
     * A body declared over the limit is refused from its Content-Length, before anything reads it: a
     * client that sent Expect: 100-continue is never told to go on sending it. For bodies read whole
     * (JSON, a template's text); streamed ones, files and bundles, are not bound by this limit.
     */
    static void refuseDeclaredOverLimit(Context ctx) {
        Long limit = ctx.attribute(LIMIT);
        if (limit != null && ctx.req().getContentLengthLong() > limit) {
            throw new ContentTooLargeResponse();
        }
    }

    /** Whether {@code contentType} (parameters aside) is application/json or a {@code +json} type. */
    static boolean isJson(String contentType) {
        String media = mediaType(contentType);
        return media.equals("application/json") || JSON_SUFFIX.matcher(media).matches();
    }

    private static final Pattern JSON_SUFFIX = Pattern.compile("application/[a-z0-9!#$&^_.-]+\\+json");

    private static String mediaType(String contentType) {
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
    }

    /**
     * Refuses a body the server could not decode, before anything reads it: one with a content coding
     * (gzip and the like are not inflated here) or in a charset Java does not know.
     */
    static void checkEncoding(Context ctx) {
        String coding = ctx.header("Content-Encoding");
        if (coding != null && !coding.isBlank() && !coding.strip().equalsIgnoreCase("identity")) {
            throw new ApiException(415, "unsupported_media_type", "the body is sent with Content-Encoding '" + coding.strip()
                    + "'; content encodings are not accepted: send the body uncompressed, without Content-Encoding", null);
        }
        String type = ctx.header("Content-Type");
        if (type == null) {
            return;
        }
        Matcher m = CHARSET.matcher(type);
        if (m.find()) {
            String charset = m.group(1) != null ? m.group(1) : m.group(2);
            boolean known;
            try {
                known = Charset.isSupported(charset);
            } catch (IllegalCharsetNameException e) {
                known = false;
            }
            if (!known) {
                throw new ApiException(415, "unsupported_media_type", "the body's charset '" + charset + "' is not one this "
                        + "server knows; send it as UTF-8 (Content-Type: application/json; charset=utf-8, or no charset)",
                        null);
            }
        }
    }

    private static final Pattern CHARSET = Pattern.compile(";\\s*charset\\s*=\\s*(?:\"([^\"]*)\"|([^;\\s]*))",
            Pattern.CASE_INSENSITIVE);

    ObjectNode node() {
        return node;
    }

    boolean has(String field) {
        return node.hasNonNull(field);
    }

    String text(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw ApiException.badRequest("field '" + field + "' must be a string, not " + kind(v), field);
        }
        return v.asText();
    }

    /** The first of two names for one field (the seed uses both), refusing both at once. */
    String text(String field, String alias) {
        if (has(field) && has(alias)) {
            throw ApiException.badRequest("give '" + field + "' or '" + alias + "', not both", alias);
        }
        return has(alias) ? text(alias) : text(field);
    }

    Long whole(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw ApiException.badRequest("field '" + field + "' must be a whole number, not " + kind(v), field);
        }
        return v.asLong();
    }

    boolean bool(String field, boolean fallback) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isBoolean()) {
            throw ApiException.badRequest("field '" + field + "' must be true or false, not " + kind(v), field);
        }
        return v.asBoolean();
    }

    List<String> strings(String field) {
        return strings(field, "strings");
    }

    /** A list of strings; {@code what} names them in a refusal ("agent ids (strings)"). */
    List<String> strings(String field, String what) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray()) {
            throw ApiException.badRequest("field '" + field + "' must be a list of " + what + ", not " + kind(v), field);
        }
        List<String> out = new ArrayList<>();
        int item = 0;
        for (JsonNode e : v) {
            item++;
            if (!e.isTextual()) {
                throw ApiException.badRequest("field '" + field + "' must be a list of " + what + "; item " + item
                        + " (counting from 1) is " + kind(e), field);
            }
            out.add(e.asText());
        }
        return out;
    }

    /** A metadata object, as compact JSON text (the engine checks its size and keys). */
    String object(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isObject()) {
            throw ApiException.badRequest("field '" + field + "' must be a JSON object such as {\"project\":\"q4\"}, not "
                    + kind(v), field);
        }
        return Json.compact(v);
    }

    Resources resources(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isObject()) {
            throw ApiException.badRequest("field '" + field + "' must be an object with cpu, memory and storage", field);
        }
        Set<String> keys = Set.of("cpu", "memory", "storage");
        v.fieldNames().forEachRemaining(k -> {
            if (!keys.contains(k)) {
                throw ApiException.badRequest("unknown field '" + field + "." + k + "'; accepted: cpu, memory, storage",
                        field + "." + k);
            }
        });
        String[] q = new String[3];
        String[] names = {"cpu", "memory", "storage"};
        for (int i = 0; i < 3; i++) {
            JsonNode e = v.get(names[i]);
            if (e != null && !e.isNull() && !e.isTextual() && !e.isNumber()) {
                throw ApiException.badRequest("field '" + field + "." + names[i] + "' must be a quantity such as \"500m\" "
                        + "or \"1Gi\"", field + "." + names[i]);
            }
            q[i] = e == null || e.isNull() ? null : e.asText();
        }
        return new Resources(q[0], q[1], q[2]);
    }

    /** A value as a refusal names it: {@code null}, {@code true}, or its type and text ({@code number 5}). */
    private static String kind(JsonNode v) {
        if (v.isNull() || v.isBoolean()) {
            return Json.compact(v);
        }
        return v.getNodeType().toString().toLowerCase() + " " + Json.compact(v);
    }
}
