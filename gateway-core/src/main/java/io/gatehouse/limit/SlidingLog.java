package io.gatehouse.limit;

import java.util.Arrays;

/**
 * Exact sliding log: the entries {@code (t_i, c_i)} admitted within the last period, oldest
 * first, kept in a ring buffer that grows as needed. The state is a collection, so this class
 * holds it and applies the math of the package documentation to it.
 *
 * <p>Not thread-safe; the store locks around it.
 */
final class SlidingLog {

    private long[] times = new long[2];
    private long[] costs = new long[2];
    private int head;
    private int size;
    private long used;

    /** Units in the log. */
    long used() {
        return used;
    }

    /** Drops entries at or before {@code now - P}. */
    void advance(LimitRule rule, long now) {
        long horizon = now - rule.periodMicros();
        while (size > 0 && times[head] <= horizon) {
            used -= costs[head];
            head = (head + 1) % times.length;
            size--;
        }
        if (size == 0) {
            head = 0;
            if (times.length > 16) {
                times = new long[2];
                costs = new long[2];
            }
        }
    }

    static boolean fits(LimitRule rule, long used, long cost) {
        return cost <= rule.limit() && used + cost <= rule.limit();
    }

    boolean fits(LimitRule rule, long cost) {
        return fits(rule, used, cost);
    }

    void append(long now, long cost) {
        if (size > 0) {
            int last = (head + size - 1) % times.length;
            if (times[last] >= now) {
                costs[last] += cost;
                used += cost;
                return;
            }
        }
        if (size == times.length) {
            grow();
        }
        int slot = (head + size) % times.length;
        times[slot] = now;
        costs[slot] = cost;
        size++;
        used += cost;
    }

    private void grow() {
        int capacity = times.length * 2;
        long[] newTimes = new long[capacity];
        long[] newCosts = new long[capacity];
        for (int i = 0; i < size; i++) {
            newTimes[i] = times[(head + i) % times.length];
            newCosts[i] = costs[(head + i) % times.length];
        }
        times = newTimes;
        costs = newCosts;
        head = 0;
    }

    long remaining(LimitRule rule) {
        return Math.max(0, rule.limit() - used);
    }

    long reset(LimitRule rule, long now) {
        if (size == 0) {
            return 0;
        }
        return Math.max(0, times[(head + size - 1) % times.length] + rule.periodMicros() - now);
    }

    long retryAfter(LimitRule rule, long cost, long now) {
        if (cost > rule.limit()) {
            return rule.periodMicros();
        }
        long left = used;
        for (int i = 0; i < size; i++) {
            int slot = (head + i) % times.length;
            left -= costs[slot];
            if (left + cost <= rule.limit()) {
                return Math.max(1, times[slot] + rule.periodMicros() - now);
            }
        }
        return rule.periodMicros();
    }

    /** Applies {@code delta} more units (a refund if negative) at {@code now}. */
    void settle(LimitRule rule, long delta, long cost, long now) {
        if (delta < 0) {
            long refund = Math.min(-delta, cost);
            while (refund > 0 && size > 0) {
                long taken = Math.min(refund, costs[head]);
                costs[head] -= taken;
                used -= taken;
                refund -= taken;
                if (costs[head] == 0) {
                    head = (head + 1) % times.length;
                    size--;
                }
            }
        } else {
            long charge = Math.min(delta, Limits.maxCharge(rule) - used);
            if (charge > 0) {
                append(now, charge);
            }
        }
    }

    /** Approximate bytes held, for memory accounting in tests. */
    int entries() {
        return size;
    }

    @Override
    public String toString() {
        return "SlidingLog" + Arrays.toString(Arrays.copyOf(times, size));
    }
}
