package dev.pilothouse.server;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.IntSupplier;

/**
 * The errors Jetty answers itself, before a request reaches Javalin (a request line, header or URI
 * it cannot accept, a request with no Host): the one error shape, as JSON, instead of Jetty's HTML
 * page. Set on the server (errors while parsing) and on the servlet context (a URI it refuses).
 */
final class JsonErrorHandler extends ErrorHandler {
    private final IntSupplier headerLimit;

    /** {@code headerLimit}: the bytes the request line and headers may take together, named in 414 and 431. */
    JsonErrorHandler(IntSupplier headerLimit) {
        this.headerLimit = headerLimit;
    }

    @Override
    public boolean errorPageForMethod(String method) {
        return true; // every method gets its error as JSON, not only GET, POST and HEAD
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        byte[] body = body(code, message);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        byte[] body = body(status, reason);
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        return ByteBuffer.wrap(body);
    }

    private byte[] body(int code, String reason) {
        return Errors.json(error(code, reason, headerLimit.getAsInt())).getBytes(StandardCharsets.UTF_8);
    }

    /** Jetty's status and reason as an error of the one shape, saying what is accepted. */
    static ApiException error(int code, String reason, int headerLimit) {
        String why = reason == null || reason.isBlank() ? "" : " (" + reason + ")";
        return switch (code) {
            case 400 -> new ApiException(400, "bad_request", "the request is not well-formed HTTP" + why + "; send HTTP/1.1 "
                    + "with a Host header, a method of letters, a path of plain or %-encoded characters (no NUL, no "
                    + "backslash, no bad % escape) and a Content-Length that is a number", null);
            case 414 -> new ApiException(414, "uri_too_long", "the request's URI is too long" + why + "; the request line and "
                    + "headers may take " + headerLimit + " bytes together", null);
            case 431 -> new ApiException(431, "headers_too_large", "the request's headers are too large" + why + "; the "
                    + "request line and headers may take " + headerLimit + " bytes together", null);
            case 413 -> new ApiException(413, "payload_too_large", "the request is too large" + why, null);
            case 505 -> new ApiException(505, "http_version_not_supported", "this HTTP version is not served" + why
                    + "; send HTTP/1.1 (or HTTP/1.0)", null);
            case 501 -> new ApiException(501, "not_implemented", "the server does not implement this" + why
                    + "; the endpoints and their methods are listed in /api/v0/openapi.json", null);
            case 500 -> new ApiException(500, "internal", "the server failed on this request; its log has the details", null);
            default -> new ApiException(code, "http_" + code, "the request was refused" + why, null);
        };
    }
}
