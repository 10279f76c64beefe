package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.Gateway;
import io.gatehouse.observe.HealthReport;
import io.gatehouse.observe.HealthStatus;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.UnifiedJedis;

/** Health and breaker meters of a Redis backend against a real redis-server that stops. */
class RedisHealthTest {

    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.emptiedBeforeEachTest();

    private static RedisConnections.Builder connection() {
        return RedisConnections.parse(REDIS.server().url())
                .commandTimeout(Duration.ofMillis(500)).connectTimeout(Duration.ofMillis(500));
    }

    @Test
    void stoppedRedisMakesBothStoresDownAndTheGatewayNotReady() throws Exception {
        RedisServer server = RedisServer.start();
        try (RedisBackend backend = RedisBackend.builder(RedisConnections.parse(server.url())
                .commandTimeout(Duration.ofMillis(500))
                .connectTimeout(Duration.ofMillis(500))).build()) {
            Gateway gateway = Gateway.builder(Router.of(List.of(Route.builder("r", "/r").build())))
                    .healthCheck("limit_store", true, backend.healthCheck())
                    .healthCheck("key_store", true, backend.healthCheck())
                    .build();
            HealthReport before = gateway.health();
            assertThat(before.ready()).isTrue();
            assertThat(before.components().get("limit_store").status())
                    .isEqualTo(HealthStatus.UP);

            server.stop();

            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                    .until(() -> !gateway.health().ready());
            HealthReport after = gateway.health();
            assertThat(after.status()).isEqualTo(HealthStatus.DOWN);
            assertThat(after.components().get("limit_store").status())
                    .isEqualTo(HealthStatus.DOWN);
            assertThat(after.components().get("key_store").status())
                    .isEqualTo(HealthStatus.DOWN);
            assertThat(after.components().get("key_store").detail())
                    .startsWith("redis did not answer PING").doesNotContain("127.0.0.1");
        } finally {
            server.close();
        }
    }

    @Test
    void answersAreReusedWithinTheCacheInterval() {
        AtomicLong nanos = new AtomicLong();
        RedisCircuitBreaker breaker = RedisCircuitBreaker.withDefaults();
        try (UnifiedJedis client = connection().build()) {
            RedisHealthCheck check = new RedisHealthCheck(client, breaker, Duration.ofSeconds(1),
                    nanos::get);
            var first = check.check();
            breaker.onFailure(new IllegalStateException("x"));
            breaker.onFailure(new IllegalStateException("x"));
            breaker.onFailure(new IllegalStateException("x"));

            assertThat(check.check()).isSameAs(first);
            nanos.addAndGet(Duration.ofSeconds(1).toNanos());
            var later = check.check();

            assertThat(first.status()).isEqualTo(HealthStatus.UP);
            assertThat(later.status()).isEqualTo(HealthStatus.DEGRADED);
            assertThat(later.detail()).contains("circuit breaker is open");
        }
    }

    @Test
    void breakerStateAndCountersAreBoundToTheRegistry() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RedisCircuitBreaker breaker = RedisCircuitBreaker.builder().failureThreshold(2).build();
        try (RedisBackend backend = RedisBackend.builder(connection()).circuitBreaker(breaker)
                .build()) {
            backend.bindTo(registry);
            assertThat(registry.get("gateway.store.breaker.state").tags("state", "closed")
                    .gauge().value()).isEqualTo(1.0);

            breaker.onFailure(new IllegalStateException("x"));
            breaker.onFailure(new IllegalStateException("x"));

            assertThat(registry.get("gateway.store.breaker.state").tags("state", "open")
                    .gauge().value()).isEqualTo(1.0);
            assertThat(registry.get("gateway.store.breaker.state").tags("state", "closed")
                    .gauge().value()).isZero();
            assertThat(registry.get("gateway.store.failures").functionCounter().count())
                    .isEqualTo(2.0);
            assertThat(registry.get("gateway.store.breaker.opened").functionCounter().count())
                    .isEqualTo(1.0);
        }
    }
}
