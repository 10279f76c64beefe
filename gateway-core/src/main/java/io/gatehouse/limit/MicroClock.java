package io.gatehouse.limit;

/**
 * A source of wall-clock time in microseconds since the epoch. Injected wherever limits decide,
 * so tests drive time by hand.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface MicroClock {

    /** The current time in microseconds since 1970-01-01T00:00:00Z. */
    long micros();

    /** The system clock. */
    static MicroClock system() {
        return SystemMicroClock.INSTANCE;
    }
}
