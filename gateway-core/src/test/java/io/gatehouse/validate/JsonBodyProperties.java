package io.gatehouse.validate;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.Admission;
import io.gatehouse.ErrorCode;
import io.gatehouse.Gateway;
import io.gatehouse.GatewayRequest;
import io.gatehouse.TestExchange;
import io.gatehouse.auth.Principal;
import io.gatehouse.auth.SignatureAlgorithm;
import io.gatehouse.auth.SignatureAuthenticator;
import io.gatehouse.auth.SignatureKey;
import io.gatehouse.auth.SignatureKeyResolver;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import io.gatehouse.validate.JsonBodyValidator.JsonType;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Whatever bytes a client sends as a JSON body, the validator and the whole pipeline answer with
 * a value: admitted, 400 or 413, never an exception or a 500. Bodies are drawn from JSON tokens
 * (so they are often nearly valid), from runs that exceed the parser's own limits (long numbers,
 * long names, deep nesting) and from arbitrary bytes.
 */
class JsonBodyProperties {

    private static final JsonBodyValidator VALIDATOR = JsonBodyValidator.builder()
            .require("prompt", JsonType.STRING).maxDepth(8).build();

    private static final Gateway JSON_ROUTE = Gateway.builder(Router.of(List.of(
                    Route.builder("json", "/json").publicAccess().maxBodyBytes(200_000)
                            .validator(VALIDATOR).build())))
            .build();

    /** Signature authentication reads the body before it knows who is calling. */
    private static final Gateway SIGNED_ROUTE = Gateway.builder(Router.of(List.of(
                    Route.builder("signed", "/signed").maxBodyBytes(200_000)
                            .validator(VALIDATOR).build())))
            .authenticator(SignatureAuthenticator.builder(SignatureKeyResolver.of(
                    new SignatureKey("client-1", SignatureAlgorithm.ED25519, publicKey(),
                            new Principal("client-1", "t", Set.of(), Set.of(), "client-1"))))
                    .build())
            .build();

    private static java.security.PublicKey publicKey() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Property(tries = 400)
    void everyBodyGetsAValidationValue(@ForAll("bodies") byte[] body) throws Exception {
        ValidationResult result = VALIDATOR.validate(new GatewayRequest(
                TestExchange.request("POST", "/json").body(body, true), "r", "/json",
                "127.0.0.1"));

        if (result instanceof ValidationResult.Invalid invalid) {
            assertThat(invalid.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
            assertThat(invalid.detail()).isNotBlank();
        } else {
            assertThat(result).isEqualTo(ValidationResult.valid());
        }
    }

    @Property(tries = 300)
    void everyBodyThroughTheGatewayIsAdmittedOrAClientError(@ForAll("bodies") byte[] body,
            @ForAll boolean chunked) {
        Admission admission = JSON_ROUTE.admit(TestExchange.request("POST", "/json")
                .header("Content-Type", "application/json").body(body, !chunked));

        assertClientErrorOrAdmitted(admission);
    }

    @Property(tries = 300)
    void everySignedLookingBodyIsAnsweredWithoutAServerError(@ForAll("bodies") byte[] body,
            @ForAll("headerValues") String digest, @ForAll("headerValues") String signature) {
        Admission admission = SIGNED_ROUTE.admit(TestExchange.request("POST", "/signed")
                .header("Content-Digest", digest)
                .header("Signature-Input", "sig1=(\"@method\" \"content-digest\");keyid="
                        + "\"client-1\";created=1")
                .header("Signature", signature)
                .body(body, true));

        assertClientErrorOrAdmitted(admission);
    }

    private static void assertClientErrorOrAdmitted(Admission admission) {
        if (admission instanceof Admission.Rejected rejected) {
            assertThat(rejected.problem().status()).isBetween(400, 499);
            assertThat(rejected.problem().code()).isNotEqualTo(ErrorCode.INTERNAL_ERROR);
        }
    }

    @Provide
    Arbitrary<byte[]> bodies() {
        Arbitrary<String> tokens = Arbitraries.of("{", "}", "[", "]", "\"", ":", ",",
                        "\"prompt\"", "\"hi\"", "1", "-", "0", ".", "e", "E", "+", "true", "null",
                        " ", "\\", "\\u", "\\ud800", "\u2028", "\u0000", "\u00e9",
                        "12345678901234567890", "1e999999999", "-0.0e-0")
                .list().ofMaxSize(60).map(list -> String.join("", list));
        Arbitrary<String> longNumbers = Arbitraries.integers().between(900, 6_000)
                .flatMap(digits -> Arbitraries.of(
                        "{\"prompt\":\"p\",\"n\":" + "9".repeat(digits) + "}",
                        "{\"prompt\":\"p\",\"n\":-0." + "1".repeat(digits) + "}",
                        "{\"prompt\":\"p\",\"n\":1e" + "7".repeat(digits) + "}"));
        Arbitrary<String> longNames = Arbitraries.integers().between(49_000, 70_000)
                .map(length -> "{\"" + "k".repeat(length) + "\":1,\"prompt\":\"p\"}");
        Arbitrary<String> deep = Arbitraries.integers().between(1, 3_000)
                .flatMap(depth -> Arbitraries.of(
                        "{\"prompt\":" + "[".repeat(depth) + "]".repeat(depth) + "}",
                        "{\"a\":".repeat(depth) + "1" + "}".repeat(depth),
                        "[".repeat(depth)));
        Arbitrary<String> texts = Arbitraries.oneOf(tokens, longNumbers, longNames, deep);
        Arbitrary<byte[]> raw = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
        return Arbitraries.oneOf(texts.map(text -> text.getBytes(StandardCharsets.UTF_8)), raw);
    }

    @Provide
    Arbitrary<String> headerValues() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(80),
                Arbitraries.of("sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
                        "sha-512=:", "sig1=:AAAA:", "sig1=:" + "A".repeat(200) + ":", ""));
    }
}
