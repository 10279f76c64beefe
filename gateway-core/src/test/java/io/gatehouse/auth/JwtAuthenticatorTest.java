package io.gatehouse.auth;

import static io.gatehouse.auth.JwtFixtures.ED;
import static io.gatehouse.auth.JwtFixtures.EC256;
import static io.gatehouse.auth.JwtFixtures.EC384;
import static io.gatehouse.auth.JwtFixtures.EC521;
import static io.gatehouse.auth.JwtFixtures.HMAC;
import static io.gatehouse.auth.JwtFixtures.NOW;
import static io.gatehouse.auth.JwtFixtures.RSA;
import static io.gatehouse.auth.JwtFixtures.RSA_OTHER;
import static io.gatehouse.auth.JwtFixtures.bearer;
import static io.gatehouse.auth.JwtFixtures.rawToken;
import static io.gatehouse.auth.JwtFixtures.sign;
import static io.gatehouse.auth.JwtFixtures.validClaims;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import io.gatehouse.ErrorCode;
import io.gatehouse.GatewayRequest;
import io.gatehouse.TestExchange;
import java.net.URI;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class JwtAuthenticatorTest {

    private final MutableClock clock = new MutableClock(NOW);

    private JwtAuthenticator authenticator(JwtIssuer issuer) {
        return JwtAuthenticator.builder().issuer(issuer).clock(clock).build();
    }

    private static JwtIssuer.Builder issuer() {
        return JwtIssuer.builder("https://issuer.example").audiences("gatehouse");
    }

    private final JwtAuthenticator rsaOnly = authenticator(issuer().algorithms("RS256")
            .key(RSA).build());

    private static AuthResult.Rejected invalid(String detail) {
        return detail.equals("no key of the issuer matches the token") ? unknownKey()
                : new AuthResult.Rejected(ErrorCode.INVALID_TOKEN, detail);
    }

    /** A kid the issuer does not have looks, to the caller, like a bad signature. */
    private static AuthResult.Rejected unknownKey() {
        return AuthResult.Rejected.withSecurityDetail(ErrorCode.INVALID_TOKEN,
                "the token's signature is not valid", "no key of the issuer matches the token");
    }

    @Test
    void validTokenMapsClaimsToThePrincipal() {
        String token = sign(JWSAlgorithm.RS256, RSA, validClaims()
                .claim("tier", "premium")
                .claim("roles", List.of("admin", "user"))
                .claim("permissions", List.of("keys:write"))
                .claim("scope", "invoke read")
                .build());

        assertThat(rsaOnly.authenticate(bearer(token))).isEqualTo(new AuthResult.Authenticated(
                new Principal("alice", "premium", Set.of("admin", "user"),
                        Set.of("keys:write", "invoke", "read"), "jti-1"),
                ConsumedCredentials.headers("Authorization")));
    }

    @Test
    void claimNamesAndDefaultTierAreConfigurable() {
        JwtAuthenticator custom = authenticator(issuer().algorithms("RS256").key(RSA)
                .claims("email", "plan", "groups", "perms", "scp").defaultTier("basic").build());
        String token = sign(JWSAlgorithm.RS256, RSA, validClaims()
                .claim("email", "a@example.org")
                .claim("groups", "ops dev")
                .claim("scp", List.of("read"))
                .claim("roles", List.of("ignored"))
                .build());

        assertThat(custom.authenticate(bearer(token))).isEqualTo(new AuthResult.Authenticated(
                new Principal("a@example.org", "basic", Set.of("ops", "dev"), Set.of("read"),
                        "jti-1"), ConsumedCredentials.headers("Authorization")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256",
            "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"})
    void everySupportedAlgorithmVerifiesWhenAllowed(String name) {
        JWSAlgorithm algorithm = JWSAlgorithm.parse(name);
        JWK key = switch (name.substring(0, 2)) {
            case "HS" -> HMAC;
            case "RS", "PS" -> RSA;
            case "Ed" -> ED.jwk();
            default -> name.equals("ES256") ? EC256 : name.equals("ES384") ? EC384 : EC521;
        };
        JwtAuthenticator only = authenticator(issuer().algorithms(name).key(key).build());
        String token = name.equals("EdDSA") ? JwtFixtures.signEd25519(ED, validClaims().build())
                : sign(algorithm, key, validClaims().build());

        assertThat(only.authenticate(bearer(token))).isInstanceOf(AuthResult.Authenticated.class);
        String tampered = token.substring(0, token.lastIndexOf('.') + 1)
                + flipFirst(token.substring(token.lastIndexOf('.') + 1));
        assertThat(only.authenticate(bearer(tampered))).isInstanceOf(AuthResult.Rejected.class);
    }

    @Test
    void alteredPayloadDoesNotVerify() {
        String token = sign(JWSAlgorithm.RS256, RSA, validClaims().build());
        String[] parts = token.split("\\.");
        String forgedPayload = Base64URL.encode(validClaims().subject("admin").build().toString())
                .toString();

        assertThat(rsaOnly.authenticate(bearer(parts[0] + "." + forgedPayload + "." + parts[2])))
                .isEqualTo(invalid("the token's signature is not valid"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"none", "None", "NONE", "nOnE"})
    void unsecuredTokensAreRefusedInAnyCasing(String alg) {
        JwtAuthenticator lenientLooking = authenticator(issuer().algorithms("RS256", "HS256")
                .key(RSA).key(HMAC).build());
        String token = rawToken("{\"alg\":\"" + alg + "\"}", validClaims().build(), null);

        AuthResult result = lenientLooking.authenticate(bearer(token));

        assertThat(result).isInstanceOf(AuthResult.Rejected.class);
        assertThat(((AuthResult.Rejected) result).code()).isEqualTo(ErrorCode.INVALID_TOKEN);
    }

    @Test
    void algorithmNoneCannotBeAllowed() {
        assertThatThrownBy(() -> issuer().algorithms("none"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'none'");
    }

    @Test
    void hs256SignedWithTheRsaPublicKeyIsRefused() throws Exception {
        byte[] publicKeyBytes = RSA.toRSAPublicKey().getEncoded();
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + java.util.Base64.getMimeEncoder().encodeToString(publicKeyBytes)
                + "\n-----END PUBLIC KEY-----\n";
        for (byte[] secret : List.of(publicKeyBytes, pem.getBytes())) {
            String token = rawToken("{\"alg\":\"HS256\",\"kid\":\"rsa-1\"}",
                    validClaims().build(), secret);

            assertThat(rsaOnly.authenticate(bearer(token)))
                    .isEqualTo(invalid("the token's algorithm is not allowed for its issuer"));
            // Even a careless issuer allowing both families never uses an RSA key as a secret.
            JwtAuthenticator careless = authenticator(issuer().algorithms("RS256", "HS256")
                    .key(RSA).build());
            assertThat(careless.authenticate(bearer(token)))
                    .isEqualTo(unknownKey());
        }
    }

    @Test
    void embeddedJwkIsRefusedEvenWhenTheSignatureMatchesIt() {
        String token = sign(JWSAlgorithm.RS256, RSA_OTHER, validClaims().build(),
                header -> header.jwk(RSA_OTHER.toPublicJWK()).keyID("rsa-1"));

        assertThat(rsaOnly.authenticate(bearer(token))).isEqualTo(invalid(
                "the token header carries 'jwk'; keys are never taken from a token"));
    }

    @Test
    void jkuAndX5uPointingElsewhereAreRefused() {
        String jku = sign(JWSAlgorithm.RS256, RSA_OTHER, validClaims().build(),
                header -> header.jwkURL(URI.create("https://attacker.example/jwks.json")));
        String x5u = sign(JWSAlgorithm.RS256, RSA_OTHER, validClaims().build(),
                header -> header.x509CertURL(URI.create("https://attacker.example/cert.pem")));

        assertThat(rsaOnly.authenticate(bearer(jku))).isEqualTo(invalid(
                "the token header carries 'jku'; keys are never taken from a token"));
        assertThat(rsaOnly.authenticate(bearer(x5u))).isEqualTo(invalid(
                "the token header carries 'x5u'; keys are never taken from a token"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "../../../../dev/null|no key of the issuer matches the token",
        "/etc/passwd|no key of the issuer matches the token",
        "..\\..\\windows\\win.ini|no key of the issuer matches the token",
        "rsa-1'--|no key of the issuer matches the token",
        "' OR '1'='1|the token's key id is malformed",
        "x' UNION SELECT 'secret|the token's key id is malformed"})
    void keyIdTricksFindNoKey(String keyId, String detail) {
        JwtAuthenticator hmacIssuer = authenticator(issuer().algorithms("HS256")
                .key(HMAC).build());
        // Signed with a secret the attacker controls: empty file contents, an SQL result...
        String token = rawToken("{\"alg\":\"HS256\",\"kid\":\"" + keyId.replace("\\", "\\\\")
                + "\"}", validClaims().build(), new byte[32]);

        assertThat(hmacIssuer.authenticate(bearer(token))).isEqualTo(invalid(detail));
    }

    @Test
    void keyIdWithControlCharactersIsMalformed() {
        String token = rawToken("{\"alg\":\"RS256\",\"kid\":\"rsa-1\\nX\"}", validClaims().build(),
                new byte[32]);

        assertThat(rsaOnly.authenticate(bearer(token)))
                .isEqualTo(invalid("the token's key id is malformed"));
    }

    @Test
    void expiryIsRequiredAndEnforcedWithBoundedSkew() {
        JWTClaimsSet noExp = validClaims().expirationTime(null).build();
        JWTClaimsSet expiredLongAgo = validClaims()
                .expirationTime(Date.from(NOW.minusSeconds(61))).build();
        JWTClaimsSet expiredWithinSkew = validClaims()
                .expirationTime(Date.from(NOW.minusSeconds(59))).build();

        assertThat(rsaOnly.authenticate(bearer(sign(JWSAlgorithm.RS256, RSA, noExp))))
                .isEqualTo(invalid("the token has no expiry (exp)"));
        assertThat(rsaOnly.authenticate(bearer(sign(JWSAlgorithm.RS256, RSA, expiredLongAgo))))
                .isEqualTo(invalid("the token has expired"));
        assertThat(rsaOnly.authenticate(bearer(sign(JWSAlgorithm.RS256, RSA, expiredWithinSkew))))
                .isInstanceOf(AuthResult.Authenticated.class);
    }

    @Test
    void tokensNotYetValidOrIssuedInTheFutureAreRefused() {
        JWTClaimsSet notBefore = validClaims().notBeforeTime(Date.from(NOW.plusSeconds(61)))
                .build();
        JWTClaimsSet future = validClaims().issueTime(Date.from(NOW.plusSeconds(120))).build();
        JWTClaimsSet nbfWithinSkew = validClaims().notBeforeTime(Date.from(NOW.plusSeconds(30)))
                .build();

        assertThat(rsaOnly.authenticate(bearer(sign(JWSAlgorithm.RS256, RSA, notBefore))))
                .isEqualTo(invalid("the token is not valid yet (nbf)"));
        assertThat(rsaOnly.authenticate(bearer(sign(JWSAlgorithm.RS256, RSA, future))))
                .isEqualTo(invalid("the token was issued in the future (iat)"));
        assertThat(rsaOnly.authenticate(bearer(sign(JWSAlgorithm.RS256, RSA, nbfWithinSkew))))
                .isInstanceOf(AuthResult.Authenticated.class);
    }

    @Test
    void audienceIsRequiredAndMustMatch() {
        JWTClaimsSet wrong = validClaims().audience("someone-else").build();
        JWTClaimsSet none = validClaims().audience((String) null).build();
        JWTClaimsSet several = validClaims().audience(List.of("other", "gatehouse")).build();

        assertThat(rsaOnly.authenticate(bearer(sign(JWSAlgorithm.RS256, RSA, wrong))))
                .isEqualTo(invalid("the token is not meant for this audience"));
        assertThat(rsaOnly.authenticate(bearer(sign(JWSAlgorithm.RS256, RSA, none))))
                .isEqualTo(invalid("the token has no audience (aud)"));
        assertThat(rsaOnly.authenticate(bearer(sign(JWSAlgorithm.RS256, RSA, several))))
                .isInstanceOf(AuthResult.Authenticated.class);
    }

    @Test
    void issuerMustMatchExactly() {
        for (String iss : new String[] {"https://issuer.example/", "https://ISSUER.example",
                "https://evil.example"}) {
            String token = sign(JWSAlgorithm.RS256, RSA, validClaims().issuer(iss).build());
            assertThat(rsaOnly.authenticate(bearer(token)))
                    .isEqualTo(invalid("the token's issuer is not trusted"));
        }
        String noIssuer = sign(JWSAlgorithm.RS256, RSA, validClaims().issuer(null).build());
        assertThat(rsaOnly.authenticate(bearer(noIssuer)))
                .isEqualTo(invalid("the token's issuer is not trusted"));
    }

    @Test
    void subjectIsRequired() {
        String token = sign(JWSAlgorithm.RS256, RSA, validClaims().subject(null).build());

        assertThat(rsaOnly.authenticate(bearer(token)))
                .isEqualTo(invalid("the token has no subject (sub)"));
    }

    @Test
    void unknownCriticalHeaderParameterIsRefused() {
        String token = sign(JWSAlgorithm.RS256, RSA, validClaims().build(),
                header -> header.customParam("urn:example:policy", "x")
                        .criticalParams(Set.of("urn:example:policy")));

        assertThat(rsaOnly.authenticate(bearer(token))).isEqualTo(invalid(
                "the token has critical header parameters this gateway does not understand"));
    }

    @Test
    void oversizedTokenIsRefusedBeforeParsing() {
        String token = sign(JWSAlgorithm.RS256, RSA, validClaims()
                .claim("padding", "x".repeat(9000)).build());

        assertThat(rsaOnly.authenticate(bearer(token)))
                .isEqualTo(invalid("the token exceeds 8192 bytes"));
    }

    @Test
    void malformedTokensAreRefusedWithoutEchoingThem() {
        for (String token : new String[] {"abc.def.ghi", "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln",
                "e30.e30.e30", "eyJhbGciOiJSUzI1NiJ9..c2ln"}) {
            AuthResult result = rsaOnly.authenticate(bearer(token));
            assertThat(result).isInstanceOf(AuthResult.Rejected.class);
            assertThat(((AuthResult.Rejected) result).detail()).doesNotContain(token);
        }
        assertThat(rsaOnly.authenticate(bearer("abc.def.ghi")))
                .isEqualTo(invalid("the token is malformed"));
    }

    @Test
    void encryptedTokensAreRefused() {
        assertThat(rsaOnly.authenticate(bearer("eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d")))
                .isEqualTo(invalid("encrypted tokens are not accepted"));
    }

    @Test
    void requiredTypeIsChecked() {
        JwtAuthenticator typed = authenticator(issuer().algorithms("RS256").key(RSA)
                .type("at+jwt").build());
        String plain = sign(JWSAlgorithm.RS256, RSA, validClaims().build(),
                header -> header.type(JOSEObjectType.JWT));
        String accessToken = sign(JWSAlgorithm.RS256, RSA, validClaims().build(),
                header -> header.type(new JOSEObjectType("application/at+jwt")));

        assertThat(typed.authenticate(bearer(plain)))
                .isEqualTo(invalid("the token's type (typ) is not at+jwt"));
        assertThat(typed.authenticate(bearer(accessToken)))
                .isInstanceOf(AuthResult.Authenticated.class);
    }

    @Test
    void nonJwtBearerAndMissingHeaderAreLeftToOtherAuthenticators() {
        assertThat(rsaOnly.authenticate(bearer("sk_live_abc")))
                .isEqualTo(AuthResult.noCredentials());
        assertThat(rsaOnly.authenticate(new GatewayRequest(TestExchange.request("GET", "/"),
                "r", "/", "127.0.0.1"))).isEqualTo(AuthResult.noCredentials());
    }

    @Test
    void tokenSignedByAnotherKeyOfTheSameTypeIsRefused() {
        String token = sign(JWSAlgorithm.RS256, RSA_OTHER, validClaims().build(),
                header -> header.keyID(null));

        assertThat(rsaOnly.authenticate(bearer(token)))
                .isEqualTo(invalid("the token's signature is not valid"));
    }

    @Test
    void configurationRefusesWeakKeysAndMissingParts() {
        assertThatThrownBy(() -> issuer().hmacSecret(null, new byte[16]))
                .hasMessageContaining("at least 256 bits");
        assertThatThrownBy(() -> issuer().key(JwtFixtures.RSA.toPublicJWK()).build())
                .hasMessageContaining("algorithm allow-list");
        assertThatThrownBy(() -> JwtIssuer.builder("i").algorithms("RS256").key(RSA).build())
                .hasMessageContaining("audience");
        assertThatThrownBy(() -> issuer().algorithms("RS256").build())
                .hasMessageContaining("keys or a JWKS URL");
        assertThatThrownBy(() -> issuer().jwksUri(URI.create("http://idp.example/jwks")))
                .hasMessageContaining("https");
        assertThatThrownBy(() -> JwtAuthenticator.builder().clockSkew(Duration.ofMinutes(6)))
                .hasMessageContaining("PT6M");
    }

    @Test
    void configuredPrivateKeysAreReducedToTheirPublicPart() {
        JwtIssuer configured = issuer().algorithms("RS256").key(RSA).build();

        assertThat(configured.keys()).allMatch(key -> !key.isPrivate());
    }

    private static String flipFirst(String base64url) {
        char first = base64url.charAt(0);
        return (first == 'A' ? 'B' : 'A') + base64url.substring(1);
    }

    @Test
    void plainHttpJwksIsAllowedOnlyForLoopbackLiteralsAndLocalhost() {
        for (String allowed : List.of("http://127.0.0.1:8080/jwks", "http://127.5.6.7/jwks",
                "http://[::1]:9000/jwks", "http://localhost/jwks", "http://LOCALHOST:1/jwks",
                "https://127.attacker.example/jwks")) {
            assertThat(issuer().jwksUri(URI.create(allowed))).as(allowed).isNotNull();
        }
        for (String refused : List.of("http://127.attacker.example/jwks",
                "http://127.0.0.1.nip.io/jwks", "http://localhost.attacker.example/jwks",
                "http://10.0.0.1/jwks", "http://[::2]/jwks", "ftp://127.0.0.1/jwks")) {
            assertThatThrownBy(() -> issuer().jwksUri(URI.create(refused))).as(refused)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("https (http only to loopback)");
        }
    }

    @Test
    void aNumericSubjectIsRefused() {
        String token = sign(JWSAlgorithm.RS256, RSA, validClaims().claim("sub", 12345).build());

        assertThat(rsaOnly.authenticate(bearer(token))).isEqualTo(new AuthResult.Rejected(
                ErrorCode.INVALID_TOKEN, "the token's sub claim is not a string"));
    }

    @Test
    void aNumericTokenIdIsRefused() {
        String token = sign(JWSAlgorithm.RS256, RSA, validClaims().claim("jti", 12345).build());

        assertThat(rsaOnly.authenticate(bearer(token))).isInstanceOf(AuthResult.Rejected.class);
    }
}
