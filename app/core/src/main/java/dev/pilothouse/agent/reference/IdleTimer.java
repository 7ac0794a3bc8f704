package dev.pilothouse.agent.reference;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The waiting timeout: expires when no message has been in flight for the whole timeout. The clock
 * restarts at the start and at the end of each message, and never runs out while one is in flight.
 * Once expired it stays expired, so a message arriving while the agent exits is refused rather
 * than cut off.
 */
final class IdleTimer {
    private final long timeoutNanos;
    private final LongSupplier nanoClock;
    private long lastActivity;
    private int inFlight;
    private boolean expired;

    IdleTimer(long timeoutSeconds) {
        this(timeoutSeconds, System::nanoTime);
    }

    IdleTimer(long timeoutSeconds, LongSupplier nanoClock) {
        this.timeoutNanos = TimeUnit.SECONDS.toNanos(timeoutSeconds);
        this.nanoClock = nanoClock;
        this.lastActivity = nanoClock.getAsLong();
    }

    /** Returns false once the timer has expired: the agent is exiting and takes no more messages. */
    synchronized boolean messageStarted() {
        if (expired) {
            return false;
        }
        inFlight++;
        lastActivity = nanoClock.getAsLong();
        notifyAll();
        return true;
    }

    synchronized void messageFinished() {
        inFlight--;
        lastActivity = nanoClock.getAsLong();
        notifyAll();
    }

    /** Nanoseconds until expiry; {@link Long#MAX_VALUE} while a message is in flight. */
    synchronized long remainingNanos() {
        return inFlight > 0 ? Long.MAX_VALUE : lastActivity + timeoutNanos - nanoClock.getAsLong();
    }

    /** Blocks until the timeout has passed with no message in flight. */
    synchronized void awaitExpiry() throws InterruptedException {
        long remaining;
        while ((remaining = remainingNanos()) > 0) {
            if (remaining == Long.MAX_VALUE) {
                wait();
            } else {
                TimeUnit.NANOSECONDS.timedWait(this, remaining);
            }
        }
        expired = true;
    }
}
