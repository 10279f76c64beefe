package io.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.gatehouse.Admission;
import io.gatehouse.Gateway;
import io.gatehouse.auth.ApiKeyManager;
import io.gatehouse.auth.ApiKeyRecord;
import io.gatehouse.auth.ApiKeyStore;
import io.gatehouse.auth.FileApiKeyStore;
import io.gatehouse.auth.InMemoryApiKeyStore;
import io.gatehouse.auth.KeyHasher;
import io.gatehouse.auth.Principal;
import io.gatehouse.auth.RequestSigner;
import io.gatehouse.auth.SignatureAlgorithm;
import io.gatehouse.limit.LimitStores;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** API keys, JWT issuers and brute-force settings read from YAML. */
class GatewayConfigAuthTest {

    private static final Function<String, String> NO_ENV = name -> null;
    private static final String PEPPER = "a-pepper-of-more-than-16-bytes";
    private static final String ALICE_KEY = "key_alice_0123456789";
    private static final String BOB_KEY = "key_bob_9876543210";
    private static final String JWT_SECRET = "0123456789abcdef0123456789abcdef-jwt";

    private static String yaml(String aliceHash) {
        return """
                routes:
                  - {id: agent, path: /agent, roles: [agent-user]}
                tiers:
                  free: [{name: per-hour, algorithm: sliding_log, limit: 10, period: 1h}]
                  premium: [{name: per-hour, algorithm: sliding_log, limit: 100, period: 1h}]
                api_keys:
                  pepper: ${GATEHOUSE_PEPPER:-}
                  keys:
                    - id: kid_alice
                      owner: alice
                      tier: premium
                      roles: [agent-user]
                      permissions: ["invocations:write"]
                      hash: %s
                    - id: kid_bob
                      owner: bob
                      tier: free
                      roles: [agent-user]
                      plaintext_env: BOB_KEY
                """.formatted(aliceHash);
    }

    private static Admission call(Gateway gateway, Map<String, String> headers) {
        return gateway.admit(new GatewayConfigTest.TestExchange("GET", "/agent", headers,
                new byte[0]));
    }

    private static Principal principalOf(Admission admission) {
        assertThat(admission).isInstanceOf(Admission.Admitted.class);
        return ((Admission.Admitted) admission).principal();
    }

    private static String codeOf(Admission admission) {
        assertThat(admission).isInstanceOf(Admission.Rejected.class);
        return ((Admission.Rejected) admission).problem().code().name();
    }

    @Test
    void keyConfiguredByHashAndKeyFromTheEnvironmentBothAuthenticate() {
        String aliceHash = KeyHasher.sha256().hash(ALICE_KEY);
        GatewayConfig config = GatewayConfig.parse(yaml(aliceHash),
                Map.of("BOB_KEY", BOB_KEY)::get);
        Gateway gateway = config.gatewayBuilder().build();

        Principal alice = principalOf(call(gateway, Map.of("X-API-Key", ALICE_KEY)));
        Principal bob = principalOf(call(gateway,
                Map.of("Authorization", "Bearer " + BOB_KEY)));

        assertThat(alice).isEqualTo(new Principal("alice", "premium", Set.of("agent-user"),
                Set.of("invocations:write"), "kid_alice"));
        assertThat(bob.id()).isEqualTo("bob");
        assertThat(bob.tier()).isEqualTo("free");
        assertThat(bob.credentialId()).isEqualTo("kid_bob");
        assertThat(codeOf(call(gateway, Map.of("X-API-Key", "key_mallory_000000"))))
                .isEqualTo("INVALID_API_KEY");
        assertThat(codeOf(call(gateway, Map.of()))).isEqualTo("MISSING_CREDENTIALS");
    }

    @Test
    void withAPepperOnlyPepperedHashesAuthenticate() {
        Map<String, String> env = Map.of("GATEHOUSE_PEPPER", PEPPER, "BOB_KEY", BOB_KEY);
        String peppered = KeyHasher.hmacSha256(PEPPER.getBytes(StandardCharsets.UTF_8))
                .hash(ALICE_KEY);
        String plain = KeyHasher.sha256().hash(ALICE_KEY);

        Gateway good = GatewayConfig.parse(yaml(peppered), env::get).gatewayBuilder().build();
        Gateway stale = GatewayConfig.parse(yaml(plain), env::get).gatewayBuilder().build();

        assertThat(principalOf(call(good, Map.of("X-API-Key", ALICE_KEY))).id())
                .isEqualTo("alice");
        assertThat(principalOf(call(good, Map.of("X-API-Key", BOB_KEY))).id()).isEqualTo("bob");
        assertThat(codeOf(call(stale, Map.of("X-API-Key", ALICE_KEY))))
                .isEqualTo("INVALID_API_KEY");
        assertThat(GatewayConfig.parse(yaml(peppered), env::get).keyHasher().peppered())
                .isTrue();
    }

    @Test
    void storePassedByTheCallerReceivesTheKeysAndOnlyTheirHashes() {
        ApiKeyStore store = new InMemoryApiKeyStore();
        GatewayConfig config = GatewayConfig.parse(yaml(KeyHasher.sha256().hash(ALICE_KEY)),
                Map.of("BOB_KEY", BOB_KEY)::get);

        Gateway gateway = config.gatewayBuilder(LimitStores.inMemory(), store).build();

        assertThat(store.list()).extracting(ApiKeyRecord::keyId)
                .containsExactly("kid_alice", "kid_bob");
        assertThat(store.list()).extracting(ApiKeyRecord::hash)
                .containsExactly(KeyHasher.sha256().hash(ALICE_KEY),
                        KeyHasher.sha256().hash(BOB_KEY));
        assertThat(store.list().toString()).doesNotContain(BOB_KEY).doesNotContain(ALICE_KEY);
        assertThat(principalOf(call(gateway, Map.of("X-API-Key", BOB_KEY))).id())
                .isEqualTo("bob");
    }

    @Test
    void reloadingTheFileKeepsWhatAnAdministratorDidToAStoredKey(@TempDir Path directory)
            throws Exception {
        Path keyFile = directory.resolve("keys.json");
        String yaml = yaml(KeyHasher.sha256().hash(ALICE_KEY)).replace("  keys:\n",
                "  file: " + keyFile + "\n  keys:\n");
        Function<String, String> env = Map.of("BOB_KEY", BOB_KEY)::get;
        GatewayConfig.parse(yaml, env).gatewayBuilder().build();
        ApiKeyManager admin = ApiKeyManager.builder(FileApiKeyStore.open(keyFile)).build();
        admin.revoke("kid_bob");
        String afterRevocation = Files.readString(keyFile);

        Gateway restarted = GatewayConfig.parse(yaml, env).gatewayBuilder().build();

        assertThat(Files.readString(keyFile)).isEqualTo(afterRevocation);
        assertThat(afterRevocation).doesNotContain(BOB_KEY).doesNotContain(ALICE_KEY);
        assertThat(codeOf(call(restarted, Map.of("X-API-Key", BOB_KEY))))
                .isEqualTo("INVALID_API_KEY");
        assertThat(principalOf(call(restarted, Map.of("X-API-Key", ALICE_KEY))).id())
                .isEqualTo("alice");
    }

    @Test
    void changedTierInTheFileUpdatesTheStoredKey() {
        ApiKeyStore store = new InMemoryApiKeyStore();
        String yaml = yaml(KeyHasher.sha256().hash(ALICE_KEY));
        Function<String, String> env = Map.of("BOB_KEY", BOB_KEY)::get;
        GatewayConfig.parse(yaml, env).authenticator(store);

        GatewayConfig.parse(yaml.replace("tier: premium", "tier: free"), env).authenticator(store);

        assertThat(store.findById("kid_alice").orElseThrow().tier()).isEqualTo("free");
    }

    @Test
    void jwtIssuerWithSecretFromTheEnvironmentAuthenticatesItsTokens() throws Exception {
        GatewayConfig config = GatewayConfig.parse("""
                routes: [{id: agent, path: /agent}]
                tiers:
                  free: [{name: per-hour, limit: 10, period: 1h}]
                jwt:
                  clock_skew: 30s
                  issuers:
                    - issuer: https://login.example.com/
                      audiences: [gatehouse]
                      algorithms: [HS256]
                      hmac_secret: ${JWT_SECRET}
                      claims: {roles: groups}
                """, Map.of("JWT_SECRET", JWT_SECRET)::get);
        Gateway gateway = config.gatewayBuilder().build();
        Instant now = Instant.now();
        SignedJWT token = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256),
                new JWTClaimsSet.Builder().issuer("https://login.example.com/")
                        .audience("gatehouse").subject("carol")
                        .claim("groups", List.of("agent-user"))
                        .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(60)))
                        .build());
        token.sign(new MACSigner(JWT_SECRET.getBytes(StandardCharsets.UTF_8)));

        Principal carol = principalOf(call(gateway,
                Map.of("Authorization", "Bearer " + token.serialize())));

        assertThat(config.jwtIssuers()).hasSize(1);
        assertThat(carol.id()).isEqualTo("carol");
        assertThat(carol.tier()).isEqualTo("free");
        assertThat(carol.roles()).containsExactly("agent-user");
        String forged = token.serialize().substring(0, token.serialize().length() - 2) + "AA";
        assertThat(codeOf(call(gateway, Map.of("Authorization", "Bearer " + forged))))
                .isEqualTo("INVALID_TOKEN");
    }

    @Test
    void signatureKeyWithSecretFromTheEnvironmentAuthenticatesSignedRequests() {
        String secret = "a-shared-secret-of-at-least-32-bytes!";
        GatewayConfig config = GatewayConfig.parse("""
                routes: [{id: agent, path: /agent}]
                tiers:
                  premium: [{name: per-hour, limit: 100, period: 1h}]
                signatures:
                  max_age: 1m
                  keys:
                    - key_id: partner-1
                      algorithm: hmac-sha256
                      secret: ${PARTNER_SECRET}
                      owner: partner
                      tier: premium
                      roles: [agent-user]
                """, Map.of("PARTNER_SECRET", secret)::get);
        Gateway gateway = config.gatewayBuilder().build();
        Map<String, String> headers = new HashMap<>(Map.of("Host", "gateway.example.com"));
        headers.putAll(RequestSigner.builder("partner-1", SignatureAlgorithm.HMAC_SHA256,
                        new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"))
                .build()
                .sign("GET", URI.create("https://gateway.example.com/agent"),
                        Map.of("Host", List.of("gateway.example.com")), new byte[0]));

        Principal partner = principalOf(call(gateway, headers));
        headers.put("Host", "elsewhere.example.com");
        Admission altered = call(gateway, headers);

        assertThat(partner).isEqualTo(new Principal("partner", "premium", Set.of("agent-user"),
                Set.of(), "partner-1"));
        assertThat(codeOf(altered)).isNotEqualTo("MISSING_CREDENTIALS");
        assertThat(((Admission.Rejected) altered).problem().status()).isEqualTo(401);
    }

    @Test
    void signatureKeyFromAPemPublicKeyFileAuthenticatesRequestsSignedWithItsPrivateKey(
            @TempDir Path directory) throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Path pem = Files.writeString(directory.resolve("partner.pem"),
                "-----BEGIN PUBLIC KEY-----\n"
                        + Base64.getMimeEncoder().encodeToString(pair.getPublic().getEncoded())
                        + "\n-----END PUBLIC KEY-----\n");
        Gateway gateway = GatewayConfig.parse("""
                routes: [{id: agent, path: /agent}]
                tiers:
                  free: [{name: per-hour, limit: 100, period: 1h}]
                signatures:
                  keys:
                    - {key_id: partner-ed, algorithm: ed25519, public_key_file: "%s",
                       owner: partner, tier: free}
                """.formatted(pem), NO_ENV).gatewayBuilder().build();
        Map<String, String> headers = new HashMap<>(Map.of("Host", "gateway.example.com"));
        headers.putAll(RequestSigner.builder("partner-ed", SignatureAlgorithm.ED25519,
                        pair.getPrivate()).build()
                .sign("GET", URI.create("https://gateway.example.com/agent"),
                        Map.of("Host", List.of("gateway.example.com")), new byte[0]));

        assertThat(principalOf(call(gateway, headers)).credentialId()).isEqualTo("partner-ed");
    }

    @Test
    void guessingKeysIsThrottledPerClientAddressAsConfigured() {
        String yaml = yaml(KeyHasher.sha256().hash(ALICE_KEY))
                + "auth_failures: {max_failures: 2, period: 1h}\n";
        Gateway gateway = GatewayConfig.parse(yaml, Map.of("BOB_KEY", BOB_KEY)::get)
                .gatewayBuilder().build();

        for (int i = 0; i < 2; i++) {
            assertThat(codeOf(call(gateway, Map.of("X-API-Key", "guess_" + i))))
                    .isEqualTo("INVALID_API_KEY");
        }
        Admission throttled = call(gateway, Map.of("X-API-Key", ALICE_KEY));

        assertThat(codeOf(throttled)).isEqualTo("TOO_MANY_AUTH_FAILURES");
        assertThat(((Admission.Rejected) throttled).headers().get("Retry-After")).isNotNull();
    }

    @Test
    void guardCanBeTurnedOff() {
        String yaml = yaml(KeyHasher.sha256().hash(ALICE_KEY))
                + "auth_failures: {enabled: false, max_failures: 1}\n";
        Gateway gateway = GatewayConfig.parse(yaml, Map.of("BOB_KEY", BOB_KEY)::get)
                .gatewayBuilder().build();

        for (int i = 0; i < 5; i++) {
            assertThat(codeOf(call(gateway, Map.of("X-API-Key", "guess_" + i))))
                    .isEqualTo("INVALID_API_KEY");
        }
        assertThat(principalOf(call(gateway, Map.of("X-API-Key", ALICE_KEY))).id())
                .isEqualTo("alice");
    }

    @Test
    void secretsWrittenIntoTheFileItselfAreRefused() {
        assertThatThrownBy(() -> GatewayConfig.parse("""
                routes: [{id: r, path: /r}]
                api_keys: {pepper: this-pepper-sits-in-the-file}
                """, NO_ENV))
                .isInstanceOf(GatewayConfigException.class)
                .hasMessage("api_keys.pepper: a secret must come from an environment variable, "
                        + "e.g. ${GATEHOUSE_PEPPER}, never from the file itself");
        assertThatThrownBy(() -> GatewayConfig.parse("""
                routes: [{id: r, path: /r}]
                api_keys: {pepper: "$${ESCAPED}-but-still-in-the-file"}
                """, NO_ENV))
                .hasMessageStartingWith("api_keys.pepper: a secret must come from");
        assertThatThrownBy(() -> GatewayConfig.parse("""
                routes: [{id: r, path: /r}]
                jwt:
                  issuers: [{issuer: x, audiences: [a], algorithms: [HS256],
                             hmac_secret: 0123456789abcdef0123456789abcdef}]
                """, NO_ENV))
                .hasMessageStartingWith("jwt.issuers[0].hmac_secret: a secret must come from");
    }

    @Test
    void errorsAboutSecretsNeverRepeatThem() {
        Map<String, String> env = new HashMap<>();
        env.put("GATEHOUSE_PEPPER", "short-pepper");
        env.put("JWT_SECRET", "short-secret");

        assertThatThrownBy(() -> GatewayConfig.parse("""
                routes: [{id: r, path: /r}]
                api_keys: {pepper: "${GATEHOUSE_PEPPER}"}
                """, env::get))
                .hasMessage("api_keys.pepper: a pepper needs at least 16 bytes, the configured "
                        + "one has 12");
        assertThatThrownBy(() -> GatewayConfig.parse("""
                routes: [{id: r, path: /r}]
                jwt:
                  issuers: [{issuer: x, audiences: [a], algorithms: [HS256],
                             hmac_secret: "${JWT_SECRET}"}]
                """, env::get))
                .hasMessage("jwt.issuers[0].hmac_secret: the secret has 12 bytes and cannot be "
                        + "used: an HMAC secret needs at least 32 bytes");
        String pastedKey = "sk_live_abcdefghijklmnopqrstuvwxyz0123";
        assertThatThrownBy(() -> GatewayConfig.parse("""
                routes: [{id: r, path: /r}]
                api_keys:
                  keys: [{id: k, owner: o, tier: t, hash: %s}]
                """.formatted(pastedKey), NO_ENV))
                .hasMessage("api_keys.keys[0].hash: must be the key's hash, 64 hex digits "
                        + "(SHA-256, or HMAC-SHA256 with the pepper); the value has 38 characters")
                .message().doesNotContain(pastedKey);
        env.put("BAD_KEY", "sk_live_0000000000000000000000000000000");
        assertThatThrownBy(() -> GatewayConfig.parse("""
                routes: [{id: r, path: /r}]
                api_keys:
                  keys: [{id: k, owner: o, tier: t, plaintext_env: BAD_KEY}]
                """, env::get))
                .hasMessage("api_keys.keys[0].plaintext_env: the key in 'BAD_KEY' cannot be used: "
                        + "an imported key with prefix sk_live_ must carry a valid checksum")
                .message().doesNotContain(env.get("BAD_KEY"));
    }

    private static final String HASH = "a".repeat(64);

    static Stream<Arguments> badAuthenticationSettingIsRefusedNamingItsPathCases() {
        return Stream.of(
                Arguments.of("api_keys: {keys: [{id: k, owner: o, tier: gold, hash: HASH}]}",
                        "api_keys.keys[0].tier: 'gold' is not a configured tier; tiers are"
                        + " [free] (or set unknown_tier)"),
                Arguments.of("api_keys: {keys: [{id: k, owner: o, tier: free}]}",
                        "api_keys.keys[0]: give exactly one of hash (preferred: no key in"
                        + " the file) and plaintext_env (the name of an environment variable"
                        + " holding the key)"),
                Arguments.of("api_keys: {keys: [{id: k, owner: o, tier: free, hash: HASH,"
                        + " plaintext_env: K}]}",
                        "api_keys.keys[0]: give exactly one of hash (preferred: no key in"
                        + " the file) and plaintext_env (the name of an environment variable"
                        + " holding the key)"),
                Arguments.of("api_keys: {keys: [{id: k, owner: o, tier: free, plaintext_env:"
                        + " NOT_SET}]}",
                        "api_keys.keys[0].plaintext_env: environment variable 'NOT_SET' is"
                        + " not set"),
                Arguments.of("api_keys: {keys: [{id: 'k y', owner: o, tier: free, hash: HASH}]}",
                        "api_keys.keys[0].id: 'k y' is not a key id (1 to 64 letters,"
                        + " digits, '_', '-' or '.')"),
                Arguments.of("api_keys: {keys: [{owner: o, tier: free, hash: HASH}]}",
                        "api_keys.keys[0].id: is required"),
                Arguments.of("api_keys: {keys: [{id: k, tier: free, hash: HASH}]}",
                        "api_keys.keys[0].owner: is required"),
                Arguments.of("api_keys: {keys: [{id: k, owner: o, tier: free, hash: HASH}, {id:"
                        + " k, owner: p, tier: free, hash: HASH}]}",
                        "api_keys.keys[1].id: 'k' is used by an earlier key"),
                Arguments.of("api_keys: {keys: [{id: k, owner: o, tier: free, hash: HASH}, {id:"
                        + " j, owner: p, tier: free, hash: HASH}]}",
                        "api_keys.keys[1]: the same key as an earlier entry"),
                Arguments.of("api_keys: {keys: [{id: k, owner: o, tier: free, hash: HASH,"
                        + " expires: tomorrow}]}",
                        "api_keys.keys[0].expires: 'tomorrow' is not an ISO-8601 instant"
                        + " such as 2027-01-31T00:00:00Z"),
                Arguments.of("api_keys: {keys: [{id: k, owner: o, tier: free, hash: HASH,"
                        + " allow_from: [nowhere]}]}",
                        "api_keys.keys[0]: not an IP address or CIDR block: 'nowhere'"),
                Arguments.of("api_keys: {keys: [{id: k, owner: o, tier: free, hash: HASH, role:"
                        + " [x]}]}",
                        "api_keys.keys[0].role: unknown key; known keys are [allow_from,"
                        + " deny_from, expires, hash, hint, id, owner, permissions,"
                        + " plaintext_env, roles, tier]"),
                Arguments.of("api_keys: {peper: x}",
                        "api_keys.peper: unknown key; known keys are [file, keys, pepper]"),
                Arguments.of("jwt: {issuers: [{issuer: x, audiences: [a], algorithms: [none],"
                        + " jwks_url: 'https://x/jwks'}]}",
                        "jwt.issuers[0].algorithms[0]: 'none' is not one of [ES256, ES384,"
                        + " ES512, EdDSA, HS256, HS384, HS512, PS256, PS384, PS512, RS256,"
                        + " RS384, RS512]"),
                Arguments.of("jwt: {issuers: [{issuer: x, audiences: [a], algorithms: [RS256]}]}",
                        "jwt.issuers[0]: give exactly one of jwks_url, keys_file and"
                        + " hmac_secret"),
                Arguments.of("jwt: {issuers: [{issuer: x, audiences: [a], algorithms: [RS256],"
                        + " jwks_url: 'http://example.com/jwks'}]}",
                        "jwt.issuers[0].jwks_url: issuer x: JWKS URL must use https (http"
                        + " only to loopback), was http://example.com/jwks"),
                Arguments.of("jwt: {issuers: [{issuer: x, algorithms: [RS256], jwks_url:"
                        + " 'https://x/jwks'}]}",
                        "jwt.issuers[0]: issuer x needs at least one audience"),
                Arguments.of("jwt: {issuers: [{issuer: x, audiences: [a], algorithms: [RS256],"
                        + " jwks_url: 'https://x/jwks', default_tier: gold}]}",
                        "jwt.issuers[0].default_tier: 'gold' is not a configured tier; tiers"
                        + " are [free] (or set unknown_tier)"),
                Arguments.of("jwt: {issuers: [{issuer: x, audiences: [a], algorithms: [RS256],"
                        + " keys_file: /no/such/jwks.json}]}",
                        "jwt.issuers[0].keys_file: cannot read '/no/such/jwks.json':"
                        + " /no/such/jwks.json"),
                Arguments.of("jwt: {issuers: [{issuer: x, audiences: [a], algorithms: [RS256],"
                        + " jwks_url: 'https://x/jwks', jwks_ttl: soon}]}",
                        "jwt.issuers[0].jwks_ttl: 'soon' is not a duration; write a whole"
                        + " number and a unit: ms, s, m, h or d (e.g. 500ms, 1m, 30d)"),
                Arguments.of("jwt: {clock_skew: 10m, issuers: []}",
                        "jwt.clock_skew: '10m' is more than the 5m allowed"),
                Arguments.of("jwt: {}",
                        "jwt.issuers: is required"),
                Arguments.of("signatures: {keys: [{key_id: k, algorithm: hmac-sha1, owner: o,"
                        + " tier: free}]}",
                        "signatures.keys[0].algorithm: 'hmac-sha1' is not one of hmac-sha256, "
                        + "ed25519, ecdsa-p256-sha256, rsa-pss-sha512"),
                Arguments.of("signatures: {keys: [{key_id: k, algorithm: hmac-sha256, owner: o,"
                        + " tier: free, secret: in-the-file-itself-0123456789abcdef}]}",
                        "signatures.keys[0].secret: a secret must come from an environment "
                        + "variable, e.g. ${PARTNER_SECRET}, never from the file itself"),
                Arguments.of("signatures: {keys: [{key_id: k, algorithm: ed25519, owner: o,"
                        + " tier: free, public_key_file: /no/such/key.pem}]}",
                        "signatures.keys[0].public_key_file: cannot read '/no/such/key.pem': "
                        + "/no/such/key.pem"),
                Arguments.of("signatures: {keys: [{key_id: k, algorithm: ed25519, owner: o,"
                        + " tier: free}]}",
                        "signatures.keys[0]: an ed25519 key needs a public_key_file (PEM) and "
                        + "no secret"),
                Arguments.of("signatures: {max_age: forever, keys: []}",
                        "signatures.max_age: 'forever' is not a duration; write a whole number "
                        + "and a unit: ms, s, m, h or d (e.g. 500ms, 1m, 30d)"),
                Arguments.of("signatures: {clock_skew: 1h, keys: []}",
                        "signatures: clock skew must be between 0 and 5 minutes, was PT1H"),
                Arguments.of("auth_failures: {max_failures: 0}",
                        "auth_failures.max_failures: must be between 1 and 1000000, was 0"),
                Arguments.of("auth_failures: {period: 0s}",
                        "auth_failures.period: must be longer than 0"),
                Arguments.of("auth_failures: {enabled: sometimes}",
                        "auth_failures.enabled: must be true or false, was 'sometimes'"));
    }

    @ParameterizedTest
    @MethodSource("badAuthenticationSettingIsRefusedNamingItsPathCases")
    void badAuthenticationSettingIsRefusedNamingItsPath(String section, String message) {
        String yaml = "routes: [{id: r, path: /r}]\n"
                + "tiers: {free: [{name: a, limit: 1, period: 1s}]}\n"
                + section.replace("HASH", HASH) + "\n";

        assertThatThrownBy(() -> GatewayConfig.parse(yaml, NO_ENV))
                .isInstanceOf(GatewayConfigException.class)
                .hasMessage(message);
    }
}
