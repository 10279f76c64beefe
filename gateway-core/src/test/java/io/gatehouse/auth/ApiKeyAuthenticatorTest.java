package io.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.ErrorCode;
import io.gatehouse.GatewayRequest;
import io.gatehouse.TestExchange;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeyAuthenticatorTest {

    private static final byte[] PEPPER = "pepper-pepper-pepper".getBytes(StandardCharsets.UTF_8);

    private final MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
    private final CountingApiKeyStore store = new CountingApiKeyStore(new InMemoryApiKeyStore());
    private final ApiKeyManager manager = ApiKeyManager.builder(store)
            .hasher(KeyHasher.hmacSha256(PEPPER))
            .clock(clock)
            .build();
    private final ApiKeyAuthenticator authenticator = manager.authenticator();

    private static GatewayRequest withHeader(String name, String value) {
        return new GatewayRequest(TestExchange.request("GET", "/x").header(name, value), "req-1",
                "/x", "203.0.113.9");
    }

    private AuthResult apiKey(String key) {
        return authenticator.authenticate(withHeader("X-API-Key", key));
    }

    private static AuthResult.Rejected invalid(String detail) {
        return new AuthResult.Rejected(ErrorCode.INVALID_API_KEY, detail);
    }

    @Test
    void generatedKeyAuthenticatesAsItsOwnerWithTierRolesPermissionsAndKeyId() {
        NewApiKey key = manager.create("sk_live_", ApiKeySpec.of("alice", "premium")
                .withRoles("user").withPermissions("invocations:write"));

        assertThat(apiKey(key.plaintext())).isEqualTo(new AuthResult.Authenticated(new Principal(
                "alice", "premium", Set.of("user"), Set.of("invocations:write"), key.keyId()),
                ConsumedCredentials.headers("X-API-Key")));
    }

    @Test
    void keyIsAlsoAcceptedAsBearerTokenInAnyCaseOfTheScheme() {
        NewApiKey key = manager.create("sk_test", ApiKeySpec.of("bob", "free"));

        AuthResult result = authenticator.authenticate(
                withHeader("Authorization", "bearer " + key.plaintext()));

        assertThat(result).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(((AuthResult.Authenticated) result).principal().id()).isEqualTo("bob");
        assertThat(((AuthResult.Authenticated) result).consumed())
                .isEqualTo(ConsumedCredentials.headers("Authorization"));
    }

    @Test
    void aKeySentInBothFieldsConsumesBoth() {
        NewApiKey key = manager.create("sk_test", ApiKeySpec.of("bob", "free"));

        AuthResult result = authenticator.authenticate(new GatewayRequest(TestExchange
                .request("GET", "/x").header("X-API-Key", key.plaintext())
                .header("Authorization", "Bearer " + key.plaintext()), "req-1", "/x",
                "203.0.113.9"));

        assertThat(((AuthResult.Authenticated) result).consumed().headerNames())
                .containsExactlyInAnyOrder("x-api-key", "authorization");
    }

    @Test
    void importedDemoKeysAuthenticateAndUnknownKeysAreInvalid() {
        manager.importKey("key_123", ApiKeySpec.of("alice", "premium"));
        manager.importKey("key_456", ApiKeySpec.of("bob", "free"));
        manager.importKey("key_789", ApiKeySpec.of("charlie", "enterprise"));

        assertThat(principalOf(apiKey("key_456")).tier()).isEqualTo("free");
        assertThat(principalOf(apiKey("key_789")).id()).isEqualTo("charlie");
        assertThat(apiKey("invalid_key")).isEqualTo(invalid("the API key is not valid"));
        assertThat(apiKey("key_12")).isEqualTo(invalid("the API key is not valid"));
    }

    @Test
    void bearerJwtIsLeftForTheJwtAuthenticatorWithoutStoreLookup() {
        AuthResult result = authenticator.authenticate(withHeader("Authorization",
                "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"));

        assertThat(result).isEqualTo(AuthResult.noCredentials());
        assertThat(store.hashLookups).hasValue(0);
    }

    @Test
    void requestWithoutKeyOrWithOtherSchemeHasNoCredentials() {
        GatewayRequest none = new GatewayRequest(TestExchange.request("GET", "/x"), "r", "/x",
                "127.0.0.1");
        assertThat(authenticator.authenticate(none)).isEqualTo(AuthResult.noCredentials());
        assertThat(authenticator.authenticate(withHeader("Authorization", "Basic YTpi")))
                .isEqualTo(AuthResult.noCredentials());
        assertThat(store.hashLookups).hasValue(0);
    }

    @Test
    void knownPrefixWithWrongChecksumIsRefusedWithoutReachingTheStore() {
        NewApiKey key = manager.create("sk_live_", ApiKeySpec.of("alice", "premium"));
        String plaintext = key.plaintext();
        char last = plaintext.charAt(plaintext.length() - 1);
        String forged = plaintext.substring(0, plaintext.length() - 1) + (last == 'a' ? 'b' : 'a');

        AuthResult result = apiKey(forged);

        assertThat(result).isEqualTo(invalid("the API key sk_live_..."
                + forged.substring(forged.length() - 4) + " is malformed"));
        assertThat(store.hashLookups).hasValue(0);
    }

    @Test
    void overlongEmptyAndNonAsciiKeysAreRefusedWithoutReachingTheStore() {
        assertThat(apiKey("k".repeat(257))).isEqualTo(invalid("the API key is malformed"));
        assertThat(apiKey("key_12\u00e9")).isEqualTo(invalid("the API key is malformed"));
        assertThat(apiKey("  ")).isEqualTo(invalid("the API key is empty"));
        assertThat(store.hashLookups).hasValue(0);
    }

    @Test
    void revokedKeyIsRefusedImmediatelyWithHintButNeverTheKey() {
        NewApiKey key = manager.create("sk_live_", ApiKeySpec.of("alice", "premium"));
        assertThat(apiKey(key.plaintext())).isInstanceOf(AuthResult.Authenticated.class);

        manager.revoke(key.keyId());
        AuthResult result = apiKey(key.plaintext());

        String tail = key.plaintext().substring(key.plaintext().length() - 4);
        assertThat(result).isEqualTo(AuthResult.Rejected.withSecurityDetail(
                ErrorCode.INVALID_API_KEY, "the API key is not valid", "the API key sk_live_..."
                        + tail + " (" + key.keyId() + ") has been revoked"));
        String secretPart = key.plaintext().substring("sk_live_".length(),
                key.plaintext().length() - 4);
        assertThat(((AuthResult.Rejected) result).detail()).doesNotContain(secretPart);
    }

    @Test
    void keyWorksUntilJustBeforeExpiryAndIsRefusedAtTheExpiryInstant() {
        NewApiKey key = manager.create("sk_test_", ApiKeySpec.of("alice", "premium")
                .withLifetime(Duration.ofDays(30)));

        clock.advance(Duration.ofDays(30).minusMillis(1));
        assertThat(apiKey(key.plaintext())).isInstanceOf(AuthResult.Authenticated.class);

        clock.advance(Duration.ofMillis(1));
        assertThat(apiKey(key.plaintext())).isEqualTo(AuthResult.Rejected.withSecurityDetail(
                ErrorCode.INVALID_API_KEY, "the API key is not valid", "the API key sk_test_..."
                        + key.plaintext().substring(key.plaintext().length() - 4) + " ("
                        + key.keyId() + ") has expired"));
    }

    @Test
    void successfulAuthenticationRecordsLastUse() {
        NewApiKey key = manager.create("sk_dev_", ApiKeySpec.of("dev", "premium"));
        assertThat(store.findById(key.keyId()).orElseThrow().lastUsedAt()).isNull();

        clock.advance(Duration.ofMinutes(5));
        apiKey(key.plaintext());

        assertThat(store.findById(key.keyId()).orElseThrow().lastUsedAt())
                .isEqualTo(Instant.parse("2026-01-01T00:05:00Z"));
    }

    @Test
    void aBusyKeyRecordsItsLastUseAtMostOncePerSecond() {
        NewApiKey key = manager.create("sk_dev_", ApiKeySpec.of("dev", "premium"));

        for (int i = 0; i < 10; i++) {
            assertThat(apiKey(key.plaintext())).isInstanceOf(AuthResult.Authenticated.class);
            clock.advance(Duration.ofMillis(99));
        }
        assertThat(store.recordedUses.get()).isEqualTo(1);

        clock.advance(Duration.ofMillis(10));
        apiKey(key.plaintext());

        assertThat(store.recordedUses.get()).isEqualTo(2);
        assertThat(store.findById(key.keyId()).orElseThrow().lastUsedAt())
                .isEqualTo(Instant.parse("2026-01-01T00:00:01Z"));
    }

    @Test
    void storeAnsweringWithAnotherKeysRecordDoesNotAuthenticate() {
        ApiKeyRecord alice = manager.importKey("key_123", ApiKeySpec.of("alice", "premium"));
        // A broken or poisoned store that returns a record for any hash it is asked about.
        ApiKeyStore lying = new CountingApiKeyStore(store) {
            @Override
            public Optional<ApiKeyRecord> findByHash(String hash) {
                return Optional.of(alice);
            }
        };
        ApiKeyAuthenticator trusting = ApiKeyAuthenticator.builder(lying)
                .hasher(KeyHasher.hmacSha256(PEPPER)).clock(clock).build();

        AuthResult result = trusting.authenticate(withHeader("X-API-Key", "key_999"));

        assertThat(result).isEqualTo(invalid("the API key is not valid"));
    }

    @Test
    void storeHoldsOnlyHashesNeverThePlaintext() {
        NewApiKey created = manager.create("sk_live_", ApiKeySpec.of("alice", "premium"));
        manager.importKey("key_123456789_secret", ApiKeySpec.of("bob", "free"));

        List<ApiKeyRecord> records = store.list();

        assertThat(records).hasSize(2);
        for (ApiKeyRecord record : records) {
            assertThat(record.toString())
                    .doesNotContain(created.plaintext())
                    .doesNotContain(created.plaintext().substring(8, 30))
                    .doesNotContain("key_123456789_secret")
                    .doesNotContain("123456789_sec");
            assertThat(record.hash()).matches("[0-9a-f]{64}");
        }
        assertThat(created.toString()).doesNotContain(created.plaintext());
        assertThat(store.findById(created.keyId()).orElseThrow().hash())
                .isEqualTo(KeyHasher.hmacSha256(PEPPER).hash(created.plaintext()));
    }

    @Test
    void jwtShapeDetectionAcceptsThreeOrFivePartsOfBase64Url() {
        assertThat(ApiKeyAuthenticator.looksLikeJwt("a.b.c")).isTrue();
        assertThat(ApiKeyAuthenticator.looksLikeJwt("a..c")).isTrue();
        assertThat(ApiKeyAuthenticator.looksLikeJwt("a.b.c.d.e")).isTrue();
        assertThat(ApiKeyAuthenticator.looksLikeJwt("sk_live_abc")).isFalse();
        assertThat(ApiKeyAuthenticator.looksLikeJwt("a.b")).isFalse();
        assertThat(ApiKeyAuthenticator.looksLikeJwt("a.b.c.d")).isFalse();
        assertThat(ApiKeyAuthenticator.looksLikeJwt("a.b+.c")).isFalse();
        assertThat(ApiKeyAuthenticator.looksLikeJwt("")).isFalse();
    }

    @Test
    void aFailingStoreIsAnsweredAsUnavailableWithRetryAfterAndNoSecret() {
        NewApiKey key = manager.create("sk_live_", ApiKeySpec.of("alice", "premium"));
        ApiKeyStore broken = new ApiKeyStore() {
            @Override
            public java.util.Optional<ApiKeyRecord> findByHash(String hash) {
                throw new ApiKeyStoreException("backend at 10.0.0.7:6379 unreachable");
            }

            @Override
            public java.util.Optional<ApiKeyRecord> findById(String keyId) {
                return store.findById(keyId);
            }

            @Override
            public void save(ApiKeyRecord record) {
                store.save(record);
            }

            @Override
            public java.util.List<ApiKeyRecord> list() {
                return store.list();
            }

            @Override
            public void recordUse(String keyId, java.time.Instant at) {
                store.recordUse(keyId, at);
            }
        };
        ApiKeyAuthenticator failing = ApiKeyAuthenticator.builder(broken)
                .hasher(KeyHasher.hmacSha256(PEPPER))
                .unavailableRetryAfter(java.time.Duration.ofMillis(2_500))
                .build();

        AuthResult result = failing.authenticate(withHeader("X-API-Key", key.plaintext()));

        assertThat(result).isEqualTo(new AuthResult.Rejected(ErrorCode.SERVICE_UNAVAILABLE,
                "API keys cannot be checked right now; retry shortly", 3));
        assertThat(((AuthResult.Rejected) result).detail())
                .doesNotContain(key.plaintext()).doesNotContain("10.0.0.7");
    }

    private static Principal principalOf(AuthResult result) {
        assertThat(result).isInstanceOf(AuthResult.Authenticated.class);
        return ((AuthResult.Authenticated) result).principal();
    }
}
