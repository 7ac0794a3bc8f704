package dev.pilothouse.errors;

/**
 * The operator asked for something that cannot be done as asked: a malformed value, an unknown
 * name, a duplicate, or an operation the session's state does not allow. Nothing was changed.
 */
public class InvalidInputException extends PilothouseException {
    private final String field;

    public InvalidInputException(String message) {
        this(message, null);
    }

    /** @param field the input field that was wrong (the REST API names it), or null */
    public InvalidInputException(String message, String field) {
        super(message);
        this.field = field;
    }

    public String field() {
        return field;
    }

    @Override
    public int exitCode() {
        return 2;
    }
}
