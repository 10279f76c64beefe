package io.gatehouse.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The options that say where the example keeps its API keys. */
class OptionsKeyStoreTest {

    @Test
    void keysFileAndRedisUrlAreTakenInEitherForm() {
        assertThat(Options.parse("--keys-file", "keys.json"))
                .isEqualTo(new Options.Run("127.0.0.1", 8080, "keys.json", null));
        assertThat(Options.parse("--redis-url=redis://127.0.0.1:7000", "--port", "0"))
                .isEqualTo(new Options.Run("127.0.0.1", 0, null, "redis://127.0.0.1:7000"));
        assertThat(Options.parse()).isEqualTo(new Options.Run("127.0.0.1", 8080, null, null));
    }

    @Test
    void bothStoresOrAMissingValueAreRefusedInOneLine() {
        assertThat(Options.parse("--keys-file", "k.json", "--redis-url", "redis://h:1"))
                .isEqualTo(new Options.Bad("give --keys-file or --redis-url, not both"));
        assertThat(Options.parse("--keys-file"))
                .isEqualTo(new Options.Bad("option --keys-file needs a value"));
        assertThat(Options.parse("--redis-url="))
                .isEqualTo(new Options.Bad("option --redis-url needs a non-empty value"));
    }
}
