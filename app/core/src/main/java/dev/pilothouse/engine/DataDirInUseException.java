package dev.pilothouse.engine;

import dev.pilothouse.errors.OperationFailedException;

/** Another engine (another process, or another engine in this one) owns the data dir. */
public final class DataDirInUseException extends OperationFailedException {
    public DataDirInUseException(String message) {
        super(message);
    }
}
