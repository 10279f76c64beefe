package io.gatehouse.redis;

import io.gatehouse.limit.FakeMicroClock;
import io.gatehouse.limit.LimitStore;
import io.gatehouse.limit.LimitStoreContract;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.UnifiedJedis;

/**
 * The Redis store passes the contract on a 3-master Redis Cluster. The kit mixes keys in one
 * request ("hot" with "cold-n"), which one EVALSHA can only serve from one hash slot, so this
 * store runs with {@code singleSlot}; per-key slots are covered by {@link RedisClusterSlotsTest}.
 */
class RedisClusterLimitStoreTest extends LimitStoreContract {

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

    @Override
    protected LimitStore createStore(FakeMicroClock clock) {
        cluster.flushAll();
        return RedisLimitStore.builder(jedis).clock(clock).singleSlot("contract").build();
    }

    @AfterEach
    void noKeyWithoutATtl() {
        cluster.nodes().forEach(RedisAssertions::assertEveryKeyExpires);
    }
}
