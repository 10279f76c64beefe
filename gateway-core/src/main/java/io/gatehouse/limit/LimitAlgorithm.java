package io.gatehouse.limit;

/**
 * The rate limiting algorithms. Each one's math is defined once, as a pure function of
 * (state, now, rule, cost), in integers below 2<sup>53</sup> with time in microseconds, so that
 * every {@link LimitStore} (in memory in Java, in Redis in Lua) reaches identical decisions.
 */
public enum LimitAlgorithm {
    /**
     * Token bucket: holds up to {@code burst} tokens, refilled continuously at {@code limit} per
     * {@code period}; a request of cost {@code c} takes {@code c} tokens or is refused.
     */
    TOKEN_BUCKET,
    /**
     * Sliding window counter: the count of the current fixed window plus the previous window's
     * count weighted by the share of the previous window still inside the sliding one.
     */
    SLIDING_WINDOW,
    /** Sliding window log: exact, remembers when each admitted unit was taken. */
    SLIDING_LOG,
    /** Fixed window: at most {@code limit} units per aligned window of {@code period}. */
    FIXED_WINDOW,
    /**
     * Concurrency: at most {@code limit} requests in flight, each holding a lease that is
     * released on completion and expires after {@code period} if never released.
     */
    CONCURRENCY
}
