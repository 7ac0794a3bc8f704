package dev.pilothouse.errors;

/** Base of every error the engine reports to an operator; the message is meant to be shown as is. */
public abstract class PilothouseException extends RuntimeException {
    protected PilothouseException(String message) {
        super(message);
    }

    protected PilothouseException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Process exit code for the CLI: 2 for bad input, 1 for failures. */
    public abstract int exitCode();
}
