package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatehouse.auth.ApiKeyRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.UnifiedJedis;

/** API keys and usage on a 3-master cluster: revocations reach instances on other nodes. */
class RedisClusterApiKeyStoreTest {

    @RegisterExtension
    static final RedisClusterExtension CLUSTER = RedisClusterExtension.started();

    private static RedisClusterNodes cluster;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void useCluster() {
        cluster = CLUSTER.cluster();
    }

    @AfterEach
    void closeInstances() throws Exception {
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
    }

    private UnifiedJedis client() {
        UnifiedJedis jedis = RedisConnections.cluster(cluster.hostPorts())
                .commandTimeout(Duration.ofSeconds(2)).build();
        closeables.add(jedis);
        return jedis;
    }

    private RedisApiKeyStore instance() throws InterruptedException {
        RedisApiKeyStore store = RedisApiKeyStore.builder(client()).build();
        closeables.add(0, store);
        assertThat(store.awaitSubscribed(Duration.ofSeconds(5))).isTrue();
        return store;
    }

    @Test
    void aRevocationOnOneInstanceReachesAnotherWithinOneSecond() throws Exception {
        RedisApiKeyStore first = instance();
        RedisApiKeyStore second = instance();
        ApiKeyRecord record = new ApiKeyRecord("kid_1", "c".repeat(64), "sk_...c", "alice",
                "free", Set.of(), Set.of(), Instant.parse("2026-01-01T00:00:00Z"), null, null,
                null, null, List.of(), List.of());
        first.save(record);
        assertThat(second.findByHash(record.hash())).contains(record);

        first.save(record.withRevokedAt(Instant.parse("2026-01-02T00:00:00Z")));

        await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(10))
                .until(() -> second.findByHash(record.hash()).map(ApiKeyRecord::revoked)
                        .orElse(false));
        assertThat(second.list()).hasSize(1);
    }

    @Test
    void usageOfManyPrincipalsIsWrittenAcrossTheMasters() {
        RedisUsageCounters counters = RedisUsageCounters.builder(client())
                .flushInterval(Duration.ofMinutes(10)).build();
        closeables.add(0, counters);
        for (int i = 0; i < 20; i++) {
            counters.record("user-" + i, i);
        }

        counters.flush();

        for (int i = 0; i < 20; i++) {
            assertThat(counters.usageToday("user-" + i))
                    .isEqualTo(new RedisUsageCounters.Usage(1, i));
        }
    }
}
