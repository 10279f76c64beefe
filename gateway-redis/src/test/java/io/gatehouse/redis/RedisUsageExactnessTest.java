package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.Admission;
import io.gatehouse.Gateway;
import io.gatehouse.Outcome;
import io.gatehouse.TestExchange;
import io.gatehouse.limit.LimitAlgorithm;
import io.gatehouse.limit.FailurePolicy;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.Tier;
import io.gatehouse.limit.TieredRateLimiter;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;

/**
 * Recorded usage equals the admitted requests, whoever admitted them (Redis or the fallback)
 * and whatever happened to the writes: a real gateway on a real {@code redis-server} that is
 * frozen while requests are decided and while usage is flushed.
 */
class RedisUsageExactnessTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.emptiedBeforeEachTest();

    private static RedisServer redis;

    @BeforeAll
    static void useRedis() {
        redis = REDIS.server();
    }

    @Test
    void usageEqualsAdmittedRequestsAfterTimeoutsAndAFrozenRedis() throws Exception {
        LimitRule rule = LimitRule.builder("per-hour", LimitAlgorithm.FIXED_WINDOW)
                .limit(30, Duration.ofHours(1)).failurePolicy(FailurePolicy.LOCAL_FALLBACK)
                .countRequests().build();
        RedisCircuitBreaker breaker = RedisCircuitBreaker.builder().failureThreshold(1)
                .probeInterval(Duration.ofMillis(100)).build();
        try (UnifiedJedis jedis = RedisConnections.parse(redis.url())
                .commandTimeout(Duration.ofMillis(200)).build();
                RedisUsageCounters counters = RedisUsageCounters.builder(jedis)
                        .flushInterval(Duration.ofHours(1)).build()) {
            RedisLimitStore store = RedisLimitStore.builder(jedis).circuitBreaker(breaker).build();
            Gateway gateway = Gateway.builder(Router.of(List.of(
                            Route.builder("api", "/api").build())))
                    .authenticator(GatewayFixture.BY_HEADER)
                    .rateLimiter(TieredRateLimiter.builder(store).tier(Tier.of("t", rule)).build())
                    .usage(new RedisUsageRecorder(counters))
                    .build();

            int admitted = calls(gateway, 12);
            counters.flush();
            redis.freeze();
            try {
                // Decided by the fallback (the first call times out: its outcome is unknown),
                // and a flush that is sent and then times out.
                admitted += calls(gateway, 10);
                assertThatThrownBy(counters::flush).isInstanceOf(RedisUnavailableException.class);
            } finally {
                redis.thaw();
            }
            admitted += calls(gateway, 12);
            counters.flush();
            counters.flush();

            // 12 by Redis, 10 by the fallback (18 left, per Redis), then 8 to 12 more.
            assertThat(admitted).isBetween(30, 34);
            try (Jedis admin = redis.admin()) {
                assertThat(admin.hget("gatehouse:usage:{alice}:" + LocalDate.now(ZoneOffset.UTC),
                        "requests")).isEqualTo(Integer.toString(admitted));
            }
        }
    }

    /** Makes {@code count} calls as alice, completing the admitted ones; returns how many. */
    private static int calls(Gateway gateway, int count) {
        int admitted = 0;
        for (int i = 0; i < count; i++) {
            Admission admission = gateway.admit(
                    TestExchange.request("GET", "/api").header("X-User", "alice"));
            if (admission instanceof Admission.Admitted granted) {
                granted.grant().complete(Outcome.status(200));
                admitted++;
            }
        }
        return admitted;
    }
}
