package io.gatehouse.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.Concurrently;
import io.gatehouse.Outcome;
import io.gatehouse.auth.Principal;
import io.gatehouse.route.Route;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InMemoryUsageRecorderTest {

    private static final Route CHAT = Route.builder("chat", "/chat").build();
    private static final Principal ALICE =
            new Principal("alice", "premium", Set.of(), Set.of(), "key-1");

    /** A clock tests move by hand. */
    static final class ManualClock extends Clock {
        private volatile Instant now;

        ManualClock(String start) {
            this.now = Instant.parse(start);
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static void record(InMemoryUsageRecorder usage, Principal principal, long cost) {
        usage.record(principal, CHAT, Outcome.status(200), cost);
    }

    private static long[] requests(WindowedUsage usage) {
        long[] counts = new long[4];
        for (UsageWindow window : UsageWindow.values()) {
            counts[window.ordinal()] = usage.usage(window).requests();
        }
        return counts;
    }

    @Test
    void eachWindowRestartsAtItsUtcCalendarBoundary() {
        ManualClock clock = new ManualClock("2026-01-31T23:58:30Z");
        InMemoryUsageRecorder usage = new InMemoryUsageRecorder(clock);
        record(usage, ALICE, 10);
        record(usage, ALICE, 5);
        assertThat(requests(usage.windowed("alice"))).containsExactly(2, 2, 2, 2);
        assertThat(usage.windowed("alice").usage(UsageWindow.MONTH)).isEqualTo(new Usage(2, 15));

        clock.advance(Duration.ofSeconds(30)); // 23:59:00, a new minute
        record(usage, ALICE, 1);
        assertThat(requests(usage.windowed("alice"))).containsExactly(1, 3, 3, 3);

        clock.advance(Duration.ofMinutes(1)); // 2026-02-01T00:00:00: everything restarts
        assertThat(requests(usage.windowed("alice"))).containsExactly(0, 0, 0, 0);
        record(usage, ALICE, 7);
        WindowedUsage february = usage.windowed("alice");
        assertThat(february.usage(UsageWindow.MINUTE)).isEqualTo(new Usage(1, 7));
        assertThat(february.usage(UsageWindow.MONTH)).isEqualTo(new Usage(1, 7));
        assertThat(february.tier()).isEqualTo("premium");
        assertThat(february.at()).isEqualTo(Instant.parse("2026-02-01T00:00:00Z"));
        // Totals since creation are kept beside the windows.
        assertThat(usage.usage("alice")).isEqualTo(new Usage(4, 23));
    }

    @Test
    void aPrincipalNeverSeenReadsZeroInEveryWindowAndNoTier() {
        InMemoryUsageRecorder usage = new InMemoryUsageRecorder(new ManualClock(
                "2026-05-05T10:00:00Z"));
        WindowedUsage none = usage.windowed("nobody");
        assertThat(requests(none)).containsExactly(0, 0, 0, 0);
        assertThat(none.tier()).isNull();
    }

    @Test
    void windowsAreExactUnderConcurrentRecording() throws Exception {
        ManualClock clock = new ManualClock("2026-05-05T10:00:00Z");
        InMemoryUsageRecorder usage = new InMemoryUsageRecorder(clock);
        Concurrently.run(8, 8, thread -> () -> {
            for (int i = 0; i < 1_000; i++) {
                record(usage, ALICE, 3);
            }
            return null;
        }, Duration.ofSeconds(60));
        for (UsageWindow window : UsageWindow.values()) {
            assertThat(usage.windowed("alice").usage(window)).isEqualTo(new Usage(8_000, 24_000));
        }
    }

    @Test
    void windowBoundariesFollowTheCalendar() {
        long at = Instant.parse("2024-02-29T13:45:12.345Z").toEpochMilli();
        assertThat(Instant.ofEpochMilli(UsageWindow.MINUTE.startMillis(at)))
                .isEqualTo("2024-02-29T13:45:00Z");
        assertThat(Instant.ofEpochMilli(UsageWindow.HOUR.endMillis(at)))
                .isEqualTo("2024-02-29T14:00:00Z");
        assertThat(Instant.ofEpochMilli(UsageWindow.DAY.startMillis(at)))
                .isEqualTo("2024-02-29T00:00:00Z");
        assertThat(Instant.ofEpochMilli(UsageWindow.MONTH.startMillis(at)))
                .isEqualTo("2024-02-01T00:00:00Z");
        assertThat(Instant.ofEpochMilli(UsageWindow.MONTH.endMillis(at)))
                .isEqualTo("2024-03-01T00:00:00Z");
        assertThat(UsageWindow.MINUTE.keyOf(UsageWindow.MINUTE.startMillis(at)))
                .isEqualTo("2024-02-29T13:45");
        assertThat(UsageWindow.HOUR.keyOf(UsageWindow.HOUR.startMillis(at)))
                .isEqualTo("2024-02-29T13");
        assertThat(UsageWindow.MONTH.keyOf(UsageWindow.MONTH.startMillis(at)))
                .isEqualTo("2024-02");
    }
}
