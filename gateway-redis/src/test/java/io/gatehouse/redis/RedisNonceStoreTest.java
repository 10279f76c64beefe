package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.auth.NonceStore;
import io.gatehouse.auth.NonceStoreContract;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;

/** Core's nonce store contract against standalone Redis, plus sharing and outages. */
class RedisNonceStoreTest extends NonceStoreContract {

    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.emptiedBeforeEachTest();

    private static RedisServer redis;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void useRedis() {
        redis = REDIS.server();
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
        closeables.clear();
    }

    @Override
    protected NonceStore newStore() {
        return instance(RedisCircuitBreaker.withDefaults());
    }

    /** One gateway instance's nonce store, with its own Jedis pool. */
    private RedisNonceStore instance(RedisCircuitBreaker breaker) {
        UnifiedJedis jedis = RedisConnections.parse(redis.url())
                .commandTimeout(Duration.ofSeconds(2)).build();
        closeables.add(jedis);
        return RedisNonceStore.builder(jedis).circuitBreaker(breaker).build();
    }

    @Test
    void aNonceUsedOnOneInstanceIsAReplayOnAnotherAndExpiresWithItsWindow() {
        RedisNonceStore first = (RedisNonceStore) newStore();
        RedisNonceStore second = instance(RedisCircuitBreaker.withDefaults());
        Instant until = Instant.now().plus(Duration.ofMinutes(5));

        assertThat(first.firstUse("kid:1", "n-1", until)).isTrue();
        assertThat(second.firstUse("kid:1", "n-1", until)).isFalse();
        // The scope is escaped: "kid" + ":1}" cannot reach kid:1's nonces.
        assertThat(second.firstUse("kid", "1}:n-1", until)).isTrue();

        try (Jedis admin = redis.admin()) {
            assertThat(admin.keys("*")).containsExactlyInAnyOrder(
                    "gatehouse:nonce:{kid%3A1}:n-1", "gatehouse:nonce:{kid}:1}:n-1");
            long ttl = admin.pttl("gatehouse:nonce:{kid%3A1}:n-1");
            assertThat(ttl).isBetween(Duration.ofMinutes(4).toMillis(),
                    Duration.ofMinutes(5).toMillis());
        }
        assertThat(first.firstUse("kid:1", "old", Instant.now().minusSeconds(1))).isFalse();
    }

    @Test
    void anOutageIsAnErrorNeverAnAcceptedNonceAndCostsOneCallPerProbe() {
        java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
        RedisCircuitBreaker breaker = RedisCircuitBreaker.builder().failureThreshold(2)
                .probeInterval(Duration.ofSeconds(1)).nanoTicker(nanos::get).build();
        RedisNonceStore store = instance(breaker);
        Instant until = Instant.now().plus(Duration.ofMinutes(5));
        redis.stop();

        for (int i = 0; i < 10; i++) {
            String nonce = "n-" + i;
            assertThatThrownBy(() -> store.firstUse("kid", nonce, until))
                    .isInstanceOf(RedisUnavailableException.class);
        }
        assertThat(breaker.snapshot().failures()).isEqualTo(2);

        redis.restart();
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(store.firstUse("kid", "n-1", until)).isTrue();
        assertThat(store.firstUse("kid", "n-1", until)).isFalse();
    }
}
