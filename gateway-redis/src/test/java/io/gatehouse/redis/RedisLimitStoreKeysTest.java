package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.Permit;
import io.gatehouse.limit.Verdict;
import java.time.Duration;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;

/** Key names, TTLs, one command per decision, script reloading and server time. */
class RedisLimitStoreKeysTest {

    private static final LimitRule PER_MINUTE =
            LimitRule.fixedWindow("per-minute", 3, Duration.ofMinutes(1));
    private static final LimitRule PER_HOUR =
            LimitRule.tokenBucket("per-hour", 10, Duration.ofHours(1));
    private static final LimitRule IN_FLIGHT =
            LimitRule.concurrency("in-flight", 2, Duration.ofSeconds(30));

    private static RedisServer redis;
    private static UnifiedJedis jedis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
        jedis = RedisConnections.parse(redis.url()).commandTimeout(Duration.ofSeconds(2)).build();
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

    @BeforeEach
    void emptyRedis() {
        redis.flushAll();
    }

    private static Set<String> keys() {
        try (Jedis admin = redis.admin()) {
            return new TreeSet<>(admin.keys("*"));
        }
    }

    @Test
    void keysArePrefixedAndTaggedByTheLimitKey() {
        RedisLimitStore store = RedisLimitStore.builder(jedis).build();
        store.tryAcquire(List.of(new Permit(PER_MINUTE, "alice", 1),
                new Permit(PER_HOUR, "alice", 1), new Permit(IN_FLIGHT, "alice", 1)), "lease-1");

        assertThat(keys()).containsExactly(
                "gatehouse:limit:{alice}:in-flight:cc:2:30000000:2",
                "gatehouse:limit:{alice}:in-flight:cc:2:30000000:2:aux",
                "gatehouse:limit:{alice}:per-hour:tb:10:3600000000:10",
                "gatehouse:limit:{alice}:per-minute:fw:3:60000000:3");
        RedisAssertions.assertEveryKeyExpires(redis);
    }

    @Test
    void keyPrefixIsConfigurableAndSingleSlotTagsEveryKeyAlike() {
        RedisLimitStore store = RedisLimitStore.builder(jedis).keyPrefix("gw1:")
                .singleSlot("limits").build();
        store.tryAcquire(List.of(new Permit(PER_MINUTE, "alice", 1),
                new Permit(PER_MINUTE, "bob", 1)), "lease-1");

        assertThat(keys()).containsExactly("gw1:{limits}:alice:per-minute:fw:3:60000000:3",
                "gw1:{limits}:bob:per-minute:fw:3:60000000:3");
        assertThatThrownBy(() -> RedisLimitStore.builder(jedis).keyPrefix("a{b}"))
                .hasMessageContaining("keyPrefix must not contain");
    }

    @Test
    void bracesAndColonsInKeysCannotForgeAnotherStateOrHashTag() {
        RedisLimitStore store = RedisLimitStore.builder(jedis).build();
        // A client-chosen key that imitates another key's layout gets its own state.
        String forged = "alice}:per-minute:fw:3:60000000:3";
        for (int i = 0; i < 3; i++) {
            assertThat(store.tryAcquire(List.of(new Permit(PER_MINUTE, forged, 1)), "x").allowed())
                    .isTrue();
        }
        assertThat(store.tryAcquire(List.of(new Permit(PER_MINUTE, "alice", 1)), "x").remaining(0))
                .isEqualTo(2);
        assertThat(keys()).contains(
                "gatehouse:limit:{alice%7D%3Aper-minute%3Afw%3A3%3A60000000%3A3}:per-minute:fw:3"
                        + ":60000000:3");
    }

    @Test
    void calendarRulesNameTheirCalendarInTheKey() {
        LimitRule daily = LimitRule.builder("daily", io.gatehouse.limit.Algorithm.FIXED_WINDOW)
                .calendar(100, ChronoUnit.DAYS, ZoneId.of("Europe/Berlin")).build();
        RedisLimitStore.builder(jedis).build()
                .tryAcquire(List.of(new Permit(daily, "alice", 1)), "x");

        assertThat(keys()).containsExactly(
                "gatehouse:limit:{alice}:daily:cal-Days-Europe/Berlin:fw:100:90000000000:100");
        RedisAssertions.assertEveryKeyExpires(redis);
    }

    @Test
    void oneDecisionOverThreeLimitsIsExactlyOneCommand() {
        RedisLimitStore store = RedisLimitStore.builder(jedis).build();
        List<Permit> permits = List.of(new Permit(PER_MINUTE, "alice", 1),
                new Permit(PER_HOUR, "alice", 1), new Permit(IN_FLIGHT, "alice", 1));
        store.tryAcquire(permits, "warm-up");
        redis.resetStats();

        for (int i = 0; i < 10; i++) {
            store.tryAcquire(permits, "lease-" + i);
        }

        assertThat(RedisAssertions.clientCommands(redis)).containsExactly(
                java.util.Map.entry("evalsha", 10L));
    }

    @Test
    void aFlushedScriptCacheIsReloadedOnceAndDecisionsContinue() {
        RedisLimitStore store = RedisLimitStore.builder(jedis).build();
        Permit permit = new Permit(PER_MINUTE, "alice", 1);
        assertThat(store.tryAcquire(List.of(permit), "x").remaining(0)).isEqualTo(2);
        redis.command("SCRIPT", "FLUSH");
        redis.resetStats();

        assertThat(store.tryAcquire(List.of(permit), "x").remaining(0)).isEqualTo(1);
        assertThat(store.tryAcquire(List.of(permit), "x").remaining(0)).isEqualTo(0);

        // NOSCRIPT, SCRIPT LOAD, EVALSHA; then one EVALSHA again.
        assertThat(RedisAssertions.clientCommands(redis)).containsExactly(
                java.util.Map.entry("evalsha", 3L), java.util.Map.entry("script|load", 1L));
    }

    @Test
    void withoutAClockTheServerTimeDecides() {
        // No clock given: the script reads Redis TIME, whatever the gateway's clock says.
        RedisLimitStore store = RedisLimitStore.builder(jedis).build();
        Verdict verdict = store.tryAcquire(List.of(new Permit(PER_MINUTE, "alice", 1)), "x");

        long serverMicros;
        try (Jedis admin = redis.admin()) {
            List<String> time = admin.time();
            serverMicros = Long.parseLong(time.get(0)) * 1_000_000L + Long.parseLong(time.get(1));
        }
        long windowEnd = serverMicros - serverMicros % 60_000_000L + 60_000_000L;
        assertThat(verdict.resetMicros(0)).isBetween(windowEnd - serverMicros,
                windowEnd - serverMicros + 1_000_000);
    }

    @Test
    void leasesLiveInRedisAndAreReleasedThere() {
        RedisLimitStore store = RedisLimitStore.builder(jedis).build();
        Permit lease = new Permit(IN_FLIGHT, "alice", 1);
        store.tryAcquire(List.of(lease), "a");
        store.tryAcquire(List.of(lease), "b");
        try (Jedis admin = redis.admin()) {
            String key = "gatehouse:limit:{alice}:in-flight:cc:2:30000000:2";
            assertThat(admin.zrange(key, 0, -1)).containsExactly("a", "b");
            assertThat(admin.pttl(key)).isBetween(30_000L, 31_000L);

            store.release(lease, "a");

            assertThat(admin.zrange(key, 0, -1)).containsExactly("b");
            assertThat(admin.hgetAll(key + ":aux")).containsOnlyKeys("b");
        }
    }

    @Test
    void theScriptShaIsTheShaRedisComputes() {
        assertThat(redis.command("SCRIPT", "LOAD", RedisLimitStore.SCRIPT))
                .isEqualTo(RedisLimitStore.SCRIPT_SHA.getBytes(
                        java.nio.charset.StandardCharsets.US_ASCII));
    }
}
