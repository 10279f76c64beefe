package io.gatehouse.redis;

import io.gatehouse.observe.UsageWindow;
import io.gatehouse.observe.WindowedUsage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Usage per principal (requests and cost) per UTC minute, hour, day and month, counted in Redis
 * so that every gateway instance adds to the same totals.
 *
 * <p>{@link #record} only adds to counters in this JVM (no Redis round trip on the request
 * path); they are written every {@code flushInterval} in one pipeline, one small script per
 * principal and day. Counts that cannot be written (Redis down) are kept and written with the
 * next flush, so an outage delays usage but does not lose it, unless the JVM stops before Redis
 * returns.
 *
 * <p><b>Exactly once.</b> A flush whose reply is lost (a timeout after the commands were sent)
 * may still have been applied by Redis. So every flush is a batch with an id unique to this
 * instance; the script applies a batch's counts to a principal's day only if it has not seen that
 * batch id there before (a marker key, kept {@value #BATCH_MARKER_SECONDS} s), and a failed
 * batch is retried with the same id and the same counts before any newer counts are taken.
 * Recorded usage therefore equals the requests counted, whatever the timeouts.
 * {@link #usage} adds this instance's unwritten counts (pending, and a batch not yet
 * acknowledged) to what Redis holds.
 *
 * <p><b>Keys</b> (prefix default {@value #DEFAULT_KEY_PREFIX}): {@code {prefix}{{principal}}:
 * {window}}, where the window is {@code yyyy-MM-dd'T'HH:mm} (a minute), {@code yyyy-MM-dd'T'HH}
 * (an hour), {@code yyyy-MM-dd} (a day) or {@code yyyy-MM} (a month), all UTC: a hash with fields
 * {@code requests}, {@code cost} and {@code tier} (of the last request written). Days and months
 * expire after the retention (default 35 days) counted from their end, minutes and hours one
 * day after their end. The principal is escaped like limit keys ({@code % { } :}), so one
 * principal's windows share a hash slot.
 *
 * <p>Thread-safe. Close it to write what is pending and stop its flusher.
 */
public final class RedisUsageCounters implements AutoCloseable {

    /** The default prefix of every key. */
    public static final String DEFAULT_KEY_PREFIX = "gatehouse:usage:";

    private static final Logger LOG = LoggerFactory.getLogger(RedisUsageCounters.class);

    /** How long Redis remembers that a batch was applied to a principal's day. */
    static final long BATCH_MARKER_SECONDS = 86_400;

    // KEYS[1] the window's hash, KEYS[2] the batch marker; ARGV requests, cost, expire-at (epoch
    // seconds), marker TTL (seconds), tier ('' for none). Applied at most once per batch and key.
    private static final String APPLY = """
            if redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[4]) then
              redis.call('HINCRBY', KEYS[1], 'requests', ARGV[1])
              redis.call('HINCRBY', KEYS[1], 'cost', ARGV[2])
              if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'tier', ARGV[5]) end
              redis.call('EXPIREAT', KEYS[1], ARGV[3])
            end
            return 1
            """;

    /**
     * Usage of one principal.
     *
     * @param requests completed requests
     * @param cost     their summed actual cost (units of the route: tokens, cents, ...)
     */
    public record Usage(long requests, long cost) {
        Usage plus(long moreRequests, long moreCost) {
            return new Usage(requests + moreRequests, cost + moreCost);
        }
    }

    /** A principal's window (starting at {@code start}, epoch ms), whose counts are pending. */
    private record Day(String principal, UsageWindow window, long start) {
        static Day of(String principal, LocalDate date) {
            return new Day(principal, UsageWindow.DAY, date.toEpochDay() * 86_400_000L);
        }
    }

    /** Counts taken for one flush, written under one id until Redis acknowledges them. */
    private record Batch(String id, Map<Day, long[]> counts, Map<String, String> tiers) {
    }

    private static final UsageWindow[] WINDOWS = UsageWindow.values();

    private final UnifiedJedis jedis;
    private final String keyPrefix;
    private final Clock clock;
    private final Duration retention;
    private final ConcurrentHashMap<Day, long[]> pending = new ConcurrentHashMap<>();
    /** The tier of each principal's last request not written yet. */
    private final ConcurrentHashMap<String, String> pendingTiers = new ConcurrentHashMap<>();
    private final ScheduledExecutorService flusher;
    private final String instanceId = java.util.UUID.randomUUID().toString();
    private long batches;
    /** The batch being written; guarded by {@code this}. */
    private Batch unacknowledged;

    private RedisUsageCounters(Builder builder) {
        this.jedis = builder.jedis;
        this.keyPrefix = builder.keyPrefix;
        this.clock = builder.clock;
        this.retention = builder.retention;
        this.flusher = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "gatehouse-usage-flush");
            thread.setDaemon(true);
            return thread;
        });
        long millis = builder.flushInterval.toMillis();
        flusher.scheduleWithFixedDelay(this::flushQuietly, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** Starts counters over {@code jedis}, which the caller keeps owning. */
    public static Builder builder(UnifiedJedis jedis) {
        return new Builder(jedis);
    }

    /** Counts one completed request of {@code principalId} costing {@code cost} (at least 0). */
    public void record(String principalId, long cost) {
        record(principalId, null, cost);
    }

    /**
     * Counts one completed request of {@code principalId} of {@code tier} (nullable) costing
     * {@code cost} (at least 0) in the current minute, hour, day and month.
     */
    public void record(String principalId, String tier, long cost) {
        Objects.requireNonNull(principalId, "principalId");
        if (cost < 0) {
            throw new IllegalArgumentException("cost must not be negative, was " + cost);
        }
        long now = clock.millis();
        if (tier != null) {
            pendingTiers.put(principalId, tier);
        }
        for (UsageWindow window : WINDOWS) {
            pending.compute(new Day(principalId, window, window.startMillis(now)),
                    (key, counts) -> {
                        long[] sum = counts == null ? new long[2] : counts;
                        sum[0]++;
                        sum[1] += cost;
                        return sum;
                    });
        }
    }

    /**
     * The usage of {@code principalId} in the current UTC minute, hour, day and month, as Redis
     * holds it plus what this instance has not written yet, and the tier of its last request.
     *
     * @throws RedisUnavailableException when Redis cannot be read
     */
    public synchronized WindowedUsage windowed(String principalId) {
        Objects.requireNonNull(principalId, "principalId");
        long now = clock.millis();
        EnumMap<UsageWindow, io.gatehouse.observe.Usage> windows = new EnumMap<>(UsageWindow.class);
        String tier = pendingTiers.get(principalId);
        if (tier == null && unacknowledged != null) {
            tier = unacknowledged.tiers().get(principalId);
        }
        for (UsageWindow window : WINDOWS) {
            Day bucket = new Day(principalId, window, window.startMillis(now));
            Map<String, String> stored = read(bucket);
            if (tier == null && window == UsageWindow.MONTH) {
                tier = stored.get("tier");
            }
            Usage total = counted(bucket, stored);
            windows.put(window, new io.gatehouse.observe.Usage(total.requests(), total.cost()));
        }
        return new WindowedUsage(principalId, tier, Instant.ofEpochMilli(now), windows);
    }

    private Map<String, String> read(Day bucket) {
        try {
            return jedis.hgetAll(key(bucket));
        } catch (JedisException e) {
            throw new RedisUnavailableException("Redis unreachable while reading usage", e);
        }
    }

    /** What Redis holds for {@code bucket} plus this instance's unwritten counts of it. */
    private Usage counted(Day bucket, Map<String, String> stored) {
        Usage total = new Usage(parse(stored.get("requests")), parse(stored.get("cost")));
        long[] unwritten = new long[2];
        // Read under the entry's lock, like record() writes.
        pending.computeIfPresent(bucket, (day, counts) -> {
            unwritten[0] = counts[0];
            unwritten[1] = counts[1];
            return counts;
        });
        long[] inFlight = inFlight(bucket);
        return total.plus(unwritten[0] + inFlight[0], unwritten[1] + inFlight[1]);
    }

    /**
     * The usage of {@code principalId} over the UTC days {@code from} to {@code to} inclusive,
     * as Redis holds it plus what this instance has not written yet.
     *
     * @throws RedisUnavailableException when Redis cannot be read
     */
    public synchronized Usage usage(String principalId, LocalDate from, LocalDate to) {
        // Under the flush's lock: a flush in progress has either not taken the counts yet or
        // has written and released them, so no count is seen twice or missed. (A batch whose
        // write timed out is shown as unwritten until a flush confirms it, although Redis may
        // already hold it.)
        Usage total = new Usage(0, 0);
        for (LocalDate date = from; !date.isAfter(to); date = date.plusDays(1)) {
            Day day = Day.of(principalId, date);
            Usage counted = counted(day, read(day));
            total = total.plus(counted.requests(), counted.cost());
        }
        return total;
    }

    /** Today's usage (UTC) of {@code principalId}. */
    public Usage usageToday(String principalId) {
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        return usage(principalId, today, today);
    }

    private static long parse(String value) {
        return value == null ? 0 : Long.parseLong(value);
    }

    /** The counts of {@code day} in the batch not yet acknowledged, if any. */
    private long[] inFlight(Day day) {
        long[] counts = unacknowledged == null ? null : unacknowledged.counts().get(day);
        return counts == null ? new long[2] : counts;
    }

    /**
     * Writes every pending count now, in one pipeline: first the batch a previous flush could not
     * confirm (same id, same counts, so Redis applies it at most once), then the newer counts.
     *
     * @throws RedisUnavailableException when Redis cannot be written; the counts stay pending
     */
    public synchronized void flush() {
        for (int round = 0; round < 2; round++) {
            if (unacknowledged == null) {
                if (pending.isEmpty()) {
                    return;
                }
                Map<String, String> tiers = new java.util.HashMap<>();
                for (String principal : List.copyOf(pendingTiers.keySet())) {
                    String tier = pendingTiers.remove(principal);
                    if (tier != null) {
                        tiers.put(principal, tier);
                    }
                }
                Map<Day, long[]> taken = new java.util.HashMap<>();
                for (Day day : List.copyOf(pending.keySet())) {
                    long[] counts = pending.remove(day);
                    if (counts != null) {
                        taken.put(day, counts);
                    }
                }
                unacknowledged = new Batch(instanceId + ":" + (++batches), taken, tiers);
            }
            write(unacknowledged);
            unacknowledged = null;
        }
    }

    private void write(Batch batch) {
        String markerTtl = Long.toString(BATCH_MARKER_SECONDS);
        try (AbstractPipeline pipeline = jedis.pipelined()) {
            for (Map.Entry<Day, long[]> entry : batch.counts().entrySet()) {
                Day bucket = entry.getKey();
                String key = key(bucket);
                long end = bucket.window().endMillis(bucket.start());
                boolean longLived = bucket.window() == UsageWindow.DAY
                        || bucket.window() == UsageWindow.MONTH;
                long expiresAt = (end + (longLived ? retention.toMillis() : 86_400_000L)) / 1000;
                String tier = batch.tiers().getOrDefault(bucket.principal(), "");
                pipeline.eval(APPLY, List.of(key, key + ":batch:" + batch.id()), List.of(
                        Long.toString(entry.getValue()[0]), Long.toString(entry.getValue()[1]),
                        Long.toString(expiresAt), markerTtl, tier));
            }
            pipeline.sync();
        } catch (RuntimeException e) {
            // The batch stays unacknowledged: the next flush repeats it under the same id.
            RedisConnections.discardIdleConnections(jedis);
            throw new RedisUnavailableException("Redis unreachable while writing usage", e);
        }
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (RuntimeException e) {
            LOG.debug("usage not written yet; will retry", e);
        }
    }

    String key(String principalId, LocalDate date) {
        return key(Day.of(principalId, date));
    }

    private String key(Day bucket) {
        return keyPrefix + "{" + RedisLimitStore.escape(bucket.principal()) + "}:"
                + bucket.window().keyOf(bucket.start());
    }

    /** Stops the flusher and writes what is pending (best effort). */
    @Override
    public void close() {
        flusher.shutdownNow();
        flushQuietly();
    }

    /** Collects the counters' settings. Not thread-safe. */
    public static final class Builder {
        private final UnifiedJedis jedis;
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private Clock clock = Clock.systemUTC();
        private Duration flushInterval = Duration.ofSeconds(1);
        private Duration retention = Duration.ofDays(35);

        private Builder(UnifiedJedis jedis) {
            this.jedis = Objects.requireNonNull(jedis, "jedis");
        }

        /** Prefix of every key; must not contain braces. */
        public Builder keyPrefix(String keyPrefix) {
            this.keyPrefix = KeyPrefixes.require(keyPrefix);
            return this;
        }

        /** The clock that decides the UTC day a request counts in. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How often pending counts are written; at least 1 ms. */
        public Builder flushInterval(Duration flushInterval) {
            Objects.requireNonNull(flushInterval, "flushInterval");
            if (flushInterval.toMillis() < 1) {
                throw new IllegalArgumentException(
                        "flushInterval must be at least 1 ms, was " + flushInterval);
            }
            this.flushInterval = flushInterval;
            return this;
        }

        /** How long a day's counts are kept after the day ends; at least 1 day. */
        public Builder retention(Duration retention) {
            Objects.requireNonNull(retention, "retention");
            if (retention.compareTo(Duration.ofDays(1)) < 0) {
                throw new IllegalArgumentException(
                        "retention must be at least 1 day, was " + retention);
            }
            this.retention = retention;
            return this;
        }

        public RedisUsageCounters build() {
            return new RedisUsageCounters(this);
        }
    }
}
