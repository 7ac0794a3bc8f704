package dev.pilothouse.server;

import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per API token: {@code perMinute} requests a minute on average, bursts up to the
 * same number. Answers how long to wait when a request is over the limit.
 */
final class RateLimiter {
    private final int perMinute;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    RateLimiter(int perMinute) {
        this.perMinute = perMinute;
    }

    int perMinute() {
        return perMinute;
    }

    /** 0 when the request may go ahead; otherwise the seconds until it may. */
    long take(String key, long nowNanos) {
        return buckets.computeIfAbsent(key, k -> new Bucket(perMinute, nowNanos)).take(nowNanos, perMinute);
    }

    private static final class Bucket {
        private double tokens;
        private long at;

        Bucket(int capacity, long now) {
            tokens = capacity;
            at = now;
        }

        synchronized long take(long now, int perMinute) {
            double perNano = perMinute / 60e9;
            tokens = Math.min(perMinute, tokens + (now - at) * perNano);
            at = now;
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - tokens) / perNano / 1e9);
        }
    }
}
