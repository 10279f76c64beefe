package io.gatehouse.limit;

/** Integer helpers and constants shared by the algorithms (see the package documentation). */
final class Limits {

    /** Added to every state's time to full before it may be forgotten. */
    static final long MARGIN_MICROS = 1_000_000L;

    private Limits() {
    }

    /** {@code ceil(a / b)} for {@code a >= 0, b > 0}; 0 for {@code a <= 0}. */
    static long ceilDiv(long a, long b) {
        return a <= 0 ? 0 : (a + b - 1) / b;
    }

    /** The most one request may take: the burst of a token bucket, the limit otherwise. */
    static long capacity(LimitRule rule) {
        return rule.algorithm() == LimitAlgorithm.TOKEN_BUCKET ? rule.burst() : rule.limit();
    }

    /** The largest count or debt a settle may leave: twice the capacity. */
    static long maxCharge(LimitRule rule) {
        return 2 * capacity(rule);
    }
}
