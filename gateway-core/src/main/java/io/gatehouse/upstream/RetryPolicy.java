package io.gatehouse.upstream;

import java.time.Duration;
import java.util.Objects;

/**
 * When a failed attempt is tried again on another endpoint. An attempt is retried only when all
 * hold: the method is idempotent (GET, HEAD, OPTIONS, PUT, DELETE, TRACE) or
 * {@code nonIdempotent} is on; nothing of the response reached the client yet; the failure was a
 * refused or failed connection, a 503 or 504 from the upstream, or (idempotent methods only) a
 * connection closed or reset before the response headers; the request body is
 * replayable (absent, or no longer than {@code maxReplayBytes} and kept); attempts remain; and
 * the service's retry budget has room.
 *
 * <p>The budget bounds retries to {@code budgetRatio} of recent first attempts plus
 * {@code budgetMinPerSecond}, so that an outage cannot multiply the load on the survivors.
 *
 * <p>Immutable.
 *
 * @param maxAttempts        attempts in all, including the first; 1 turns retries off
 * @param backoff            the base delay before a retry, doubled per retry, with full jitter
 * @param maxBackoff         the largest delay before a retry
 * @param nonIdempotent      whether POST and PATCH may be retried too
 * @param maxReplayBytes     the largest request body kept for replay
 * @param budgetRatio        retries allowed per first attempt, over the last 10 seconds
 * @param budgetMinPerSecond retries always allowed per second, whatever the ratio
 */
public record RetryPolicy(int maxAttempts, Duration backoff, Duration maxBackoff,
        boolean nonIdempotent, int maxReplayBytes, double budgetRatio, int budgetMinPerSecond) {

    /** Two attempts, 25ms to 250ms jittered backoff, idempotent only, 64 KiB, 20% budget. */
    public static final RetryPolicy DEFAULTS = new RetryPolicy(2, Duration.ofMillis(25),
            Duration.ofMillis(250), false, 64 * 1024, 0.2, 3);

    /** No retries. */
    public static final RetryPolicy NONE = DEFAULTS.withMaxAttempts(1);

    public RetryPolicy {
        Objects.requireNonNull(backoff, "backoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (maxAttempts < 1 || maxAttempts > 10) {
            throw new IllegalArgumentException("retry attempts must be 1-10, was " + maxAttempts);
        }
        if (backoff.isNegative() || maxBackoff.compareTo(backoff) < 0) {
            throw new IllegalArgumentException("retry backoff must be >= 0 and max_backoff >= "
                    + "backoff, were " + backoff + " and " + maxBackoff);
        }
        if (maxReplayBytes < 0) {
            throw new IllegalArgumentException("retry max_replay_bytes must not be negative, "
                    + "was " + maxReplayBytes);
        }
        if (!(budgetRatio >= 0 && budgetRatio <= 10)) {
            throw new IllegalArgumentException("retry budget ratio must be 0-10, was "
                    + budgetRatio);
        }
        if (budgetMinPerSecond < 0) {
            throw new IllegalArgumentException("retry budget min_per_second must not be "
                    + "negative, was " + budgetMinPerSecond);
        }
    }

    public RetryPolicy withMaxAttempts(int value) {
        return new RetryPolicy(value, backoff, maxBackoff, nonIdempotent, maxReplayBytes,
                budgetRatio, budgetMinPerSecond);
    }

    public RetryPolicy withBackoff(Duration base, Duration max) {
        return new RetryPolicy(maxAttempts, base, max, nonIdempotent, maxReplayBytes,
                budgetRatio, budgetMinPerSecond);
    }

    public RetryPolicy withNonIdempotent(boolean value) {
        return new RetryPolicy(maxAttempts, backoff, maxBackoff, value, maxReplayBytes,
                budgetRatio, budgetMinPerSecond);
    }

    public RetryPolicy withMaxReplayBytes(int value) {
        return new RetryPolicy(maxAttempts, backoff, maxBackoff, nonIdempotent, value,
                budgetRatio, budgetMinPerSecond);
    }

    public RetryPolicy withBudget(double ratio, int minPerSecond) {
        return new RetryPolicy(maxAttempts, backoff, maxBackoff, nonIdempotent, maxReplayBytes,
                ratio, minPerSecond);
    }

    /** Whether {@code method} may be retried under this policy. */
    public boolean retriesMethod(String method) {
        return nonIdempotent || switch (method) {
            case "GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE" -> true;
            default -> false;
        };
    }
}
