package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gatehouse.Admission;
import io.gatehouse.ErrorCode;
import io.gatehouse.Gateway;
import io.gatehouse.TestExchange;
import io.gatehouse.auth.ApiKeyManager;
import io.gatehouse.auth.ApiKeyRecord;
import io.gatehouse.auth.ApiKeyStore;
import io.gatehouse.auth.ApiKeyStoreContract;
import io.gatehouse.auth.ApiKeySpec;
import io.gatehouse.auth.NewApiKey;
import io.gatehouse.auth.SecurityEvents;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;

/** Core's store contract plus what only the Redis store does: sharing, pub/sub, outages. */
class RedisApiKeyStoreTest extends ApiKeyStoreContract {

    private static final String HASH_A = "a".repeat(64);
    private static final String HASH_B = "b".repeat(64);
    private static final Instant CREATED = Instant.parse("2026-01-01T00:00:00Z");

    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.emptiedBeforeEachTest();

    private static RedisServer redis;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void useRedis() {
        redis = REDIS.server();
    }

    @AfterEach
    void closeInstances() throws Exception {
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
    }

    @Override
    protected ApiKeyStore newStore() {
        try {
            return instance();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** One gateway instance's key store, with its own Jedis pool. */
    private RedisApiKeyStore instance() throws InterruptedException {
        UnifiedJedis jedis = RedisConnections.parse(redis.url())
                .commandTimeout(Duration.ofSeconds(2)).build();
        RedisApiKeyStore store = RedisApiKeyStore.builder(jedis)
                .lastUsedFlushInterval(Duration.ofMinutes(10)).build();
        closeables.add(jedis);
        closeables.add(0, store);
        assertThat(store.awaitSubscribed(Duration.ofSeconds(5))).isTrue();
        return store;
    }

    private static ApiKeyRecord record(String keyId, String hash) {
        return new ApiKeyRecord(keyId, hash, "sk_test_...a1B2", "alice", "premium",
                Set.of("admin", "user"), Set.of("invoke:read"), CREATED, null, null, null, null,
                List.of("10.0.0.0/8"), List.of());
    }

    @Test
    void aSavedRecordComesBackWithEveryField() throws Exception {
        RedisApiKeyStore store = instance();
        ApiKeyRecord full = new ApiKeyRecord("kid_1", HASH_A, "sk_live_...zz9", "bob", "free",
                Set.of("user"), Set.of(), CREATED, CREATED.plusSeconds(3600),
                CREATED.plusSeconds(5), CREATED.plusSeconds(60), "kid_2",
                List.of("192.0.2.0/24", "2001:db8::/32"), List.of("192.0.2.7/32"));
        ApiKeyRecord sparse = record("kid_0", HASH_B);

        store.save(full);
        store.save(sparse);

        assertThat(store.findById("kid_1")).contains(full);
        assertThat(store.findByHash(HASH_A)).contains(full);
        assertThat(store.findByHash(HASH_B)).contains(sparse);
        assertThat(store.findById("kid_9")).isEmpty();
        assertThat(store.list()).containsExactly(sparse, full);
    }

    @Test
    void keysAreNamedAsDocumentedAndHoldNoPlaintext() throws Exception {
        instance().save(record("kid_1", HASH_A));

        try (Jedis admin = redis.admin()) {
            assertThat(admin.keys("*")).containsExactlyInAnyOrder(
                    "gatehouse:apikey:{apikeys}:id:kid_1",
                    "gatehouse:apikey:{apikeys}:hash:" + HASH_A,
                    "gatehouse:apikey:{apikeys}:ids");
            assertThat(admin.hgetAll("gatehouse:apikey:{apikeys}:id:kid_1"))
                    .containsEntry("principal", "alice")
                    .containsEntry("roles", "[\"admin\",\"user\"]")
                    .doesNotContainKey("revoked");
        }
    }

    @Test
    void aHashOwnedByAnotherKeyIsRefusedAndAReplacedHashIsForgotten() throws Exception {
        RedisApiKeyStore store = instance();
        store.save(record("kid_1", HASH_A));

        assertThatThrownBy(() -> store.save(record("kid_2", HASH_A)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("kid_1");
        assertThat(store.findById("kid_2")).isEmpty();

        store.save(record("kid_1", HASH_B));
        assertThat(store.findByHash(HASH_A)).isEmpty();
        assertThat(store.findByHash(HASH_B).map(ApiKeyRecord::keyId)).contains("kid_1");
    }

    @Test
    void lookupsOnTheRequestPathAreServedFromTheLocalCache() throws Exception {
        instance().save(record("kid_1", HASH_A));
        // Subscribed after the save: its invalidation message cannot arrive between the
        // lookups below and evict what they cached.
        RedisApiKeyStore store = instance();
        redis.resetStats();

        for (int i = 0; i < 100; i++) {
            assertThat(store.findByHash(HASH_A)).isPresent();
            assertThat(store.findByHash(HASH_B)).isEmpty();
        }

        // One GET per hash, one HGETALL for the known one: the rest came from memory. The
        // store's own invalidation of the saved hash arrives asynchronously and may evict the
        // cached entry once after the first lookup, so one refetch per hash is allowed; without
        // the cache there would be 100 of each. (No script ran: every counted GET is a client's.)
        assertThat(redis.commandCalls().get("get")).isBetween(2L, 4L);
        assertThat(redis.commandCalls().get("hgetall")).isBetween(1L, 2L);
    }

    @Test
    void revokedKeyIsRefusedOnEveryInstanceWithinOneSecond() throws Exception {
        RedisApiKeyStore first = instance();
        RedisApiKeyStore second = instance();
        ApiKeyManager managerOnFirst = ApiKeyManager.builder(first)
                .events(SecurityEvents.none()).build();
        NewApiKey key = managerOnFirst.create("sk_test_", ApiKeySpec.of("alice", "premium"));
        String hash = key.record().hash();
        // Both instances have the key cached as usable.
        assertThat(first.findByHash(hash).map(ApiKeyRecord::revoked)).contains(false);
        assertThat(second.findByHash(hash).map(ApiKeyRecord::revoked)).contains(false);
        assertThat(second.findByHash(hash).map(ApiKeyRecord::revoked)).contains(false);

        managerOnFirst.revoke(key.keyId());

        assertThat(first.findByHash(hash).map(ApiKeyRecord::revoked)).contains(true);
        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10))
                .until(() -> second.findByHash(hash).map(ApiKeyRecord::revoked)
                        .orElse(false));
    }

    @Test
    void aKeyUnknownWhenLookedUpIsFoundOnceAnotherInstanceCreatesIt() throws Exception {
        RedisApiKeyStore first = instance();
        RedisApiKeyStore second = instance();
        assertThat(second.findByHash(HASH_A)).isEmpty();

        first.save(record("kid_1", HASH_A));

        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10))
                .until(() -> second.findByHash(HASH_A).isPresent());
    }

    @Test
    void revocationStillReachesEveryInstanceAfterRedisRestarts() throws Exception {
        RedisApiKeyStore first = instance();
        RedisApiKeyStore second = instance();
        redis.restart();
        // Nothing was persisted: the operator restores the key.
        await().atMost(Duration.ofSeconds(5)).ignoreExceptions()
                .until(() -> {
                    first.save(record("kid_1", HASH_A));
                    return true;
                });
        await().atMost(Duration.ofSeconds(5)).ignoreExceptions()
                .until(() -> second.findByHash(HASH_A).isPresent());

        first.save(first.findById("kid_1").orElseThrow().withRevokedAt(CREATED.plusSeconds(9)));

        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(10))
                .until(() -> second.findByHash(HASH_A).map(ApiKeyRecord::revoked)
                        .orElse(false));
    }

    @Test
    void lastUseIsWrittenLazilyAndNeverCreatesARecord() throws Exception {
        RedisApiKeyStore store = instance();
        store.save(record("kid_1", HASH_A));
        store.recordUse("kid_1", CREATED.plusSeconds(5));
        store.recordUse("kid_1", CREATED.plusSeconds(9));
        store.recordUse("kid_1", CREATED.plusSeconds(7));
        store.recordUse("kid_ghost", CREATED);
        try (Jedis admin = redis.admin()) {
            assertThat(admin.hget("gatehouse:apikey:{apikeys}:id:kid_1", "lastUsed")).isNull();
        }
        // This instance already shows its own unwritten use.
        assertThat(store.findById("kid_1").orElseThrow().lastUsedAt())
                .isEqualTo(CREATED.plusSeconds(9));

        store.flushUses();
        try (Jedis admin = redis.admin()) {
            assertThat(admin.hget("gatehouse:apikey:{apikeys}:id:kid_1", "lastUsed"))
                    .isEqualTo(CREATED.plusSeconds(9).toString());
        }

        assertThat(store.findById("kid_1").orElseThrow().lastUsedAt())
                .isEqualTo(CREATED.plusSeconds(9));
        assertThat(store.findById("kid_ghost")).isEqualTo(Optional.empty());
        assertThat(store.list()).hasSize(1);
    }

    @Test
    void lookupsWhileRedisIsDownAreAnswered503WithRetryAfterAndCostOneCallPerProbe()
            throws Exception {
        java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
        RedisCircuitBreaker breaker = RedisCircuitBreaker.builder().failureThreshold(3)
                .probeInterval(Duration.ofSeconds(1)).nanoTicker(nanos::get).build();
        UnifiedJedis jedis = RedisConnections.parse(redis.url())
                .commandTimeout(Duration.ofSeconds(2)).build();
        RedisApiKeyStore store = RedisApiKeyStore.builder(jedis).circuitBreaker(breaker).build();
        closeables.add(jedis);
        closeables.add(0, store);
        ApiKeyManager manager = ApiKeyManager.builder(store).events(SecurityEvents.none()).build();
        String cached = manager.create("sk_test_", ApiKeySpec.of("alice", "free")).plaintext();
        String uncached = manager.create("sk_test_", ApiKeySpec.of("bob", "free")).plaintext();
        Gateway gateway = Gateway.builder(Router.of(List.of(Route.builder("api", "/api").build())))
                .authenticator(manager.authenticator()).build();
        assertThat(call(gateway, cached)).isInstanceOf(Admission.Admitted.class);
        List<ApiKeyRecord> saved = store.list();

        redis.stop();

        // A key looked up before the outage keeps working from the local cache.
        assertThat(call(gateway, cached)).isInstanceOf(Admission.Admitted.class);
        for (int i = 0; i < 20; i++) {
            Admission refused = call(gateway, uncached);
            assertThat(refused).isInstanceOf(Admission.Rejected.class);
            Admission.Rejected rejected = (Admission.Rejected) refused;
            assertThat(rejected.problem().code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
            assertThat(rejected.problem().status()).isEqualTo(503);
            assertThat(rejected.headers().get("Retry-After")).isEqualTo("1");
        }
        // Three calls reached (the stopped) Redis; the breaker answered the other 17 at once.
        assertThat(breaker.snapshot().failures()).isEqualTo(3);
        assertThat(breaker.snapshot().shortCircuited()).isEqualTo(17);
        assertThat(breaker.snapshot().status()).isEqualTo("DEGRADED");

        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        for (int i = 0; i < 5; i++) {
            assertThat(call(gateway, uncached)).isInstanceOf(Admission.Rejected.class);
        }
        // One probe per interval.
        assertThat(breaker.snapshot().failures()).isEqualTo(4);

        redis.restart();
        // Nothing was persisted: the operator restores the keys.
        saved.forEach(store::save);
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(call(gateway, uncached)).isInstanceOf(Admission.Admitted.class);
        assertThat(breaker.snapshot().status()).isEqualTo("UP");
    }

    private static Admission call(Gateway gateway, String apiKey) {
        return gateway.admit(TestExchange.request("GET", "/api").header("X-API-Key", apiKey));
    }
}
