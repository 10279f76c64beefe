package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import redis.clients.jedis.Jedis;

/** Checks on what a store leaves in Redis. */
final class RedisAssertions {

    private RedisAssertions() {
    }

    /**
     * Commands the limit script issues from inside Redis: {@code INFO commandstats} counts them
     * like client commands, so they are told apart by name.
     */
    static final Set<String> SCRIPT_INTERNAL = Set.of("time", "hmget", "hset", "pexpire",
            "exists", "get", "set", "del", "zrangebyscore", "zremrangebyscore", "zrange", "zadd",
            "zrem", "zscore", "hvals", "hdel", "hget");

    /** Commands the test's own admin connection sends to read and reset the statistics. */
    static final Set<String> ADMIN = Set.of("config|resetstat", "info");

    /** Calls per command sent by clients since the last reset (script internals left out). */
    static Map<String, Long> clientCommands(RedisServer server) {
        Map<String, Long> calls = new TreeMap<>(server.commandCalls());
        calls.keySet().removeAll(SCRIPT_INTERNAL);
        calls.keySet().removeAll(ADMIN);
        return calls;
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
