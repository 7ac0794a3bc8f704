package dev.pilothouse.errors;

/**
 * Another writer changed the same record first (optimistic version check). The losing write was
 * not applied; re-read and try again.
 */
public class ConflictException extends PilothouseException {
    public ConflictException(String message) {
        super(message);
    }

    @Override
    public int exitCode() {
        return 1;
    }
}
