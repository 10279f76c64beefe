package io.gatehouse.observe;

import io.gatehouse.Outcome;
import io.gatehouse.auth.Principal;
import io.gatehouse.route.Route;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Usage per principal in this JVM's memory, since the recorder was created: every completed
 * request counts, whatever its status. One entry per principal id that completed a request, so
 * memory grows with the number of distinct callers (not with requests).
 *
 * <p>Thread-safe; recording takes no lock.
 */
public final class InMemoryUsageRecorder implements UsageRecorder {

    private final ConcurrentHashMap<String, Counters> byPrincipal = new ConcurrentHashMap<>();

    /** Two adders: recording threads never contend on one counter. */
    private static final class Counters {
        final LongAdder requests = new LongAdder();
        final LongAdder cost = new LongAdder();
    }

    @Override
    public void record(Principal principal, Route route, Outcome outcome, long cost) {
        if (cost < 0) {
            throw new IllegalArgumentException("cost must not be negative, was " + cost);
        }
        Counters counters = byPrincipal.computeIfAbsent(principal.id(), id -> new Counters());
        counters.requests.increment();
        counters.cost.add(cost);
    }

    /** What {@code principalId} used so far; {@link Usage#NONE} for a principal never seen. */
    public Usage usage(String principalId) {
        Objects.requireNonNull(principalId, "principalId");
        Counters counters = byPrincipal.get(principalId);
        return counters == null ? Usage.NONE
                : new Usage(counters.requests.sum(), counters.cost.sum());
    }
}
