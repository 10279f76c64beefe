package io.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.Concurrently;
import io.gatehouse.ErrorCode;
import io.gatehouse.GatewayRequest;
import io.gatehouse.TestExchange;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SignatureAuthenticatorTest {

    private static final KeyPair ED = pair("Ed25519", null);
    private static final KeyPair EC = pair("EC", new ECGenParameterSpec("secp256r1"));
    private static final KeyPair RSA = pair("RSA", null);
    private static final SecretKeySpec SECRET = new SecretKeySpec(
            "a shared secret of at least 32 bytes!".getBytes(StandardCharsets.US_ASCII),
            "HmacSHA256");
    private static final URI URL = URI.create("https://api.example.com/invocations?mode=fast");
    private static final byte[] BODY = "{\"prompt\":\"hi\"}".getBytes(StandardCharsets.UTF_8);

    private final MutableClock clock = MutableClock.at("2026-03-01T12:00:00Z");

    private static KeyPair pair(String algorithm, ECGenParameterSpec spec) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            if (spec != null) {
                generator.initialize(spec);
            } else if (algorithm.equals("RSA")) {
                generator.initialize(2048);
            }
            return generator.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Principal principal(String keyId) {
        return new Principal("client-" + keyId, "premium", Set.of("signer"), Set.of(), keyId);
    }

    private static final SignatureKeyResolver KEYS = SignatureKeyResolver.of(
            new SignatureKey("ed", SignatureAlgorithm.ED25519, ED.getPublic(), principal("ed")),
            new SignatureKey("ec", SignatureAlgorithm.ECDSA_P256_SHA256, EC.getPublic(),
                    principal("ec")),
            new SignatureKey("rsa", SignatureAlgorithm.RSA_PSS_SHA512, RSA.getPublic(),
                    principal("rsa")),
            new SignatureKey("hmac", SignatureAlgorithm.HMAC_SHA256, SECRET, principal("hmac")));

    private final SignatureAuthenticator verifier = SignatureAuthenticator.builder(KEYS)
            .clock(clock).build();

    private static String keyIdOf(SignatureAlgorithm algorithm) {
        return switch (algorithm) {
            case ED25519 -> "ed";
            case ECDSA_P256_SHA256 -> "ec";
            case RSA_PSS_SHA512 -> "rsa";
            case HMAC_SHA256 -> "hmac";
        };
    }

    private static Key signingKey(SignatureAlgorithm algorithm) {
        return switch (algorithm) {
            case ED25519 -> ED.getPrivate();
            case ECDSA_P256_SHA256 -> EC.getPrivate();
            case RSA_PSS_SHA512 -> RSA.getPrivate();
            case HMAC_SHA256 -> SECRET;
        };
    }

    private RequestSigner.Builder signer(SignatureAlgorithm algorithm) {
        return RequestSigner.builder(keyIdOf(algorithm), algorithm, signingKey(algorithm))
                .clock(clock);
    }

    /** A request as sent: method, URL, a Content-Type header, the body and the signature. */
    private static TestExchange exchange(String method, URI url, byte[] body,
            Map<String, String> added) {
        String target = url.getRawPath() + (url.getRawQuery() == null ? "" : "?"
                + url.getRawQuery());
        TestExchange exchange = TestExchange.request(method, target)
                .header("Host", url.getRawAuthority())
                .header("Content-Type", "application/json")
                .body(body, true);
        added.forEach(exchange::header);
        return exchange;
    }

    private static GatewayRequest request(TestExchange exchange) {
        return new GatewayRequest(exchange, "req-1", exchange.rawPath(), "192.0.2.7");
    }

    private Map<String, String> sign(RequestSigner signer, String method, byte[] body) {
        return signer.sign(method, URL, Map.of("Content-Type", List.of("application/json")),
                body);
    }

    private AuthResult send(String method, byte[] body, Map<String, String> added) {
        return verifier.authenticate(request(exchange(method, URL, body, added)));
    }

    private static AuthResult.Rejected invalid(String detail) {
        return new AuthResult.Rejected(ErrorCode.INVALID_SIGNATURE, detail);
    }

    @ParameterizedTest
    @EnumSource(SignatureAlgorithm.class)
    void signedRequestAuthenticatesAsTheKeysPrincipal(SignatureAlgorithm algorithm) {
        Map<String, String> added = sign(signer(algorithm).build(), "POST", BODY);

        assertThat(added.keySet()).containsExactly("Content-Digest", "Signature-Input",
                "Signature");
        assertThat(send("POST", BODY, added)).isEqualTo(
                new AuthResult.Authenticated(principal(keyIdOf(algorithm)),
                        ConsumedCredentials.headers("Signature", "Signature-Input")));
    }

    @Test
    void signatureInputNamesComponentsAndParameters() {
        Map<String, String> added = sign(signer(SignatureAlgorithm.ED25519).build(), "POST", BODY);

        assertThat(added.get("Content-Digest"))
                .isEqualTo(ContentDigest.sha256(BODY));
        assertThat(added.get("Signature-Input")).matches("sig1=\\(\"@method\" \"@authority\" "
                + "\"@path\" \"@query\" \"content-digest\"\\);created=1772366400;keyid=\"ed\";"
                + "alg=\"ed25519\";nonce=\"[A-Za-z0-9_-]{24}\"");
    }

    @Test
    void replayedRequestIsRefused() {
        Map<String, String> added = sign(signer(SignatureAlgorithm.HMAC_SHA256).build(), "POST",
                BODY);
        assertThat(send("POST", BODY, added)).isInstanceOf(AuthResult.Authenticated.class);
        clock.advance(Duration.ofSeconds(20));

        assertThat(send("POST", BODY, added))
                .isEqualTo(invalid("the signature's nonce was already used"));
    }

    @Test
    void concurrentReplaysAuthenticateExactlyOnce() throws Exception {
        Map<String, String> added = sign(signer(SignatureAlgorithm.HMAC_SHA256).build(), "POST",
                BODY);
        List<AuthResult> results = Concurrently.run(32, 8,
                i -> () -> send("POST", BODY, added), Duration.ofSeconds(10));

        assertThat(results).filteredOn(AuthResult.Authenticated.class::isInstance).hasSize(1);
    }

    @Test
    void signatureWithoutNonceIsRefusedByDefault() {
        Map<String, String> added = sign(signer(SignatureAlgorithm.ED25519).nonce(false).build(),
                "POST", BODY);

        assertThat(send("POST", BODY, added)).isEqualTo(invalid("the signature has no nonce"));
    }

    @Test
    void createdMustLieWithinTheAllowedAge() {
        Map<String, String> added = sign(signer(SignatureAlgorithm.ED25519).build(), "GET",
                new byte[0]);
        clock.advance(Duration.ofSeconds(331));
        assertThat(send("GET", new byte[0], added))
                .isEqualTo(invalid("the signature is older than 300 seconds"));

        clock.set(Instant.parse("2026-03-01T11:59:29Z"));
        assertThat(send("GET", new byte[0], added))
                .isEqualTo(invalid("the signature was created in the future"));

        clock.set(Instant.parse("2026-03-01T12:05:30Z"));
        assertThat(send("GET", new byte[0], added)).isInstanceOf(AuthResult.Authenticated.class);
    }

    @Test
    void expiredSignatureIsRefused() {
        Map<String, String> added = sign(signer(SignatureAlgorithm.ED25519)
                .validity(Duration.ofSeconds(10)).build(), "GET", new byte[0]);
        clock.advance(Duration.ofSeconds(40));

        assertThat(send("GET", new byte[0], added)).isEqualTo(invalid("the signature has expired"));
    }

    @Test
    void bodyChangedAfterSigningFailsTheDigestCheck() {
        Map<String, String> added = sign(signer(SignatureAlgorithm.ED25519).build(), "POST", BODY);
        byte[] other = "{\"prompt\":\"rm -rf\"}".getBytes(StandardCharsets.UTF_8);

        assertThat(send("POST", other, added))
                .isEqualTo(invalid("Content-Digest sha-256 does not match the body"));
    }

    @Test
    void bodyWithoutCoveredDigestIsRefused() {
        Map<String, String> added = sign(signer(SignatureAlgorithm.ED25519).build(), "POST",
                new byte[0]);

        assertThat(send("POST", BODY, added))
                .isEqualTo(invalid("the signature must cover content-digest"));
    }

    @Test
    void requiredComponentsMustBeCovered() {
        Map<String, String> added = sign(signer(SignatureAlgorithm.ED25519)
                .components("@method", "@authority").build(), "GET", new byte[0]);

        assertThat(send("GET", new byte[0], added))
                .isEqualTo(invalid("the signature must cover @path"));
    }

    @Test
    void alteredMethodPathQueryOrHostDoNotVerify() {
        Map<String, String> added = sign(signer(SignatureAlgorithm.ED25519).build(), "GET",
                new byte[0]);
        String fail = "the signature does not verify";

        assertThat(send("DELETE", new byte[0], added)).isEqualTo(invalid(fail));
        for (String url : List.of("https://api.example.com/admin?mode=fast",
                "https://api.example.com/invocations?mode=slow",
                "https://evil.example.com/invocations?mode=fast")) {
            assertThat(verifier.authenticate(request(exchange("GET", URI.create(url),
                    new byte[0], added)))).as(url).isEqualTo(invalid(fail));
        }
    }

    @Test
    void algParameterMustMatchTheKey() {
        // Signed with the HMAC secret but naming the Ed25519 key.
        Map<String, String> added = RequestSigner.builder("ed", SignatureAlgorithm.HMAC_SHA256,
                SECRET).clock(clock).build().sign("GET", URL, Map.of(), new byte[0]);

        assertThat(send("GET", new byte[0], added))
                .isEqualTo(invalid("the signature's alg does not match its key"));
    }

    @Test
    void unknownKeyIdIsRefused() {
        Map<String, String> added = RequestSigner.builder("nobody", SignatureAlgorithm.ED25519,
                ED.getPrivate()).clock(clock).build().sign("GET", URL, Map.of(), new byte[0]);

        assertThat(send("GET", new byte[0], added))
                .isEqualTo(invalid("the signature's keyid is not known"));
    }

    @Test
    void missingOrMalformedFieldsAreHandled() {
        assertThat(send("GET", new byte[0], Map.of())).isEqualTo(AuthResult.noCredentials());
        assertThat(send("GET", new byte[0], Map.of("Signature", "sig1=:AAAA:")))
                .isEqualTo(invalid("both Signature-Input and Signature are required"));
        assertThat(send("GET", new byte[0], Map.of("Signature-Input", "sig1=(\"@method\"",
                "Signature", "sig1=:AAAA:"))).isEqualTo(invalid(
                        "Signature-Input or Signature is not a valid structured field"));
        assertThat(send("GET", new byte[0], Map.of("Signature-Input",
                "sig1=(\"@method\");created=1772366400;keyid=\"ed\";nonce=\"n\"",
                "Signature", "sig2=:AAAA:")))
                .isEqualTo(invalid("Signature has no byte sequence labelled sig1"));
        assertThat(send("GET", new byte[0], Map.of("Signature-Input",
                "sig1=(\"@method\");created=1772366400;nonce=\"n\"", "Signature", "sig1=:AAAA:")))
                .isEqualTo(invalid("the signature has no keyid"));
    }

    @Test
    void onlyTheConfiguredLabelIsVerified() {
        SignatureAuthenticator labelled = SignatureAuthenticator.builder(KEYS).clock(clock)
                .label("gateway").build();
        Map<String, String> sig1 = sign(signer(SignatureAlgorithm.ED25519).build(), "GET",
                new byte[0]);
        Map<String, String> gatewayLabel = sign(signer(SignatureAlgorithm.ED25519)
                .label("gateway").build(), "GET", new byte[0]);

        assertThat(labelled.authenticate(request(exchange("GET", URL, new byte[0], sig1))))
                .isEqualTo(invalid("no signature labelled gateway"));
        assertThat(labelled.authenticate(request(exchange("GET", URL, new byte[0],
                gatewayLabel)))).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(send("GET", new byte[0], Map.of("Signature-Input", " ",
                "Signature", "sig1=:AAAA:")))
                .isEqualTo(invalid("Signature-Input names no signature"));
    }

    @Test
    void componentCoveredTwiceIsRefused() {
        Map<String, String> added = Map.of("Signature-Input", "sig1=(\"@method\" \"@authority\" "
                + "\"@path\" \"@method\");created=1772366400;keyid=\"ed\";nonce=\"n1\"",
                "Signature", "sig1=:AAAA:");

        assertThat(send("GET", new byte[0], added))
                .isEqualTo(invalid("component \"@method\" is covered twice"));
    }

    @Test
    void requiredTagIsChecked() {
        SignatureAuthenticator tagged = SignatureAuthenticator.builder(KEYS).clock(clock)
                .requiredTag("gatehouse").build();
        Map<String, String> untagged = sign(signer(SignatureAlgorithm.ED25519).build(), "GET",
                new byte[0]);
        Map<String, String> withTag = sign(signer(SignatureAlgorithm.ED25519).tag("gatehouse")
                .build(), "GET", new byte[0]);

        assertThat(tagged.authenticate(request(exchange("GET", URL, new byte[0], untagged))))
                .isEqualTo(invalid("the signature's tag is not gatehouse"));
        assertThat(tagged.authenticate(request(exchange("GET", URL, new byte[0], withTag))))
                .isInstanceOf(AuthResult.Authenticated.class);
    }

    @Test
    void bodyTooLargeToVerifyIsRefusedWithoutBeingReadPastTheLimit() {
        SignatureAuthenticator small = SignatureAuthenticator.builder(KEYS).clock(clock)
                .maxBodyBytes(8).build();
        Map<String, String> added = sign(signer(SignatureAlgorithm.ED25519).build(), "POST", BODY);
        TestExchange exchange = exchange("POST", URL, BODY, added);

        assertThat(small.authenticate(request(exchange))).isEqualTo(new AuthResult.Rejected(
                ErrorCode.PAYLOAD_TOO_LARGE,
                "the request body exceeds 8 bytes and cannot be verified"));
    }

    @Test
    void keysRefuseTheWrongKeyTypeForTheirAlgorithm() {
        assertThatThrownBy(() -> new SignatureKey("k", SignatureAlgorithm.ED25519,
                EC.getPublic(), principal("k"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ed25519");
        assertThatThrownBy(() -> new SignatureKey("k", SignatureAlgorithm.HMAC_SHA256,
                new SecretKeySpec(new byte[16], "HmacSHA256"), principal("k")))
                .hasMessageContaining("32+ bytes");
        assertThat(SignatureAlgorithm.ED25519.verify(EC.getPublic(), new byte[1], new byte[64]))
                .isFalse();
    }
}
