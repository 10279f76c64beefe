package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.observe.UsageWindow;
import io.gatehouse.observe.WindowedUsage;
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

    /** A clock tests move by hand. */
    private static final class ManualClock extends Clock {
        private volatile Instant now;

        ManualClock(Instant start) {
            this.now = start;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static io.gatehouse.observe.Usage windowUsage(WindowedUsage usage,
            UsageWindow window) {
        return usage.usage(window);
    }

    @Test
    void twoInstancesShareEveryWindowAndEachWindowRestartsAtItsBoundary() {
        ManualClock clock = new ManualClock(Instant.parse("2036-03-31T23:59:30Z"));
        RedisUsageCounters first = instance(clock);
        RedisUsageCounters second = instance(clock);
        first.record("alice", "pro", 10);
        second.record("alice", "pro", 5);
        // Unwritten counts of this instance are part of its answer.
        assertThat(first.windowed("alice").usage(UsageWindow.MONTH))
                .isEqualTo(new io.gatehouse.observe.Usage(1, 10));
        first.flush();
        second.flush();
        WindowedUsage march = second.windowed("alice");
        for (UsageWindow window : UsageWindow.values()) {
            assertThat(windowUsage(march, window)).as(window.label())
                    .isEqualTo(new io.gatehouse.observe.Usage(2, 15));
        }
        assertThat(march.tier()).isEqualTo("pro");

        clock.now = Instant.parse("2036-04-01T00:00:10Z");
        second.record("alice", "max", 1);
        WindowedUsage april = first.windowed("alice");
        assertThat(april.usage(UsageWindow.MONTH)).isEqualTo(io.gatehouse.observe.Usage.NONE);
        second.flush();
        april = first.windowed("alice");
        for (UsageWindow window : UsageWindow.values()) {
            assertThat(windowUsage(april, window)).as(window.label())
                    .isEqualTo(new io.gatehouse.observe.Usage(1, 1));
        }
        assertThat(april.tier()).isEqualTo("max");
        try (Jedis admin = redis.admin()) {
            assertThat(admin.hgetAll("gatehouse:usage:{alice}:2036-03-31T23:59"))
                    .containsEntry("requests", "2").containsEntry("cost", "15");
            assertThat(admin.hgetAll("gatehouse:usage:{alice}:2036-03"))
                    .containsEntry("requests", "2").containsEntry("tier", "pro");
            // Minutes and hours are kept a day after their end, months for the retention.
            assertThat(admin.expireTime("gatehouse:usage:{alice}:2036-03-31T23:59"))
                    .isEqualTo(Instant.parse("2036-04-02T00:00:00Z").getEpochSecond());
            assertThat(admin.expireTime("gatehouse:usage:{alice}:2036-03"))
                    .isEqualTo(Instant.parse("2036-05-06T00:00:00Z").getEpochSecond());
        }
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
