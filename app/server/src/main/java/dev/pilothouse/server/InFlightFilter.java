package dev.pilothouse.server;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts requests being answered, from the moment one arrives until its answer is complete (the
 * output closed, the last chunk written), so that a stopping server waits for exactly those.
 */
final class InFlightFilter implements Filter {
    private final AtomicInteger inFlight;

    InFlightFilter(AtomicInteger inFlight) {
        this.inFlight = inFlight;
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        inFlight.incrementAndGet();
        try {
            chain.doFilter(req, res);
        } finally {
            try {
                res.getOutputStream().close();
            } catch (IOException | IllegalStateException e) {
                // the client went away, or the answer was written another way and is complete already
            } finally {
                inFlight.decrementAndGet();
            }
        }
    }
}
