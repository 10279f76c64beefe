package io.gatehouse.limit;

import java.util.Arrays;

/**
 * Exact sliding log: the entries admitted within the last period, oldest first, each kept as its
 * time {@code t_i} and the running sum {@code C_i} of costs through it, plus the base (the sum
 * before the oldest entry), in a ring buffer that grows as needed. Running sums make the
 * retry-after of a refusal a binary search instead of a walk over every entry, so refusing costs
 * no more than admitting. The state is a collection, so this class holds it and applies the
 * math of the package documentation to it.
 *
 * <p>Not thread-safe; the store locks around it.
 */
final class SlidingLog {

    private long[] times = new long[2];
    private long[] sums = new long[2];
    private int head;
    private int size;
    /** The running sum before the oldest entry; the newest entry's sum when empty. */
    private long base;
    /** The newest entry's running sum. */
    private long top;

    /** Units in the log. */
    long used() {
        return top - base;
    }

    private int slot(int index) {
        return (head + index) % times.length;
    }

    /** Drops entries at or before {@code now - P}. */
    void advance(LimitRule rule, long now) {
        long horizon = now - rule.periodMicros();
        while (size > 0 && times[head] <= horizon) {
            base = sums[head];
            head = (head + 1) % times.length;
            size--;
        }
        if (size == 0) {
            head = 0;
            base = 0;
            top = 0;
            if (times.length > 16) {
                times = new long[2];
                sums = new long[2];
            }
        }
    }

    static boolean fits(LimitRule rule, long used, long cost) {
        return cost <= rule.limit() && used + cost <= rule.limit();
    }

    boolean fits(LimitRule rule, long cost) {
        return fits(rule, used(), cost);
    }

    void append(long now, long cost) {
        top += cost;
        if (size > 0) {
            int last = slot(size - 1);
            if (times[last] >= now) {
                sums[last] = top;
                return;
            }
        }
        if (size == times.length) {
            grow();
        }
        int slot = slot(size);
        times[slot] = now;
        sums[slot] = top;
        size++;
    }

    private void grow() {
        int capacity = times.length * 2;
        long[] newTimes = new long[capacity];
        long[] newSums = new long[capacity];
        for (int i = 0; i < size; i++) {
            newTimes[i] = times[slot(i)];
            newSums[i] = sums[slot(i)];
        }
        times = newTimes;
        sums = newSums;
        head = 0;
    }

    long remaining(LimitRule rule) {
        return Math.max(0, rule.limit() - used());
    }

    long reset(LimitRule rule, long now) {
        if (size == 0) {
            return 0;
        }
        return Math.max(0, times[slot(size - 1)] + rule.periodMicros() - now);
    }

    /**
     * When the oldest entries whose costs free enough room have left the window: the first
     * entry whose running sum reaches {@code C_last + c - L}, found by binary search.
     */
    long retryAfter(LimitRule rule, long cost, long now) {
        if (cost > rule.limit()) {
            return rule.periodMicros();
        }
        long target = top + cost - rule.limit();
        int low = 0;
        int high = size;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (sums[slot(middle)] >= target) {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        if (low == size) {
            return rule.periodMicros();
        }
        return Math.max(1, times[slot(low)] + rule.periodMicros() - now);
    }

    /** Applies {@code delta} more units (a refund if negative) at {@code now}. */
    void settle(LimitRule rule, long delta, long cost, long now) {
        if (delta < 0) {
            // A refund takes from the oldest entries: the base moves up, spent entries go.
            base = Math.min(top, base + Math.min(-delta, cost));
            while (size > 0 && sums[head] <= base) {
                head = (head + 1) % times.length;
                size--;
            }
            if (size == 0) {
                head = 0;
                base = 0;
                top = 0;
            }
        } else {
            long charge = Math.min(delta, Limits.maxCharge(rule) - used());
            if (charge > 0) {
                append(now, charge);
            }
        }
    }

    /** Entries held, for memory accounting in tests. */
    int entries() {
        return size;
    }

    @Override
    public String toString() {
        long[] ordered = new long[size];
        for (int i = 0; i < size; i++) {
            ordered[i] = times[slot(i)];
        }
        return "SlidingLog" + Arrays.toString(ordered);
    }
}
