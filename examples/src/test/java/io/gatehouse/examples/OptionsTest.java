package io.gatehouse.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OptionsTest {

    @Test
    void withoutArgumentsItListensOnEveryInterfaceOnPort8080() {
        assertThat(Options.parse()).isEqualTo(new Options.Run("0.0.0.0", 8080));
    }

    @Test
    void hostAndPortAreTakenInBothSpellings() {
        assertThat(Options.parse("--host", "127.0.0.1", "--port", "9090"))
                .isEqualTo(new Options.Run("127.0.0.1", 9090));
        assertThat(Options.parse("--host=::1", "--port=0"))
                .isEqualTo(new Options.Run("::1", 0));
    }

    @Test
    void helpWinsWhereverItAppears() {
        assertThat(Options.parse("--port", "1", "--help")).isEqualTo(new Options.Help());
        assertThat(Options.parse("-h")).isEqualTo(new Options.Help());
    }

    @Test
    void unknownOptionIsNamed() {
        assertThat(Options.parse("--verbose"))
                .isEqualTo(new Options.Bad("unknown option '--verbose'"));
        assertThat(Options.parse("serve"))
                .isEqualTo(new Options.Bad("unexpected argument 'serve'"));
    }

    @Test
    void optionWithoutValueIsRefused() {
        assertThat(Options.parse("--port"))
                .isEqualTo(new Options.Bad("option --port needs a value"));
        assertThat(Options.parse("--host=")).isEqualTo(
                new Options.Bad("option --host needs a non-empty value"));
    }

    @Test
    void portOutsideTheValidRangeIsRefused() {
        for (String bad : new String[] {"65536", "-1", "http", "", "123456", "80 "}) {
            assertThat(Options.parse("--port", bad)).isEqualTo(new Options.Bad(
                    "option --port must be a number from 0 to 65535, was '" + bad + "'"));
        }
        assertThat(Options.parse("--port", "65535")).isEqualTo(new Options.Run("0.0.0.0", 65535));
    }

    @Test
    void httpSettingsAreParsedAndDefaultWhenAbsent() {
        assertThat(((Options.Run) Options.parse()).http())
                .isEqualTo(new Options.Http(20, 512, 10_000, 10_000));
        assertThat(Options.parse("--drain-seconds", "5", "--max-connections-per-address=0",
                "--header-timeout-ms", "750", "--body-timeout-ms=900"))
                .isEqualTo(new Options.Run("0.0.0.0", 8080, null, null,
                        new Options.Http(5, 0, 750, 900), false));
    }

    @Test
    void logFormatJsonIsTakenAndAnyOtherFormatIsRefused() {
        assertThat(Options.parse("--log-format", "json")).isEqualTo(new Options.Run("0.0.0.0",
                8080, null, null, Options.Http.DEFAULTS, true));
        assertThat(Options.parse("--log-format=xml")).isEqualTo(new Options.Bad(
                "option --log-format must be 'text' or 'json', was 'xml'"));
    }

    @Test
    void httpSettingOutOfRangeIsRefusedNamingIt() {
        assertThat(Options.parse("--drain-seconds", "-3")).isEqualTo(new Options.Bad(
                "option --drain-seconds must be a whole number from 0 to 999999999, was '-3'"));
        assertThat(Options.parse("--body-timeout-ms", "0")).isEqualTo(new Options.Bad(
                "option --body-timeout-ms must be a whole number from 1 to 999999999, was '0'"));
    }
}
