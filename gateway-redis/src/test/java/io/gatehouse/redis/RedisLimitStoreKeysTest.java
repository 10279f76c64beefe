package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.limit.FakeMicroClock;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.Permit;
import io.gatehouse.limit.Verdict;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
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

    private static Set<String> fields(String key) {
        try (Jedis admin = redis.admin()) {
            return new TreeSet<>(admin.hkeys(key));
        }
    }

    /** The little-endian doubles of a hash field, as longs. */
    private static long[] state(String key, String field) {
        try (Jedis admin = redis.admin()) {
            byte[] value = admin.hget(key.getBytes(StandardCharsets.UTF_8),
                    field.getBytes(StandardCharsets.UTF_8));
            ByteBuffer doubles = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
            long[] numbers = new long[value.length / Double.BYTES];
            for (int i = 0; i < numbers.length; i++) {
                numbers[i] = (long) doubles.getDouble();
            }
            return numbers;
        }
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
                "gatehouse:limit:{alice}",
                "gatehouse:limit:{alice}:in-flight:cc:2:30000000:2",
                "gatehouse:limit:{alice}:in-flight:cc:2:30000000:2:aux");
        assertThat(fields("gatehouse:limit:{alice}")).containsExactly(
                "per-hour:tb:10:3600000000:10", "per-minute:fw:3:60000000:3", "~");
        RedisAssertions.assertEveryKeyExpires(redis);
    }

    @Test
    void keyPrefixIsConfigurableAndSingleSlotTagsEveryKeyAlike() {
        RedisLimitStore store = RedisLimitStore.builder(jedis).keyPrefix("gw1:")
                .singleSlot("limits").build();
        store.tryAcquire(List.of(new Permit(PER_MINUTE, "alice", 1),
                new Permit(PER_MINUTE, "bob", 1)), "lease-1");

        assertThat(keys()).containsExactly("gw1:{limits}:alice", "gw1:{limits}:bob");
        assertThat(fields("gw1:{limits}:alice")).containsExactly("per-minute:fw:3:60000000:3", "~");
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
        assertThat(keys()).containsExactly(
                "gatehouse:limit:{alice%7D%3Aper-minute%3Afw%3A3%3A60000000%3A3}",
                "gatehouse:limit:{alice}");
    }

    @Test
    void calendarRulesNameTheirCalendarInTheKey() {
        LimitRule daily = LimitRule.builder("daily", io.gatehouse.limit.LimitAlgorithm.FIXED_WINDOW)
                .calendar(100, ChronoUnit.DAYS, ZoneId.of("Europe/Berlin")).build();
        RedisLimitStore.builder(jedis).build()
                .tryAcquire(List.of(new Permit(daily, "alice", 1)), "x");

        assertThat(keys()).containsExactly("gatehouse:limit:{alice}");
        assertThat(fields("gatehouse:limit:{alice}")).containsExactly(
                "daily:cal-Days-Europe/Berlin:fw:100:90000000000:100", "~");
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
    void statesAreLittleEndianDoublesInTheKeysHash() {
        FakeMicroClock clock = new FakeMicroClock(5_000_000L);
        RedisLimitStore store = RedisLimitStore.builder(jedis).clock(clock).build();
        LimitRule slidingWindow = LimitRule.slidingWindow("sliding", 4, Duration.ofSeconds(10));
        store.tryAcquire(List.of(new Permit(PER_HOUR, "alice", 3),
                new Permit(PER_MINUTE, "alice", 2), new Permit(slidingWindow, "alice", 1)), "x");

        String hash = "gatehouse:limit:{alice}";
        // Token bucket "S T": 10 per hour is one token per 360 s, unit 360,000,000 µs.
        assertThat(state(hash, "per-hour:tb:10:3600000000:10"))
                .containsExactly(7 * 360_000_000L, 5_000_000L);
        // Fixed window "E N": the window ends at 60 s, two counted.
        assertThat(state(hash, "per-minute:fw:3:60000000:3")).containsExactly(60_000_000L, 2L);
        // Sliding window "W N M": started at 0 s, one counted, none before.
        assertThat(state(hash, "sliding:sw:4:10000000:4")).containsExactly(0L, 1L, 0L);
    }

    @Test
    void aHashExpiresNoSoonerThanItsStateIsFreshAndAtMostTenSecondsLater() {
        RedisLimitStore store = RedisLimitStore.builder(jedis).clock(new FakeMicroClock(0))
                .build();
        // One of ten tokens per hour taken: full again after 360 s, plus the 1 s margin.
        store.tryAcquire(List.of(new Permit(PER_HOUR, "alice", 1)), "x");

        try (Jedis admin = redis.admin()) {
            assertThat(admin.pttl("gatehouse:limit:{alice}")).isBetween(361_000L, 370_000L);
        }
    }

    @Test
    void aHashOutlivesItsLongestStateWhateverTouchesItLater() {
        FakeMicroClock clock = new FakeMicroClock(0);
        RedisLimitStore store = RedisLimitStore.builder(jedis).clock(clock).build();
        LimitRule perSecond = LimitRule.tokenBucket("per-second", 5, Duration.ofSeconds(1));
        LimitRule perDay = LimitRule.fixedWindow("per-day", 1000, Duration.ofDays(1));
        store.tryAcquire(List.of(new Permit(perSecond, "alice", 1),
                new Permit(perDay, "alice", 1)), "x");
        clock.advance(Duration.ofMinutes(10));

        // Only the short rule now: the day's count must not expire with it.
        for (int i = 0; i < 3; i++) {
            store.tryAcquire(List.of(new Permit(perSecond, "alice", 1)), "x");
        }

        try (Jedis admin = redis.admin()) {
            assertThat(admin.pttl("gatehouse:limit:{alice}")).isGreaterThan(
                    Duration.ofDays(1).toMillis() - Duration.ofMinutes(11).toMillis());
        }
        assertThat(state("gatehouse:limit:{alice}", "per-day:fw:1000:86400000000:1000"))
                .containsExactly(86_400_000_000L, 1L);
    }

    @Test
    void permitsOnSeveralKeysAreAnsweredInTheCallersOrder() {
        RedisLimitStore store = RedisLimitStore.builder(jedis).clock(new FakeMicroClock(0))
                .build();
        LimitRule tiny = LimitRule.fixedWindow("tiny", 1, Duration.ofMinutes(1));
        // alice, bob, alice, lease: alice's two states share one hash and are sent together.
        List<Permit> permits = List.of(new Permit(PER_MINUTE, "alice", 1),
                new Permit(tiny, "bob", 1), new Permit(PER_HOUR, "alice", 2),
                new Permit(IN_FLIGHT, "carol", 1));

        Verdict first = store.tryAcquire(permits, "a");
        Verdict second = store.tryAcquire(permits, "b");

        assertThat(first.allowed()).isTrue();
        assertThat(new long[] {first.remaining(0), first.remaining(1), first.remaining(2),
            first.remaining(3)}).containsExactly(2, 0, 8, 1);
        assertThat(first.decidingIndex()).isEqualTo(1);
        assertThat(second.allowed()).isFalse();
        assertThat(second.decidingIndex()).isEqualTo(1);
        assertThat(second.retryAfterMicros()).isEqualTo(60_000_000L);
        assertThat(store.tryAcquire(List.of(new Permit(PER_MINUTE, "alice", 1)), "c")
                .remaining(0)).as("the refused request consumed nothing").isEqualTo(1);
    }

    @Test
    void theScriptShaIsTheShaRedisComputes() {
        assertThat(redis.command("SCRIPT", "LOAD", RedisLimitStore.SCRIPT))
                .isEqualTo(RedisLimitStore.SCRIPT_SHA.getBytes(
                        java.nio.charset.StandardCharsets.US_ASCII));
    }
}
