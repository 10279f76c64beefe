package io.gatehouse.limit;

/**
 * What one limit has left for one key right now, as {@link LimitStore#inspect} reads it: the
 * numbers a {@link Verdict} reports, without a decision.
 *
 * <p>Immutable.
 *
 * @param remaining   units that could be taken now (never negative)
 * @param resetMicros microseconds until the limit is fully available again (0: it is)
 */
public record LimitStatus(long remaining, long resetMicros) {
    public LimitStatus {
        if (remaining < 0 || resetMicros < 0) {
            throw new IllegalArgumentException("status must not be negative, was remaining "
                    + remaining + ", reset " + resetMicros);
        }
    }
}
