package io.gatehouse.benchmarks;

import io.gatehouse.limit.LimitAlgorithm;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.LimitStore;
import io.gatehouse.limit.LimitStores;
import io.gatehouse.limit.Permit;
import io.gatehouse.limit.Verdict;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one decision of the in-memory limit store ({@link LimitStores#inMemory()}, the
 * system clock, the default bound of a million states), to be run together with
 * {@link LimiterBaselines} so that ratios come from one run.
 *
 * <p>Permits are built once in setup, as the baselines' keys are: what is measured is the
 * store's decision, not building the request's permit list. Limits are so large that every
 * admitting benchmark is admitted for the whole run (the setup checks that the first decision
 * admits and the tear-down that the last one did); {@link #refusedHotKey} measures the refusing
 * path on a limit exhausted in setup.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class InMemoryLimiterBenchmark {

    private static final String LEASE = "bench";

    @State(Scope.Benchmark)
    public static class Store {
        LimitStore store;
        List<Permit> oneLimit;
        List<Permit> threeLimits;
        List<Permit> threeAlgorithms;
        List<Permit> exhausted;

        @Setup(Level.Trial)
        public void setUp() {
            store = LimitStores.inMemory();
            String hot = "tenant-hot";
            // 1e9 per second refills faster than two cores can take: never refuses.
            LimitRule perSecond = LimitRule.tokenBucket("per-second", 1_000_000_000L,
                    Duration.ofSeconds(1));
            LimitRule perMinute = LimitRule.tokenBucket("per-minute", 6_000_000_000L,
                    Duration.ofMinutes(1));
            LimitRule perHour = LimitRule.tokenBucket("per-hour", 7_200_000_000L,
                    Duration.ofHours(1));
            oneLimit = List.of(new Permit(perSecond, hot, 1));
            threeLimits = List.of(new Permit(perSecond, hot, 1), new Permit(perMinute, hot, 1),
                    new Permit(perHour, hot, 1));
            // Windows must stay below 2^51 units * microseconds, so these are per second.
            threeAlgorithms = List.of(new Permit(perSecond, hot, 1),
                    new Permit(LimitRule.slidingWindow("sliding", 2_000_000_000L,
                            Duration.ofSeconds(1)), hot, 1),
                    new Permit(LimitRule.fixedWindow("fixed", 5_000_000_000L,
                            Duration.ofSeconds(1)), hot, 1));
            LimitRule once = LimitRule.builder("once", LimitAlgorithm.TOKEN_BUCKET)
                    .limit(1, Duration.ofDays(400)).build();
            exhausted = List.of(new Permit(once, hot, 1));
            require(store.tryConsume(oneLimit, LEASE), "one limit admits");
            require(store.tryConsume(threeLimits, LEASE), "three limits admit");
            require(store.tryConsume(threeAlgorithms, LEASE), "three algorithms admit");
            require(store.tryConsume(exhausted, LEASE), "the once-only limit admits once");
            require(!store.tryConsume(exhausted, LEASE), "the once-only limit then refuses");
        }

        @TearDown(Level.Trial)
        public void checkStillAdmitting() {
            // A benchmark that ran into its limit would have measured refusals instead.
            require(store.tryConsume(oneLimit, LEASE), "one limit still admits");
            require(store.tryConsume(threeLimits, LEASE), "three limits still admit");
            require(store.tryConsume(threeAlgorithms, LEASE), "three algorithms still admit");
            store.close();
        }
    }

    /** A store of its own for the many-keys benchmark, so the others do not carry its keys. */
    @State(Scope.Benchmark)
    public static class ManyKeys {
        LimitStore store;
        List<Permit>[] permits;

        @Setup(Level.Trial)
        @SuppressWarnings("unchecked")
        public void setUp() {
            store = LimitStores.inMemory();
            LimitRule perSecond = LimitRule.tokenBucket("per-second", 1_000_000_000L,
                    Duration.ofSeconds(1));
            String[] keys = Keys.distinct(LimiterBaselines.KEYS);
            permits = new List[keys.length];
            for (int i = 0; i < keys.length; i++) {
                permits[i] = List.of(new Permit(perSecond, keys[i], 1));
                // Every key's state exists before measuring, as every Bucket4j bucket does.
                require(store.tryConsume(permits[i], LEASE), "a fresh key admits");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            store.close();
        }
    }

    static void require(boolean condition, String what) {
        if (!condition) {
            throw new IllegalStateException("benchmark precondition failed: " + what);
        }
    }

    /** One token bucket on one hot key: the boolean decision. */
    @Benchmark
    public boolean oneLimitHotKey(Store state) {
        return state.store.tryConsume(state.oneLimit, LEASE);
    }

    /** As {@link #oneLimitHotKey}, returning the full {@link Verdict} (headers need it). */
    @Benchmark
    public Verdict oneLimitHotKeyVerdict(Store state) {
        return state.store.tryAcquire(state.oneLimit, LEASE);
    }

    /** Three token buckets (second, minute, hour) on one hot key, decided atomically. */
    @Benchmark
    public boolean threeLimitsHotKey(Store state) {
        return state.store.tryConsume(state.threeLimits, LEASE);
    }

    /** A token bucket, a sliding window counter and a fixed window on one key, atomically. */
    @Benchmark
    public boolean threeAlgorithmsHotKey(Store state) {
        return state.store.tryConsume(state.threeAlgorithms, LEASE);
    }

    /** One token bucket over 100,000 keys, picked by a per-thread pseudo-random walk. */
    @Benchmark
    public boolean oneLimitManyKeys(ManyKeys state, Keys.Cursor cursor) {
        return state.store.tryConsume(state.permits[cursor.next(LimiterBaselines.KEYS)], LEASE);
    }

    /** The refusing path: an exhausted limit on one hot key, with the refusal's verdict. */
    @Benchmark
    public Verdict refusedHotKey(Store state) {
        return state.store.tryAcquire(state.exhausted, LEASE);
    }
}
