package io.gatehouse.limit;

import java.time.Clock;
import java.time.Instant;

/** The system clock at microsecond resolution. Thread-safe. */
enum SystemMicroClock implements MicroClock {
    INSTANCE;

    private static final Clock UTC = Clock.systemUTC();

    @Override
    public long micros() {
        Instant now = UTC.instant();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}
