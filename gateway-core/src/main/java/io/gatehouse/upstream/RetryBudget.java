package io.gatehouse.upstream;

/**
 * Bounds retries of one service: every first attempt earns {@code ratio} of a retry, and
 * {@code minPerSecond} retries are earned per second whatever the traffic; a retry spends one.
 * At most ten seconds' worth is saved, so a quiet period cannot bank a retry storm.
 *
 * <p>Thread-safe; the lock is held for a few arithmetic operations, never across I/O.
 */
final class RetryBudget {

    private final double ratio;
    private final double minPerNano;
    private final double capacity;
    private double tokens;
    private long refilledAt;

    RetryBudget(double ratio, int minPerSecond, long now) {
        this.ratio = ratio;
        this.minPerNano = minPerSecond / 1e9;
        this.capacity = Math.max(1, 10 * Math.max(minPerSecond, ratio * 10));
        this.tokens = minPerSecond;
        this.refilledAt = now;
    }

    synchronized void firstAttempt() {
        tokens = Math.min(capacity, tokens + ratio);
    }

    synchronized boolean tryRetry(long now) {
        long elapsed = now - refilledAt;
        if (elapsed > 0) {
            tokens = Math.min(capacity, tokens + elapsed * minPerNano);
            refilledAt = now;
        }
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
