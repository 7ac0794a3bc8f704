package dev.pilothouse.errors;

/** The operation is not allowed from the session's current state or phase. */
public class WrongStateException extends InvalidInputException {
    public WrongStateException(String message) {
        super(message);
    }
}
