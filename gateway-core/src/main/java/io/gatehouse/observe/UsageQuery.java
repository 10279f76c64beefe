package io.gatehouse.observe;

/**
 * Reads what a {@link UsageRecorder} counted, per {@link UsageWindow}: the read side of usage
 * that {@code GET /v1/usage} serves.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface UsageQuery {

    /**
     * Requests and cost of {@code principalId} in the current minute, hour, day and month
     * (UTC), and the tier of its last recorded request.
     *
     * @throws RuntimeException an implementation's own failure when its store cannot be read
     */
    WindowedUsage windowed(String principalId);
}
