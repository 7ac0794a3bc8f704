package dev.pilothouse.server;

import dev.pilothouse.engine.CreateRequest;
import dev.pilothouse.engine.Engine;
import dev.pilothouse.errors.NotFoundException;
import dev.pilothouse.session.Session;
import dev.pilothouse.session.Validation;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.util.List;

/**
 * Orpheus' form: {@code POST /v1/agents/{agent}/run} with {@code X-Session-ID} and a body
 * {@code {"input": "..."}}. The session of that id or name is used (resumed if paused), or created
 * with the agent under that name; the answer is the stored exchange, or a stream as for messages.
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
        String ref = ctx.header("X-Session-ID");
        Session s = ref == null || ref.isBlank() ? null : find(e, ref.strip());
        if (s == null || s.deleted()) {
            String name = ref == null || ref.isBlank() ? null : Validation.name("session", ref.strip());
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

    private static Session find(Engine e, String ref) {
        try {
            return e.session(ref);
        } catch (NotFoundException missing) {
            return null;
        }
    }
}
