package dev.pilothouse.runtime;

/** Progress of a volume copy; called from the copying threads. */
@FunctionalInterface
public interface CopyProgress {
    CopyProgress NONE = (bytesDone, bytesTotal, filesDone, filesTotal) -> {
    };

    void update(long bytesDone, long bytesTotal, long filesDone, long filesTotal);
}
