package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.LimitStatus;
import io.gatehouse.limit.LimitStoreException;
import io.gatehouse.limit.Permit;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;

/** Per-key hash tags on a 3-master cluster: one principal's limits in one slot. */
class RedisClusterSlotsTest {

    private static final LimitRule PER_MINUTE =
            LimitRule.fixedWindow("per-minute", 3, Duration.ofMinutes(1));
    private static final LimitRule PER_HOUR =
            LimitRule.tokenBucket("per-hour", 10, Duration.ofHours(1));
    private static final LimitRule IN_FLIGHT =
            LimitRule.concurrency("in-flight", 2, Duration.ofSeconds(30));

    @RegisterExtension
    static final RedisClusterExtension CLUSTER = RedisClusterExtension.started()
            .withClient(Duration.ofSeconds(2));

    private static RedisClusterNodes cluster;
    private static UnifiedJedis jedis;

    @BeforeAll
    static void useCluster() {
        cluster = CLUSTER.cluster();
        jedis = CLUSTER.client();
    }

    private static List<Permit> tier(String principal) {
        return List.of(new Permit(PER_MINUTE, principal, 1), new Permit(PER_HOUR, principal, 1),
                new Permit(IN_FLIGHT, principal, 1));
    }

    @Test
    void everyLimitOfOnePrincipalIsDecidedInOneSlotAndPrincipalsSpreadOverTheMasters() {
        RedisLimitStore store = RedisLimitStore.builder(jedis).build();
        for (int i = 0; i < 30; i++) {
            assertThat(store.tryAcquire(tier("user-" + i), "lease").allowed()).isTrue();
        }
        Set<Long> slots = new HashSet<>();
        int mastersUsed = 0;
        for (RedisServer node : cluster.nodes()) {
            try (Jedis admin = node.admin()) {
                Set<String> keys = admin.keys("*");
                mastersUsed += keys.isEmpty() ? 0 : 1;
                for (String key : keys) {
                    slots.add(admin.clusterKeySlot(key));
                    assertThat(admin.pttl(key)).isPositive();
                }
            }
        }
        // 30 principals, 4 keys each, one slot per principal.
        assertThat(slots).hasSize(30);
        assertThat(mastersUsed).isEqualTo(3);
        RedisLimitStore again = RedisLimitStore.builder(jedis).build();
        assertThat(again.tryAcquire(tier("user-7"), "lease-2").remaining(0)).isEqualTo(1);
    }

    @Test
    void inspectReadsKeysOfDifferentSlotsInOneCallPerKeyAndWritesNothing() {
        RedisLimitStore store = RedisLimitStore.builder(jedis).build();
        for (int i = 0; i < 2; i++) {
            store.tryAcquire(tier("inspect-a"), "lease-" + i);
        }
        store.tryAcquire(List.of(new Permit(PER_HOUR, "inspect-b", 1)), "lease-b");
        long keysBefore = totalKeys();

        List<LimitStatus> statuses = store.inspect(List.of(new Permit(PER_MINUTE, "inspect-a", 1),
                new Permit(PER_HOUR, "inspect-b", 1), new Permit(IN_FLIGHT, "inspect-a", 1),
                new Permit(PER_HOUR, "inspect-never", 1)));

        assertThat(statuses).extracting(LimitStatus::remaining).containsExactly(1L, 9L, 0L, 10L);
        assertThat(totalKeys()).isEqualTo(keysBefore);
        // Other tests here count every key of the cluster.
        cluster.flushAll();
    }

    private static long totalKeys() {
        long keys = 0;
        for (RedisServer node : cluster.nodes()) {
            try (Jedis admin = node.admin()) {
                keys += admin.dbSize();
            }
        }
        return keys;
    }

    @Test
    void aRequestMixingKeysIsRefusedAsAStoreFailureNamingTheRemedy() {
        RedisLimitStore store = RedisLimitStore.builder(jedis).build();

        assertThatThrownBy(() -> store.tryAcquire(List.of(new Permit(PER_MINUTE, "alice", 1),
                new Permit(PER_HOUR, "route:/api", 1)), "lease"))
                .isInstanceOf(LimitStoreException.class)
                .hasMessageContaining("singleSlot");
        // Not a Redis failure: the breaker stays closed.
        assertThat(store.health().status()).isEqualTo("UP");
    }

    @Test
    void scriptsFlushedOnEveryMasterAreReloadedOnTheOwningNode() {
        RedisLimitStore store = RedisLimitStore.builder(jedis).build();
        store.tryAcquire(tier("reload"), "a");
        cluster.nodes().forEach(node -> node.command("SCRIPT", "FLUSH"));
        cluster.resetStats();

        assertThat(store.tryAcquire(tier("reload"), "b").remaining(0)).isEqualTo(1);

        assertThat(cluster.calls("script|load")).isEqualTo(1);
        assertThat(cluster.calls("evalsha")).isEqualTo(2);
    }
}
