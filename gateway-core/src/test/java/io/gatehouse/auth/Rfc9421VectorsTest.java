package io.gatehouse.auth;

import static io.gatehouse.auth.Rfc9421Vectors.CREATED;
import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.GatewayRequest;
import io.gatehouse.TestExchange;
import io.gatehouse.auth.StructuredFields.InnerList;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The RFC 9421 Appendix B vectors verify, and stop verifying once a covered part changes. */
class Rfc9421VectorsTest {

    private static final String BODY = "{\"hello\": \"world\"}";
    private static final String BODY_DIGEST = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+Ta"
            + "Pm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:";

    private static final SignatureKey SHARED = new SignatureKey("test-shared-secret",
            SignatureAlgorithm.HMAC_SHA256,
            new SecretKeySpec(Base64.getDecoder().decode(Rfc9421Vectors.SHARED_SECRET),
                    "HmacSHA256"), principal("hmac-client", "test-shared-secret"));
    private static final SignatureKey RSA_PSS = new SignatureKey("test-key-rsa-pss",
            SignatureAlgorithm.RSA_PSS_SHA512, publicKey("RSA", Rfc9421Vectors.RSA_PSS_PUBLIC),
            principal("rsa-client", "test-key-rsa-pss"));
    private static final SignatureKey ECC = new SignatureKey("test-key-ecc-p256",
            SignatureAlgorithm.ECDSA_P256_SHA256,
            publicKey("EC", Rfc9421Vectors.ECC_P256_PUBLIC), principal("ecc", "test-key-ecc-p256"));
    private static final SignatureKey ED = new SignatureKey("test-key-ed25519",
            SignatureAlgorithm.ED25519, publicKey("Ed25519", Rfc9421Vectors.ED25519_PUBLIC),
            principal("ed-client", "test-key-ed25519"));

    private final MutableClock clock = new MutableClock(Instant.ofEpochSecond(CREATED + 10));
    private final SignatureAuthenticator verifier = SignatureAuthenticator
            .builder(SignatureKeyResolver.of(SHARED, RSA_PSS, ECC, ED))
            .requiredComponents()
            .requireContentDigestWithBody(false)
            .requireNonce(false)
            .clock(clock)
            .build();

    private static Principal principal(String id, String keyId) {
        return new Principal(id, "free", Set.of(), Set.of(), keyId);
    }

    private static PublicKey publicKey(String algorithm, String base64) {
        try {
            return KeyFactory.getInstance(algorithm)
                    .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** B.2 test-request, with changes applied to its header map before it is built. */
    private static GatewayRequest testRequest(String method, String target,
            UnaryOperator<Map<String, List<String>>> changes, String input, String signature) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        headers.put("Host", List.of("example.com"));
        headers.put("Date", List.of("Tue, 20 Apr 2021 02:07:55 GMT"));
        headers.put("Content-Type", List.of("application/json"));
        headers.put("Content-Digest", List.of(BODY_DIGEST));
        headers.put("Content-Length", List.of("18"));
        headers = changes.apply(headers);
        TestExchange exchange = TestExchange.request(method, target).body(BODY);
        headers.forEach((name, values) -> values.forEach(value -> exchange.header(name, value)));
        exchange.header("Signature-Input", input).header("Signature", signature);
        int question = target.indexOf('?');
        return new GatewayRequest(exchange, "req-1",
                question < 0 ? target : target.substring(0, question), "192.0.2.1");
    }

    private static GatewayRequest testRequest(String input, String signature) {
        return testRequest("POST", "/foo?param=Value&Pet=dog", headers -> headers, input,
                signature);
    }

    private static UnaryOperator<Map<String, List<String>>> set(String name, String value) {
        return headers -> {
            headers.put(name, List.of(value));
            return headers;
        };
    }

    private AuthResult verify(GatewayRequest request) {
        return verifier.authenticate(request);
    }

    private static final String[][] REQUEST_VECTORS = {
        {Rfc9421Vectors.INPUT_SIG_B21, Rfc9421Vectors.SIGNATURE_SIG_B21, "test-key-rsa-pss"},
        {Rfc9421Vectors.INPUT_SIG_B22, Rfc9421Vectors.SIGNATURE_SIG_B22, "test-key-rsa-pss"},
        {Rfc9421Vectors.INPUT_SIG_B23, Rfc9421Vectors.SIGNATURE_SIG_B23, "test-key-rsa-pss"},
        {Rfc9421Vectors.INPUT_SIG_B25, Rfc9421Vectors.SIGNATURE_SIG_B25, "test-shared-secret"},
        {Rfc9421Vectors.INPUT_SIG_B26, Rfc9421Vectors.SIGNATURE_SIG_B26, "test-key-ed25519"},
        {Rfc9421Vectors.INPUT_SIG1, Rfc9421Vectors.SIGNATURE_SIG1, "test-key-rsa-pss"},
    };

    @Test
    void everyRequestVectorVerifiesAsItsKeysPrincipal() {
        for (String[] vector : REQUEST_VECTORS) {
            AuthResult result = verify(testRequest(vector[0], vector[1]));

            assertThat(result).as(vector[0]).isInstanceOf(AuthResult.Authenticated.class);
            assertThat(((AuthResult.Authenticated) result).principal().credentialId())
                    .isEqualTo(vector[2]);
        }
    }

    /** One alteration per component: the name it touches and the altered request. */
    private record Alteration(String component, String method, String target,
            UnaryOperator<Map<String, List<String>>> headers) {
    }

    private static final List<Alteration> ALTERATIONS = List.of(
            new Alteration("\"date\"", "POST", "/foo?param=Value&Pet=dog",
                    set("Date", "Tue, 20 Apr 2021 02:07:56 GMT")),
            new Alteration("\"@method\"", "PUT", "/foo?param=Value&Pet=dog", h -> h),
            new Alteration("\"@path\"", "POST", "/foo2?param=Value&Pet=dog", h -> h),
            new Alteration("\"@query\"", "POST", "/foo?param=Value&Pet=dog&x=1", h -> h),
            new Alteration("\"@authority\"", "POST", "/foo?param=Value&Pet=dog",
                    set("Host", "example.org")),
            new Alteration("\"content-type\"", "POST", "/foo?param=Value&Pet=dog",
                    set("Content-Type", "text/plain")),
            new Alteration("\"content-digest\"", "POST", "/foo?param=Value&Pet=dog",
                    set("Content-Digest",
                            "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:")),
            new Alteration("\"content-length\"", "POST", "/foo?param=Value&Pet=dog",
                    set("Content-Length", "19")),
            new Alteration("\"@query-param\";name=\"Pet\"", "POST", "/foo?param=Value&Pet=cat",
                    h -> h));

    @Test
    void everyRequestVectorFailsOnceACoveredComponentIsAltered() {
        int altered = 0;
        for (String[] vector : REQUEST_VECTORS) {
            for (Alteration alteration : ALTERATIONS) {
                if (!vector[0].contains(alteration.component() + " ")
                        && !vector[0].contains(alteration.component() + ")")) {
                    continue;
                }
                GatewayRequest request = testRequest(alteration.method(), alteration.target(),
                        alteration.headers(), vector[0], vector[1]);
                assertThat(verify(request)).as(vector[0] + " with " + alteration.component()
                        + " altered").isInstanceOf(AuthResult.Rejected.class);
                altered++;
            }
        }
        // B.2.2: 3, B.2.3: 8, B.2.5: 3, B.2.6: 6, sig1: 6 covered components in all.
        assertThat(altered).isEqualTo(26);
    }

    @Test
    void vectorCoveringNoComponentFailsOnceItsParametersOrSignatureChange() {
        String nonceChanged = Rfc9421Vectors.INPUT_SIG_B21.replace("yemd", "yemf");
        String createdChanged = Rfc9421Vectors.INPUT_SIG_B21.replace("1618884473", "1618884474");

        assertThat(verify(testRequest(nonceChanged, Rfc9421Vectors.SIGNATURE_SIG_B21)))
                .isInstanceOf(AuthResult.Rejected.class);
        assertThat(verify(testRequest(createdChanged, Rfc9421Vectors.SIGNATURE_SIG_B21)))
                .isInstanceOf(AuthResult.Rejected.class);
    }

    @Test
    void everyRequestVectorFailsOnceItsSignatureBytesChange() {
        for (String[] vector : REQUEST_VECTORS) {
            int colon = vector[1].indexOf(":") + 1;
            char first = vector[1].charAt(colon);
            String changed = vector[1].substring(0, colon) + (first == 'A' ? 'B' : 'A')
                    + vector[1].substring(colon + 1);
            assertThat(verify(testRequest(vector[0], changed))).as(vector[0])
                    .isEqualTo(new AuthResult.Rejected(io.gatehouse.ErrorCode.INVALID_SIGNATURE,
                            "the signature does not verify"));
        }
    }

    @Test
    void signatureBasesMatchTheRfcByteForByte() {
        assertThat(base(Rfc9421Vectors.INPUT_SIG_B25)).isEqualTo(String.join("\n",
                "\"date\": Tue, 20 Apr 2021 02:07:55 GMT",
                "\"@authority\": example.com",
                "\"content-type\": application/json",
                "\"@signature-params\": (\"date\" \"@authority\" \"content-type\")"
                        + ";created=1618884473;keyid=\"test-shared-secret\""));
        assertThat(base(Rfc9421Vectors.INPUT_SIG_B22)).isEqualTo(String.join("\n",
                "\"@authority\": example.com",
                "\"content-digest\": " + BODY_DIGEST,
                "\"@query-param\";name=\"Pet\": dog",
                "\"@signature-params\": (\"@authority\" \"content-digest\" "
                        + "\"@query-param\";name=\"Pet\");created=1618884473;"
                        + "keyid=\"test-key-rsa-pss\";tag=\"header-example\""));
        assertThat(base(Rfc9421Vectors.INPUT_SIG_B23)).startsWith(String.join("\n",
                "\"date\": Tue, 20 Apr 2021 02:07:55 GMT",
                "\"@method\": POST",
                "\"@path\": /foo",
                "\"@query\": ?param=Value&Pet=dog",
                "\"@authority\": example.com",
                "\"content-type\": application/json",
                "\"content-digest\": " + BODY_DIGEST,
                "\"content-length\": 18",
                "\"@signature-params\": "));
    }

    @Test
    void hmacVectorIsReproducedExactly() throws Exception {
        byte[] signature = SignatureAlgorithm.HMAC_SHA256.sign(SHARED.key(),
                base(Rfc9421Vectors.INPUT_SIG_B25).getBytes(StandardCharsets.UTF_8));

        assertThat("sig-b25=:" + Base64.getEncoder().encodeToString(signature) + ":")
                .isEqualTo(Rfc9421Vectors.SIGNATURE_SIG_B25);
    }

    @Test
    void ed25519VectorIsReproducedExactly() throws Exception {
        PrivateKey privateKey = KeyFactory.getInstance("Ed25519").generatePrivate(
                new PKCS8EncodedKeySpec(
                        Base64.getDecoder().decode(Rfc9421Vectors.ED25519_PRIVATE)));

        byte[] signature = SignatureAlgorithm.ED25519.sign(privateKey,
                base(Rfc9421Vectors.INPUT_SIG_B26).getBytes(StandardCharsets.UTF_8));

        assertThat("sig-b26=:" + Base64.getEncoder().encodeToString(signature) + ":")
                .isEqualTo(Rfc9421Vectors.SIGNATURE_SIG_B26);
    }

    @Test
    void responseVectorVerifiesWithEcdsaAndFailsOnceAComponentChanges() {
        Map<String, List<String>> fields = new LinkedHashMap<>();
        fields.put("date", List.of("Tue, 20 Apr 2021 02:07:56 GMT"));
        fields.put("content-type", List.of("application/json"));
        fields.put("content-digest", List.of("sha-512=:mEWXIS7MaLRuGgxOBdODa3xqM1XdEvxoYhvlCFJ41QJ"
                + "gJc4GTsPp29l5oGX69wWdXymyU0rjJuahq4l5aGgfLQ==:"));
        fields.put("content-length", List.of("23"));
        assertThat(verifyResponse(200, fields)).isTrue();

        assertThat(verifyResponse(201, fields)).isFalse();
        for (String name : List.of("content-type", "content-digest", "content-length")) {
            Map<String, List<String>> altered = new LinkedHashMap<>(fields);
            altered.put(name, List.of(fields.get(name).get(0) + "x"));
            assertThat(verifyResponse(200, altered)).as(name).isFalse();
        }
        assertThat(ContentDigest.mismatch(fields.get("content-digest").get(0),
                "{\"message\": \"good dog\"}".getBytes(StandardCharsets.UTF_8))).isNull();
    }

    private static boolean verifyResponse(int status, Map<String, List<String>> fields) {
        Map<String, StructuredFields.Member> input =
                StructuredFields.parseDictionary(Rfc9421Vectors.INPUT_SIG_B24);
        byte[] signature = ((StructuredFields.Bytes) ((StructuredFields.Item)
                StructuredFields.parseDictionary(Rfc9421Vectors.SIGNATURE_SIG_B24).get("sig-b24"))
                .value()).value();
        byte[] base = MessageSignatures.signatureBase(
                new TestMessage(null, null, "https", "", "", status, fields),
                (InnerList) input.get("sig-b24"));
        return SignatureAlgorithm.ECDSA_P256_SHA256.verify(ECC.key(), base, signature);
    }

    private GatewayRequest transformRequest(String method, String target, String host,
            List<String[]> headers) {
        TestExchange exchange = TestExchange.request(method, target).header("Host", host);
        for (String[] header : headers) {
            exchange.header(header[0], header[1]);
        }
        exchange.header("Signature-Input", Rfc9421Vectors.INPUT_TRANSFORM)
                .header("Signature", Rfc9421Vectors.SIGNATURE_TRANSFORM);
        return new GatewayRequest(exchange, "r", "/demo", "192.0.2.1");
    }

    @Test
    void transformedMessagesStillVerifyOnlyWhereTheRfcSaysSo() {
        List<String[]> accept = List.of(new String[] {"Accept", "application/json"},
                new String[] {"Accept", "*/*"});
        List<String[]> more = new ArrayList<>(accept);
        more.add(new String[] {"Accept-Language", "en-US,en;q=0.5"});
        more.add(new String[] {"Referer", "https://developer.example.org/demo"});
        more.add(0, new String[] {"X-Extra", "reordered"});

        assertThat(verify(transformRequest("GET", "/demo?name1=Value1&Name2=value2",
                "example.org", accept))).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(verify(transformRequest("GET", "/demo?name1=Value1&Name2=value2&param=added",
                "example.org", more))).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(verify(transformRequest("GET", "/demo?name1=Value1&Name2=value2",
                "example.org",
                List.<String[]>of(new String[] {"Accept", "application/json, */*"}))))
                .isInstanceOf(AuthResult.Authenticated.class);

        assertThat(verify(transformRequest("POST", "/demo?name1=Value1&Name2=value2",
                "example.org", accept))).isInstanceOf(AuthResult.Rejected.class);
        assertThat(verify(transformRequest("GET", "/demo?name1=Value1&Name2=value2",
                "example.com", accept))).isInstanceOf(AuthResult.Rejected.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
            "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLv"
                    + "RwEmTHWXvJwew==:"})
    void contentDigestsOfTheRfcBodyMatch(String digest) {
        byte[] body = BODY.getBytes(StandardCharsets.UTF_8);

        assertThat(ContentDigest.mismatch(digest, body)).isNull();
        assertThat(digest).isIn(ContentDigest.sha256(body), ContentDigest.sha512(body));
    }

    @Test
    void contentDigestChecksRefuseDisagreeingDeprecatedAndMalformedDigests() {
        byte[] withNewline = (BODY + "\n").getBytes(StandardCharsets.UTF_8);
        assertThat(ContentDigest.mismatch("sha-256=:d435Qo+nKZ+gLcUHn7GQtQ72hiBVAgqoLsZnZPiTGPk=:,"
                + "sha-512=:YMAam51Jz/jOATT6/zvHrLVgOYTGFy1d6GJiOHTohq4yP+pgk4vf2aCs"
                + "yRZOtw8MjkM7iw7yZ/WkppmM44T3qg==:", withNewline))
                .isEqualTo("Content-Digest sha-256 does not match the body");
        assertThat(ContentDigest.mismatch("sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:",
                withNewline)).isNull();
        assertThat(ContentDigest.mismatch("md5=:HZdmi7IHV5KbcSDMQeu5Rw==:", withNewline))
                .isEqualTo("Content-Digest has no sha-256 or sha-512 digest");
        assertThat(ContentDigest.mismatch("sha-256=\"abc\"", withNewline))
                .isEqualTo("Content-Digest sha-256 is not a byte sequence");
        assertThat(ContentDigest.mismatch("sha-256=:abc", withNewline))
                .isEqualTo("Content-Digest is malformed");
        assertThat(ContentDigest.sha256(new byte[0]))
                .isEqualTo("sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:");
    }

    private static String base(String signatureInput) {
        Map<String, List<String>> fields = new LinkedHashMap<>();
        fields.put("host", List.of("example.com"));
        fields.put("date", List.of("Tue, 20 Apr 2021 02:07:55 GMT"));
        fields.put("content-type", List.of("application/json"));
        fields.put("content-digest", List.of(BODY_DIGEST));
        fields.put("content-length", List.of("18"));
        Map<String, StructuredFields.Member> input =
                StructuredFields.parseDictionary(signatureInput);
        InnerList covered = (InnerList) input.values().iterator().next();
        return new String(MessageSignatures.signatureBase(new TestMessage("POST", "example.com",
                "https", "/foo", "param=Value&Pet=dog", -1, fields), covered),
                StandardCharsets.UTF_8);
    }

    /** A message given part by part. */
    record TestMessage(String method, String authority, String scheme, String rawPath,
            String rawQuery, int status, Map<String, List<String>> fields)
            implements SignedMessage {

        @Override
        public List<String> fieldLines(String lowerCaseName) {
            return fields.getOrDefault(lowerCaseName.toLowerCase(Locale.ROOT), List.of());
        }
    }
}
