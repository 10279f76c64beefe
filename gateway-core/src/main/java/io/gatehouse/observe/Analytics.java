package io.gatehouse.observe;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.gatehouse.ErrorCode;
import io.gatehouse.auth.Principal;
import io.gatehouse.route.Route;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.IntCountsHistogram;

/**
 * Traffic per principal, tier and route in this JVM, for {@code GET /admin/analytics}: requests,
 * refusals by error code, cost and latency percentiles over a window, and the top consumers.
 *
 * <p><b>Window.</b> Counts are kept per fixed window (default one minute, aligned to the epoch);
 * a report covers the previous window and the current one, so from one to two window lengths
 * ending now ({@link Report#from()} to {@link Report#to()}).
 *
 * <p><b>Bounded.</b> At most {@link Builder#maximumEntries} entries (principal, tier, route)
 * are kept, in a Caffeine cache that evicts the least valuable entries when more arrive; an
 * evicted entry's counts are dropped ({@link Report#evictedEntries()} says how many). Each entry
 * holds two windows of counters and at most two latency histograms of about 1.6 KB, so memory
 * is about {@code maximumEntries * 4 KB} at most, whatever the number of principals. Totals
 * ({@link Report#totalRequests()}, {@link Report#totalRejections()}) are exact whatever was
 * evicted; per-entry counts are exact as long as the entry was not evicted.
 *
 * <p><b>Error.</b> Latencies go into HdrHistograms with one significant decimal digit over 1 µs
 * to 60 s (longer values count as 60 s): a reported percentile is within 1/16 (6.25%) of the
 * true value at that rank. Counts and cost are exact integers.
 *
 * <p>Requests refused before authentication have principal and tier {@code -}; refused by
 * routing, route {@code none}.
 *
 * <p>Thread-safe; recording locks only the one entry.
 */
public final class Analytics {

    private static final ErrorCode[] CODES = ErrorCode.values();
    private static final long MAX_MICROS = 60_000_000L;

    private final Clock clock;
    private final long windowMillis;
    private final long maximumEntries;
    private final Cache<Key, Entry> entries;
    private final LongAdder totalRequests = new LongAdder();
    private final AtomicLongArray totalRejections = new AtomicLongArray(CODES.length);
    private final LongAdder evicted = new LongAdder();

    private Analytics(Builder builder) {
        this.clock = builder.clock;
        this.windowMillis = builder.window.toMillis();
        this.maximumEntries = builder.maximumEntries;
        this.entries = Caffeine.newBuilder()
                .maximumSize(builder.maximumEntries)
                .executor(Runnable::run)
                .removalListener((Key key, Entry entry, com.github.benmanes.caffeine.cache
                        .RemovalCause cause) -> {
                    if (cause.wasEvicted()) {
                        evicted.increment();
                    }
                })
                .build();
    }

    /** Starts analytics with a one-minute window and at most 10,000 entries. */
    public static Builder builder() {
        return new Builder();
    }

    /** Counts an admitted request whose response finished. */
    public void completed(Principal principal, Route route, int status, long cost,
            long nanos) {
        totalRequests.increment();
        long start = windowStart();
        entry(principal, route).record(start, slot(start), null, cost, nanos);
    }

    /**
     * Counts a refused request; {@code principal} is null when it was refused before it was
     * authenticated, {@code route} when routing refused it.
     */
    public void rejected(Principal principal, Route route, ErrorCode code, long nanos) {
        totalRequests.increment();
        totalRejections.incrementAndGet(code.ordinal());
        long start = windowStart();
        entry(principal, route).record(start, slot(start), code, 0, nanos);
    }

    /** Which of an entry's two windows holds the window starting at {@code start}. */
    private int slot(long start) {
        return (int) Math.floorMod(Math.floorDiv(start, windowMillis), 2L);
    }

    private long windowStart() {
        return Math.floorDiv(clock.millis(), windowMillis) * windowMillis;
    }

    private Entry entry(Principal principal, Route route) {
        Key key = new Key(principal == null ? "-" : principal.id(),
                principal == null ? "-" : principal.tier(), route == null ? "none" : route.id());
        return entries.get(key, k -> new Entry());
    }

    /** The entries (principal, tier, route) held now; never more than the bound. */
    public long size() {
        entries.cleanUp();
        return entries.estimatedSize();
    }

    /**
     * The report over the previous and the current window: the {@code top} entries with most
     * requests, and the {@code top} principals with the highest cost (then most requests).
     *
     * @throws IllegalArgumentException if {@code top} is below 1
     */
    public Report report(int top) {
        if (top < 1) {
            throw new IllegalArgumentException("top must be at least 1, was " + top);
        }
        long now = clock.millis();
        long current = Math.floorDiv(now, windowMillis) * windowMillis;
        long previous = current - windowMillis;
        List<EntryReport> all = new ArrayList<>();
        Map<String, long[]> byPrincipal = new HashMap<>();
        for (Map.Entry<Key, Entry> held : entries.asMap().entrySet()) {
            EntryReport report = held.getValue().report(held.getKey(), previous, current);
            if (report.requests() == 0) {
                continue;
            }
            all.add(report);
            long[] sums = byPrincipal.computeIfAbsent(report.principal(), p -> new long[2]);
            sums[0] += report.requests();
            sums[1] += report.cost();
        }
        all.sort(Comparator.comparingLong(EntryReport::requests).reversed()
                .thenComparing(EntryReport::principal).thenComparing(EntryReport::route));
        List<Consumer> consumers = new ArrayList<>();
        byPrincipal.forEach((principal, sums) ->
                consumers.add(new Consumer(principal, sums[0], sums[1])));
        consumers.sort(Comparator.comparingLong(Consumer::cost).reversed()
                .thenComparing(Comparator.comparingLong(Consumer::requests).reversed())
                .thenComparing(Consumer::principal));
        EnumMap<ErrorCode, Long> rejections = new EnumMap<>(ErrorCode.class);
        for (ErrorCode code : CODES) {
            long count = totalRejections.get(code.ordinal());
            if (count > 0) {
                rejections.put(code, count);
            }
        }
        return new Report(Instant.ofEpochMilli(previous), Instant.ofEpochMilli(now),
                totalRequests.sum(), rejections, size(), maximumEntries, evicted.sum(),
                List.copyOf(all.subList(0, Math.min(top, all.size()))),
                List.copyOf(consumers.subList(0, Math.min(top, consumers.size()))));
    }

    private record Key(String principal, String tier, String route) {
    }

    /** Two windows of one key's counters; guarded by its monitor. */
    private static final class Entry {
        private final Window[] windows = {new Window(), new Window()};

        synchronized void record(long start, int slot, ErrorCode code, long cost, long nanos) {
            Window window = windows[slot];
            if (window.start < start) {
                window.reset(start);
            } else if (window.start > start) {
                // A request timed just before a window turned: count it in the newer window.
                window = windows[1 - slot];
            }
            window.requests++;
            window.cost += cost;
            if (code != null) {
                if (window.rejections == null) {
                    window.rejections = new long[CODES.length];
                }
                window.rejections[code.ordinal()]++;
            }
            if (window.latency == null) {
                window.latency = new IntCountsHistogram(1, MAX_MICROS, 1);
            }
            window.latency.recordValue(Math.max(1, Math.min(MAX_MICROS, nanos / 1_000)));
        }

        synchronized EntryReport report(Key key, long previous, long current) {
            long requests = 0;
            long cost = 0;
            EnumMap<ErrorCode, Long> rejections = new EnumMap<>(ErrorCode.class);
            IntCountsHistogram latency = new IntCountsHistogram(1, MAX_MICROS, 1);
            for (Window window : windows) {
                if (window.start != previous && window.start != current) {
                    continue;
                }
                requests += window.requests;
                cost += window.cost;
                if (window.rejections != null) {
                    for (ErrorCode code : CODES) {
                        long count = window.rejections[code.ordinal()];
                        if (count > 0) {
                            rejections.merge(code, count, Long::sum);
                        }
                    }
                }
                if (window.latency != null) {
                    latency.add(window.latency);
                }
            }
            return new EntryReport(key.principal(), key.tier(), key.route(), requests,
                    rejections, cost, micros(latency, 50), micros(latency, 90),
                    micros(latency, 99), latency.getTotalCount() == 0 ? 0
                            : latency.highestEquivalentValue(latency.getMaxValue()));
        }

        private static long micros(IntCountsHistogram latency, double percentile) {
            return latency.getTotalCount() == 0 ? 0
                    : latency.highestEquivalentValue(latency.getValueAtPercentile(percentile));
        }
    }

    /** One window's counters. */
    private static final class Window {
        long start = Long.MIN_VALUE;
        long requests;
        long cost;
        long[] rejections;
        IntCountsHistogram latency;

        void reset(long newStart) {
            start = newStart;
            requests = 0;
            cost = 0;
            rejections = null;
            if (latency != null) {
                latency.reset();
            }
        }
    }

    /**
     * One principal, tier and route over the report's window.
     *
     * @param rejections refused requests by error code (codes with none left out)
     * @param p50Micros  latency percentiles and maximum in microseconds (see the class's error)
     */
    public record EntryReport(String principal, String tier, String route, long requests,
            Map<ErrorCode, Long> rejections, long cost, long p50Micros, long p90Micros,
            long p99Micros, long maxMicros) {
    }

    /** A principal's requests and cost over the report's window, summed over tiers and routes. */
    public record Consumer(String principal, long requests, long cost) {
    }

    /**
     * A report.
     *
     * @param from             the start of the previous window
     * @param to               when the report was made
     * @param totalRequests    every request counted since the analytics were created (exact)
     * @param totalRejections  refused requests by code since then (exact)
     * @param entries          entries held now
     * @param maximumEntries   the bound on entries
     * @param evictedEntries   entries dropped to stay within the bound, since creation
     * @param top              the entries with most requests in the window
     * @param topConsumers     the principals with the highest cost in the window
     */
    public record Report(Instant from, Instant to, long totalRequests,
            Map<ErrorCode, Long> totalRejections, long entries, long maximumEntries,
            long evictedEntries, List<EntryReport> top, List<Consumer> topConsumers) {
    }

    /** Collects the settings. Not thread-safe. */
    public static final class Builder {
        private Clock clock = Clock.systemUTC();
        private Duration window = Duration.ofMinutes(1);
        private long maximumEntries = 10_000;

        private Builder() {
        }

        /** The clock windows follow. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The window length, a whole number of seconds from 1 s to 1 day; 1 minute default. */
        public Builder window(Duration window) {
            Objects.requireNonNull(window, "window");
            if (window.toMillis() % 1000 != 0 || window.toSeconds() < 1
                    || window.toSeconds() > 86_400) {
                throw new IllegalArgumentException(
                        "window must be whole seconds from 1 s to 1 day, was " + window);
            }
            this.window = window;
            return this;
        }

        /** The most entries (principal, tier, route) kept; 10,000 by default. */
        public Builder maximumEntries(long maximumEntries) {
            if (maximumEntries < 1) {
                throw new IllegalArgumentException(
                        "maximumEntries must be at least 1, was " + maximumEntries);
            }
            this.maximumEntries = maximumEntries;
            return this;
        }

        public Analytics build() {
            return new Analytics(this);
        }
    }
}
