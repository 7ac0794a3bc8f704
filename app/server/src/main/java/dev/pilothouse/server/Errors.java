package dev.pilothouse.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.errors.ConflictException;
import dev.pilothouse.errors.DuplicateException;
import dev.pilothouse.errors.GuardrailException;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.NotFoundException;
import dev.pilothouse.errors.OperationFailedException;
import dev.pilothouse.errors.WrongStateException;
import dev.pilothouse.json.Json;
import io.javalin.config.RoutesConfig;
import io.javalin.http.ContentTooLargeResponse;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.MethodNotAllowedResponse;
import io.javalin.http.NotFoundResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every failure becomes the one error shape with the engine's own wording (what the CLI prints for
 * the same mistake). Bad input is never a 500, and no answer carries a stack trace.
 */
final class Errors {
    private static final Logger log = LoggerFactory.getLogger(Errors.class);

    private Errors() {
    }

    static void register(RoutesConfig routes, long maxBodyBytes) {
        routes.exception(ApiException.class, (e, ctx) -> write(ctx, e));
        routes.exception(NotFoundException.class, (e, ctx) -> write(ctx, new ApiException(404, "not_found", e.getMessage(), e.field())));
        routes.exception(DuplicateException.class, (e, ctx) -> write(ctx, new ApiException(409, "duplicate", e.getMessage(), field(e, "name"))));
        routes.exception(WrongStateException.class, (e, ctx) -> write(ctx, new ApiException(409, "wrong_state", e.getMessage(), e.field())));
        routes.exception(GuardrailException.class, (e, ctx) -> write(ctx, switch (e.reason()) {
            case BLOCKED -> new ApiException(422, "guardrail_blocked", e.getMessage(), "content");
            case RATE_LIMITED -> new ApiException(429, "guardrail_rate_limited", e.getMessage(), "content",
                    e.retryAfterSeconds());
            case TOO_LARGE -> new ApiException(413, "message_too_large", e.getMessage(), "content");
        }));
        routes.exception(InvalidInputException.class, (e, ctx) -> write(ctx, ApiException.badRequest(e.getMessage(), e.field())));
        routes.exception(ConflictException.class, (e, ctx) -> write(ctx, new ApiException(
                ctx.header("If-Match") != null ? 412 : 409, ctx.header("If-Match") != null ? "precondition_failed" : "conflict",
                e.getMessage(), null)));
        routes.exception(OperationFailedException.class, (e, ctx) -> {
            log.warn("{} {}: {}", ctx.method(), ctx.path(), e.getMessage());
            write(ctx, new ApiException(500, "operation_failed", e.getMessage(), null));
        });
        routes.exception(HttpResponseException.class, (e, ctx) -> write(ctx, translate(e, ctx, maxBodyBytes)));
        routes.exception(Exception.class, (e, ctx) -> {
            log.error("{} {} failed", ctx.method(), ctx.path(), e);
            write(ctx, new ApiException(500, "internal", "the server failed on this request (" + e.getClass().getSimpleName()
                    + "); its log has the details", null));
        });
    }

    private static String field(InvalidInputException e, String fallback) {
        return e.field() != null ? e.field() : fallback;
    }

    private static ApiException translate(HttpResponseException e, Context ctx, long maxBodyBytes) {
        if (e instanceof NotFoundResponse) {
            return new ApiException(404, "not_found", "no such endpoint: " + ctx.method() + " " + ctx.path()
                    + "; the endpoints are listed in /api/v0/openapi.json", null);
        }
        if (e instanceof MethodNotAllowedResponse) {
            return new ApiException(405, "method_not_allowed", ctx.method() + " is not accepted on " + ctx.path()
                    + "; /api/v0/openapi.json lists the methods of each path", null);
        }
        if (e instanceof ContentTooLargeResponse || e.getStatus() == 413) {
            return new ApiException(413, "payload_too_large", "the request body is larger than the limit of "
                    + maxBodyBytes + " bytes", null);
        }
        return new ApiException(e.getStatus(), "http_" + e.getStatus(), e.getMessage(), null);
    }

    static void write(Context ctx, ApiException e) {
        ObjectNode error = Json.object();
        error.putObject("error").put("code", e.code()).put("message", e.getMessage()).put("field", e.field());
        if (e.retryAfterSeconds() != null) {
            ctx.header("Retry-After", Long.toString(e.retryAfterSeconds()));
        }
        ctx.status(e.status()).contentType("application/json").result(Json.compact(error));
    }
}
