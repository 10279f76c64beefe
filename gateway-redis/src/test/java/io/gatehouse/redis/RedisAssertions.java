package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;

import redis.clients.jedis.Jedis;

/** Checks on what a store leaves in Redis. */
final class RedisAssertions {

    private RedisAssertions() {
    }

    /** Every key on {@code server} has a TTL: nothing a store writes lives forever. */
    static void assertEveryKeyExpires(RedisServer server) {
        try (Jedis jedis = server.admin()) {
            for (String key : jedis.keys("*")) {
                assertThat(jedis.pttl(key)).as("TTL of %s", key).isPositive();
            }
        }
    }
}
