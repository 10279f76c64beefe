package io.gatehouse.upstream;

import java.time.Duration;
import java.util.Objects;

/**
 * The circuit breaker of a {@link Service}: it opens when, over the last {@code windowSize}
 * calls (at least {@code minimumCalls}), the share of failures (connection failures, timeouts,
 * 5xx) reaches {@code failureRatePercent}; while open every request gets 503
 * {@code CIRCUIT_OPEN} with {@code Retry-After}; after {@code openFor} it lets
 * {@code halfOpenCalls} probes through and closes again if they succeed.
 *
 * <p>Immutable.
 */
public record BreakerSettings(boolean enabled, int failureRatePercent, int windowSize,
        int minimumCalls, Duration openFor, int halfOpenCalls) {

    /** On: 50% of the last 20 calls (at least 10), open 10s, 3 probes. */
    public static final BreakerSettings DEFAULTS =
            new BreakerSettings(true, 50, 20, 10, Duration.ofSeconds(10), 3);

    /** No breaker. */
    public static final BreakerSettings DISABLED =
            new BreakerSettings(false, 50, 20, 10, Duration.ofSeconds(10), 3);

    public BreakerSettings {
        Objects.requireNonNull(openFor, "openFor");
        if (failureRatePercent < 1 || failureRatePercent > 100) {
            throw new IllegalArgumentException("circuit_breaker failure_rate must be 1-100 "
                    + "(percent), was " + failureRatePercent);
        }
        if (windowSize < 1 || minimumCalls < 1 || minimumCalls > windowSize) {
            throw new IllegalArgumentException("circuit_breaker window must be >= 1 and "
                    + "minimum_calls 1..window, were " + windowSize + " and " + minimumCalls);
        }
        if (openFor.isNegative() || openFor.isZero()) {
            throw new IllegalArgumentException("circuit_breaker open_for must be positive, was "
                    + openFor);
        }
        if (halfOpenCalls < 1) {
            throw new IllegalArgumentException("circuit_breaker half_open_calls must be >= 1, "
                    + "was " + halfOpenCalls);
        }
    }
}
