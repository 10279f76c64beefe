package io.gatehouse.redis;

import io.gatehouse.limit.FakeMicroClock;
import io.gatehouse.limit.LimitStore;
import io.gatehouse.limit.LimitStoreContract;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import redis.clients.jedis.UnifiedJedis;

/** The Redis store passes the contract through a Sentinel-managed master. */
class RedisSentinelLimitStoreTest extends LimitStoreContract {

    private static RedisServer master;
    private static RedisServer sentinel;
    private static UnifiedJedis jedis;

    @BeforeAll
    static void startMasterAndSentinel() {
        master = RedisServer.start();
        sentinel = RedisServer.startSentinel(master, "gatehouse");
        jedis = RedisConnections.sentinel("gatehouse",
                List.of(sentinel.host() + ":" + sentinel.port()))
                .commandTimeout(Duration.ofSeconds(2)).build();
    }

    @AfterAll
    static void stopAll() {
        if (jedis != null) {
            jedis.close();
        }
        if (sentinel != null) {
            sentinel.close();
        }
        if (master != null) {
            master.close();
        }
    }

    @Override
    protected LimitStore createStore(FakeMicroClock clock) {
        master.flushAll();
        return RedisLimitStore.builder(jedis).clock(clock).build();
    }
}
