package dev.pilothouse.server;

import dev.pilothouse.engine.ApiTokens;
import dev.pilothouse.engine.Engine;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;

import java.util.Optional;

/**
 * Who is asking: every request but the health check carries {@code Authorization: Bearer <token>};
 * a read-only token may only read; each token has its own rate limit. The engine the handlers use
 * acts as the token's name, so the audit trail names it.
 */
final class Auth {
    static final String ENGINE = "engine";
    private static final String GRANT = "grant";
    private static final String TOKEN = "token";

    private final Engine engine;
    private final RateLimiter limiter;

    Auth(Engine engine, RateLimiter limiter) {
        this.engine = engine;
        this.limiter = limiter;
    }

    void check(Context ctx) {
        if (ctx.path().equals("/api/v0/health") || ctx.method() == HandlerType.OPTIONS) {
            return;
        }
        String header = ctx.header("Authorization");
        if (header == null || header.isBlank()) {
            throw unauthorized(ctx, "this request needs a bearer token: send 'Authorization: Bearer <token>'; "
                    + "`pilothouse tokens create NAME` makes one");
        }
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw unauthorized(ctx, "the Authorization header must be 'Bearer <token>'");
        }
        String presented = header.substring(7).strip();
        Optional<ApiTokens.Grant> grant = engine.tokens().authenticate(presented);
        if (grant.isEmpty()) {
            throw unauthorized(ctx, engine.tokens().whyRefused(presented));
        }
        ApiTokens.Grant g = grant.get();
        long wait = limiter.take(g.name(), System.nanoTime());
        if (wait > 0) {
            throw new ApiException(429, "rate_limited", "token '" + g.name() + "' is over its limit of "
                    + limiter.perMinute() + " requests a minute; retry after " + wait + " s", null, wait);
        }
        if (g.readOnly() && !(ctx.method() == HandlerType.GET || ctx.method() == HandlerType.HEAD)) {
            throw new ApiException(403, "forbidden", "token '" + g.name() + "' is read-only: it may only read (GET); "
                    + ctx.method() + " " + ctx.path() + " needs a token made without --read-only", null);
        }
        ctx.attribute(GRANT, g);
        ctx.attribute(TOKEN, presented);
        ctx.attribute(ENGINE, engine.as(g.name()));
    }

    private static ApiException unauthorized(Context ctx, String message) {
        ctx.header("WWW-Authenticate", "Bearer realm=\"pilothouse\"");
        return new ApiException(401, "unauthorized", message, null);
    }

    /** The bearer token the request presented (an open stream checks it still holds), or null before auth. */
    static String token(Context ctx) {
        return ctx.attribute(TOKEN);
    }

    /** The engine acting as the request's token. */
    static Engine engine(Context ctx) {
        Engine e = ctx.attribute(ENGINE);
        if (e == null) {
            throw new IllegalStateException("no engine on an unauthenticated request");
        }
        return e;
    }
}
