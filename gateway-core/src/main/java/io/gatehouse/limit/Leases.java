package io.gatehouse.limit;

import java.util.HashMap;
import java.util.Map;

/**
 * Concurrency leases: lease id to expiry and cost. The state is a collection, so this class
 * holds it and applies the math of the package documentation to it.
 *
 * <p>Not thread-safe; the store locks around it.
 */
final class Leases {

    /** Longest retry-after a refused concurrency permit reports: leases end early, usually. */
    static final long MAX_RETRY_MICROS = 1_000_000L;

    private Map<String, long[]> leases;
    private long used;

    long used() {
        return used;
    }

    void advance(long now) {
        if (leases == null || leases.isEmpty()) {
            return;
        }
        var entries = leases.values().iterator();
        while (entries.hasNext()) {
            long[] lease = entries.next();
            if (lease[0] <= now) {
                used -= lease[1];
                entries.remove();
            }
        }
    }

    boolean fits(LimitRule rule, String leaseId, long cost) {
        if (leases != null && leases.containsKey(leaseId)) {
            return true;
        }
        return cost <= rule.limit() && used + cost <= rule.limit();
    }

    void acquire(LimitRule rule, String leaseId, long cost, long now) {
        if (leases == null) {
            leases = new HashMap<>(4);
        }
        long[] held = leases.get(leaseId);
        if (held != null) {
            held[0] = now + rule.periodMicros();
            return;
        }
        leases.put(leaseId, new long[] {now + rule.periodMicros(), cost});
        used += cost;
    }

    void release(String leaseId) {
        if (leases == null) {
            return;
        }
        long[] lease = leases.remove(leaseId);
        if (lease != null) {
            used -= lease[1];
        }
    }

    long remaining(LimitRule rule) {
        return Math.max(0, rule.limit() - used);
    }

    long reset(long now) {
        long latest = now;
        if (leases != null) {
            for (long[] lease : leases.values()) {
                latest = Math.max(latest, lease[0]);
            }
        }
        return latest - now;
    }

    /**
     * When enough leases, taken in order of expiry, will have expired: each round finds the next
     * expiry in one pass without sorting or allocating, and since every lease holds at least 1,
     * at most {@code U + c - L} rounds run (one for a cost-1 request at the limit).
     */
    long retryAfter(LimitRule rule, long cost, long now) {
        if (cost > rule.limit()) {
            return rule.periodMicros();
        }
        long need = used + cost - rule.limit();
        long wait = rule.periodMicros();
        long after = Long.MIN_VALUE;
        while (need > 0 && leases != null) {
            long next = Long.MAX_VALUE;
            long freed = 0;
            for (long[] lease : leases.values()) {
                if (lease[0] > after && lease[0] < next) {
                    next = lease[0];
                    freed = lease[1];
                } else if (lease[0] == next) {
                    freed += lease[1];
                }
            }
            if (next == Long.MAX_VALUE) {
                break;
            }
            need -= freed;
            after = next;
            if (need <= 0) {
                wait = next - now;
            }
        }
        return Math.max(1, Math.min(MAX_RETRY_MICROS, wait));
    }

    int size() {
        return leases == null ? 0 : leases.size();
    }
}
