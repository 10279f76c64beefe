package io.gatehouse.limit;

/**
 * Fixed window math over the state {@code [E, N]}: the end of the counted window and the units
 * counted in it. Pure functions; see the package documentation.
 */
final class FixedWindow {

    private FixedWindow() {
    }

    /** The window end to store at a time whose window ends at {@code end}. */
    static long advanceEnd(long storedEnd, long end) {
        return Math.max(storedEnd, end);
    }

    /** The count to store at a time whose window ends at {@code end}. */
    static long advanceCount(long storedEnd, long count, long end) {
        return end > storedEnd ? 0 : count;
    }

    static boolean fits(LimitRule rule, long count, long cost) {
        return cost <= rule.limit() && count + cost <= rule.limit();
    }

    static long remaining(LimitRule rule, long count) {
        return Math.max(0, rule.limit() - count);
    }

    static long reset(long end, long count, long now) {
        return count > 0 ? end - now : 0;
    }

    static long retryAfter(LimitRule rule, long end, long cost, long now) {
        return cost > rule.limit() ? rule.periodMicros() : Math.max(1, end - now);
    }

    static long settle(LimitRule rule, long count, long delta, long cost) {
        if (delta < 0) {
            return Math.max(0, count - Math.min(-delta, cost));
        }
        return Math.min(Limits.maxCharge(rule), count + Math.min(delta, Limits.maxCharge(rule)));
    }
}
