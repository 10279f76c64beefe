package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.Admission;
import io.gatehouse.Gateway;
import io.gatehouse.Outcome;
import io.gatehouse.TestExchange;
import io.gatehouse.auth.ApiKeyManager;
import io.gatehouse.auth.ApiKeySpec;
import io.gatehouse.auth.SecurityEvents;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.Tier;
import io.gatehouse.limit.TieredRateLimiter;
import io.gatehouse.observe.Usage;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/** Two gateways built on one Redis URL each share limits and keys. */
class RedisBackendTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.emptiedBeforeEachTest();

    private static RedisServer redis;

    @BeforeAll
    static void useRedis() {
        redis = REDIS.server();
    }

    /** Generous timeouts: this test is about sharing, not about a busy machine's latency. */
    private static RedisBackend backend() {
        return RedisBackend.builder(RedisConnections.parse(redis.url())
                .commandTimeout(Duration.ofSeconds(2))).build();
    }

    private static Gateway gateway(RedisBackend backend, ApiKeyManager keys) {
        TieredRateLimiter limiter = TieredRateLimiter.builder(backend.limitStore())
                .tier(Tier.of("free", LimitRule.fixedWindow("per-hour", 3, Duration.ofHours(1))))
                .build();
        return Gateway.builder(Router.of(List.of(Route.builder("api", "/api").build())))
                .authenticator(keys.authenticator())
                .rateLimiter(limiter)
                .build();
    }

    private static Admission call(Gateway gateway, String apiKey) {
        return gateway.admit(TestExchange.request("GET", "/api").header("X-API-Key", apiKey));
    }

    @Test
    void twoGatewaysOnOneRedisUrlEnforceOneLimitAndShareKeys() throws Exception {
        Set<String> threadsBefore = threadNames();
        try (RedisBackend first = backend();
                RedisBackend second = backend()) {
            ApiKeyManager keysOnFirst = ApiKeyManager.builder(first.apiKeyStore())
                    .events(SecurityEvents.none()).build();
            ApiKeyManager keysOnSecond = ApiKeyManager.builder(second.apiKeyStore())
                    .events(SecurityEvents.none()).build();
            String key = keysOnFirst.create("sk_test_", ApiKeySpec.of("alice", "free"))
                    .plaintext();
            Gateway one = gateway(first, keysOnFirst);
            Gateway two = gateway(second, keysOnSecond);

            assertThat(call(one, key)).isInstanceOf(Admission.Admitted.class);
            assertThat(call(two, key)).isInstanceOf(Admission.Admitted.class);
            assertThat(call(one, key)).isInstanceOf(Admission.Admitted.class);
            assertThat(call(two, key)).isInstanceOf(Admission.Rejected.class);
            assertThat(first.health().status()).isEqualTo("UP");

            first.usageCounters().record("alice", 4);
            second.usageCounters().record("alice", 6);
            first.usageCounters().flush();
            second.usageCounters().flush();
            assertThat(first.usageCounters().usageToday("alice").cost()).isEqualTo(10);
            try (Jedis admin = redis.admin()) {
                assertThat(admin.keys("*")).allMatch(name -> name.startsWith("gatehouse:"));
            }
        }
        Set<String> leaked = threadNames();
        leaked.removeAll(threadsBefore);
        leaked.removeIf(name -> name.startsWith("commons-pool-evictor"));
        assertThat(leaked).isEmpty();
    }

    @Test
    void usageOfCompletedRequestsIsCountedExactlyAcrossTwoGateways() throws Exception {
        try (RedisBackend first = backend();
                RedisBackend second = backend()) {
            Route chat = Route.builder("chat", "/chat").cost(3).build();
            Gateway one = usageGateway(first, chat);
            Gateway two = usageGateway(second, chat);

            for (int i = 0; i < 25; i++) {
                complete(one, "alice", Outcome.status(200));
                complete(two, "alice", Outcome.status(200));
            }
            complete(two, "alice", new Outcome(200, 100));
            complete(one, "bob", Outcome.status(429));
            Admission refused = one.admit(TestExchange.request("GET", "/chat"));
            assertThat(refused).isInstanceOf(Admission.Rejected.class);

            // Unwritten counts are this instance's alone; once both flush, both see the sum.
            assertThat(first.usageRecorder().usage("alice")).isEqualTo(new Usage(25, 75));
            first.usageCounters().flush();
            second.usageCounters().flush();
            assertThat(first.usageRecorder().usage("alice")).isEqualTo(new Usage(51, 250));
            assertThat(second.usageRecorder().usage("alice")).isEqualTo(new Usage(51, 250));
            assertThat(second.usageRecorder().usage("bob")).isEqualTo(new Usage(1, 3));
            assertThat(second.usageRecorder().usage("anonymous")).isEqualTo(Usage.NONE);
        }
    }

    private static Gateway usageGateway(RedisBackend backend, Route route) {
        return Gateway.builder(Router.of(List.of(route)))
                .authenticator(GatewayFixture.BY_HEADER)
                .usage(backend.usageRecorder())
                .build();
    }

    private static void complete(Gateway gateway, String user, Outcome outcome) {
        Admission admission = gateway.admit(
                TestExchange.request("GET", "/chat").header("X-User", user));
        assertThat(admission).isInstanceOf(Admission.Admitted.class);
        ((Admission.Admitted) admission).grant().complete(outcome);
    }

    @Test
    @SuppressWarnings("deprecation")
    void connectTakesAUrlAndOwnsTheClientItCreates() {
        RedisBackend backend = RedisBackend.connect(redis.url());
        assertThat(backend.client()).isInstanceOf(redis.clients.jedis.JedisPooled.class);
        assertThat(backend.limitStore().keyPrefix()).isEqualTo("gatehouse:limit:");
        backend.close();
        assertThatThrownBy(() -> backend.client().ping()).isInstanceOf(RuntimeException.class);
    }

    @Test
    void aMalformedUrlIsRefusedWithoutEchoingItsPassword() {
        assertThatThrownBy(() -> RedisBackend.connect("redis://:hunter2@host:notaport"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("hunter2");
    }

    private static Set<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .map(Thread::getName).collect(Collectors.toCollection(java.util.HashSet::new));
    }
}
