package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.Admission;
import io.gatehouse.Concurrently;
import io.gatehouse.Gateway;
import io.gatehouse.Outcome;
import io.gatehouse.TestExchange;
import io.gatehouse.auth.Principal;
import io.gatehouse.limit.LimitQuota;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.Tier;
import io.gatehouse.limit.TieredRateLimiter;
import io.gatehouse.observe.Usage;
import io.gatehouse.observe.UsageWindow;
import io.gatehouse.observe.WindowedUsage;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What {@code /v1/usage} reads, on two gateway instances sharing one real {@code redis-server}:
 * both report exactly the requests both admitted, and the same remaining quota.
 */
class RedisUsageAcrossInstancesTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.emptiedBeforeEachTest();

    private static RedisServer redis;

    @BeforeAll
    static void useRedis() {
        redis = REDIS.server();
    }

    /** One instance: its own connections, limit store, usage counters and gateway. */
    private record Instance(RedisBackend backend, TieredRateLimiter limiter, Gateway gateway) {
        static Instance start(String url) {
            RedisBackend backend = RedisBackend.connect(url);
            TieredRateLimiter limiter = TieredRateLimiter.builder(backend.limitStore())
                    // Buckets so slow to refill that no unit comes back while the test runs,
                    // and no window edge to cross: the counts are exact at any time of day.
                    .tier(Tier.of("t",
                            LimitRule.tokenBucket("per-month", 1_500, Duration.ofDays(30)),
                            LimitRule.tokenBucket("per-year", 100_000, Duration.ofDays(365))))
                    .build();
            Gateway gateway = Gateway.builder(Router.of(List.of(
                            Route.builder("chat", "/chat").cost(3).build())))
                    .authenticator(GatewayFixture.BY_HEADER)
                    .rateLimiter(limiter)
                    .usage(backend.usageRecorder())
                    .build();
            return new Instance(backend, limiter, gateway);
        }
    }

    @Test
    void twoInstancesReportExactlyWhatBothAdmitted() throws Exception {
        Instance first = Instance.start(redis.url());
        Instance second = Instance.start(redis.url());
        try {
            AtomicInteger admitted = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            // 8 threads, 100 calls each, alternating instances: 800 calls of cost 3 against
            // 1,500 units a month, so exactly 500 are admitted wherever they arrive.
            Concurrently.run(8, 8, thread -> () -> {
                for (int i = 0; i < 100; i++) {
                    Gateway gateway = (thread + i) % 2 == 0 ? first.gateway() : second.gateway();
                    Admission admission = gateway.admit(
                            TestExchange.request("GET", "/chat").header("X-User", "alice"));
                    if (admission instanceof Admission.Admitted granted) {
                        granted.grant().complete(Outcome.status(200));
                        admitted.incrementAndGet();
                    } else {
                        refused.incrementAndGet();
                    }
                }
                return null;
            }, Duration.ofSeconds(120));
            assertThat(admitted.get()).isEqualTo(500);
            assertThat(refused.get()).isEqualTo(300);

            first.backend().usageCounters().flush();
            second.backend().usageCounters().flush();

            Principal alice = new Principal("alice", "t", Set.of(), Set.of(), "");
            for (Instance instance : List.of(first, second)) {
                WindowedUsage usage = instance.backend().usageRecorder().windowed("alice");
                // The windows follow the system clock here: a run across a minute, hour or day
                // boundary splits those, so the month holds the exact total. Window edges are
                // tested on a manual clock in RedisUsageCountersTest.
                assertThat(usage.usage(UsageWindow.MONTH)).isEqualTo(new Usage(500, 1_500));
                assertThat(usage.tier()).isEqualTo("t");
                List<LimitQuota> quotas = instance.limiter().quotas(alice);
                assertThat(quotas).extracting(LimitQuota::remaining)
                        .containsExactly(0L, 100_000L - 1_500L);
            }
        } finally {
            first.backend().close();
            second.backend().close();
        }
    }
}
