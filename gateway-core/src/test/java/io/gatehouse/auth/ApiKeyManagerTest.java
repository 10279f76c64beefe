package io.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ApiKeyManagerTest {

    private final MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
    private final InMemoryApiKeyStore store = new InMemoryApiKeyStore();
    private final ApiKeyManager manager = ApiKeyManager.builder(store).clock(clock).build();

    @Test
    void createdKeyIsStoredWithMetadataAndPublicId() {
        NewApiKey key = manager.create("sk_test", ApiKeySpec.of("alice", "premium")
                .withRoles("admin").withLifetime(Duration.ofDays(30)));

        ApiKeyRecord record = manager.find(key.keyId()).orElseThrow();
        assertThat(record.keyId()).matches("kid_[0-9A-Za-z]{16}");
        assertThat(record.principalId()).isEqualTo("alice");
        assertThat(record.tier()).isEqualTo("premium");
        assertThat(record.createdAt()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(record.expiresAt()).isEqualTo(Instant.parse("2026-01-31T00:00:00Z"));
        assertThat(record.revokedAt()).isNull();
        assertThat(record.hint()).startsWith("sk_test_...").hasSize(15);
        assertThat(manager.list()).containsExactly(record);
    }

    @Test
    void importingTheSameKeyTwiceKeepsOneRecord() {
        ApiKeyRecord first = manager.importKey("key_123", ApiKeySpec.of("alice", "premium"));
        ApiKeyRecord second = manager.importKey("key_123", ApiKeySpec.of("alice", "premium"));

        assertThat(second).isEqualTo(first);
        assertThat(manager.list()).hasSize(1);
    }

    @Test
    void importingAKnownPrefixWithBadChecksumIsRefused() {
        assertThatThrownBy(() -> manager.importKey("sk_live_notarealkey",
                ApiKeySpec.of("alice", "premium")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("checksum")
                .hasMessageNotContaining("notarealkey");
        assertThat(manager.list()).isEmpty();
    }

    @Test
    void revokingTwiceKeepsTheFirstRevocationTime() {
        NewApiKey key = manager.create("sk_live_", ApiKeySpec.of("alice", "premium"));
        manager.revoke(key.keyId());
        clock.advance(Duration.ofHours(1));

        ApiKeyRecord again = manager.revoke(key.keyId()).orElseThrow();

        assertThat(again.revokedAt()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(manager.revoke("kid_doesnotexist")).isEmpty();
    }
}
