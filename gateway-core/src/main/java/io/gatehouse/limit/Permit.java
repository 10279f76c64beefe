package io.gatehouse.limit;

import java.util.Objects;

/**
 * One limit to check for one request: the rule, the bucket it counts in, and the cost to take.
 *
 * <p>Immutable.
 *
 * @param rule the limit
 * @param key  the bucket's key, already resolved from the request (e.g. {@code alice})
 * @param cost units to take, at least 1 (for {@link LimitAlgorithm#CONCURRENCY} always 1)
 */
public record Permit(LimitRule rule, String key, long cost) {
    public Permit {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(key, "key");
        if (cost < 1) {
            throw new IllegalArgumentException("cost must be at least 1, was " + cost);
        }
    }
}
