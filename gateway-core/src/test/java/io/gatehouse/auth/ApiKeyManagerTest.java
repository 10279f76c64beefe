package io.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.GatewayRequest;
import io.gatehouse.TestExchange;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ApiKeyManagerTest {

    private final MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
    private final InMemoryApiKeyStore store = new InMemoryApiKeyStore();
    private final CollectingSecurityEvents events = new CollectingSecurityEvents();
    private final ApiKeyManager manager = ApiKeyManager.builder(store).clock(clock)
            .events(events).build();
    private final AdminContext admin = new AdminContext("req-9", "198.51.100.7", "root");

    private AuthResult authenticate(String key) {
        return manager.authenticator().authenticate(new GatewayRequest(
                TestExchange.request("GET", "/x").header("X-API-Key", key), "r", "/x",
                "127.0.0.1"));
    }

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

    @Test
    void rotationKeepsOldAndNewKeyValidUntilTheGracePeriodEnds() {
        NewApiKey old = manager.create("sk_live_", ApiKeySpec.of("alice", "premium")
                .withRoles("user").withPermissions("invoke"));

        ApiKeyRotation rotation = manager.rotate(old.keyId(), Duration.ofHours(24), admin);

        assertThat(rotation).isInstanceOf(ApiKeyRotation.Rotated.class);
        NewApiKey successor = ((ApiKeyRotation.Rotated) rotation).successor();
        assertThat(successor.plaintext()).startsWith("sk_live_").isNotEqualTo(old.plaintext());
        ApiKeyRecord retiring = manager.find(old.keyId()).orElseThrow();
        assertThat(retiring.rotatedTo()).isEqualTo(successor.keyId());
        assertThat(retiring.expiresAt()).isEqualTo(Instant.parse("2026-01-02T00:00:00Z"));
        assertThat(successor.record().roles()).containsExactly("user");
        assertThat(successor.record().permissions()).containsExactly("invoke");

        clock.advance(Duration.ofHours(24).minusSeconds(1));
        assertThat(authenticate(old.plaintext())).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(authenticate(successor.plaintext()))
                .isInstanceOf(AuthResult.Authenticated.class);

        clock.advance(Duration.ofSeconds(1));
        assertThat(authenticate(old.plaintext())).isInstanceOf(AuthResult.Rejected.class);
        assertThat(authenticate(successor.plaintext()))
                .isInstanceOf(AuthResult.Authenticated.class);
    }

    @Test
    void rotatingTwiceCreatesNoSecondSuccessor() {
        NewApiKey old = manager.create("sk_live_", ApiKeySpec.of("alice", "premium"));
        ApiKeyRotation first = manager.rotate(old.keyId(), Duration.ofHours(1), admin);
        clock.advance(Duration.ofMinutes(1));

        ApiKeyRotation second = manager.rotate(old.keyId(), Duration.ofHours(1), admin);

        assertThat(second).isInstanceOf(ApiKeyRotation.AlreadyRotated.class);
        assertThat(((ApiKeyRotation.AlreadyRotated) second).previous().rotatedTo())
                .isEqualTo(((ApiKeyRotation.Rotated) first).successor().keyId());
        assertThat(manager.list()).hasSize(2);
        assertThat(manager.find(old.keyId()).orElseThrow().expiresAt())
                .isEqualTo(Instant.parse("2026-01-01T01:00:00Z"));
    }

    @Test
    void rotationWithZeroGraceEndsTheOldKeyAtOnce() {
        NewApiKey old = manager.create("sk_test_", ApiKeySpec.of("alice", "premium"));

        manager.rotate(old.keyId(), Duration.ZERO, admin);

        assertThat(authenticate(old.plaintext())).isInstanceOf(AuthResult.Rejected.class);
    }

    @Test
    void rotationNeverExtendsAnEarlierExpiryAndCarriesTheLifetimeOver() {
        NewApiKey old = manager.create("sk_test_", ApiKeySpec.of("alice", "premium")
                .withLifetime(Duration.ofHours(2)));
        clock.advance(Duration.ofHours(1));

        ApiKeyRotation.Rotated rotated = (ApiKeyRotation.Rotated) manager.rotate(old.keyId(),
                Duration.ofDays(7), admin);

        assertThat(rotated.previous().expiresAt())
                .isEqualTo(Instant.parse("2026-01-01T02:00:00Z"));
        assertThat(rotated.successor().record().expiresAt())
                .isEqualTo(Instant.parse("2026-01-01T03:00:00Z"));
        assertThat(rotated.successor().plaintext()).startsWith("sk_test_");
    }

    @Test
    void revokedExpiredAndUnknownKeysAreNotRotated() {
        NewApiKey revoked = manager.create("sk_live_", ApiKeySpec.of("alice", "premium"));
        manager.revoke(revoked.keyId());
        NewApiKey expired = manager.create("sk_live_", ApiKeySpec.of("bob", "free")
                .withLifetime(Duration.ofMinutes(1)));
        clock.advance(Duration.ofMinutes(1));

        assertThat(manager.rotate(revoked.keyId(), Duration.ofHours(1), admin))
                .isEqualTo(new ApiKeyRotation.NotRotatable(
                        manager.find(revoked.keyId()).orElseThrow(), "the key is revoked"));
        assertThat(manager.rotate(expired.keyId(), Duration.ofHours(1), admin))
                .isEqualTo(new ApiKeyRotation.NotRotatable(
                        manager.find(expired.keyId()).orElseThrow(), "the key has expired"));
        assertThat(manager.rotate("kid_nope", Duration.ofHours(1), admin))
                .isEqualTo(new ApiKeyRotation.NotFound("kid_nope"));
        assertThat(manager.list()).hasSize(2);
    }

    @Test
    void importedKeyRotatesToAKeyWithTheDefaultPrefix() {
        ApiKeyRecord demo = manager.importKey("key_123", ApiKeySpec.of("alice", "premium"));

        ApiKeyRotation.Rotated rotated = (ApiKeyRotation.Rotated) manager.rotate(demo.keyId(),
                Duration.ofMinutes(5), admin);

        assertThat(rotated.successor().plaintext()).startsWith("sk_live_");
        assertThat(authenticate(rotated.successor().plaintext()))
                .isInstanceOf(AuthResult.Authenticated.class);
    }

    @Test
    void expiringNowRefusesTheKeyAndNeverExtendsAnEarlierExpiry() {
        NewApiKey key = manager.create("sk_live_", ApiKeySpec.of("alice", "premium"));
        Instant now = clock.instant();

        manager.expire(key.keyId(), now, admin);
        ApiKeyRecord later = manager.expire(key.keyId(), now.plusSeconds(3600), admin)
                .orElseThrow();

        assertThat(later.expiresAt()).isEqualTo(now);
        assertThat(authenticate(key.plaintext())).isInstanceOf(AuthResult.Rejected.class);
        assertThat(manager.expire("kid_nope", now, admin)).isEmpty();
    }

    @Test
    void keyChangesArePublishedWithContextAndWithoutSecrets() {
        NewApiKey key = manager.create("sk_live_", ApiKeySpec.of("alice", "premium"), admin);
        ApiKeyRotation.Rotated rotated = (ApiKeyRotation.Rotated) manager.rotate(key.keyId(),
                Duration.ofMinutes(5), admin);
        manager.revoke(key.keyId(), admin);
        manager.revoke(key.keyId(), admin);

        assertThat(events.types()).containsExactly(SecurityEvent.Type.KEY_CREATED,
                SecurityEvent.Type.KEY_ROTATED, SecurityEvent.Type.KEY_REVOKED);
        SecurityEvent revocation = events.events.get(2);
        assertThat(revocation.requestId()).isEqualTo("req-9");
        assertThat(revocation.clientAddress()).isEqualTo("198.51.100.7");
        assertThat(revocation.subject()).isEqualTo(key.keyId());
        assertThat(revocation.detail()).isEqualTo("revoked by root");
        for (SecurityEvent event : events.events) {
            assertThat(event.toString()).doesNotContain(key.plaintext().substring(8))
                    .doesNotContain(rotated.successor().plaintext().substring(8));
        }
    }

    @Test
    void publicViewShowsStatusAndEverythingButTheHash() {
        NewApiKey key = manager.create("sk_live_", ApiKeySpec.of("alice", "premium")
                .withRoles("admin").withLifetime(Duration.ofHours(1)));
        ApiKeyRecord record = manager.find(key.keyId()).orElseThrow();

        java.util.Map<String, Object> view = record.publicView(clock.instant());

        assertThat(view).containsOnlyKeys("key_id", "hint", "principal", "tier", "roles",
                "permissions", "status", "created", "expires", "last_used", "revoked",
                "rotated_to", "allow_from", "deny_from");
        assertThat(view).containsEntry("status", "active")
                .containsEntry("expires", "2026-01-01T01:00:00Z")
                .containsEntry("principal", "alice");
        assertThat(view.values().toString()).doesNotContain(record.hash())
                .doesNotContain(key.plaintext());
        assertThat(record.publicView(clock.instant().plusSeconds(3600)))
                .containsEntry("status", "expired");
        manager.revoke(key.keyId());
        assertThat(manager.find(key.keyId()).orElseThrow().publicView(clock.instant()))
                .containsEntry("status", "revoked");
    }

    @Test
    void lifetimesParseFromShortFormsAndIso8601() {
        assertThat(ApiKeySpec.parseLifetime("30d")).isEqualTo(Duration.ofDays(30));
        assertThat(ApiKeySpec.parseLifetime("12h")).isEqualTo(Duration.ofHours(12));
        assertThat(ApiKeySpec.parseLifetime("90m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(ApiKeySpec.parseLifetime("45s")).isEqualTo(Duration.ofSeconds(45));
        assertThat(ApiKeySpec.parseLifetime("2w")).isEqualTo(Duration.ofDays(14));
        assertThat(ApiKeySpec.parseLifetime("PT36H")).isEqualTo(Duration.ofHours(36));
        for (String bad : new String[] {"0d", "-1d", "30", "30y", "PT0S", "", "d"}) {
            assertThatThrownBy(() -> ApiKeySpec.parseLifetime(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "'");
        }
    }
}
