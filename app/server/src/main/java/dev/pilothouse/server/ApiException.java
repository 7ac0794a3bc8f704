package dev.pilothouse.server;

/** An HTTP error the API answers with, in its one JSON shape: {@code {"error": {"code", "message", "field"}}}. */
final class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    private final String field;
    private final Long retryAfterSeconds;

    ApiException(int status, String code, String message, String field) {
        this(status, code, message, field, null);
    }

    ApiException(int status, String code, String message, String field, Long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.field = field;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    static ApiException badRequest(String message, String field) {
        return new ApiException(400, "invalid", message, field);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    String field() {
        return field;
    }

    Long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
