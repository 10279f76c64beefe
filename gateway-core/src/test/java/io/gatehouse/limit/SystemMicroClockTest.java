package io.gatehouse.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SystemMicroClockTest {

    private static long wallMicros() {
        Instant now = Clock.systemUTC().instant();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }

    @Test
    void followsTheWallClockAcrossReAnchoring() {
        MicroClock clock = MicroClock.system();
        long end = System.nanoTime() + SystemMicroClock.ANCHOR_NANOS + 200_000_000L;
        int samples = 0;
        long previous = clock.micros();
        long maxBackwards = 0;
        while (System.nanoTime() < end) {
            long before = wallMicros();
            long micros = clock.micros();
            long after = wallMicros();
            // Between two wall-clock readings, give or take rounding and a second's drift.
            assertThat(micros).isBetween(before - 1_000, after + 1_000);
            maxBackwards = Math.max(maxBackwards, previous - micros);
            previous = micros;
            samples++;
        }
        assertThat(samples).isGreaterThan(1_000);
        assertThat(maxBackwards).as("steps back on one thread, in µs").isLessThan(1_000);
    }
}
