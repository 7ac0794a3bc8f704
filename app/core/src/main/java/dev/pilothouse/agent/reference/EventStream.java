package dev.pilothouse.agent.reference;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pilothouse.json.Json;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * One reply as NDJSON events (docs/agent-contract.md), each flushed as soon as it is written.
 * Safe to use from several threads (a command's stdout and stderr readers). It also keeps the
 * reply text for the history, and makes sure exactly one {@code done} or {@code error} ends it.
 * If the client goes away the reply still runs to its end, so the history stays whole.
 */
final class EventStream {
    private final OutputStream out;
    private final String messageId;
    private final ClippedText text = new ClippedText();
    private boolean hasText;
    private boolean endsWithNewline = true;
    private boolean finished;
    private boolean clientGone;
    private String outcome = "no reply";

    EventStream(OutputStream out, String messageId) {
        this.out = out;
        this.messageId = messageId;
    }

    synchronized void delta(String piece) {
        if (piece.isEmpty()) {
            return;
        }
        record(piece);
        write(Json.object().put("type", "delta").put("text", piece));
    }

    synchronized void toolOutput(String tool, String stream, String piece) {
        if (piece.isEmpty()) {
            return;
        }
        record(piece);
        write(Json.object().put("type", "tool_output").put("tool", tool).put("stream", stream).put("text", piece));
    }

    /** Starts a new line in the reply text if it does not already end with one. */
    synchronized void newLine() {
        if (!endsWithNewline) {
            delta("\n");
        }
    }

    synchronized void done(Integer exitCode) {
        if (finished) {
            return;
        }
        ObjectNode event = Json.object().put("type", "done");
        if (exitCode != null) {
            event.put("exit_code", exitCode);
        }
        write(event);
        finish(exitCode == null ? "done" : "done, exit code " + exitCode);
    }

    synchronized void error(String message) {
        if (finished) {
            return;
        }
        write(Json.object().put("type", "error").put("message", message));
        finish("error: " + message);
    }

    /** The reply text so far (delta and tool_output texts in order), clipped for the history. */
    synchronized String text() {
        return text.toString();
    }

    synchronized boolean hasText() {
        return hasText;
    }

    /** How the reply ended, for the log. */
    synchronized String outcome() {
        return outcome;
    }

    private void record(String piece) {
        text.append(piece);
        hasText = true;
        endsWithNewline = piece.endsWith("\n");
    }

    private void finish(String how) {
        finished = true;
        outcome = how;
    }

    private void write(ObjectNode event) {
        if (finished || clientGone) {
            return;
        }
        try {
            out.write((Json.compact(event) + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            clientGone = true;
            AgentLog.warn("client went away during the reply to message " + messageId
                    + "; finishing the reply without it (" + e.getMessage() + ")");
        }
    }
}
