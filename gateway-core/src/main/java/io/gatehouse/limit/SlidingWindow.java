package io.gatehouse.limit;

/**
 * Sliding window counter math over the state {@code [W, N, M]}: the current window's start, its
 * count and the previous window's count. Compares {@code M * (P - e) <= (L - N - c) * P} so no
 * division rounds. Pure functions; see the package documentation.
 */
final class SlidingWindow {

    private SlidingWindow() {
    }

    /** The epoch-aligned start of the window containing {@code now}. */
    static long windowStart(LimitRule rule, long now) {
        return now - Math.floorMod(now, rule.periodMicros());
    }

    static long advanceStart(LimitRule rule, long start, long now) {
        return Math.max(start, windowStart(rule, now));
    }

    static long advanceCurrent(LimitRule rule, long start, long current, long now) {
        return windowStart(rule, now) > start ? 0 : current;
    }

    static long advancePrevious(LimitRule rule, long start, long current, long previous,
            long now) {
        long s = windowStart(rule, now);
        if (s <= start) {
            return previous;
        }
        return s == start + rule.periodMicros() ? current : 0;
    }

    /** Time into the current window; below P unless the clock went back. */
    private static long elapsed(long start, long now) {
        return Math.max(0, now - start);
    }

    /** Previous count times its remaining weight, in count-microseconds. */
    private static long weighted(LimitRule rule, long start, long previous, long now) {
        return previous * Math.max(0, rule.periodMicros() - elapsed(start, now));
    }

    static boolean fits(LimitRule rule, long start, long current, long previous, long cost,
            long now) {
        long available = rule.limit() - current - cost;
        return cost <= rule.limit() && available >= 0
                && weighted(rule, start, previous, now) <= available * rule.periodMicros();
    }

    static long remaining(LimitRule rule, long start, long current, long previous, long now) {
        long used = current + Limits.ceilDiv(weighted(rule, start, previous, now),
                rule.periodMicros());
        return Math.max(0, rule.limit() - used);
    }

    static long reset(LimitRule rule, long start, long current, long previous, long now) {
        if (current > 0) {
            return start + 2 * rule.periodMicros() - now;
        }
        return previous > 0 ? start + rule.periodMicros() - now : 0;
    }

    static long retryAfter(LimitRule rule, long start, long current, long previous, long cost,
            long now) {
        long period = rule.periodMicros();
        long limit = rule.limit();
        if (cost > limit) {
            return period;
        }
        long available = limit - current - cost;
        long at;
        if (available < 0) {
            // Wait for the next window, where the current count fades as the previous one.
            at = start + period + (period - (limit - cost) * period / current);
        } else {
            at = start + (period - available * period / previous);
        }
        return Math.max(1, at - now);
    }

    static long settleCurrent(LimitRule rule, long current, long delta, long cost) {
        if (delta < 0) {
            return Math.max(0, current - Math.min(-delta, cost));
        }
        return Math.min(Limits.maxCharge(rule), current + Math.min(delta, Limits.maxCharge(rule)));
    }

    static long settlePrevious(long current, long previous, long delta, long cost) {
        if (delta >= 0) {
            return previous;
        }
        long left = Math.min(-delta, cost) - current;
        return left > 0 ? Math.max(0, previous - left) : previous;
    }
}
