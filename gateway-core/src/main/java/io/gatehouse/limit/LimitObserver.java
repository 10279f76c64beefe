package io.gatehouse.limit;

/**
 * Hears what a {@link RateLimiter} decided and how its store behaved, for metrics. The gateway
 * hands its observer to the limiter with {@link RateLimiter#observedBy}; a limiter that does not
 * report anything keeps the default of that method.
 *
 * <p>Called on the admission path: implementations must be thread-safe, must not block and
 * should not allocate.
 */
public interface LimitObserver {

    /**
     * One rule's verdict on one request. For an admitted request every enforced rule reports
     * {@code allowed}; for a refused one only the refusing rule reports (the others were not
     * consumed, so they decided nothing). Shadow rules report what they would have done.
     *
     * @param rule    the rule
     * @param shadow  whether the rule runs in shadow mode (never refuses)
     * @param allowed whether the rule admitted the request (for shadow rules: would have)
     */
    void decided(LimitRule rule, boolean shadow, boolean allowed);

    /**
     * One call to the limiter's main store.
     *
     * @param durationNanos how long the call took
     * @param failed        whether it threw {@link LimitStoreException}
     */
    void storeCall(long durationNanos, boolean failed);

    /**
     * A request decided by a rule's failure policy because the store failed.
     *
     * @param policy the policy that decided: {@link FailurePolicy#FAIL_CLOSED} (503),
     *     {@link FailurePolicy#LOCAL_FALLBACK} or {@link FailurePolicy#FAIL_OPEN}
     */
    void fallback(FailurePolicy policy);

    /** The monotonic nanosecond time that store calls are timed by. */
    long nanoTime();

    /** An observer that ignores everything. */
    static LimitObserver none() {
        return Silent.INSTANCE;
    }

    /** The shared silent observer. */
    enum Silent implements LimitObserver {
        INSTANCE;

        @Override
        public long nanoTime() {
            return 0;
        }

        @Override
        public void decided(LimitRule rule, boolean shadow, boolean allowed) {
        }

        @Override
        public void storeCall(long durationNanos, boolean failed) {
        }

        @Override
        public void fallback(FailurePolicy policy) {
        }
    }
}
