package io.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.Admission;
import io.gatehouse.ErrorCode;
import io.gatehouse.Gateway;
import io.gatehouse.TestExchange;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import io.gatehouse.validate.JsonBodyValidator;
import io.gatehouse.validate.JsonBodyValidator.JsonType;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Signed requests through the whole pipeline: the body is read once and shared. */
class SignatureGatewayTest {

    private final MutableClock clock = MutableClock.at("2026-03-01T12:00:00Z");
    private final KeyPair pair = generate();
    private final Gateway gateway = Gateway.builder(Router.of(List.of(
                    Route.builder("invocations", "/invocations").methods("POST").maxBodyBytes(64)
                            .validator(JsonBodyValidator.builder()
                                    .require("prompt", JsonType.STRING).build())
                            .build())))
            .authenticator(SignatureAuthenticator.builder(SignatureKeyResolver.of(
                    new SignatureKey("client-1", SignatureAlgorithm.ED25519, pair.getPublic(),
                            new Principal("client-1", "premium", Set.of(), Set.of(),
                                    "client-1"))))
                    .clock(clock).build())
            .build();
    private final RequestSigner signer = RequestSigner.builder("client-1",
            SignatureAlgorithm.ED25519, pair.getPrivate()).clock(clock).build();

    private static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private TestExchange signed(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        Map<String, String> added = signer.sign("POST",
                URI.create("https://gw.example/invocations"), Map.of(), bytes);
        TestExchange exchange = TestExchange.request("POST", "/invocations")
                .header("Host", "gw.example").body(body);
        added.forEach(exchange::header);
        return exchange;
    }

    @Test
    void signedRequestIsAdmittedAndItsBodyReadOnlyOnce() {
        TestExchange exchange = signed("{\"prompt\":\"hello\"}");

        Admission admission = gateway.admit(exchange);

        assertThat(admission).isInstanceOf(Admission.Admitted.class);
        assertThat(((Admission.Admitted) admission).principal().id()).isEqualTo("client-1");
        assertThat(exchange.bodyReads()).isEqualTo(1);
    }

    @Test
    void validSignatureDoesNotExemptTheBodyFromValidationOrSizeLimits() {
        Admission missingField = gateway.admit(signed("{\"other\":1}"));
        Admission tooLarge = gateway.admit(signed("{\"prompt\":\"" + "x".repeat(100) + "\"}"));

        assertThat(((Admission.Rejected) missingField).problem().code())
                .isEqualTo(ErrorCode.VALIDATION_ERROR);
        assertThat(((Admission.Rejected) tooLarge).problem().code())
                .isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
    }

    @Test
    void unsignedRequestIsUnauthorized() {
        Admission admission = gateway.admit(TestExchange.request("POST", "/invocations")
                .header("Host", "gw.example").body("{\"prompt\":\"hello\"}"));

        assertThat(((Admission.Rejected) admission).problem().status()).isEqualTo(401);
    }
}
