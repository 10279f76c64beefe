package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.Admission;
import io.gatehouse.Concurrently;
import io.gatehouse.limit.LimitAlgorithm;
import io.gatehouse.limit.FailurePolicy;
import io.gatehouse.limit.LimitRule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Two and four gateway instances with the DEFAULT connection settings (pool, warm connections,
 * command timeout), each with its own Jedis pool, share one real {@code redis-server} while
 * busy-loop threads compete for every core: every trial admits exactly the limit, and no
 * decision is left to the failure policy ({@code LOCAL_FALLBACK}, which would admit more), since
 * no call fails while Redis answers.
 */
class RedisLimitStoreOverloadTest {

    private static final int THREADS_PER_INSTANCE = 16;
    private static final int CALLS_PER_THREAD = 6;
    private static final int LIMIT = 40;
    private static final int TRIALS = 3;

    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.emptiedBeforeEachTest();

    private static RedisServer redis;

    @BeforeAll
    static void useRedis() {
        redis = REDIS.server();
    }

    @ParameterizedTest(name = "{0} instances, {1}")
    @CsvSource({"2, FIXED_WINDOW", "4, FIXED_WINDOW", "2, SLIDING_LOG", "4, TOKEN_BUCKET"})
    void everyTrialAdmitsExactlyTheLimitWhileBusyLoopsCompeteForTheCores(int instanceCount,
            LimitAlgorithm algorithm) throws Exception {
        LimitRule rule = LimitRule.builder("per-day", algorithm)
                .limit(LIMIT, Duration.ofDays(1))
                .failurePolicy(FailurePolicy.LOCAL_FALLBACK)
                .countRequests()
                .build();
        List<GatewayFixture> instances = new ArrayList<>();
        List<RedisCircuitBreaker> breakers = new ArrayList<>();
        AtomicBoolean spinning = new AtomicBoolean(true);
        List<Thread> spinners = busyLoops(spinning);
        long slowestNanos = 0;
        try {
            for (int i = 0; i < instanceCount; i++) {
                RedisCircuitBreaker breaker = RedisCircuitBreaker.withDefaults();
                breakers.add(breaker);
                instances.add(new GatewayFixture(RedisConnections.parse(redis.url()), breaker,
                        rule));
            }
            redis.command("SCRIPT", "LOAD", RedisLimitStore.SCRIPT);
            for (int trial = 0; trial < TRIALS; trial++) {
                String user = "hot-" + trial;
                redis.resetStats();
                AtomicInteger admitted = new AtomicInteger();
                AtomicLong slowest = new AtomicLong();
                int threads = instanceCount * THREADS_PER_INSTANCE;
                Concurrently.run(threads, threads, task -> () -> {
                    GatewayFixture instance = instances.get(task % instanceCount);
                    for (int i = 0; i < CALLS_PER_THREAD; i++) {
                        long start = System.nanoTime();
                        Admission admission = instance.call(user);
                        slowest.accumulateAndGet(System.nanoTime() - start, Math::max);
                        if (GatewayFixture.admitted(admission)) {
                            admitted.incrementAndGet();
                        }
                    }
                    return null;
                }, Duration.ofSeconds(60));

                assertThat(admitted.get()).as("trial %d admitted", trial).isEqualTo(LIMIT);
                // Every decision was Redis's: one EVALSHA each, none failed or short-circuited.
                assertThat(redis.calls("evalsha")).isEqualTo((long) threads * CALLS_PER_THREAD);
                for (RedisCircuitBreaker breaker : breakers) {
                    assertThat(breaker.snapshot().failures()).isZero();
                    assertThat(breaker.snapshot().shortCircuited()).isZero();
                }
                slowestNanos = Math.max(slowestNanos, slowest.get());
            }
        } finally {
            spinning.set(false);
            for (Thread spinner : spinners) {
                spinner.join();
            }
            instances.forEach(GatewayFixture::close);
        }
        // A figure for the operations guide, not an assertion: timing is the machine's.
        System.out.printf("overload: %d instances, %s, %d busy loops: slowest decision %.1f ms"
                + " (command timeout %d ms)%n", instanceCount, algorithm, spinners.size(),
                slowestNanos / 1e6, RedisConnections.DEFAULT_COMMAND_TIMEOUT_MILLIS);
    }

    /** Two spinning threads per core, running until {@code spinning} turns false. */
    private static List<Thread> busyLoops(AtomicBoolean spinning) {
        List<Thread> spinners = new ArrayList<>();
        int count = 2 * Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < count; i++) {
            Thread spinner = new Thread(() -> {
                long x = 0;
                while (spinning.get()) {
                    x += System.nanoTime() % 7;
                }
                if (x == 42) {
                    System.out.print("");
                }
            }, "busy-loop-" + i);
            spinner.setDaemon(true);
            spinner.start();
            spinners.add(spinner);
        }
        return spinners;
    }
}
