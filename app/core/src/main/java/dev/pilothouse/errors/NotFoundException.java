package dev.pilothouse.errors;

/** An id or name that does not refer to anything the store knows. */
public class NotFoundException extends InvalidInputException {
    public NotFoundException(String message) {
        super(message);
    }
}
