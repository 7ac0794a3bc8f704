package dev.pilothouse.runtime;

/** An open log reader; closing it stops following. */
public interface LogSubscription extends AutoCloseable {
    @Override
    void close();
}
