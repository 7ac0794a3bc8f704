package dev.pilothouse.errors;

/**
 * The operator asked for something that cannot be done as asked: a malformed value, an unknown
 * name, a duplicate, or an operation the session's state does not allow. Nothing was changed.
 */
public class InvalidInputException extends PilothouseException {
    public InvalidInputException(String message) {
        super(message);
    }

    @Override
    public int exitCode() {
        return 2;
    }
}
