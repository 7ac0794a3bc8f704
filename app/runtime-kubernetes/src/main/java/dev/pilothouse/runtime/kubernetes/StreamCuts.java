package dev.pilothouse.runtime.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClientException;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;

/**
 * Why a log stream from the API server was cut, in an operator's words: the marker line of a
 * follow that reconnects says it, and exception class names ("EOFException: \n not found", the
 * HTTP client's words for a chunked body cut mid-way) mean nothing to someone reading a log.
 */
final class StreamCuts {
    private StreamCuts() {
    }

    /** The cause of a cut stream for people; {@code failure} null when the stream simply ended. */
    static String why(Throwable failure) {
        if (failure == null) {
            return "the API server ended the stream";
        }
        return words(failure, "log stream closed by the API server");
    }

    /** Why a request to the API server got no answer, for people (the connection check, opening a port-forward). */
    static String connection(Throwable failure) {
        return words(failure, "the connection was closed before the API server answered");
    }

    private static String words(Throwable failure, String closed) {
        KubernetesClientException k = KubeErrors.find(failure, KubernetesClientException.class);
        if (k != null && k.getCode() > 0) {
            String status = k.getStatus() == null ? null : k.getStatus().getMessage();
            return "the API server answered " + k.getCode() + (status == null || status.isBlank() ? "" : ": " + status);
        }
        if (KubeErrors.find(failure, EOFException.class) != null) {
            return closed;
        }
        if (KubeErrors.find(failure, ConnectException.class) != null) {
            return "the API server refused the connection";
        }
        if (KubeErrors.find(failure, UnknownHostException.class) != null) {
            return "the API server's host name did not resolve";
        }
        if (KubeErrors.find(failure, SocketTimeoutException.class) != null || KubeErrors.find(failure, InterruptedIOException.class) != null) {
            return "the API server did not answer in time";
        }
        IOException io = KubeErrors.find(failure, IOException.class);
        if (io != null) {
            return "the connection to the API server broke" + (io.getMessage() == null ? "" : " (" + io.getMessage().strip() + ")");
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? "the stream failed" : root.getMessage().strip();
    }
}
