package dev.pilothouse.errors;

/** The input was fine but the work failed: a runtime, agent, disk or network problem. */
public class OperationFailedException extends PilothouseException {
    public OperationFailedException(String message) {
        super(message);
    }

    public OperationFailedException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public int exitCode() {
        return 1;
    }
}
