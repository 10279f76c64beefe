package io.gatehouse.limit;

import java.util.Objects;

/**
 * One limit of a principal and what it has left, as {@link TieredRateLimiter#quotas} reads it.
 *
 * <p>Immutable.
 *
 * @param rule        the limit
 * @param remaining   units that could be taken now
 * @param resetMicros microseconds until the limit is fully available again (0: it is)
 */
public record LimitQuota(LimitRule rule, long remaining, long resetMicros) {
    public LimitQuota {
        Objects.requireNonNull(rule, "rule");
    }

    /**
     * The units a client may spend at once: a token bucket's capacity (its burst), otherwise
     * the limit per window; the number {@code RateLimit-Policy} announces as {@code q}.
     */
    public long quota() {
        return rule.algorithm() == LimitAlgorithm.TOKEN_BUCKET ? rule.burst() : rule.limit();
    }
}
