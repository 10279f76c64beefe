package io.gatehouse.redis;

import io.gatehouse.limit.FakeMicroClock;
import io.gatehouse.limit.LimitStore;
import io.gatehouse.limit.LimitStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import redis.clients.jedis.UnifiedJedis;

/** The Redis store passes the contract every store passes, on a standalone server. */
class RedisLimitStoreTest extends LimitStoreContract {

    private static RedisServer redis;
    private static UnifiedJedis jedis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
        jedis = RedisConnections.parse(redis.url()).commandTimeout(
                java.time.Duration.ofSeconds(2)).build();
    }

    @AfterAll
    static void stopRedis() {
        if (jedis != null) {
            jedis.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Override
    protected LimitStore createStore(FakeMicroClock clock) {
        redis.flushAll();
        return RedisLimitStore.builder(jedis).clock(clock).build();
    }

    @AfterEach
    void noKeyWithoutATtl() {
        RedisAssertions.assertEveryKeyExpires(redis);
    }
}
