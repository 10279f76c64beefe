package io.gatehouse.auth;

import static io.gatehouse.auth.JwtFixtures.NOW;
import static io.gatehouse.auth.JwtFixtures.RSA;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import io.gatehouse.Admission;
import io.gatehouse.ErrorCode;
import io.gatehouse.Gateway;
import io.gatehouse.TestExchange;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Address lists per route and per key, and per-route authentication, through the pipeline. */
class AccessControlTest {

    private final MutableClock clock = new MutableClock(NOW);
    private final ApiKeyManager keys = ApiKeyManager.builder(new InMemoryApiKeyStore())
            .clock(clock).events(SecurityEvents.none()).build();
    private final JwtAuthenticator jwt = JwtAuthenticator.builder().clock(clock)
            .issuer(JwtIssuer.builder("https://issuer.example").audiences("gatehouse")
                    .algorithms("RS256").key(RSA).build())
            .build();

    private final Gateway gateway = Gateway.builder(Router.of(List.of(
                    Route.builder("internal", "/internal/**")
                            .allowFrom("10.0.0.0/8", "fd00::/8").denyFrom("10.66.0.0/16").build(),
                    Route.builder("tokens-only", "/tokens/**")
                            .authenticator(Authenticator.firstOf(List.of(jwt))).build(),
                    Route.builder("open", "/open/**").build())))
            .authenticator(Authenticator.firstOf(List.of(keys.authenticator(), jwt)))
            .trustedProxies(List.of("192.0.2.10"))
            .build();

    private Admission call(String path, String from, String apiKey) {
        TestExchange exchange = TestExchange.request("GET", path).from(from);
        if (apiKey != null) {
            exchange.header("X-API-Key", apiKey);
        }
        return gateway.admit(exchange);
    }

    private static ErrorCode code(Admission admission) {
        assertThat(admission).isInstanceOf(Admission.Rejected.class);
        return ((Admission.Rejected) admission).problem().code();
    }

    @Test
    void routeAllowAndDenyListsDecideBeforeAuthentication() {
        keys.importKey("key_123", ApiKeySpec.of("alice", "premium"));

        assertThat(call("/internal/x", "10.1.2.3", "key_123"))
                .isInstanceOf(Admission.Admitted.class);
        assertThat(call("/internal/x", "fd12::1", "key_123"))
                .isInstanceOf(Admission.Admitted.class);
        assertThat(code(call("/internal/x", "10.66.1.1", "key_123")))
                .isEqualTo(ErrorCode.FORBIDDEN);
        Admission outsider = call("/internal/x", "203.0.113.5", "key_123");
        assertThat(code(outsider)).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(((Admission.Rejected) outsider).problem().detail())
                .isEqualTo("route internal may not be called from this address");
        assertThat(code(call("/internal/x", "203.0.113.5", "wrong-key")))
                .isEqualTo(ErrorCode.FORBIDDEN);
    }

    @Test
    void forwardedAddressCountsOnlyFromATrustedProxy() {
        keys.importKey("key_123", ApiKeySpec.of("alice", "premium"));

        Admission viaProxy = gateway.admit(TestExchange.request("GET", "/internal/x")
                .from("192.0.2.10").header("X-Forwarded-For", "10.1.1.1")
                .header("X-API-Key", "key_123"));
        Admission spoofed = gateway.admit(TestExchange.request("GET", "/internal/x")
                .from("203.0.113.5").header("X-Forwarded-For", "10.1.1.1")
                .header("X-API-Key", "key_123"));

        assertThat(viaProxy).isInstanceOf(Admission.Admitted.class);
        assertThat(code(spoofed)).isEqualTo(ErrorCode.FORBIDDEN);
    }

    @Test
    void keyAddressListsRestrictWhereAKeyMayBeUsed() {
        ApiKeyRecord record = keys.importKey("key_office_only", ApiKeySpec.of("bob", "free")
                .withAddressLists(List.of("198.51.100.0/24", "2001:db8:1::/48"),
                        List.of("198.51.100.13")));

        assertThat(call("/open/x", "198.51.100.7", "key_office_only"))
                .isInstanceOf(Admission.Admitted.class);
        assertThat(call("/open/x", "2001:db8:1::9", "key_office_only"))
                .isInstanceOf(Admission.Admitted.class);
        Admission denied = call("/open/x", "198.51.100.13", "key_office_only");
        assertThat(code(denied)).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(((Admission.Rejected) denied).problem().detail())
                .isEqualTo("the API key may not be used from this address");
        assertThat(code(call("/open/x", "203.0.113.5", "key_office_only")))
                .isEqualTo(ErrorCode.FORBIDDEN);
    }

    @Test
    void routeWithItsOwnAuthenticatorIgnoresOtherCredentials() {
        keys.importKey("key_123", ApiKeySpec.of("alice", "premium"));
        String token = JwtFixtures.sign(JWSAlgorithm.RS256, RSA, JwtFixtures.validClaims().build());

        assertThat(code(call("/tokens/x", "203.0.113.5", "key_123")))
                .isEqualTo(ErrorCode.MISSING_CREDENTIALS);
        Admission withToken = gateway.admit(TestExchange.request("GET", "/tokens/x")
                .header("Authorization", "Bearer " + token));
        assertThat(withToken).isInstanceOf(Admission.Admitted.class);
        assertThat(((Admission.Admitted) withToken).principal().id()).isEqualTo("alice");
    }

    @Test
    void compositeAuthenticatorTriesApiKeyThenJwt() {
        keys.importKey("key_123", ApiKeySpec.of("alice", "premium"));
        String token = JwtFixtures.sign(JWSAlgorithm.RS256, RSA, JwtFixtures.validClaims()
                .subject("carol").build());

        Admission byKey = call("/open/x", "203.0.113.5", "key_123");
        Admission byToken = gateway.admit(TestExchange.request("GET", "/open/x")
                .header("Authorization", "Bearer " + token));

        assertThat(((Admission.Admitted) byKey).principal().id()).isEqualTo("alice");
        assertThat(((Admission.Admitted) byToken).principal().id()).isEqualTo("carol");
    }

    @Test
    void badBlocksAreRefusedWhenConfigured() {
        assertThatThrownBy(() -> Route.builder("r", "/r").allowFrom("10.0.0.0/40"))
                .hasMessageContaining("10.0.0.0/40");
        assertThatThrownBy(() -> ApiKeySpec.of("a", "free")
                .withAddressLists(List.of("example.com"), List.of()))
                .hasMessageContaining("example.com");
    }
}
