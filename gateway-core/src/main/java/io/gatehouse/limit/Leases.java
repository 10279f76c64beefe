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

    long retryAfter(LimitRule rule, long cost, long now) {
        if (cost > rule.limit()) {
            return rule.periodMicros();
        }
        long[][] byExpiry = leases == null ? new long[0][] : leases.values().toArray(new long[0][]);
        java.util.Arrays.sort(byExpiry, (a, b) -> Long.compare(a[0], b[0]));
        long left = used;
        long wait = rule.periodMicros();
        for (long[] lease : byExpiry) {
            left -= lease[1];
            if (left + cost <= rule.limit()) {
                wait = lease[0] - now;
                break;
            }
        }
        return Math.max(1, Math.min(MAX_RETRY_MICROS, wait));
    }

    int size() {
        return leases == null ? 0 : leases.size();
    }
}
