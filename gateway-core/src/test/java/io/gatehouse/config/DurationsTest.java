package io.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({"500ms, PT0.5S", "1s, PT1S", "1m, PT1M", "1h, PT1H", "1d, PT24H",
            "30d, PT720H", "86_400s, PT24H", "' 2h ', PT2H", "1H, PT1H", "0s, PT0S"})
    void unitsMeanWhatTheySay(String text, String expected) {
        assertThat(Durations.parse(text, "x")).isEqualTo(Duration.parse(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"5x", "", "s", "1", "1.5h", "-1s", "1 s", "1h30m", "PT1H", "_1s",
            "1sec", "one hour", "1e3ms", "١s"})
    void anythingElseIsNotADurationAndTheMessageSaysWhereAndWhat(String text) {
        assertThatThrownBy(() -> Durations.parse(text, "tiers.free[0].period"))
                .isInstanceOf(GatewayConfigException.class)
                .hasMessageStartingWith("tiers.free[0].period: '" + text
                        + "' is not a duration; write a whole number and a unit");
    }

    @ParameterizedTest
    @ValueSource(strings = {"99999999999999999999d", "36601d", "9223372036854775807ms"})
    void absurdlyLongDurationsAreRefusedNotOverflowed(String text) {
        assertThatThrownBy(() -> Durations.parse(text, "p"))
                .isInstanceOf(GatewayConfigException.class)
                .hasMessage("p: '" + text + "' is longer than the longest duration accepted, "
                        + "36600d");
    }

    @Property
    void formattedDurationsReadBackAsThemselves(
            @ForAll @LongRange(min = 0, max = 3_162_240_000_000L) long millis) {
        Duration duration = Duration.ofMillis(millis);

        assertThat(Durations.parse(Durations.format(duration), "p")).isEqualTo(duration);
    }

    @Property
    void aNumberAndAUnitReadAsThatManyUnits(@ForAll @LongRange(min = 0, max = 36_600) long days,
            @ForAll("units") String unit) {
        long amount = switch (unit) {
            case "ms" -> days * 86_400_000L;
            case "s" -> days * 86_400L;
            case "m" -> days * 1_440L;
            case "h" -> days * 24L;
            default -> days;
        };

        assertThat(Durations.parse(amount + unit, "p")).isEqualTo(Duration.ofDays(days));
    }

    @Provide
    Arbitrary<String> units() {
        return Arbitraries.of("ms", "s", "m", "h", "d");
    }

    @Property(tries = 2000)
    void garbageNeverThrowsAnythingButAConfigurationError(@ForAll("garbage") String text) {
        try {
            Duration duration = Durations.parse(text, "p");
            assertThat(duration.isNegative()).isFalse();
            assertThat(duration).isLessThanOrEqualTo(Durations.MAX);
        } catch (GatewayConfigException expected) {
            assertThat(expected.getMessage()).startsWith("p: '" + text + "'");
        }
    }

    @Provide
    Arbitrary<String> garbage() {
        Arbitrary<String> anything = Arbitraries.strings().ofMaxLength(30);
        Arbitrary<String> nearMisses = Arbitraries.strings()
                .withChars("0123456789_ msdhMSDH.-+e")
                .ofMaxLength(25);
        return Arbitraries.oneOf(anything, nearMisses);
    }
}
