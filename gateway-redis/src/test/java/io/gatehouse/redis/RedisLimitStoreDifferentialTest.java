package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.limit.LimitAlgorithm;
import io.gatehouse.limit.FakeMicroClock;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.LimitStore;
import io.gatehouse.limit.LimitStores;
import io.gatehouse.limit.Permit;
import io.gatehouse.limit.Verdict;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.UnifiedJedis;

/**
 * Random traces of acquisitions, settlements, releases and clock moves, applied to the in-memory
 * store and the Redis store on one fake clock: every verdict must be identical, field by field.
 * The seeds are fixed, so a failure reproduces.
 */
class RedisLimitStoreDifferentialTest {

    private static final List<LimitRule> RULES = List.of(
            LimitRule.tokenBucket("tb", 7, Duration.ofSeconds(1)),
            LimitRule.builder("tb-burst", LimitAlgorithm.TOKEN_BUCKET)
                    .limit(3, Duration.ofSeconds(7)).burst(5).build(),
            LimitRule.fixedWindow("fw", 5, Duration.ofSeconds(2)),
            LimitRule.slidingWindow("sw", 6, Duration.ofSeconds(3)),
            LimitRule.slidingLog("sl", 4, Duration.ofMillis(1_500)),
            LimitRule.concurrency("cc", 3, Duration.ofSeconds(2)),
            LimitRule.builder("day", LimitAlgorithm.FIXED_WINDOW)
                    .calendar(20, ChronoUnit.DAYS, ZoneOffset.UTC).build());
    private static final List<String> KEYS = List.of("a", "b");
    private static final List<String> LEASES = List.of("l1", "l2", "l3", "l4");

    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.emptiedBeforeEachTest()
            .withClient(Duration.ofSeconds(2));

    private static RedisServer redis;
    private static UnifiedJedis jedis;

    @BeforeAll
    static void useRedis() {
        redis = REDIS.server();
        jedis = REDIS.client();
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void redisDecidesExactlyLikeTheInMemoryStore(long seed) {
        Random random = new Random(seed);
        FakeMicroClock clock = new FakeMicroClock();
        LimitStore memory = LimitStores.inMemory(clock);
        LimitStore shared = RedisLimitStore.builder(jedis).clock(clock).build();
        List<Permit> admitted = new ArrayList<>();
        for (int step = 0; step < 300; step++) {
            String where = "seed " + seed + " step " + step;
            int op = random.nextInt(10);
            if (op < 6) {
                List<Permit> permits = permits(random);
                String lease = LEASES.get(random.nextInt(LEASES.size()));
                Verdict expected = memory.tryAcquire(permits, lease);
                Verdict actual = shared.tryAcquire(permits, lease);
                assertSame(where + " acquire " + permits + " " + lease, expected, actual);
                if (expected.allowed()) {
                    admitted.addAll(permits);
                }
            } else if (op == 6 && !admitted.isEmpty()) {
                Permit permit = admitted.get(random.nextInt(admitted.size()));
                long actualCost = random.nextInt((int) (3 * permit.cost() + 3));
                memory.settle(permit, actualCost);
                shared.settle(permit, actualCost);
            } else if (op == 7) {
                Permit permit = new Permit(RULES.get(5), KEYS.get(random.nextInt(KEYS.size())), 1);
                String lease = LEASES.get(random.nextInt(LEASES.size()));
                memory.release(permit, lease);
                shared.release(permit, lease);
            } else {
                clock.advanceMicros(switch (random.nextInt(4)) {
                    case 0 -> 1;
                    case 1 -> random.nextInt(1_000);
                    case 2 -> random.nextInt(1_000_000);
                    default -> random.nextInt(4_000_000);
                });
            }
        }
        memory.close();
        shared.close();
    }

    private static List<Permit> permits(Random random) {
        List<Permit> permits = new ArrayList<>();
        int count = 1 + random.nextInt(3);
        for (int i = 0; i < count; i++) {
            LimitRule rule = RULES.get(random.nextInt(RULES.size()));
            String key = KEYS.get(random.nextInt(KEYS.size()));
            if (permits.stream().anyMatch(p -> p.rule() == rule && p.key().equals(key))) {
                continue;
            }
            long cost = rule.algorithm() == LimitAlgorithm.CONCURRENCY ? 1 : 1 + random.nextInt(3);
            permits.add(new Permit(rule, key, cost));
        }
        return permits;
    }

    private static void assertSame(String where, Verdict expected, Verdict actual) {
        assertThat(actual.allowed()).as(where + " allowed").isEqualTo(expected.allowed());
        assertThat(actual.decidingIndex()).as(where + " deciding").isEqualTo(
                expected.decidingIndex());
        assertThat(actual.retryAfterMicros()).as(where + " retry-after")
                .isEqualTo(expected.retryAfterMicros());
        assertThat(actual.size()).isEqualTo(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.remaining(i)).as(where + " remaining " + i)
                    .isEqualTo(expected.remaining(i));
            assertThat(actual.resetMicros(i)).as(where + " reset " + i)
                    .isEqualTo(expected.resetMicros(i));
        }
    }
}
