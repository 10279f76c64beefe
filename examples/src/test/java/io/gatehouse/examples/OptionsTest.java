package io.gatehouse.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OptionsTest {

    @Test
    void withoutArgumentsItListensOnLoopbackOnlyOnPort8080() {
        // The demo keys are public: every interface is an explicit --host 0.0.0.0.
        assertThat(Options.parse()).isEqualTo(new Options.Run("127.0.0.1", 8080));
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
        assertThat(Options.parse("--port", "65535")).isEqualTo(new Options.Run("127.0.0.1", 65535));
    }

    @Test
    void httpSettingsAreParsedAndDefaultWhenAbsent() {
        assertThat(((Options.Run) Options.parse()).http())
                .isEqualTo(new Options.Http(20, 512, 10_000, 10_000));
        assertThat(Options.parse("--drain-seconds", "5", "--max-connections-per-address=0",
                "--header-timeout-ms", "750", "--body-timeout-ms=900"))
                .isEqualTo(new Options.Run("127.0.0.1", 8080, null, null,
                        new Options.Http(5, 0, 750, 900), false));
    }

    @Test
    void logFormatJsonIsTakenAndAnyOtherFormatIsRefused() {
        assertThat(Options.parse("--log-format", "json")).isEqualTo(new Options.Run("127.0.0.1",
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

    @Test
    void flagsWinOverTheEnvironmentWhichWinsOverDefaults() {
        Map<String, String> env = Map.of("PORT", "9000", "REDIS_URL", "redis://10.0.0.1:6379",
                "AGENT_SERVICE_URL", "http://agent:9001", "INFERENCE_SERVICE_URL",
                "http://inference:9002", "RATE_LIMIT_PER_MINUTE", "30",
                "RATE_LIMIT_PER_HOUR", "500",
                "ALLOWED_ORIGINS", "https://a.example, https://b.example",
                "LOG_LEVEL", "debug", "JWT_SECRET", "0123456789abcdef0123456789abcdef",
                "GATEHOUSE_CONFIG", "/etc/gatehouse.yaml");
        Options.Run fromEnv = (Options.Run) Options.parse(env::get);
        assertThat(fromEnv.port()).isEqualTo(9000);
        assertThat(fromEnv.redisUrl()).isEqualTo("redis://10.0.0.1:6379");
        assertThat(fromEnv.launch()).isEqualTo(new Options.Launch(Path.of("/etc/gatehouse.yaml"),
                "http://agent:9001", "http://inference:9002", 0, 30L, 500L,
                List.of("https://a.example", "https://b.example"),
                "0123456789abcdef0123456789abcdef", null, "DEBUG"));

        Options.Run fromFlags = (Options.Run) Options.parse(env::get, "--port", "9100",
                "--keys-file", "keys.json", "--agent-url", "http://other:1",
                "--rate-limit-hour=7", "--cors-origins", "https://c.example",
                "--log-level", "WARN", "--config", "mine.yaml");
        assertThat(fromFlags.port()).isEqualTo(9100);
        assertThat(fromFlags.keysFile()).isEqualTo("keys.json");
        assertThat(fromFlags.redisUrl()).as("--keys-file wins over REDIS_URL").isNull();
        assertThat(fromFlags.launch().agentUrl()).isEqualTo("http://other:1");
        assertThat(fromFlags.launch().inferenceUrl()).isEqualTo("http://inference:9002");
        assertThat(fromFlags.launch().perHour()).isEqualTo(7L);
        assertThat(fromFlags.launch().perMinute()).isEqualTo(30L);
        assertThat(fromFlags.launch().corsOrigins()).containsExactly("https://c.example");
        assertThat(fromFlags.launch().logLevel()).isEqualTo("WARN");
        assertThat(fromFlags.launch().config()).isEqualTo(Path.of("mine.yaml"));
    }

    @Test
    void badEnvironmentValuesAreNamed() {
        assertThat(Options.parse(Map.of("PORT", "http")::get)).isEqualTo(new Options.Bad(
                "environment PORT must be a number from 0 to 65535, was 'http'"));
        assertThat(Options.parse(Map.of("RATE_LIMIT_PER_HOUR", "0")::get)).isEqualTo(
                new Options.Bad("option --rate-limit-hour (RATE_LIMIT_PER_HOUR) must be a whole "
                        + "number from 1 to 999999999, was '0'"));
        assertThat(Options.parse(name -> null, "--agent-url", "agent:9001")).isEqualTo(
                new Options.Bad("option --agent-url (AGENT_SERVICE_URL) must be an http:// or "
                        + "https:// URL, was 'agent:9001'"));
        assertThat(Options.parse(Map.of("LOG_LEVEL", "loud")::get)).isEqualTo(new Options.Bad(
                "option --log-level (LOG_LEVEL) must be TRACE, DEBUG, INFO, WARN, ERROR or OFF, "
                        + "was 'loud'"));
    }
}
