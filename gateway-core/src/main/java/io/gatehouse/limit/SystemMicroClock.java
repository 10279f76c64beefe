package io.gatehouse.limit;

import java.time.Instant;

/**
 * The system clock at microsecond resolution. Thread-safe.
 *
 * <p>Reading the wall clock ({@link Instant#now()}) costs about half as much again as
 * {@link System#nanoTime()}, and every limit decision reads the time once. So the wall clock is
 * read at most about once a second, as an anchor, and time in between is the anchor plus the
 * monotonic time elapsed since it. A step of the wall clock (NTP, an operator) shows within a
 * second; the drift of the two clocks over one second is a few microseconds at most.
 */
enum SystemMicroClock implements MicroClock {
    INSTANCE;

    /** How long an anchor serves before the wall clock is read again. */
    static final long ANCHOR_NANOS = 1_000_000_000L;

    /** Wall time in microseconds at monotonic time {@code nanos}. Immutable, so safely shared. */
    private record Anchor(long micros, long nanos) {
    }

    private volatile Anchor anchor = readWallClock();

    @Override
    public long micros() {
        long nanos = System.nanoTime();
        Anchor current = anchor;
        long elapsed = nanos - current.nanos;
        if (elapsed >= ANCHOR_NANOS) {
            current = readWallClock();
            anchor = current;
            elapsed = nanos - current.nanos;
        }
        // Negative when another thread re-anchored after this one read nanoTime: by a few
        // microseconds, like any two threads reading a wall clock.
        return current.micros + elapsed / 1_000;
    }

    private static Anchor readWallClock() {
        Instant now = Instant.now();
        long nanos = System.nanoTime();
        return new Anchor(now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000, nanos);
    }
}
