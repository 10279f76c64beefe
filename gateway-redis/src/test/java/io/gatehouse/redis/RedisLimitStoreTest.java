package io.gatehouse.redis;

import io.gatehouse.limit.FakeMicroClock;
import io.gatehouse.limit.LimitStore;
import io.gatehouse.limit.LimitStoreContract;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.UnifiedJedis;

/** The Redis store passes the contract every store passes, on a standalone server. */
class RedisLimitStoreTest extends LimitStoreContract {

    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.emptiedBeforeEachTest()
            .withClient(Duration.ofSeconds(2));

    private static RedisServer redis;
    private static UnifiedJedis jedis;

    @BeforeAll
    static void useRedis() {
        redis = REDIS.server();
        jedis = REDIS.client();
    }

    @Override
    protected LimitStore createStore(FakeMicroClock clock) {
        return RedisLimitStore.builder(jedis).clock(clock).build();
    }

    @AfterEach
    void noKeyWithoutATtl() {
        RedisAssertions.assertEveryKeyExpires(redis);
    }
}
