package dev.pilothouse.server;

import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.NotFoundException;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.Validation;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.util.List;

/**
 * Orpheus' form: {@code POST /v1/agents/{agent}/run} with {@code X-Session-ID} and a body
 * {@code {"input": "..."}}. The session of that id or name is used (resumed if paused), or created
 * with the agent under that name (a UUID, as Orpheus clients send, names it {@code orpheus-<uuid>});
 * the answer is the stored exchange, or a stream as for messages.
 * Without the header a new session with a generated name is made; its id comes back in the header.
 */
final class OrpheusApi {
    private OrpheusApi() {
    }

    static void register(RoutesConfig r, Streams streams) {
        r.post("/v1/agents/{agent}/run", ctx -> run(ctx, streams));
    }

    private static void run(Context ctx, Streams streams) {
        RequestBody b = RequestBody.of(ctx, List.of("input"));
        String input = b.text("input");
        if (input == null) {
            throw ApiException.badRequest("field 'input' is required: the message for the agent", "input");
        }
        String agent = ctx.pathParam("agent");
        Engine e = Auth.engine(ctx);
        e.agent(agent); // an unknown agent is a 404 before anything is made
        String header = ctx.header("X-Session-ID");
        String ref = header == null || header.isBlank() ? null : header.strip();
        Session s = ref == null ? null : find(e, ref);
        String name = ref == null ? null : nameFor(ref);
        if ((s == null || s.deleted()) && name != null && !name.equals(ref)) {
            s = find(e, name); // a UUID header seen before: the session made for it
        }
        if (s == null || s.deleted()) {
            s = e.create(new CreateRequest(name, null, null, List.of(agent), null, null, null, null, null), null).session();
        }
        if (s.agents().stream().noneMatch(a -> a.name().equals(agent))) {
            throw new ApiException(409, "wrong_agent", "session '" + s.name() + "' has no agent '" + agent + "' (it has "
                    + s.agents().stream().map(a -> a.name()).toList() + "); use one of them or another X-Session-ID", null);
        }
        ctx.header("X-Session-ID", s.id());
        String id = s.id();
        MessagesApi.exchange(ctx, streams, onReply -> e.send(id, agent, input, onReply));
    }

    static final String UUID_PREFIX = "orpheus-";

    /**
     * The name of the session an {@code X-Session-ID} makes when none has it. Orpheus clients send a
     * UUID of their own; a session name may not look like an id (names and ids would be ambiguous),
     * and the engine's ids are its own, generated and unique across the store, so a client cannot
     * choose one. A UUID header makes {@code orpheus-<uuid>} (lowercase, 44 characters: a valid
     * name), which {@link #run} looks up when no session has the header as its id: the same header
     * finds the same session next time. Any other header is the name itself, checked as one; its
     * errors name the header, not the body field {@code name}.
     */
    static String nameFor(String ref) {
        if (Validation.isUuid(ref)) {
            return UUID_PREFIX + ref.toLowerCase(java.util.Locale.ROOT);
        }
        try {
            return Validation.name("session", ref);
        } catch (InvalidInputException bad) {
            throw ApiException.badRequest("X-Session-ID '" + Validation.printable(ref) + "' is neither a session's id nor "
                    + "a usable session name: " + bad.getMessage() + "; or send a UUID (the session made for it is named "
                    + UUID_PREFIX + "<uuid>)", "X-Session-ID");
        }
    }

    private static Session find(Engine e, String ref) {
        try {
            return e.session(ref);
        } catch (NotFoundException missing) {
            return null;
        }
    }
}
