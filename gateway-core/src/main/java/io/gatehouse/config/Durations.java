package io.gatehouse.config;

import java.time.Duration;
import java.util.Locale;

/**
 * Reads and writes the durations of configuration files: a whole number and one unit,
 * {@code ms}, {@code s}, {@code m}, {@code h} or {@code d} ({@code 500ms}, {@code 1s},
 * {@code 1m}, {@code 1h}, {@code 30d}); underscores may group digits ({@code 86_400s}).
 * A day is 24 hours. Calendar days, weeks and months are limits' {@code calendar} setting,
 * not durations.
 *
 * <p>Thread-safe (stateless).
 */
final class Durations {

    /** The longest duration a file may name; far beyond any limit period or timeout. */
    static final Duration MAX = Duration.ofDays(100L * 366);

    private Durations() {
    }

    /**
     * Parses {@code text}.
     *
     * @param where the location of the value, for error messages
     * @throws GatewayConfigException naming {@code where} and the text when it is not a duration
     */
    static Duration parse(String text, String where) {
        String compact = text.strip().replace("_", "").toLowerCase(Locale.ROOT);
        int digits = 0;
        while (digits < compact.length() && compact.charAt(digits) >= '0'
                && compact.charAt(digits) <= '9') {
            digits++;
        }
        String unit = compact.substring(digits);
        long perUnitMillis = switch (unit) {
            case "ms" -> 1L;
            case "s" -> 1_000L;
            case "m" -> 60_000L;
            case "h" -> 3_600_000L;
            case "d" -> 86_400_000L;
            default -> -1L;
        };
        if (digits == 0 || perUnitMillis < 0 || text.strip().startsWith("_")) {
            throw notADuration(text, where);
        }
        // At most 13 significant digits keep amount * perUnitMillis far from overflow.
        String amountDigits = compact.substring(0, digits).replaceFirst("^0+(?=.)", "");
        if (amountDigits.length() > 13) {
            throw tooLong(text, where);
        }
        long millis = Long.parseLong(amountDigits) * perUnitMillis;
        Duration duration = Duration.ofMillis(millis);
        if (duration.compareTo(MAX) > 0) {
            throw tooLong(text, where);
        }
        return duration;
    }

    /**
     * The shortest text {@link #parse} reads back as {@code duration}: the largest unit that
     * divides it exactly.
     *
     * @throws IllegalArgumentException when the duration is negative or not whole milliseconds
     */
    static String format(Duration duration) {
        if (duration.isNegative() || duration.getNano() % 1_000_000 != 0) {
            throw new IllegalArgumentException(
                    "only whole, non-negative milliseconds can be written, was " + duration);
        }
        long millis = duration.toMillis();
        if (millis == 0) {
            return "0s";
        }
        if (millis % 86_400_000L == 0) {
            return millis / 86_400_000L + "d";
        }
        if (millis % 3_600_000L == 0) {
            return millis / 3_600_000L + "h";
        }
        if (millis % 60_000L == 0) {
            return millis / 60_000L + "m";
        }
        if (millis % 1_000L == 0) {
            return millis / 1_000L + "s";
        }
        return millis + "ms";
    }

    private static GatewayConfigException notADuration(String text, String where) {
        return new GatewayConfigException(where + ": '" + text + "' is not a duration; write a "
                + "whole number and a unit: ms, s, m, h or d (e.g. 500ms, 1m, 30d)");
    }

    private static GatewayConfigException tooLong(String text, String where) {
        return new GatewayConfigException(where + ": '" + text + "' is longer than the longest "
                + "duration accepted, " + format(MAX));
    }
}
