package io.gatehouse.observe;

import io.gatehouse.Outcome;
import io.gatehouse.auth.Principal;
import io.gatehouse.route.Route;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Usage per principal in this JVM's memory: totals since the recorder was created, and counts
 * in the current UTC minute, hour, day and month ({@link UsageQuery}). Every completed request
 * counts, whatever its status. One entry per principal id that completed a request, so memory
 * grows with the number of distinct callers (not with requests).
 *
 * <p>Thread-safe; totals are added without a lock, windows under a lock per principal.
 */
public final class InMemoryUsageRecorder implements UsageRecorder, UsageQuery {

    private static final UsageWindow[] WINDOWS = UsageWindow.values();

    private final ConcurrentHashMap<String, Counters> byPrincipal = new ConcurrentHashMap<>();
    private final Clock clock;

    /** A recorder on the system clock. */
    public InMemoryUsageRecorder() {
        this(Clock.systemUTC());
    }

    /** A recorder whose windows follow {@code clock}. */
    public InMemoryUsageRecorder(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Totals in adders (recording threads never contend on one), windows under the monitor. */
    private static final class Counters {
        final LongAdder requests = new LongAdder();
        final LongAdder cost = new LongAdder();
        volatile String tier;
        /** Per window: its start (epoch ms), requests and cost; guarded by this. */
        final long[] starts = new long[WINDOWS.length];
        final long[] windowRequests = new long[WINDOWS.length];
        final long[] windowCost = new long[WINDOWS.length];

        Counters() {
            java.util.Arrays.fill(starts, Long.MIN_VALUE);
        }
    }

    @Override
    public void record(Principal principal, Route route, Outcome outcome, long cost) {
        if (cost < 0) {
            throw new IllegalArgumentException("cost must not be negative, was " + cost);
        }
        Counters counters = byPrincipal.computeIfAbsent(principal.id(), id -> new Counters());
        counters.requests.increment();
        counters.cost.add(cost);
        counters.tier = principal.tier();
        long now = clock.millis();
        synchronized (counters) {
            for (int i = 0; i < WINDOWS.length; i++) {
                long start = WINDOWS[i].startMillis(now);
                if (counters.starts[i] < start) {
                    counters.starts[i] = start;
                    counters.windowRequests[i] = 0;
                    counters.windowCost[i] = 0;
                }
                counters.windowRequests[i]++;
                counters.windowCost[i] += cost;
            }
        }
    }

    /** What {@code principalId} used so far; {@link Usage#NONE} for a principal never seen. */
    public Usage usage(String principalId) {
        Objects.requireNonNull(principalId, "principalId");
        Counters counters = byPrincipal.get(principalId);
        return counters == null ? Usage.NONE
                : new Usage(counters.requests.sum(), counters.cost.sum());
    }

    @Override
    public WindowedUsage windowed(String principalId) {
        Objects.requireNonNull(principalId, "principalId");
        long now = clock.millis();
        Instant at = Instant.ofEpochMilli(now);
        Counters counters = byPrincipal.get(principalId);
        if (counters == null) {
            return WindowedUsage.none(principalId, at);
        }
        EnumMap<UsageWindow, Usage> windows = new EnumMap<>(UsageWindow.class);
        synchronized (counters) {
            for (int i = 0; i < WINDOWS.length; i++) {
                boolean current = counters.starts[i] == WINDOWS[i].startMillis(now);
                windows.put(WINDOWS[i], current
                        ? new Usage(counters.windowRequests[i], counters.windowCost[i])
                        : Usage.NONE);
            }
        }
        return new WindowedUsage(principalId, counters.tier, at, windows);
    }
}
