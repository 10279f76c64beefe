package io.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeyFormatTest {

    private final ApiKeyFormat format = ApiKeyFormat.defaults();
    private final SecureRandom random = new SecureRandom();

    @Test
    void generatedKeyIsPrefixThenThirtyBase62CharactersAndWellFormed() {
        for (String prefix : Set.of("sk_live_", "sk_test", "sk_dev_")) {
            String key = format.generate(prefix, random);
            String expectedPrefix = prefix.endsWith("_") ? prefix : prefix + "_";
            assertThat(key).startsWith(expectedPrefix)
                    .matches("sk_(live|test|dev)_[0-9A-Za-z]{30}");
            assertThat(format.classify(key)).isEqualTo(ApiKeyFormat.Shape.WELL_FORMED);
        }
    }

    @Test
    void checksumIsCrc32OfEverythingBeforeItInSixBase62Digits() {
        assertThat(format.classify("sk_test_AAAAAAAAAAAAAAAAAAAAAAAA2OabWn"))
                .isEqualTo(ApiKeyFormat.Shape.WELL_FORMED);
        assertThat(ApiKeyFormat.checksum("sk_test_" + "A".repeat(24))).isEqualTo("2OabWn");
    }

    @Test
    void changingAnySingleCharacterAfterThePrefixMakesTheKeyMalformed() {
        String key = format.generate("sk_live_", random);
        for (int i = "sk_live_".length(); i < key.length(); i++) {
            char original = key.charAt(i);
            char replacement = original == 'x' ? 'y' : 'x';
            String altered = key.substring(0, i) + replacement + key.substring(i + 1);
            assertThat(format.classify(altered)).as("position %d", i)
                    .isEqualTo(ApiKeyFormat.Shape.MALFORMED);
        }
    }

    @Test
    void wrongLengthOrAlphabetWithKnownPrefixIsMalformed() {
        String key = format.generate("sk_test_", random);
        assertThat(format.classify(key + "0")).isEqualTo(ApiKeyFormat.Shape.MALFORMED);
        assertThat(format.classify(key.substring(0, key.length() - 1)))
                .isEqualTo(ApiKeyFormat.Shape.MALFORMED);
        assertThat(format.classify("sk_test_" + "-".repeat(30)))
                .isEqualTo(ApiKeyFormat.Shape.MALFORMED);
        assertThat(format.classify("sk_test_")).isEqualTo(ApiKeyFormat.Shape.MALFORMED);
    }

    @Test
    void keysWithoutKnownPrefixAreForeign() {
        assertThat(format.classify("key_123")).isEqualTo(ApiKeyFormat.Shape.FOREIGN);
        assertThat(format.classify("sk_prod_abc")).isEqualTo(ApiKeyFormat.Shape.FOREIGN);
        assertThat(format.classify("SK_LIVE_abc")).isEqualTo(ApiKeyFormat.Shape.FOREIGN);
    }

    @Test
    void tenThousandGeneratedKeysAreAllDistinct() {
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            keys.add(format.generate("sk_dev_", random));
        }
        assertThat(keys).hasSize(10_000);
    }

    @Test
    void hintShowsAtMostPrefixAndLastFourCharacters() {
        String key = "sk_live_AAAAAAAAAAAAAAAAAAAAAAAA2OabWn";
        assertThat(format.hint(key)).isEqualTo("sk_live_...abWn");
        assertThat(format.hint("key_123")).isEqualTo("****");
        assertThat(format.hint("0123456789abcdefXYZW")).isEqualTo("...XYZW");
    }

    @Test
    void unknownPrefixIsRefusedWhenGenerating() {
        assertThatThrownBy(() -> format.generate("pk_live", random))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pk_live");
        assertThatThrownBy(() -> ApiKeyFormat.withPrefixes(Set.of("Bad-Prefix")))
                .hasMessageContaining("Bad-Prefix");
    }

    @Test
    void customPrefixesReplaceTheDefaults() {
        ApiKeyFormat custom = ApiKeyFormat.withPrefixes(Set.of("gh_prod"));
        String key = custom.generate("gh_prod", random);
        assertThat(key).startsWith("gh_prod_");
        assertThat(custom.classify(key)).isEqualTo(ApiKeyFormat.Shape.WELL_FORMED);
        assertThat(custom.classify("sk_live_AAAAAAAAAAAAAAAAAAAAAAAA2OabWn"))
                .isEqualTo(ApiKeyFormat.Shape.FOREIGN);
    }
}
