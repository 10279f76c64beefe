package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatehouse.limit.LimitAlgorithm;
import io.gatehouse.limit.FailurePolicy;
import io.gatehouse.limit.LimitRule;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The over-admission bound of {@code docs/operations.md} under real faults of a real
 * {@code redis-server}: two gateway instances configured as two ({@code fallbackInstances(2)})
 * share a limit of {@code L = 10} per hour; per outage the instances together admit at most
 * {@code sum over instances of min(R_i, ceil(L / 2))} beyond the limit, where {@code R_i} is
 * what Redis last told instance {@code i} was left, plus what Redis forgot if it comes back
 * empty.
 */
class RedisFallbackBoundTest {

    private static final int LIMIT = 10;
    private static final int SHARE = 5;

    private RedisServer redis;
    private GatewayFixture first;
    private GatewayFixture second;
    private int throwaway;

    private void start(List<String> redisArgs) {
        redis = RedisServer.start(redisArgs, false);
        LimitRule rule = LimitRule.builder("per-hour", LimitAlgorithm.FIXED_WINDOW)
                .limit(LIMIT, Duration.ofHours(1))
                .failurePolicy(FailurePolicy.LOCAL_FALLBACK)
                .countRequests()
                .build();
        first = instance(rule);
        second = instance(rule);
    }

    private GatewayFixture instance(LimitRule rule) {
        RedisCircuitBreaker breaker = RedisCircuitBreaker.builder().failureThreshold(1)
                .probeInterval(Duration.ofMillis(100)).build();
        return new GatewayFixture(RedisConnections.parse(redis.url())
                .commandTimeout(Duration.ofMillis(250)).connectTimeout(Duration.ofMillis(250)),
                breaker, 2, rule);
    }

    @AfterEach
    void stop() {
        if (first != null) {
            first.close();
            second.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private static int admitted(GatewayFixture instance, int calls) {
        int admitted = 0;
        for (int i = 0; i < calls; i++) {
            if (GatewayFixture.admitted(instance.call("bob"))) {
                admitted++;
            }
        }
        return admitted;
    }

    /** Four admitted through Redis, alternately: the first instance last heard 7, the second 6. */
    private int beforeTheOutage() {
        int admitted = 0;
        for (int i = 0; i < 2; i++) {
            admitted += admitted(first, 1) + admitted(second, 1);
        }
        assertThat(admitted).isEqualTo(4);
        return admitted;
    }

    /** Each instance alone admits its share: min(7, 5) and min(6, 5). */
    private int duringTheOutage() {
        int firstAdmitted = admitted(first, 20);
        int secondAdmitted = admitted(second, 20);
        assertThat(firstAdmitted).isEqualTo(SHARE);
        assertThat(secondAdmitted).isEqualTo(SHARE);
        assertThat(first.store.health().healthy()).isFalse();
        assertThat(second.store.health().healthy()).isFalse();
        return firstAdmitted + secondAdmitted;
    }

    private int afterRecovery() {
        for (GatewayFixture instance : List.of(first, second)) {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
                instance.call("throwaway-" + (++throwaway));
                return instance.store.health().healthy();
            });
        }
        return admitted(first, 20) + admitted(second, 20);
    }

    @Test
    void sigstopOfRedisAdmitsAtMostTheBound() {
        start(List.of());
        int total = beforeTheOutage();
        redis.freeze();
        try {
            total += duringTheOutage();
        } finally {
            redis.thaw();
        }
        total += afterRecovery();

        // L + 5 + 5; calls that timed out were run by Redis after the thaw and count there too,
        // so fewer are admitted after recovery than the 6 Redis had left.
        assertThat(total).isLessThanOrEqualTo(LIMIT + 2 * SHARE).isGreaterThan(LIMIT);
    }

    @Test
    void killMinusNineWithStateOnDiskAdmitsExactlyTheBound() {
        start(List.of("--appendonly", "yes", "--appendfsync", "always"));
        int total = beforeTheOutage();
        redis.stop();
        total += duringTheOutage();
        redis.restart();
        total += afterRecovery();

        // Redis kept its count of 4 and admits its 6 again: L + 5 + 5.
        assertThat(total).isEqualTo(LIMIT + 2 * SHARE);
    }

    @Test
    void restartWithAnEmptyRedisAddsWhatRedisForgot() {
        start(List.of());
        int total = beforeTheOutage();
        redis.stop();
        total += duringTheOutage();
        redis.restart();
        total += afterRecovery();

        // Redis forgot the 4 it had counted and admits a full 10 again: L + 5 + 5 + 4.
        assertThat(total).isEqualTo(LIMIT + 2 * SHARE + 4);
    }
}
