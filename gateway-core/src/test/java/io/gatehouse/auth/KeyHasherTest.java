package io.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class KeyHasherTest {

    private static final byte[] PEPPER = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    @Test
    void withoutPepperTheHashIsSha256InLowerCaseHex() {
        assertThat(KeyHasher.sha256().hash("key_123"))
                .isEqualTo("5feb89c42cd706000626d53195bbe096ce8d1b01390d1b90bb7d3589591c16f5");
        assertThat(KeyHasher.sha256().peppered()).isFalse();
    }

    @Test
    void withPepperTheHashIsHmacSha256() {
        KeyHasher hasher = KeyHasher.hmacSha256(PEPPER);
        assertThat(hasher.hash("key_123"))
                .isEqualTo("6da776d990c59e448540da72bc26f57bc07843b2f11af054ee44c39ea8252617");
        assertThat(hasher.peppered()).isTrue();
    }

    @Test
    void differentPeppersGiveDifferentHashes() {
        byte[] other = "0123456789abcdeF".getBytes(StandardCharsets.US_ASCII);
        assertThat(KeyHasher.hmacSha256(other).hash("key_123"))
                .isNotEqualTo(KeyHasher.hmacSha256(PEPPER).hash("key_123"));
    }

    @Test
    void pepperIsCopiedSoLaterChangesToTheArrayDoNotMatter() {
        byte[] pepper = PEPPER.clone();
        KeyHasher hasher = KeyHasher.hmacSha256(pepper);
        pepper[0] = 'X';
        assertThat(hasher.hash("key_123"))
                .isEqualTo("6da776d990c59e448540da72bc26f57bc07843b2f11af054ee44c39ea8252617");
    }

    @Test
    void shortPepperIsRefused() {
        assertThatThrownBy(() -> KeyHasher.hmacSha256(new byte[15]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("15");
    }
}
