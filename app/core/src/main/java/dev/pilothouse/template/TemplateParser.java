package dev.pilothouse.template;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.PilothouseException;
import dev.pilothouse.guardrails.GuardrailSpec;
import dev.pilothouse.json.Json;
import dev.pilothouse.session.Resources;
import dev.pilothouse.session.Validation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a {@code SessionTemplate} document (YAML or JSON, docs/templates.md) and checks every field.
 * Every error is an {@link InvalidInputException} that names the line and column and the field's
 * path; an unknown key is named with the keys accepted there.
 */
public final class TemplateParser {
    public static final int MAX_CHARS = 256 * 1024;
    public static final int MAX_AGENTS = 32;
    public static final int MAX_PARAMETERS = 64;
    public static final int MAX_PARAMETER_VALUE = Validation.MAX_PROMPT_CHARS;

    static final List<String> TOP_KEYS = List.of("apiVersion", "kind", "metadata", "spec");
    static final List<String> METADATA_KEYS = List.of("name");
    static final List<String> SPEC_KEYS = List.of("agents", "resources", "guardrails", "starting_prompt",
            "waiting_timeout_seconds", "ttl_seconds", "metadata", "parameters");
    static final List<String> AGENT_KEYS = List.of("name", "config");
    static final List<String> RESOURCE_KEYS = List.of("cpu", "memory", "storage");
    static final List<String> PARAMETER_KEYS = List.of("name", "default", "description");

    /** {@code {{name}}}, spaces inside the braces allowed. */
    static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z_][A-Za-z0-9_-]*)\\s*}}");
    private static final Pattern PARAMETER_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]{0,62}");
    private static final Pattern CONFIG_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,62}");

    private final Map<String, JsonLocation> where;

    private TemplateParser(Map<String, JsonLocation> where) {
        this.where = where;
    }

    /** The template in {@code text}, checked; an {@link InvalidInputException} says what is wrong and where. */
    public static SessionTemplate parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException("the template is empty; give a SessionTemplate document (apiVersion: v1, "
                    + "kind: SessionTemplate, metadata.name, spec.agents), see docs/templates.md");
        }
        if (text.length() > MAX_CHARS) {
            throw new InvalidInputException("the template is " + text.length() + " characters; the limit is " + MAX_CHARS);
        }
        JsonNode root;
        try {
            root = Json.readOne(Json.YAML, text);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException("the template is not valid YAML: " + Json.problem(e));
        }
        return new TemplateParser(locations(text)).read(root);
    }

    // ---- where each value is ----------------------------------------------------------------

    private static Map<String, JsonLocation> locations(String text) {
        Map<String, JsonLocation> out = new HashMap<>();
        try (JsonParser p = Json.YAML.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t != null) {
                walk(p, t, "", out);
            }
        } catch (JsonProcessingException e) {
            // the tree read above accepted it; nothing more to learn
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static void walk(JsonParser p, JsonToken t, String path, Map<String, JsonLocation> out) throws IOException {
        out.put(path, p.currentTokenLocation());
        if (t == JsonToken.START_OBJECT) {
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String child = path.isEmpty() ? p.currentName() : path + "." + p.currentName();
                out.put(child + "#key", p.currentTokenLocation());
                walk(p, p.nextToken(), child, out);
            }
        } else if (t == JsonToken.START_ARRAY) {
            int i = 0;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY && t != null) {
                walk(p, t, path + "[" + i++ + "]", out);
            }
        }
    }

    private String at(String path) {
        JsonLocation l = where.get(path);
        if (l == null) {
            return "";
        }
        return "line " + l.getLineNr() + ", column " + l.getColumnNr() + ": ";
    }

    private InvalidInputException problem(String path, String message) {
        return new InvalidInputException("template " + at(path) + (path.isEmpty() ? "" : path + ": ") + message);
    }

    private InvalidInputException problemAtKey(String path, String message) {
        JsonLocation l = where.get(path + "#key");
        String pos = l == null ? at(path) : "line " + l.getLineNr() + ", column " + l.getColumnNr() + ": ";
        return new InvalidInputException("template " + pos + message);
    }

    // ---- the document -------------------------------------------------------------------------

    private SessionTemplate read(JsonNode root) {
        ObjectNode top = object(root, "", "the document must be a SessionTemplate mapping with apiVersion, kind, "
                + "metadata and spec");
        keys(top, "", TOP_KEYS);
        String apiVersion = requiredText(top, "apiVersion");
        if (!apiVersion.equals(SessionTemplate.API_VERSION)) {
            throw problem("apiVersion", "apiVersion '" + apiVersion + "' is not supported; write apiVersion: "
                    + SessionTemplate.API_VERSION);
        }
        String kind = requiredText(top, "kind");
        if (!kind.equals(SessionTemplate.KIND)) {
            throw problem("kind", "kind '" + kind + "' is not a template; write kind: " + SessionTemplate.KIND);
        }
        ObjectNode meta = object(required(top, "metadata", "metadata with a name"), "metadata",
                "metadata must be a mapping with a name");
        keys(meta, "metadata", METADATA_KEYS);
        String name = requiredText(meta, "metadata.name");
        try {
            name = Validation.name("template", name);
        } catch (PilothouseException e) {
            throw problem("metadata.name", e.getMessage());
        }
        ObjectNode spec = object(required(top, "spec", "a spec with agents"), "spec",
                "spec must be a mapping with agents and, optionally, " + String.join(", ", SPEC_KEYS.subList(1, SPEC_KEYS.size())));
        keys(spec, "spec", SPEC_KEYS);

        List<SessionTemplate.Parameter> parameters = parameters(spec.get("parameters"));
        Set<String> declared = new LinkedHashSet<>();
        parameters.forEach(p -> declared.add(p.name()));

        List<SessionTemplate.Agent> agents = agents(required(spec, "agents", "at least one agent"));
        Resources resources = resources(spec.get("resources"));
        List<String> guardrails = guardrails(spec.get("guardrails"));

        String prompt = null;
        if (present(spec.get("starting_prompt"))) {
            prompt = text(spec.get("starting_prompt"), "spec.starting_prompt");
            if (prompt.length() > Validation.MAX_PROMPT_CHARS) {
                throw problem("spec.starting_prompt", "the starting prompt is " + prompt.length()
                        + " characters; the limit is " + Validation.MAX_PROMPT_CHARS);
            }
            placeholders(prompt, "spec.starting_prompt", declared);
        }
        Long waiting = null;
        if (present(spec.get("waiting_timeout_seconds"))) {
            long v = integer(spec.get("waiting_timeout_seconds"), "spec.waiting_timeout_seconds");
            try {
                waiting = (long) Validation.waitingTimeout(v);
            } catch (PilothouseException e) {
                throw problem("spec.waiting_timeout_seconds", e.getMessage());
            }
        }
        Long ttl = null;
        if (present(spec.get("ttl_seconds"))) {
            long v = integer(spec.get("ttl_seconds"), "spec.ttl_seconds");
            try {
                ttl = Validation.ttl(v);
            } catch (PilothouseException e) {
                throw problem("spec.ttl_seconds", e.getMessage());
            }
        }
        String metadata = null;
        if (present(spec.get("metadata"))) {
            JsonNode m = spec.get("metadata");
            object(m, "spec.metadata", "metadata must be a mapping of keys to values, e.g. project: q4");
            try {
                metadata = Validation.metadata(m);
            } catch (PilothouseException e) {
                throw problem("spec.metadata", e.getMessage());
            }
            metadataPlaceholders(m, "spec.metadata", declared);
        }
        return new SessionTemplate(name, agents, resources, guardrails, prompt, waiting, ttl, metadata, parameters);
    }

    private List<SessionTemplate.Agent> agents(JsonNode node) {
        if (!node.isArray()) {
            throw problem("spec.agents", "agents must be a list, e.g.\n  agents:\n    - name: data-analyzer");
        }
        if (node.isEmpty()) {
            throw problem("spec.agents", "a template needs at least one agent");
        }
        if (node.size() > MAX_AGENTS) {
            throw problem("spec.agents", node.size() + " agents; the limit is " + MAX_AGENTS);
        }
        List<SessionTemplate.Agent> out = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        for (int i = 0; i < node.size(); i++) {
            String path = "spec.agents[" + i + "]";
            JsonNode a = node.get(i);
            if (a.isTextual()) {
                throw problem(path, "an agent is a mapping with a name; write '- name: " + a.asText() + "'");
            }
            ObjectNode o = object(a, path, "an agent is a mapping with a name and optional config");
            keys(o, path, AGENT_KEYS);
            String name = requiredText(o, path + ".name");
            try {
                name = Validation.name("agent", name);
            } catch (PilothouseException e) {
                throw problem(path + ".name", e.getMessage());
            }
            if (seen.containsKey(name)) {
                throw problem(path + ".name", "agent '" + name + "' is listed twice (also at " + seen.get(name)
                        + "); each agent once per template");
            }
            seen.put(name, at(path + ".name").replaceAll(": $", ""));
            out.add(new SessionTemplate.Agent(name, config(o.get("config"), path + ".config", name)));
        }
        return List.copyOf(out);
    }

    private Map<String, String> config(JsonNode node, String path, String agent) {
        if (!present(node)) {
            return Map.of();
        }
        ObjectNode o = object(node, path, "config must be a mapping, e.g. config:\n    model: gpt-4");
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            String p = path + "." + key;
            if (!CONFIG_KEY.matcher(key).matches()) {
                throw problemAtKey(p, "config key '" + key + "' of agent '" + agent + "' is not accepted: a key "
                        + "starts with a letter or _ and holds letters, digits, _ . - (at most 63)");
            }
            JsonNode v = e.getValue();
            if (!v.isValueNode() || v.isNull()) {
                throw problem(p, "config value '" + key + "' must be a single value (text, number or true/false), not "
                        + kindOf(v));
            }
            if ((key.equals("model") || key.equals("instructions")) && v.asText().isBlank()) {
                throw problem(p, "config " + key + " is empty; give a value or leave the key out");
            }
            if (v.asText().indexOf('\0') >= 0) {
                throw problem(p, "config value '" + key + "' contains a NUL character");
            }
            if (!key.equals("model") && !key.equals("instructions")) {
                String env = TemplateConfig.envName(key);
                String other = out.keySet().stream().filter(k -> !k.equals("model") && !k.equals("instructions")
                        && TemplateConfig.envName(k).equals(env)).findFirst().orElse(null);
                if (other != null) {
                    throw problemAtKey(p, "config keys '" + other + "' and '" + key + "' of agent '" + agent
                            + "' would both be the environment variable " + env + "; keep one");
                }
            }
            out.put(key, v.asText());
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    private Resources resources(JsonNode node) {
        if (!present(node)) {
            return null;
        }
        ObjectNode o = object(node, "spec.resources", "resources must be a mapping with cpu, memory and/or storage, "
                + "e.g. cpu: 2, memory: 4Gi");
        keys(o, "spec.resources", RESOURCE_KEYS);
        String[] q = new String[3];
        for (int i = 0; i < 3; i++) {
            String k = RESOURCE_KEYS.get(i);
            JsonNode v = o.get(k);
            if (!present(v)) {
                continue;
            }
            String path = "spec.resources." + k;
            if (!v.isTextual() && !v.isNumber()) {
                throw problem(path, k + " must be a quantity such as " + (i == 0 ? "2 or 500m" : "4Gi") + ", not "
                        + kindOf(v));
            }
            String text = v.isNumber() ? v.numberValue().toString() : v.asText();
            try {
                q[i] = Validation.quantity(k, text);
            } catch (PilothouseException e) {
                throw problem(path, e.getMessage());
            }
        }
        return new Resources(q[0], q[1], q[2]);
    }

    private List<String> guardrails(JsonNode node) {
        if (!present(node)) {
            return List.of();
        }
        if (!node.isArray()) {
            throw problem("spec.guardrails", "guardrails must be a list, e.g.\n  guardrails:\n    - no-pii-exposure\n"
                    + "    - rate-limiting:per_minute=30");
        }
        List<String> out = new ArrayList<>();
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < node.size(); i++) {
            String path = "spec.guardrails[" + i + "]";
            JsonNode g = node.get(i);
            if (!g.isTextual()) {
                throw problem(path, "a guardrail is written as text, NAME or NAME:option=value,... (as with "
                        + "--guardrail), not " + kindOf(g) + "; the guardrails are " + String.join(", ", GuardrailSpec.NAMES));
            }
            GuardrailSpec spec;
            try {
                spec = GuardrailSpec.parse(g.asText());
            } catch (PilothouseException e) {
                throw problem(path, e.getMessage());
            }
            Integer before = names.put(spec.name(), i);
            if (before != null) {
                throw problem(path, "guardrail '" + spec.name() + "' is listed twice (items " + (before + 1) + " and "
                        + (i + 1) + "); give it once, with all its options");
            }
            out.add(g.asText().strip());
        }
        return List.copyOf(out);
    }

    private List<SessionTemplate.Parameter> parameters(JsonNode node) {
        if (!present(node)) {
            return List.of();
        }
        if (!node.isArray()) {
            throw problem("spec.parameters", "parameters must be a list, e.g.\n  parameters:\n    - name: dataset\n"
                    + "      default: sales.csv\n      description: the file to analyse");
        }
        if (node.size() > MAX_PARAMETERS) {
            throw problem("spec.parameters", node.size() + " parameters; the limit is " + MAX_PARAMETERS);
        }
        List<SessionTemplate.Parameter> out = new ArrayList<>();
        Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            String path = "spec.parameters[" + i + "]";
            ObjectNode o = object(node.get(i), path, "a parameter is a mapping with name and optional default and "
                    + "description");
            keys(o, path, PARAMETER_KEYS);
            String name = requiredText(o, path + ".name");
            if (!PARAMETER_NAME.matcher(name).matches()) {
                throw problem(path + ".name", "parameter name '" + name + "' is not accepted: it starts with a letter "
                        + "or _ and holds letters, digits, _ and - (at most 63)");
            }
            if (!seen.add(name)) {
                throw problem(path + ".name", "parameter '" + name + "' is declared twice");
            }
            String def = null;
            JsonNode d = o.get("default");
            if (present(d)) {
                if (!d.isValueNode()) {
                    throw problem(path + ".default", "a default is a single value, not " + kindOf(d));
                }
                def = d.asText();
            }
            String description = present(o.get("description")) ? text(o.get("description"), path + ".description") : null;
            out.add(new SessionTemplate.Parameter(name, def, description));
        }
        return List.copyOf(out);
    }

    private void placeholders(String text, String path, Set<String> declared) {
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            if (!declared.contains(m.group(1))) {
                throw problem(path, "{{" + m.group(1) + "}} names no parameter; "
                        + (declared.isEmpty() ? "declare it under spec.parameters (- name: " + m.group(1) + ")"
                        : "the parameters are " + String.join(", ", declared) + " (declare more under spec.parameters)"));
            }
        }
    }

    private void metadataPlaceholders(JsonNode node, String path, Set<String> declared) {
        if (node.isTextual()) {
            placeholders(node.asText(), path, declared);
        } else if (node.isObject()) {
            node.fields().forEachRemaining(e -> metadataPlaceholders(e.getValue(), path + "." + e.getKey(), declared));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                metadataPlaceholders(node.get(i), path + "[" + i + "]", declared);
            }
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private void keys(ObjectNode o, String path, List<String> accepted) {
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!accepted.contains(k)) {
                String full = path.isEmpty() ? k : path + "." + k;
                String near = accepted.stream().filter(a -> a.equalsIgnoreCase(k)
                        || a.replace("_", "").equalsIgnoreCase(k.replace("_", "").replace("-", ""))).findFirst()
                        .map(a -> " (did you mean '" + a + "'?)").orElse("");
                throw new InvalidInputException(problemAtKey(full, "unknown key '" + k + "'" + (path.isEmpty()
                        ? " at the top" : " in " + path) + near + "; accepted: " + String.join(", ", accepted))
                        .getMessage(), full);
            }
        }
    }

    private ObjectNode object(JsonNode node, String path, String expected) {
        if (node == null || !node.isObject()) {
            throw problem(path, expected + (node == null || node.isMissingNode() ? "" : " (found " + kindOf(node) + ")"));
        }
        return (ObjectNode) node;
    }

    private JsonNode required(ObjectNode o, String key, String what) {
        JsonNode v = o.get(key);
        if (!present(v)) {
            throw new InvalidInputException("template: '" + key + "' is missing; a SessionTemplate needs " + what
                    + " (see docs/templates.md)");
        }
        return v;
    }

    private String requiredText(ObjectNode o, String path) {
        String key = path.substring(path.lastIndexOf('.') + 1);
        JsonNode v = o.get(key);
        if (!present(v)) {
            String parent = path.contains(".") ? path.substring(0, path.lastIndexOf('.')) : "";
            throw problem(parent, "'" + key + "' is missing");
        }
        String t = text(v, path);
        if (t.isBlank()) {
            throw problem(path, key + " is empty");
        }
        return t.strip();
    }

    private String text(JsonNode v, String path) {
        if (!v.isValueNode() || v.isNull()) {
            throw problem(path, "expected text, found " + kindOf(v));
        }
        return v.asText();
    }

    private long integer(JsonNode v, String path) {
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw problem(path, "expected a whole number of seconds, found " + (v.isTextual() ? "'" + v.asText() + "'"
                    : kindOf(v)));
        }
        return v.asLong();
    }

    private static boolean present(JsonNode v) {
        return v != null && !v.isNull() && !v.isMissingNode();
    }

    private static String kindOf(JsonNode v) {
        if (v == null || v.isNull()) {
            return "nothing";
        }
        if (v.isObject()) {
            return "a mapping";
        }
        if (v.isArray()) {
            return "a list";
        }
        if (v.isNumber()) {
            return "the number " + v.asText();
        }
        if (v.isBoolean()) {
            return v.asText();
        }
        return "'" + v.asText() + "'";
    }

    // ---- use ------------------------------------------------------------------------------------

    /** The prompt and metadata of a template with its parameters filled in. */
    public record Resolved(String startingPrompt, String metadata, Map<String, String> parameters) {
    }

    /**
     * Fills in the template's parameters: {@code given} values, else the defaults. A parameter the
     * template does not declare, or a required one not given, is refused.
     */
    public static Resolved resolve(SessionTemplate t, Map<String, String> given) {
        Map<String, String> g = given == null ? Map.of() : given;
        Set<String> declared = new TreeSet<>();
        t.parameters().forEach(p -> declared.add(p.name()));
        for (String k : g.keySet()) {
            if (!declared.contains(k)) {
                throw new InvalidInputException("template '" + t.name() + "' has no parameter '" + k + "'; "
                        + (declared.isEmpty() ? "it takes no parameters" : "its parameters are " + String.join(", ", declared)),
                        "parameters");
            }
        }
        Map<String, String> values = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (SessionTemplate.Parameter p : t.parameters()) {
            String v = g.containsKey(p.name()) ? g.get(p.name()) : p.defaultValue();
            if (v == null) {
                missing.add(p.name() + (p.description() == null ? "" : " (" + p.description() + ")"));
                continue;
            }
            if (v.length() > MAX_PARAMETER_VALUE || v.indexOf('\0') >= 0) {
                throw new InvalidInputException("parameter '" + p.name() + "' is not accepted: at most "
                        + MAX_PARAMETER_VALUE + " characters of text", "parameters");
            }
            values.put(p.name(), v);
        }
        if (!missing.isEmpty()) {
            throw new InvalidInputException("template '" + t.name() + "' needs " + (missing.size() == 1 ? "parameter "
                    : "parameters ") + String.join(", ", missing) + "; give " + (missing.size() == 1 ? "it" : "each")
                    + " with --param NAME=VALUE (or \"parameters\": {...} in the API)", "parameters");
        }
        String prompt = t.startingPrompt() == null ? null : substitute(t.startingPrompt(), values);
        String metadata = null;
        if (t.metadata() != null) {
            JsonNode m = Json.parse(t.metadata());
            metadata = Validation.metadata(substituteAll(m, values));
        }
        return new Resolved(prompt, metadata, Map.copyOf(values));
    }

    static String substitute(String text, Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = values.get(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(v == null ? m.group() : v));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static JsonNode substituteAll(JsonNode node, Map<String, String> values) {
        if (node.isTextual()) {
            return Json.MAPPER.getNodeFactory().textNode(substitute(node.asText(), values));
        }
        if (node.isObject()) {
            ObjectNode o = Json.object();
            node.fields().forEachRemaining(e -> o.set(e.getKey(), substituteAll(e.getValue(), values)));
            return o;
        }
        if (node.isArray()) {
            var a = Json.MAPPER.createArrayNode();
            node.forEach(n -> a.add(substituteAll(n, values)));
            return a;
        }
        return node;
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
