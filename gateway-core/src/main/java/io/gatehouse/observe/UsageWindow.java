package io.gatehouse.observe;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * The calendar windows usage is counted in, aligned to UTC: the current minute, hour, day and
 * month. A request counts in the windows containing the instant it completed.
 */
public enum UsageWindow {
    MINUTE(60_000L),
    HOUR(3_600_000L),
    DAY(86_400_000L),
    MONTH(0);

    private final long fixedMillis;

    UsageWindow(long fixedMillis) {
        this.fixedMillis = fixedMillis;
    }

    /** The start, in epoch milliseconds, of this window around {@code epochMillis}. */
    public long startMillis(long epochMillis) {
        if (fixedMillis > 0) {
            return Math.floorDiv(epochMillis, fixedMillis) * fixedMillis;
        }
        LocalDate day = LocalDate.ofEpochDay(Math.floorDiv(epochMillis, DAY.fixedMillis));
        return day.withDayOfMonth(1).toEpochDay() * DAY.fixedMillis;
    }

    /** The end (exclusive), in epoch milliseconds, of this window around {@code epochMillis}. */
    public long endMillis(long epochMillis) {
        long start = startMillis(epochMillis);
        if (fixedMillis > 0) {
            return start + fixedMillis;
        }
        return LocalDate.ofEpochDay(start / DAY.fixedMillis).plusMonths(1).toEpochDay()
                * DAY.fixedMillis;
    }

    /** The name in JSON and keys: {@code minute}, {@code hour}, {@code day}, {@code month}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The start of the window around {@code at}. */
    public Instant start(Instant at) {
        return Instant.ofEpochMilli(startMillis(at.toEpochMilli()));
    }

    /** The UTC calendar text of the window starting at {@code startMillis}, for keys. */
    public String keyOf(long startMillis) {
        String iso = Instant.ofEpochMilli(startMillis).atOffset(ZoneOffset.UTC).toString();
        // 2026-12-06T20:15Z: the minute, hour and day are prefixes of it; the month its year-month.
        return switch (this) {
            case MINUTE -> iso.substring(0, 16);
            case HOUR -> iso.substring(0, 13);
            case DAY -> iso.substring(0, 10);
            case MONTH -> iso.substring(0, 7);
        };
    }
}
