package dev.pilothouse.server;

import io.javalin.http.Context;

/** Query parameters, checked: a wrong value is a 400 naming the parameter and what is accepted. */
final class Query {
    private Query() {
    }

    static boolean bool(Context ctx, String name, boolean fallback) {
        String v = ctx.queryParam(name);
        if (v == null || v.isEmpty()) {
            return fallback;
        }
        return switch (v.toLowerCase()) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw ApiException.badRequest("query parameter '" + name + "' is '" + v
                    + "'; accepted: true or false", name);
        };
    }

    static Long whole(Context ctx, String name, long min, long max) {
        String v = ctx.queryParam(name);
        if (v == null || v.isEmpty()) {
            return null;
        }
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("query parameter '" + name + "' is '" + v + "'; accepted: a whole number from "
                    + min + " to " + max, name);
        }
        if (n < min || n > max) {
            throw ApiException.badRequest("query parameter '" + name + "' is " + n + "; accepted: " + min + " to " + max, name);
        }
        return n;
    }

    static String oneOf(Context ctx, String name, String fallback, java.util.List<String> accepted) {
        String v = ctx.queryParam(name);
        if (v == null || v.isEmpty()) {
            return fallback;
        }
        if (!accepted.contains(v)) {
            throw ApiException.badRequest("query parameter '" + name + "' is '" + v + "'; accepted: "
                    + String.join(", ", accepted), name);
        }
        return v;
    }
}
