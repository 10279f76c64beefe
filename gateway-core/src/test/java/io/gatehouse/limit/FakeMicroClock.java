package io.gatehouse.limit;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link MicroClock} that moves only when told to, for tests of limits and of the stores that
 * run the contract kit.
 *
 * <p>Thread-safe.
 */
public final class FakeMicroClock implements MicroClock {

    /** 2026-01-01T00:00:00Z, a realistic epoch time that is a multiple of every test period. */
    public static final long DEFAULT_START = Instant.parse("2026-01-01T00:00:00Z").getEpochSecond()
            * 1_000_000L;

    private final AtomicLong micros;

    /** A clock at {@link #DEFAULT_START}. */
    public FakeMicroClock() {
        this(DEFAULT_START);
    }

    public FakeMicroClock(long startMicros) {
        this.micros = new AtomicLong(startMicros);
    }

    @Override
    public long micros() {
        return micros.get();
    }

    /** Moves the clock forward (or back, if negative) by {@code delta} microseconds. */
    public FakeMicroClock advanceMicros(long delta) {
        micros.addAndGet(delta);
        return this;
    }

    /** Moves the clock by {@code duration}. */
    public FakeMicroClock advance(Duration duration) {
        return advanceMicros(duration.toNanos() / 1_000);
    }

    /** Sets the clock to {@code epochMicros}. */
    public FakeMicroClock set(long epochMicros) {
        micros.set(epochMicros);
        return this;
    }
}
