package io.gatehouse.benchmarks;

import com.google.common.util.concurrent.RateLimiter;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The baselines every limiter decision is compared with, measured in the same run: an empty
 * limiter, Bucket4j's local lock-free bucket (one hot key, and 100,000 keys behind a
 * {@link ConcurrentHashMap}), and Guava's {@link RateLimiter}. Limits are set so high that every
 * call is admitted: the cost measured is the decision, not a refusal.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LimiterBaselines {

    /** Number of distinct keys in the many-keys benchmarks. */
    public static final int KEYS = 100_000;

    @State(Scope.Benchmark)
    public static class Shared {
        Bucket hotBucket;
        Bucket threeLimitBucket;
        Bucket exhaustedBucket;
        RateLimiter guava;
        ConcurrentHashMap<String, Bucket> buckets;
        String[] keys;

        @Setup
        public void setUp() {
            hotBucket = newBucket();
            // The same three limits as InMemoryLimiterBenchmark.threeLimitsHotKey.
            threeLimitBucket = Bucket.builder()
                    .addLimit(limit -> limit.capacity(1_000_000_000L)
                            .refillGreedy(1_000_000_000L, Duration.ofSeconds(1)))
                    .addLimit(limit -> limit.capacity(6_000_000_000L)
                            .refillGreedy(6_000_000_000L, Duration.ofMinutes(1)))
                    .addLimit(limit -> limit.capacity(7_200_000_000L)
                            .refillGreedy(7_200_000_000L, Duration.ofHours(1)))
                    .build();
            exhaustedBucket = Bucket.builder()
                    .addLimit(limit -> limit.capacity(1).refillGreedy(1, Duration.ofDays(400)))
                    .build();
            if (!exhaustedBucket.tryConsume(1) || exhaustedBucket.tryConsume(1)) {
                throw new IllegalStateException("the once-only bucket must admit exactly once");
            }
            guava = RateLimiter.create(1e12);
            buckets = new ConcurrentHashMap<>();
            keys = Keys.distinct(KEYS);
            for (String key : keys) {
                buckets.put(key, newBucket());
            }
        }

        static Bucket newBucket() {
            return Bucket.builder()
                    .addLimit(limit -> limit.capacity(1_000_000_000_000L)
                            .refillGreedy(1_000_000_000L, Duration.ofSeconds(1)))
                    .build();
        }
    }

    @Benchmark
    public boolean emptyLimiter() {
        return true;
    }

    @Benchmark
    public boolean bucket4jHotKey(Shared shared) {
        return shared.hotBucket.tryConsume(1);
    }

    /** Bucket4j's lock-free bucket with three bandwidths (second, minute, hour). */
    @Benchmark
    public boolean bucket4jThreeLimitsHotKey(Shared shared) {
        return shared.threeLimitBucket.tryConsume(1);
    }

    /** The refusing path: an exhausted bucket, with the probe a caller needs for headers. */
    @Benchmark
    public ConsumptionProbe bucket4jRefusedHotKey(Shared shared) {
        return shared.exhaustedBucket.tryConsumeAndReturnRemaining(1);
    }

    @Benchmark
    public boolean bucket4jManyKeys(Shared shared, Keys.Cursor cursor) {
        String key = shared.keys[cursor.next(KEYS)];
        return shared.buckets.computeIfAbsent(key, ignored -> Shared.newBucket()).tryConsume(1);
    }

    @Benchmark
    public boolean guavaHotKey(Shared shared) {
        return shared.guava.tryAcquire();
    }
}
