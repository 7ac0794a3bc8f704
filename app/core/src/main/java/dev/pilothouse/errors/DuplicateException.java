package dev.pilothouse.errors;

/** A name already taken by a live session, agent or token: bad input (exit 2), a conflict on the API (409). */
public class DuplicateException extends InvalidInputException {
    public DuplicateException(String message) {
        super(message);
    }
}
