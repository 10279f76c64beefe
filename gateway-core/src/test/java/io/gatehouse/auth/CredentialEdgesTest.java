package io.gatehouse.auth;

import static io.gatehouse.auth.JwtFixtures.HMAC;
import static io.gatehouse.auth.JwtFixtures.NOW;
import static io.gatehouse.auth.JwtFixtures.bearer;
import static io.gatehouse.auth.JwtFixtures.sign;
import static io.gatehouse.auth.JwtFixtures.validClaims;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import io.gatehouse.ErrorCode;
import io.gatehouse.GatewayRequest;
import io.gatehouse.TestExchange;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Size caps and character classes of credentials, tested at their edges rather than far off. */
class CredentialEdgesTest {

    private static final byte[] PEPPER = "pepper-pepper-pepper".getBytes(StandardCharsets.UTF_8);

    private final CountingApiKeyStore store = new CountingApiKeyStore(new InMemoryApiKeyStore());
    private final ApiKeyManager manager = ApiKeyManager.builder(store)
            .hasher(KeyHasher.hmacSha256(PEPPER))
            .clock(MutableClock.at("2026-01-01T00:00:00Z"))
            .build();
    private final ApiKeyAuthenticator keys = manager.authenticator();

    private static GatewayRequest withHeader(String name, String value) {
        return new GatewayRequest(TestExchange.request("GET", "/x").header(name, value), "req-1",
                "/x", "203.0.113.9");
    }

    private static AuthResult.Rejected invalidKey(String detail) {
        return new AuthResult.Rejected(ErrorCode.INVALID_API_KEY, detail);
    }

    @Test
    void aKeyOfExactlyTheMaximumLengthIsLookedUpAndOneLongerIsNot() {
        String longest = "k".repeat(ApiKeyFormat.MAX_KEY_LENGTH);
        manager.importKey(longest, ApiKeySpec.of("alice", "free"));

        assertThat(keys.authenticate(withHeader("X-API-Key", longest)))
                .isInstanceOf(AuthResult.Authenticated.class);
        int lookups = store.hashLookups.get();
        assertThat(keys.authenticate(withHeader("X-API-Key", longest + "k")))
                .isEqualTo(invalidKey("the API key is malformed"));
        assertThat(store.hashLookups).as("an over-long key is refused unread").hasValue(lookups);
    }

    @Test
    void theFirstAndLastPrintableCharactersBelongToTheKeyAlphabet() {
        manager.importKey("!edge~key~!", ApiKeySpec.of("alice", "free"));

        assertThat(keys.authenticate(withHeader("X-API-Key", "!edge~key~!")))
                .isInstanceOf(AuthResult.Authenticated.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"edge key", "edge\u007fkey", "edge\u0080key", "edge\tkey"})
    void charactersJustOutsideTheAlphabetAreMalformedWithoutALookup(String key) {
        assertThat(keys.authenticate(withHeader("X-API-Key", key)))
                .isEqualTo(invalidKey("the API key is malformed"));
        assertThat(store.hashLookups).hasValue(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer ", "Bearer    ", "bearer \t"})
    void anEmptyBearerTokenIsAnEmptyKeyNotAnAnonymousRequest(String authorization) {
        assertThat(keys.authenticate(withHeader("Authorization", authorization)))
                .isEqualTo(invalidKey("the API key is empty"));
        assertThat(store.hashLookups).hasValue(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer", "Basic abc", "Bearerkey_123"})
    void anAuthorizationThatIsNotABearerCarriesNoKey(String authorization) {
        assertThat(keys.authenticate(withHeader("Authorization", authorization)))
                .isEqualTo(AuthResult.noCredentials());
    }

    @Test
    void aTokenOfExactlyTheSizeLimitIsVerifiedAndOneByteMoreIsRefused() {
        JwtAuthenticator jwt = JwtAuthenticator.builder()
                .issuer(JwtIssuer.builder("https://issuer.example").audiences("gatehouse")
                        .algorithms("HS256").key(HMAC).build())
                .clock(new MutableClock(NOW))
                .build();
        String atLimit = tokenOfLength(8192);
        String overLimit = tokenOfLength(8193);

        assertThat(jwt.authenticate(bearer(atLimit))).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(jwt.authenticate(bearer(overLimit))).isEqualTo(new AuthResult.Rejected(
                ErrorCode.INVALID_TOKEN, "the token exceeds 8192 bytes"));
    }

    /** A valid HS256 token of exactly {@code length} characters, padded in payload and header. */
    private static String tokenOfLength(int length) {
        for (int headerPadding = 0; headerPadding < 4; headerPadding++) {
            String headerValue = "z".repeat(headerPadding);
            for (int padding = 5_900; padding < 6_200; padding++) {
                String token = sign(JWSAlgorithm.HS256, HMAC, validClaims()
                        .claim("padding", "x".repeat(padding)).build(),
                        header -> header.customParam("pad", headerValue));
                if (token.length() == length) {
                    return token;
                }
            }
        }
        throw new IllegalStateException("no padding gives a token of " + length + " characters");
    }
}
