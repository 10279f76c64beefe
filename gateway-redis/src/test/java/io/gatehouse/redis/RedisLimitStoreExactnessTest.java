package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.Admission;
import io.gatehouse.Concurrently;
import io.gatehouse.ErrorCode;
import io.gatehouse.limit.LimitAlgorithm;
import io.gatehouse.limit.FailurePolicy;
import io.gatehouse.limit.LimitRule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Four gateway instances, each with its own Jedis pool, store, limiter and gateway, and eight
 * threads each, send on one key at once: together they admit exactly the limit, never more.
 */
class RedisLimitStoreExactnessTest {

    private static final int INSTANCES = 4;
    private static final int THREADS = 8;
    private static final int CALLS_PER_THREAD = 12;
    private static final int LIMIT = 50;

    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.emptiedBeforeEachTest();

    private static RedisServer redis;

    @BeforeAll
    static void useRedis() {
        redis = REDIS.server();
    }

    private static LimitRule rule(LimitAlgorithm algorithm) {
        // Long periods: no refill or window edge during the test. Fail closed: a timeout on this
        // busy machine could only refuse, never admit more.
        Duration period = algorithm == LimitAlgorithm.CONCURRENCY ? Duration.ofMinutes(5)
                : Duration.ofDays(400);
        return LimitRule.builder("exact-" + algorithm, algorithm)
                .limit(LIMIT, algorithm == LimitAlgorithm.SLIDING_LOG ? Duration.ofDays(1) : period)
                .failurePolicy(FailurePolicy.FAIL_CLOSED)
                .countRequests()
                .build();
    }

    @ParameterizedTest
    @EnumSource(LimitAlgorithm.class)
    void fourInstancesOfEightThreadsAdmitExactlyTheLimit(LimitAlgorithm algorithm)
            throws Exception {
        LimitRule rule = rule(algorithm);
        List<GatewayFixture> instances = new ArrayList<>();
        for (int i = 0; i < INSTANCES; i++) {
            instances.add(new GatewayFixture(RedisConnections.parse(redis.url())
                    .commandTimeout(Duration.ofSeconds(5)).maxConnections(THREADS),
                    RedisCircuitBreaker.withDefaults(), rule));
        }
        // Every instance finds the script cached: the first call after a restart would be
        // answered NOSCRIPT and load it (3 commands once), which is covered elsewhere.
        redis.command("SCRIPT", "LOAD", RedisLimitStore.SCRIPT);
        redis.resetStats();
        AtomicInteger admitted = new AtomicInteger();
        ConcurrentHashMap<ErrorCode, AtomicInteger> refusals = new ConcurrentHashMap<>();
        try {
            Concurrently.run(INSTANCES * THREADS, INSTANCES * THREADS, task -> () -> {
                GatewayFixture instance = instances.get(task / THREADS);
                for (int i = 0; i < CALLS_PER_THREAD; i++) {
                    Admission admission = instance.call("hot-user");
                    if (GatewayFixture.admitted(admission)) {
                        admitted.incrementAndGet();
                    } else {
                        refusals.computeIfAbsent(GatewayFixture.code(admission),
                                code -> new AtomicInteger()).incrementAndGet();
                    }
                }
                return null;
            }, Duration.ofSeconds(60));
        } finally {
            instances.forEach(GatewayFixture::close);
        }

        int calls = INSTANCES * THREADS * CALLS_PER_THREAD;
        assertThat(admitted.get()).isEqualTo(LIMIT);
        assertThat(refusals).containsOnlyKeys(ErrorCode.RATE_LIMIT_EXCEEDED);
        assertThat(refusals.get(ErrorCode.RATE_LIMIT_EXCEEDED).get()).isEqualTo(calls - LIMIT);
        // One command per decision, and nothing else.
        assertThat(redis.calls("evalsha")).isEqualTo(calls);
        assertThat(RedisAssertions.clientCommands(redis)).containsOnlyKeys("evalsha");
        RedisAssertions.assertEveryKeyExpires(redis);
    }
}
