package dev.pilothouse.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.errors.ConflictException;
import dev.pilothouse.errors.DuplicateException;
import dev.pilothouse.errors.GuardrailException;
import dev.pilothouse.errors.InvalidInputException;
import dev.pilothouse.errors.NotFoundException;
import dev.pilothouse.errors.OperationFailedException;
import dev.pilothouse.errors.PilothouseException;
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

import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * Every failure becomes the one error shape with the engine's own wording (what the CLI prints for
 * the same mistake). Bad input is never a 500, and no answer carries a stack trace.
 */
final class Errors {
    private static final Logger log = LoggerFactory.getLogger(Errors.class);

    private Errors() {
    }

    /**
     * {@code allowed}: the methods routed for a request path, in the order they are named in a 405's
     * {@code Allow} header and message.
     */
    static void register(RoutesConfig routes, long maxBodyBytes, Duration idleTimeout,
                         Function<String, List<String>> allowed) {
        // Javalin answers a read that timed out (a body stalled half-way, past the connection's idle timeout)
        // itself, with a bare 408 before any exception handler sees it: given its words here
        routes.error(408, ctx -> {
            String type = ctx.res().getContentType();
            if (type != null && type.startsWith("application/json")) {
                return; // an answer of ours already
            }
            ctx.header("Connection", "close"); // the rest of the body may still come: not a next request
            write(ctx, new ApiException(408, "request_timeout", "the request body did not arrive within "
                    + seconds(idleTimeout) + " of the last bytes received; send the whole body, as many bytes as its "
                    + "Content-Length says", null));
        });
        routes.exception(ApiException.class, (e, ctx) -> write(ctx, e));
        routes.exception(PilothouseException.class, (e, ctx) -> {
            if (e instanceof OperationFailedException) {
                log.warn("{} {}: {}", ctx.method(), ctx.path(), e.getMessage());
            }
            write(ctx, of(e, ctx.header("If-Match") != null));
        });
        routes.exception(HttpResponseException.class, (e, ctx) -> write(ctx, translate(e, ctx, maxBodyBytes, allowed)));
        routes.exception(Exception.class, (e, ctx) -> {
            Throwable unread = unreadableBody(e);
            if (unread != null) {
                // the client's fault, not the server's: a 400, logged only at debug
                log.debug("{} {}: the body could not be read: {}", ctx.method(), ctx.path(), unread.toString());
                ctx.header("Connection", "close"); // the rest of what it sent cannot be read as a next request
                write(ctx, new ApiException(400, "bad_request", "the request body could not be read ("
                        + unread.getMessage() + "); send it whole, with a Content-Length that matches it or valid "
                        + "chunked Transfer-Encoding", null));
                return;
            }
            log.error("{} {} failed", ctx.method(), ctx.path(), e);
            write(ctx, new ApiException(500, "internal", "the server failed on this request (" + e.getClass().getSimpleName()
                    + "); its log has the details", null));
        });
    }

    /**
     * The answer an engine failure gets, as an error answer or as a stream's last event once its headers
     * went out. {@code ifMatch}: the request was conditional, so a version conflict is a failed precondition.
     */
    static ApiException of(PilothouseException e, boolean ifMatch) {
        if (e instanceof NotFoundException nf) {
            return new ApiException(404, "not_found", e.getMessage(), nf.field());
        }
        if (e instanceof DuplicateException d) {
            return new ApiException(409, "duplicate", e.getMessage(), field(d, "name"));
        }
        if (e instanceof WrongStateException ws) {
            return new ApiException(409, "wrong_state", e.getMessage(), ws.field());
        }
        if (e instanceof InvalidInputException bad) {
            return ApiException.badRequest(e.getMessage(), bad.field());
        }
        if (e instanceof GuardrailException g) {
            return switch (g.reason()) {
                case BLOCKED -> new ApiException(422, "guardrail_blocked", e.getMessage(), "content");
                case RATE_LIMITED -> new ApiException(429, "guardrail_rate_limited", e.getMessage(), "content",
                        g.retryAfterSeconds());
                case TOO_LARGE -> new ApiException(413, "message_too_large", e.getMessage(), "content");
            };
        }
        if (e instanceof ConflictException) {
            return new ApiException(ifMatch ? 412 : 409, ifMatch ? "precondition_failed" : "conflict", e.getMessage(), null);
        }
        return new ApiException(500, "operation_failed", e.getMessage(), null);
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static String field(InvalidInputException e, String fallback) {
        return e.field() != null ? e.field() : fallback;
    }

    /**
     * Jetty's own complaint about the body it was reading (a malformed chunk, a body shorter than its
     * Content-Length), found among the causes of {@code e}; null when {@code e} is something else.
     */
    private static Throwable unreadableBody(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof org.eclipse.jetty.http.HttpException || t instanceof org.eclipse.jetty.io.EofException) {
                return t;
            }
        }
        return null;
    }

    private static ApiException translate(HttpResponseException e, Context ctx, long maxBodyBytes,
                                          Function<String, List<String>> allowed) {
        if (e instanceof NotFoundResponse) {
            return new ApiException(404, "not_found", "no such endpoint: " + ctx.method() + " " + ctx.path()
                    + "; the endpoints are listed in /api/v0/openapi.json", null);
        }
        if (e instanceof MethodNotAllowedResponse) {
            String methods = String.join(", ", allowed.apply(ctx.path()));
            ctx.header("Allow", methods);
            return new ApiException(405, "method_not_allowed", ctx.method() + " is not accepted on " + ctx.path()
                    + "; accepted: " + methods, null);
        }
        if (e instanceof ContentTooLargeResponse || e.getStatus() == 413) {
            // the body is left unread, so Jetty ends the connection after this answer: say so, or a client
            // that sends its next request on it finds it closed
            ctx.header("Connection", "close");
            return new ApiException(413, "payload_too_large", "the request body is larger than the limit of "
                    + maxBodyBytes + " bytes", null);
        }
        return new ApiException(e.getStatus(), "http_" + e.getStatus(), e.getMessage(), null);
    }

    static void write(Context ctx, ApiException e) {
        if (e.retryAfterSeconds() != null) {
            ctx.header("Retry-After", Long.toString(e.retryAfterSeconds()));
        }
        ctx.status(e.status()).contentType("application/json").result(json(e));
    }

    /** The one error shape, as JSON text. */
    static String json(ApiException e) {
        ObjectNode error = Json.object();
        error.putObject("error").put("code", e.code()).put("message", e.getMessage()).put("field", e.field());
        return Json.compact(error);
    }
}
