package io.gatehouse.limit;

/**
 * Token bucket math over the state {@code [S, T]}: scaled tokens and last refill time. One
 * token is {@link LimitRule#tokenUnit} scaled units and {@link LimitRule#refillRate} units
 * arrive per microsecond, so refill is exact. Pure functions; see the package documentation.
 */
final class TokenBucket {

    private TokenBucket() {
    }

    /** The scaled tokens at {@code now}, refilled since {@code last}. */
    static long advance(LimitRule rule, long tokens, long last, long now) {
        long deficit = rule.capacityScaled - tokens;
        if (deficit <= 0) {
            return tokens;
        }
        long elapsed = Math.max(0, now - last);
        // Comparing before multiplying keeps elapsed * rate below 2^53.
        if (elapsed >= Limits.ceilDiv(deficit, rule.refillRate)) {
            return rule.capacityScaled;
        }
        return tokens + elapsed * rule.refillRate;
    }

    /** The refill time to store: time never goes back. */
    static long advanceTime(long last, long now) {
        return Math.max(last, now);
    }

    static boolean fits(LimitRule rule, long tokens, long cost) {
        return cost <= rule.burst() && tokens >= cost * rule.tokenUnit;
    }

    static long consume(LimitRule rule, long tokens, long cost) {
        return tokens - cost * rule.tokenUnit;
    }

    static long remaining(LimitRule rule, long tokens) {
        return Math.max(0, tokens) / rule.tokenUnit;
    }

    /** Microseconds until the bucket is full. */
    static long reset(LimitRule rule, long tokens) {
        return Limits.ceilDiv(rule.capacityScaled - tokens, rule.refillRate);
    }

    /** Microseconds until {@code cost} fits, for a refused request. */
    static long retryAfter(LimitRule rule, long tokens, long cost) {
        if (cost > rule.burst()) {
            return rule.periodMicros();
        }
        return Math.max(1, Limits.ceilDiv(cost * rule.tokenUnit - tokens, rule.refillRate));
    }

    /** The tokens after charging {@code delta} more (refunding if negative). */
    static long settle(LimitRule rule, long tokens, long delta, long cost) {
        if (delta < 0) {
            long refund = Math.min(-delta, cost);
            return Math.min(rule.capacityScaled, tokens + refund * rule.tokenUnit);
        }
        long charge = Math.min(delta, Limits.maxCharge(rule));
        return Math.max(-rule.capacityScaled, tokens - charge * rule.tokenUnit);
    }
}
