package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.redis.RedisUsageCounters.Usage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;

class RedisUsageCountersTest {

    // In the future: Redis expires a day's counts 35 days after it, measured on its own clock.
    private static final Instant NOON = Instant.parse("2036-03-10T12:00:00Z");
    private static final LocalDate DAY = LocalDate.of(2036, 3, 10);

    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.emptiedBeforeEachTest();

    private static RedisServer redis;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void useRedis() {
        redis = REDIS.server();
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
    }

    private RedisUsageCounters instance(Clock clock) {
        return instance(clock, Duration.ofSeconds(2));
    }

    private RedisUsageCounters instance(Clock clock, Duration commandTimeout) {
        UnifiedJedis jedis = RedisConnections.parse(redis.url())
                .commandTimeout(commandTimeout).build();
        RedisUsageCounters counters = RedisUsageCounters.builder(jedis).clock(clock)
                .flushInterval(Duration.ofMinutes(10)).build();
        closeables.add(jedis);
        closeables.add(0, counters);
        return counters;
    }

    @Test
    void twoInstancesAddToTheSamePerDayTotals() {
        RedisUsageCounters first = instance(Clock.fixed(NOON, ZoneOffset.UTC));
        RedisUsageCounters second = instance(Clock.fixed(NOON, ZoneOffset.UTC));
        first.record("alice", 120);
        first.record("alice", 30);
        second.record("alice", 7);
        second.record("bob", 1);

        first.flush();
        second.flush();

        assertThat(first.usage("alice", DAY, DAY)).isEqualTo(new Usage(3, 157));
        assertThat(second.usageToday("alice")).isEqualTo(new Usage(3, 157));
        assertThat(second.usageToday("bob")).isEqualTo(new Usage(1, 1));
        try (Jedis admin = redis.admin()) {
            assertThat(admin.hgetAll("gatehouse:usage:{alice}:2036-03-10"))
                    .containsEntry("requests", "3").containsEntry("cost", "157");
            // Kept 35 days after the day's end.
            assertThat(admin.expireTime("gatehouse:usage:{alice}:2036-03-10"))
                    .isEqualTo(Instant.parse("2036-04-15T00:00:00Z").getEpochSecond());
        }
    }

    @Test
    void recordingIsLocalAndUnwrittenCountsAreIncludedInUsage() {
        RedisUsageCounters counters = instance(Clock.fixed(NOON, ZoneOffset.UTC));
        redis.resetStats();

        for (int i = 0; i < 100; i++) {
            counters.record("alice", 2);
        }

        assertThat(RedisAssertions.clientCommands(redis)).isEmpty();
        assertThat(counters.usageToday("alice")).isEqualTo(new Usage(100, 200));
    }

    @Test
    void countsSurviveAnOutageAndAreWrittenWhenRedisReturns() {
        RedisUsageCounters counters = instance(Clock.fixed(NOON, ZoneOffset.UTC));
        counters.record("alice", 5);
        redis.stop();

        assertThatThrownBy(counters::flush).isInstanceOf(RedisUnavailableException.class);
        counters.record("alice", 6);

        redis.restart();
        counters.flush();
        assertThat(counters.usageToday("alice")).isEqualTo(new Usage(2, 11));
        try (Jedis admin = redis.admin()) {
            assertThat(admin.hget("gatehouse:usage:{alice}:2036-03-10", "cost")).isEqualTo("11");
        }
    }

    @Test
    void aFlushThatTimedOutButRanIsNotCountedAgainWhenRepeated() {
        RedisUsageCounters counters = instance(Clock.fixed(NOON, ZoneOffset.UTC),
                Duration.ofMillis(200));
        for (int i = 0; i < 30; i++) {
            counters.record("alice", 1);
        }
        redis.freeze();
        try {
            // Sent, then timed out: its outcome is unknown to the gateway.
            assertThatThrownBy(counters::flush).isInstanceOf(RedisUnavailableException.class);
        } finally {
            redis.thaw();
        }
        try (Jedis admin = redis.admin()) {
            // Redis ran the batch it had received once it was thawed.
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> "30".equals(
                    admin.hget("gatehouse:usage:{alice}:2036-03-10", "requests")));
        }
        counters.record("alice", 1);

        counters.flush();
        counters.flush();

        assertThat(counters.usageToday("alice")).isEqualTo(new Usage(31, 31));
        try (Jedis admin = redis.admin()) {
            assertThat(admin.hgetAll("gatehouse:usage:{alice}:2036-03-10"))
                    .containsEntry("requests", "31").containsEntry("cost", "31");
        }
    }

    @Test
    void eachUtcDayCountsApartAndRangesAddUp() {
        RedisUsageCounters today = instance(Clock.fixed(NOON, ZoneOffset.UTC));
        RedisUsageCounters tomorrow = instance(
                Clock.fixed(NOON.plus(Duration.ofDays(1)), ZoneOffset.UTC));
        today.record("alice", 1);
        tomorrow.record("alice", 10);
        tomorrow.record("alice", 10);
        today.flush();
        tomorrow.flush();

        assertThat(today.usage("alice", DAY, DAY)).isEqualTo(new Usage(1, 1));
        assertThat(today.usage("alice", DAY.plusDays(1), DAY.plusDays(1)))
                .isEqualTo(new Usage(2, 20));
        assertThat(today.usage("alice", DAY.minusDays(3), DAY.plusDays(1)))
                .isEqualTo(new Usage(3, 21));
        assertThatThrownBy(() -> today.record("alice", -1))
                .hasMessageContaining("cost must not be negative, was -1");
    }
}
