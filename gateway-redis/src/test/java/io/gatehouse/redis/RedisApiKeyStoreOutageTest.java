package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gatehouse.auth.ApiKeyRecord;
import io.gatehouse.auth.ApiKeyStoreException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;

/**
 * Keys in use survive a Redis outage: cached records are re-read in the background and served
 * stale while Redis cannot be read, up to the maximum staleness; revocations and an emptied
 * Redis still reach the cache as soon as Redis answers again. Real {@code redis-server}
 * processes, stopped and restarted; the cache's clock is driven by hand.
 */
class RedisApiKeyStoreOutageTest {

    private static final String HASH = "c".repeat(64);
    private static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");

    private final AtomicLong nanos = new AtomicLong();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private RedisServer redis;

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private RedisApiKeyStore store(RedisCircuitBreaker breaker) throws InterruptedException {
        UnifiedJedis jedis = RedisConnections.parse(redis.url())
                .commandTimeout(Duration.ofSeconds(1)).build();
        RedisApiKeyStore store = RedisApiKeyStore.builder(jedis)
                .circuitBreaker(breaker)
                .nanoTicker(nanos::get)
                .lastUsedFlushInterval(Duration.ofMinutes(10))
                .build();
        closeables.add(jedis);
        closeables.add(0, store);
        assertThat(store.awaitSubscribed(Duration.ofSeconds(5))).isTrue();
        return store;
    }

    private static ApiKeyRecord record() {
        return new ApiKeyRecord("kid_1", HASH, "sk_test_...c1C2", "alice", "free", Set.of(),
                Set.of(), CREATED, null, null, null, null, List.of(), List.of());
    }

    /**
     * Stores the record as {@link RedisApiKeyStore#save} does, but without the invalidation
     * message, whose arrival would race with the lookups the test makes.
     */
    private void write(ApiKeyRecord record) {
        try (Jedis admin = redis.admin()) {
            admin.hset("gatehouse:apikey:{apikeys}:id:" + record.keyId(),
                    RedisApiKeyStore.encode(record));
            admin.set("gatehouse:apikey:{apikeys}:hash:" + record.hash(), record.keyId());
            admin.sadd("gatehouse:apikey:{apikeys}:ids", record.keyId());
        }
    }

    private void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }

    @Test
    void aKeyInUseIsServedStaleThroughAnOutageUpToTheMaximumStaleness() throws Exception {
        redis = RedisServer.start();
        RedisApiKeyStore store = store(RedisCircuitBreaker.withDefaults());
        write(record());
        assertThat(store.findByHash(HASH)).contains(record());

        redis.stop();
        // Past the refresh interval (30 s): the re-read fails in the background, the cached
        // record is served, again and again, for the ten minutes the default allows.
        for (int minute = 1; minute < 10; minute++) {
            advance(Duration.ofMinutes(1));
            assertThat(store.findByHash(HASH)).contains(record());
        }
        advance(Duration.ofSeconds(59));
        assertThat(store.findByHash(HASH)).contains(record());

        advance(Duration.ofSeconds(2));
        assertThatThrownBy(() -> store.findByHash(HASH))
                .isInstanceOf(ApiKeyStoreException.class);
    }

    @Test
    void aKeyInUseIsNeverRefusedForCacheExpiryWhileRedisAnswers() throws Exception {
        redis = RedisServer.start();
        RedisCircuitBreaker breaker = RedisCircuitBreaker.builder().failureThreshold(3)
                .probeInterval(Duration.ofHours(1)).build();
        RedisApiKeyStore store = store(breaker);
        write(record());
        assertThat(store.findByHash(HASH)).contains(record());
        // In use for twenty minutes, twice the maximum staleness, with Redis up: re-read in the
        // background every 30 s.
        for (int i = 0; i < 40; i++) {
            advance(Duration.ofSeconds(31));
            long reads = redis.calls("get");
            assertThat(store.findByHash(HASH)).contains(record());
            await().atMost(Duration.ofSeconds(5)).until(() -> redis.calls("get") > reads);
        }

        // Redis is up, but the shared breaker opened (say, limit calls timed out): the key is
        // still served, as it was read from Redis moments ago.
        breaker.onFailure(null);
        breaker.onFailure(null);
        breaker.onFailure(null);
        assertThat(breaker.state()).isEqualTo(RedisCircuitBreaker.State.OPEN);
        advance(Duration.ofMinutes(5));

        assertThat(store.findByHash(HASH)).contains(record());
    }

    @Test
    void aRevocationMissedWhileUnsubscribedTakesEffectWhenRedisAnswersAgain() throws Exception {
        // Persistent, so the records outlive the restart.
        redis = RedisServer.start(List.of("--appendonly", "yes", "--appendfsync", "always"),
                false);
        RedisApiKeyStore store = store(RedisCircuitBreaker.withDefaults());
        write(record());
        assertThat(store.findByHash(HASH)).contains(record());
        // A change this instance never hears of: written without an invalidation message.
        try (Jedis admin = redis.admin()) {
            admin.hset("gatehouse:apikey:{apikeys}:id:kid_1", "revoked",
                    CREATED.plusSeconds(60).toString());
        }
        assertThat(store.findByHash(HASH).orElseThrow().revoked()).isFalse();

        redis.stop();
        advance(Duration.ofMinutes(2));
        assertThat(store.findByHash(HASH).orElseThrow().revoked()).isFalse();
        redis.restart();

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> store.findByHash(HASH).orElseThrow().revoked());
    }

    @Test
    void aRedisThatComesBackEmptyMakesCachedKeysUnknown() throws Exception {
        redis = RedisServer.start();
        RedisApiKeyStore store = store(RedisCircuitBreaker.withDefaults());
        write(record());
        assertThat(store.findByHash(HASH)).contains(record());

        redis.restart();

        // Honest: the keys are gone, so the key is refused (401), not served from memory.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                .until(() -> store.findByHash(HASH).isEmpty());
    }

    @Test
    void maximumStalenessBelowTheRefreshIntervalIsRefused() {
        try (UnifiedJedis jedis = RedisConnections.parse("redis://127.0.0.1:1")
                .minIdleConnections(0).build()) {
            assertThatThrownBy(() -> RedisApiKeyStore.builder(jedis)
                    .refreshInterval(Duration.ofMinutes(5)).maxStaleness(Duration.ofMinutes(1))
                    .build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("maxStaleness PT1M must not be below refreshInterval PT5M");
        }
    }
}
