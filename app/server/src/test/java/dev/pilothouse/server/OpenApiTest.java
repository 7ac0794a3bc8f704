package dev.pilothouse.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pilothouse.json.Json;
import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import okhttp3.Call;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Item 7: the OpenAPI document the server serves is true. It parses without a problem; the routes
 * the server registered (read from Javalin's router) and the operations documented are the same
 * set; and the status codes documented are answered: 401 without a token, 403 to a read-only token,
 * 404 for a missing name, 400/413/415 for bodies, 429 over the rate limit, and a sample of
 * successful answers (made with the document's own examples) matches the documented schemas,
 * headers and media types. Nothing here lists routes or fields by hand: all comes from the document
 * and the router.
 */
class OpenApiTest extends ApiTestBase {
    static final long BODY_LIMIT = 64 * 1024;
    private static final Pattern PATH_PARAM = Pattern.compile("\\{([^}]+)}");

    JsonNode doc;

    @Override
    ServerOptions options() {
        return super.options().withLimits(BODY_LIMIT, 100_000);
    }

    /** One documented operation. */
    record Op(String method, String path, JsonNode node) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    @BeforeEach
    void fetchDocument() {
        Answer a = get("/api/v0/openapi.json");
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.header("Content-Type")).startsWith("application/json");
        doc = a.json();
    }

    // ---- the document itself and the routes ------------------------------------------------

    @Test
    void theDocumentParsesWithoutAnyProblem() {
        String text = get("/api/v0/openapi.json").body();
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        options.setValidateInternalRefs(true);
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(text, null, options);
        assertThat(result.getMessages()).as("what swagger-parser has to say").isEmpty();
        assertThat(result.getOpenAPI()).isNotNull();
        assertThat(result.getOpenAPI().getSpecVersion()).isEqualTo(SpecVersion.V31);
        assertThat(result.getOpenAPI().getOpenapi()).startsWith("3.1");
        assertThat(result.getOpenAPI().getPaths()).isNotEmpty();
        // the bearer scheme is global; only what declares security: [] is open
        assertThat(doc.at("/components/securitySchemes/bearer/scheme").asText()).isEqualTo("bearer");
        assertThat(doc.at("/security/0").has("bearer")).isTrue();
        for (Op op : operations()) {
            assertThat(op.node().path("operationId").asText()).as(op + " operationId").isNotEmpty();
            Set<String> inPath = new TreeSet<>();
            Matcher m = PATH_PARAM.matcher(op.path());
            while (m.find()) {
                inPath.add(m.group(1));
            }
            Set<String> declared = new TreeSet<>();
            for (JsonNode p : parameters(op)) {
                if (p.path("in").asText().equals("path")) {
                    assertThat(p.path("required").asBoolean()).as(op + " path parameter " + p.path("name")).isTrue();
                    declared.add(p.path("name").asText());
                }
            }
            assertThat(declared).as(op + ": path parameters declared").isEqualTo(inPath);
            for (JsonNode r : op.node().path("responses")) {
                // every $ref resolves (a wrong one would fail here)
                resolve(r);
            }
        }
    }

    @Test
    void everyRouteIsDocumentedAndEveryDocumentedOperationIsARoute() {
        Set<String> routes = server.routes().stream().map(r -> r.method() + " " + r.path())
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> documented = operations().stream().map(Op::toString).collect(Collectors.toCollection(TreeSet::new));
        assertThat(routes).as("the server has routes").isNotEmpty();
        Set<String> undocumented = new TreeSet<>(routes);
        undocumented.removeAll(documented);
        Set<String> missing = new TreeSet<>(documented);
        missing.removeAll(routes);
        assertThat(undocumented).as("routes the server answers that the document does not describe").isEmpty();
        assertThat(missing).as("operations documented that the server has no route for").isEmpty();
    }

    // ---- documented refusals, exercised -----------------------------------------------------

    @Test
    void everyOperationDocumenting401RefusesAMissingOrUnknownTokenAndOnlyTheOpenOnesDoNot() {
        List<Op> checked = new ArrayList<>();
        for (Op op : operations()) {
            boolean open = op.node().has("security") && op.node().get("security").isEmpty();
            assertThat(statuses(op).contains("401")).as(op + ": documents 401 unless it is open (security: [])")
                    .isEqualTo(!open);
            if (open) {
                Answer a = send(op, Map.of(), new Request.Builder(), exampleBody(op), "application/json");
                assertThat(a.status()).as(op + " without a token: " + a.body()).isBetween(200, 299);
                checkAgainstDocument(op, a);
                continue;
            }
            Answer none = send(op, Map.of(), new Request.Builder(), exampleBody(op), "application/json");
            assertError(op, none, 401, "unauthorized");
            assertThat(none.header("WWW-Authenticate")).as(op + " WWW-Authenticate").startsWith("Bearer");
            Answer unknown = send(op, Map.of(), new Request.Builder().header("Authorization", "Bearer ph_nonsense"),
                    exampleBody(op), "application/json");
            assertError(op, unknown, 401, "unauthorized");
            checked.add(op);
        }
        assertThat(checked).isNotEmpty();
        assertThat(engine.sessions(true)).isEmpty();
    }

    @Test
    void everyWriteDocuments403AndAReadOnlyTokenGetsIt() {
        String reader = engine.tokens().create("dashboard", true, null, "operator").secret();
        for (Op op : operations()) {
            boolean write = !op.method().equals("GET");
            assertThat(statuses(op).contains("403")).as(op + ": documents 403 exactly when it writes").isEqualTo(write);
            if (write) {
                Answer a = send(op, Map.of(), new Request.Builder().header("Authorization", "Bearer " + reader),
                        exampleBody(op), "application/json");
                assertError(op, a, 403, "forbidden");
                assertThat(a.error().get("message").asText()).contains("read-only");
            }
        }
        assertThat(engine.sessions(true)).isEmpty();
    }

    @Test
    void aMissingNameIsTheDocumented404() {
        int agentsBefore = engine.agents(true).size();
        List<Op> checked = new ArrayList<>();
        for (Op op : operations()) {
            if (!op.path().contains("{")) {
                continue;
            }
            // the document's own example body, so that only the missing name is wrong
            Answer a = send(op, Map.of(), bearer(), exampleBody(op), "application/json");
            if (!statuses(op).contains("404")) {
                checkAgainstDocument(op, a); // whatever it answers, it is documented
                continue;
            }
            assertError(op, a, 404, "not_found");
            assertThat(a.error().get("message").asText()).as(op + ": the route was matched")
                    .doesNotContain("no such endpoint").contains("no-such-");
            checked.add(op);
        }
        assertThat(checked).isNotEmpty();
        assertThat(engine.sessions(true)).as("a refused request makes nothing").isEmpty();
        assertThat(engine.agents(true)).hasSize(agentsBefore);
    }

    @Test
    void bodiesAreReadAsDocumented() {
        List<Op> withBody = new ArrayList<>();
        for (Op op : operations()) {
            JsonNode rb = op.node().has("requestBody") ? resolve(op.node().get("requestBody")) : null;
            Set<String> st = statuses(op);
            if (rb != null && !rb.path("content").has("application/json")) {
                // a file's bytes (an upload): any media type, streamed, not bound by the JSON body limit
                assertThat(st).as(op + ": a file upload documents neither 413 nor 415").doesNotContain("413", "415");
                assertThat(st).as(op.toString()).contains("400");
                assertThat(rb.path("content").size()).as(op + ": one media type").isEqualTo(1);
                continue;
            }
            assertThat(st.contains("413")).as(op + ": documents 413 exactly when it reads a JSON body").isEqualTo(rb != null);
            assertThat(st.contains("415")).as(op + ": documents 415 exactly when it reads a JSON body").isEqualTo(rb != null);
            if (rb == null) {
                continue;
            }
            withBody.add(op);
            assertThat(st).as(op.toString()).contains("400");
            // a template is posted as YAML (its own format) or as JSON: both documented, the JSON form checked here
            assertThat(rb.path("content").size()).as(op + ": JSON only")
                    .isEqualTo(op.toString().equals("POST /api/v0/templates") ? 2 : 1);
            JsonNode schema = resolve(rb.at("/content/application~1json/schema"));
            assertThat(schema.path("additionalProperties").isBoolean() && !schema.path("additionalProperties").asBoolean())
                    .as(op + ": additionalProperties: false").isTrue();
            List<String> documentedFields = new ArrayList<>();
            schema.path("properties").fieldNames().forEachRemaining(documentedFields::add);

            assertError(op, send(op, Map.of(), bearer(), "{\"content\": ", "application/json"), 400, "invalid");

            Answer unknown = send(op, Map.of(), bearer(), "{\"zz_not_a_field\": 1}", "application/json");
            assertError(op, unknown, 400, "invalid");
            assertThat(unknown.error().get("field").asText()).isEqualTo("zz_not_a_field");
            String accepted = unknown.error().get("message").asText().replaceFirst("(?s).*accepted: ", "");
            assertThat(Arrays.asList(accepted.split(", "))).as(op + ": the fields the server accepts are those documented")
                    .containsExactlyInAnyOrderElementsOf(documentedFields);

            assertError(op, send(op, Map.of(), bearer(), "name=x", "text/plain"), 415, "unsupported_media_type");

            Answer big = send(op, Map.of(), bearer(), "{\"content\":\"" + "a".repeat((int) BODY_LIMIT) + "\"}",
                    "application/json");
            assertError(op, big, 413, "payload_too_large");
            assertThat(big.error().get("message").asText()).contains(BODY_LIMIT + " bytes");
        }
        assertThat(withBody).isNotEmpty();
        assertThat(engine.sessions(true)).isEmpty();
    }

    @Test
    void overTheRateLimitEveryOperationDocumenting429AnswersItWithRetryAfter() {
        server.close();
        server = ApiServer.start(engine, options().withLimits(BODY_LIMIT, 1)); // one request a minute
        assertThat(get("/api/v0/version").status()).isEqualTo(200);
        for (Op op : operations()) {
            Answer a = send(op, Map.of(), bearer(), exampleBody(op), "application/json");
            if (statuses(op).contains("429")) {
                assertError(op, a, 429, "rate_limited");
                assertThat(Long.parseLong(a.header("Retry-After"))).as(op + " Retry-After").isBetween(1L, 60L);
            } else {
                assertThat(a.status()).as(op + " is not rate limited").isNotEqualTo(429);
            }
        }
        assertThat(engine.sessions(true)).isEmpty();
    }

    // ---- documented successes, exercised with the document's examples ---------------------

    @Test
    void answersMatchTheirDocumentedStatusesHeadersAndSchemas() {
        // what needs no name
        for (Op op : operations()) {
            if (op.method().equals("GET") && !op.path().contains("{") && !streamsOnly(op)) {
                checkAgainstDocument(op, send(op, Map.of(), bearer(), null, null));
            }
        }
        Map<String, String> names = new LinkedHashMap<>();
        names.put("name", "reference");
        names.put("agent", "reference");
        checkAgainstDocument(op("GET", "/api/v0/agents/{name}"), send(op("GET", "/api/v0/agents/{name}"), names, bearer(), null, null));

        // an agent, made, replaced and removed with the examples
        Op createAgent = op("POST", "/api/v0/agents");
        Answer agent = checkAgainstDocument(createAgent, send(createAgent, names, bearer(), exampleBody(createAgent), "application/json"));
        assertThat(agent.status()).isEqualTo(201);
        Map<String, String> agentName = Map.of("name", agent.json().get("name").asText());
        for (String method : List.of("PUT", "DELETE")) {
            Op o = op(method, "/api/v0/agents/{name}");
            assertThat(checkAgainstDocument(o, send(o, agentName, bearer(), exampleBody(o), "application/json")).status())
                    .isEqualTo(200);
        }

        // a session made with the example, and what can be read of it
        Op create = op("POST", "/api/v0/sessions");
        Answer made = checkAgainstDocument(create, send(create, Map.of(), bearer(), exampleBody(create), "application/json",
                "?wait=ready"));
        assertThat(made.status()).as(made.body()).isEqualTo(201);
        assertThat(made.json().get("state").asText()).isEqualTo("READY");
        String id = made.json().get("id").asText();
        names.put("id", id);
        // the example's starting prompt is answered; then the session holds still
        await().atMost(Duration.ofSeconds(60)).until(() -> engine.countMessages(id) == 2
                && engine.session(id).state() == dev.pilothouse.session.SessionState.READY);
        for (Op op : operations()) {
            if (op.method().equals("GET") && op.path().startsWith("/api/v0/sessions/{id}")) {
                checkAgainstDocument(op, send(op, names, bearer(), null, null));
            }
        }
        Op getSession = op("GET", "/api/v0/sessions/{id}");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String etag = send(getSession, names, bearer(), null, null).header("ETag");
            Answer same = send(getSession, names, bearer().header("If-None-Match", etag), null, null);
            assertThat(same.status()).isEqualTo(304);
            checkAgainstDocument(getSession, same);
        });
        checkAgainstDocument(op("GET", "/api/v0/sessions"), get("/api/v0/sessions?sort=name&limit=1"));

        // streams: the reply as NDJSON, the log as NDJSON, one watch event
        Op send = op("POST", "/api/v0/sessions/{id}/messages");
        checkAgainstDocument(send, send(send, names, bearer(), exampleBody(send), "application/json"));
        Answer streamed = checkAgainstDocument(send, send(send, names, bearer().header("Accept", "application/x-ndjson"),
                exampleBody(send), "application/json"));
        assertThat(streamed.header("Content-Type")).startsWith("application/x-ndjson");
        Op logs = op("GET", "/api/v0/sessions/{id}/logs");
        checkAgainstDocument(logs, send(logs, names, bearer().header("Accept", "application/x-ndjson"), null, null, "?tail=5"));
        Op watch = op("GET", "/api/v0/watch");
        checkAgainstDocument(watch, firstLine(watch, "?since=0"));

        // Orpheus' form on the same session
        Op run = op("POST", "/v1/agents/{agent}/run");
        Answer ran = checkAgainstDocument(run, send(run, names, bearer().header("X-Session-ID", id), exampleBody(run),
                "application/json"));
        assertThat(ran.status()).as(ran.body()).isEqualTo(200);
        assertThat(ran.header("X-Session-ID")).isEqualTo(id);

        // changes, with the ETag: a stale one is the documented 412
        Op update = op("PUT", "/api/v0/sessions/{id}");
        String etag = send(getSession, names, bearer(), null, null).header("ETag");
        Answer updated = checkAgainstDocument(update, send(update, names, bearer().header("If-Match", etag),
                exampleBody(update), "application/json"));
        assertThat(updated.status()).as(updated.body()).isEqualTo(200);
        Answer stale = checkAgainstDocument(update, send(update, names, bearer().header("If-Match", etag),
                exampleBody(update), "application/json"));
        assertThat(stale.status()).isEqualTo(412);
        Op state = op("PUT", "/api/v0/sessions/{id}/state");
        Answer paused = checkAgainstDocument(state, send(state, names, bearer(), exampleBody(state), "application/json"));
        assertThat(paused.status()).as(paused.body()).isEqualTo(200);
        Answer again = checkAgainstDocument(state, send(state, names, bearer(), exampleBody(state), "application/json"));
        assertThat(again.status()).isEqualTo(409);

        // a remix by the blog's example (its parent is the session above), then delete and purge
        Op remix = op("POST", "/api/v0/sessions/remix");
        Answer child = checkAgainstDocument(remix, send(remix, names, bearer(), exampleBody(remix), "application/json",
                "?wait=ready")); // started before the parent's volume is purged below
        assertThat(child.status()).as(child.body()).isEqualTo(201);
        assertThat(child.json().get("parent_session_id").asText()).isEqualTo(id);
        Op purge = op("POST", "/api/v0/sessions/{id}/purge");
        assertThat(checkAgainstDocument(purge, send(purge, names, bearer(), null, null)).status()).isEqualTo(409);
        Op delete = op("DELETE", "/api/v0/sessions/{id}");
        assertThat(checkAgainstDocument(delete, send(delete, names, bearer(), null, null)).status()).isEqualTo(200);
        assertThat(checkAgainstDocument(purge, send(purge, names, bearer(), null, null)).status()).isEqualTo(200);
    }

    // ---- checking an answer against the document ----------------------------------------------

    /** The answer's status is documented for {@code op}, and its headers, media type and body are as documented. */
    private Answer checkAgainstDocument(Op op, Answer a) {
        JsonNode responses = op.node().path("responses");
        String status = Integer.toString(a.status());
        assertThat(responses.has(status)).as(op + " answered " + status + ", which it does not document: " + a.body()).isTrue();
        JsonNode response = resolve(responses.get(status));
        for (Iterator<Map.Entry<String, JsonNode>> it = response.path("headers").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> h = it.next();
            if (resolve(h.getValue()).path("required").asBoolean()) {
                assertThat(a.header(h.getKey())).as(op + " " + status + " header " + h.getKey()).isNotNull();
            }
        }
        JsonNode content = response.path("content");
        if (content.isMissingNode() || content.isEmpty()) {
            assertThat(a.body()).as(op + " " + status + " has no body").isEmpty();
            return a;
        }
        String type = a.header("Content-Type") == null ? "" : a.header("Content-Type").split(";")[0].strip();
        assertThat(content.has(type)).as(op + " " + status + " answered " + type + ", documented: " + names(content)).isTrue();
        JsonNode schema = content.get(type).path("schema");
        List<String> problems = new ArrayList<>();
        switch (type) {
            case "application/json" -> validate(schema, a.json(), "$", problems);
            case "application/x-ndjson" -> {
                List<String> lines = a.body().lines().filter(l -> !l.isBlank()).toList();
                assertThat(lines).as(op + ": NDJSON lines").isNotEmpty();
                for (int i = 0; i < lines.size(); i++) {
                    validate(schema, Json.parse(lines.get(i)), "line " + (i + 1), problems);
                }
            }
            default -> validate(schema, com.fasterxml.jackson.databind.node.TextNode.valueOf(a.body()), "$", problems);
        }
        assertThat(problems).as(op + " " + status + " against its documented schema; body: " + a.body()).isEmpty();
        return a;
    }

    private void assertError(Op op, Answer a, int status, String code) {
        assertThat(a.status()).as(op + ": " + a.body()).isEqualTo(status);
        assertThat(a.header("Content-Type")).as(op.toString()).startsWith("application/json");
        assertThat(a.error().get("code").asText()).as(op.toString()).isEqualTo(code);
        assertThat(resolve(op.node().path("responses").path(Integer.toString(status)))
                .at("/content/application~1json/schema/$ref").asText()).as(op + ": documented as the one error shape")
                .isEqualTo("#/components/schemas/Error");
        checkAgainstDocument(op, a);
    }

    /**
     * A small JSON Schema check, enough for the document's schemas: $ref, oneOf, const, enum, type
     * (one or several), format date-time, pattern, minimum/maximum, properties/required, items, and
     * additionalProperties. An object whose schema lists properties may hold no other field unless
     * additionalProperties allows it, so that the document names every field the server sends.
     */
    private void validate(JsonNode schema, JsonNode value, String at, List<String> problems) {
        schema = resolve(schema);
        if (schema.has("oneOf")) {
            int matched = 0;
            List<String> why = new ArrayList<>();
            for (JsonNode alternative : schema.get("oneOf")) {
                List<String> p = new ArrayList<>();
                validate(alternative, value, at, p);
                if (p.isEmpty()) {
                    matched++;
                } else {
                    why.addAll(p);
                }
            }
            if (matched != 1) {
                problems.add(at + ": matches " + matched + " of oneOf (" + why + ")");
            }
        }
        if (schema.has("const") && !schema.get("const").equals(value)) {
            problems.add(at + ": " + value + " is not " + schema.get("const"));
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode e : schema.get("enum")) {
                found |= e.equals(value);
            }
            if (!found) {
                problems.add(at + ": " + value + " is not one of " + schema.get("enum"));
            }
        }
        if (schema.has("type")) {
            List<String> types = new ArrayList<>();
            if (schema.get("type").isArray()) {
                schema.get("type").forEach(t -> types.add(t.asText()));
            } else {
                types.add(schema.get("type").asText());
            }
            if (types.stream().noneMatch(t -> isType(t, value))) {
                problems.add(at + ": " + value.getNodeType().toString().toLowerCase() + " is not " + types);
                return;
            }
        }
        if (value.isTextual()) {
            if (schema.path("format").asText().equals("date-time")) {
                try {
                    Instant.parse(value.asText());
                } catch (RuntimeException e) {
                    problems.add(at + ": '" + value.asText() + "' is not a date-time");
                }
            }
            if (schema.has("pattern") && !Pattern.compile(schema.get("pattern").asText()).matcher(value.asText()).find()) {
                problems.add(at + ": '" + value.asText() + "' does not match " + schema.get("pattern"));
            }
        }
        if (value.isNumber()) {
            if (schema.has("minimum") && value.asDouble() < schema.get("minimum").asDouble()) {
                problems.add(at + ": " + value + " is below " + schema.get("minimum"));
            }
            if (schema.has("maximum") && value.asDouble() > schema.get("maximum").asDouble()) {
                problems.add(at + ": " + value + " is above " + schema.get("maximum"));
            }
        }
        if (value.isObject()) {
            JsonNode props = schema.path("properties");
            JsonNode extra = schema.get("additionalProperties");
            for (JsonNode r : schema.path("required")) {
                if (!value.has(r.asText())) {
                    problems.add(at + ": no field '" + r.asText() + "'");
                }
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                String where = at + "." + f.getKey();
                if (props.has(f.getKey())) {
                    validate(props.get(f.getKey()), f.getValue(), where, problems);
                } else if (extra != null && extra.isObject()) {
                    validate(extra, f.getValue(), where, problems);
                } else if (extra != null ? !extra.asBoolean() : props.size() > 0) {
                    problems.add(where + ": a field the schema does not document");
                }
            }
        }
        if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                validate(schema.get("items"), value.get(i), at + "[" + i + "]", problems);
            }
        }
    }

    private static boolean isType(String type, JsonNode v) {
        return switch (type) {
            case "string" -> v.isTextual();
            case "integer" -> v.isIntegralNumber();
            case "number" -> v.isNumber();
            case "boolean" -> v.isBoolean();
            case "null" -> v.isNull();
            case "object" -> v.isObject();
            case "array" -> v.isArray();
            default -> false;
        };
    }

    // ---- the document, read ---------------------------------------------------------------------

    private List<Op> operations() {
        List<Op> out = new ArrayList<>();
        Set<String> methods = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
        doc.path("paths").fields().forEachRemaining(p -> p.getValue().fields().forEachRemaining(m -> {
            if (methods.contains(m.getKey())) {
                out.add(new Op(m.getKey().toUpperCase(), p.getKey(), m.getValue()));
            }
        }));
        assertThat(out).isNotEmpty();
        return out;
    }

    private Op op(String method, String path) {
        return operations().stream().filter(o -> o.method().equals(method) && o.path().equals(path)).findFirst()
                .orElseThrow(() -> new AssertionError(method + " " + path + " is not documented"));
    }

    private static List<String> names(JsonNode object) {
        List<String> out = new ArrayList<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private Set<String> statuses(Op op) {
        Set<String> out = new LinkedHashSet<>();
        op.node().path("responses").fieldNames().forEachRemaining(out::add);
        return out;
    }

    private List<JsonNode> parameters(Op op) {
        List<JsonNode> out = new ArrayList<>();
        op.node().path("parameters").forEach(p -> out.add(resolve(p)));
        return out;
    }

    /** Follows a local {@code $ref} (#/components/...). */
    private JsonNode resolve(JsonNode n) {
        int hops = 0;
        while (n.has("$ref")) {
            String r = n.get("$ref").asText();
            assertThat(r).startsWith("#/");
            n = doc.at(r.substring(1));
            assertThat(n.isMissingNode()).as("$ref " + r + " resolves").isFalse();
            assertThat(++hops).isLessThan(10);
        }
        return n;
    }

    /** The documented example of the operation's body (JSON, or a file's bytes), or null when it takes none. */
    private String exampleBody(Op op) {
        if (!op.node().has("requestBody")) {
            return null;
        }
        JsonNode content = resolve(op.node().get("requestBody")).path("content");
        if (!content.has("application/json")) {
            return content.elements().next().path("example").asText(""); // a file's bytes
        }
        JsonNode example = content.at("/application~1json/example");
        assertThat(example.isMissingNode()).as(op + ": its body has an example").isFalse();
        return Json.compact(example);
    }

    /** Whether every success of {@code op} is a stream that does not end by itself (the watch). */
    private boolean streamsOnly(Op op) {
        JsonNode ok = resolve(op.node().path("responses").path("200")).path("content");
        return !ok.isMissingNode() && !ok.has("application/json") && !ok.has("text/plain");
    }

    // ---- requests -------------------------------------------------------------------------------

    private Request.Builder bearer() {
        return new Request.Builder().header("Authorization", "Bearer " + token);
    }

    private Answer send(Op op, Map<String, String> pathValues, Request.Builder b, String body, String contentType) {
        return send(op, pathValues, b, body, contentType, "");
    }

    /** Calls {@code op} with path parameters from {@code pathValues}, or names that do not exist ({@code no-such-...}). */
    private Answer send(Op op, Map<String, String> pathValues, Request.Builder b, String body, String contentType, String query) {
        Function<String, String> value = name -> pathValues.getOrDefault(name, "no-such-" + name);
        Matcher m = PATH_PARAM.matcher(op.path());
        StringBuilder path = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(path, Matcher.quoteReplacement(value.apply(m.group(1))));
        }
        m.appendTail(path);
        boolean hasBody = op.method().equals("POST") || op.method().equals("PUT");
        okhttp3.RequestBody rb = !hasBody ? null : body == null ? okhttp3.RequestBody.create(new byte[0], null)
                : okhttp3.RequestBody.create(body, MediaType.get(contentType));
        try (Response r = http.newCall(b.url(url(path + query)).method(op.method(), rb).build()).execute()) {
            return new Answer(r.code(), r.headers(), r.body().string());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first event of a stream that goes on (the watch), as an answer holding that one NDJSON line. */
    private Answer firstLine(Op op, String query) {
        Call call = http.newCall(bearer().url(url(op.path() + query)).header("Accept", "application/x-ndjson").build());
        try (Response r = call.execute(); BufferedReader in = new BufferedReader(r.body().charStream())) {
            String line = in.readLine();
            while (line != null && line.isBlank()) {
                line = in.readLine();
            }
            call.cancel();
            return new Answer(r.code(), r.headers(), line == null ? "" : line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
