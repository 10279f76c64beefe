package io.gatehouse.cors;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.Admission;
import io.gatehouse.ErrorCode;
import io.gatehouse.Gateway;
import io.gatehouse.TestExchange;
import io.gatehouse.auth.AuthResult;
import io.gatehouse.auth.Authenticator;
import io.gatehouse.auth.Principal;
import io.gatehouse.config.GatewayConfig;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CorsGatewayTest {

    private static final String APP = "https://app.example.org";

    private final AtomicInteger authentications = new AtomicInteger();
    private final Authenticator byKey = request -> {
        authentications.incrementAndGet();
        return "good".equals(request.header("X-API-Key"))
                ? new AuthResult.Authenticated(
                        new Principal("alice", "free", Set.of(), Set.of(), "key_1"))
                : AuthResult.noCredentials();
    };

    private Gateway gateway() {
        Route chat = Route.builder("chat", "/v1/chat").methods("POST").build();
        Route partner = Route.builder("partner", "/v1/partner").methods("GET")
                .cors(CorsPolicy.builder().allowOrigins("https://partner.example.net").build())
                .build();
        Route plain = Route.builder("plain", "/v1/plain").build();
        return Gateway.builder(Router.of(List.of(chat, partner, plain)))
                .authenticator(byKey)
                .cors(CorsPolicy.builder().allowOrigins(APP).build())
                .build();
    }

    private static TestExchange preflight(String path, String origin, String method) {
        return TestExchange.request("OPTIONS", path).header("Origin", origin)
                .header("Access-Control-Request-Method", method)
                .header("Access-Control-Request-Headers", "content-type,x-api-key");
    }

    @Test
    void preflightIsAnsweredWithoutAuthentication() {
        Admission admission = gateway().admit(preflight("/v1/chat", APP, "POST"));

        assertThat(admission).isInstanceOf(Admission.Preflight.class);
        assertThat(admission.headers().get("Access-Control-Allow-Origin")).isEqualTo(APP);
        assertThat(admission.headers().get("Access-Control-Allow-Headers"))
                .isEqualTo("content-type,x-api-key");
        assertThat(admission.headers().get("X-Request-ID")).isNotNull();
        assertThat(authentications).hasValue(0);
    }

    @Test
    void preflightFromADisallowedOriginGetsNoCorsGrant() {
        Admission admission = gateway().admit(preflight("/v1/chat", "https://evil.net", "POST"));

        assertThat(admission).isInstanceOf(Admission.Preflight.class);
        assertThat(admission.headers().get("Access-Control-Allow-Origin")).isNull();
        assertThat(admission.headers().get("Access-Control-Allow-Methods")).isNull();
        assertThat(authentications).hasValue(0);
    }

    @Test
    void routePolicyReplacesTheGlobalOne() {
        Gateway gateway = gateway();

        assertThat(gateway.admit(preflight("/v1/partner", "https://partner.example.net", "GET"))
                .headers().get("Access-Control-Allow-Origin"))
                .isEqualTo("https://partner.example.net");
        assertThat(gateway.admit(preflight("/v1/partner", APP, "GET"))
                .headers().get("Access-Control-Allow-Origin")).isNull();
    }

    @Test
    void rejectionsOfAnAllowedOriginCarryCorsHeaders() {
        Admission rejected = gateway().admit(TestExchange.request("POST", "/v1/chat")
                .header("Origin", APP));

        assertThat(((Admission.Rejected) rejected).problem().code())
                .isEqualTo(ErrorCode.MISSING_CREDENTIALS);
        assertThat(rejected.headers().get("Access-Control-Allow-Origin")).isEqualTo(APP);
        assertThat(rejected.headers().get("Access-Control-Expose-Headers"))
                .contains("X-Request-ID", "Retry-After", "RateLimit");
        assertThat(rejected.headers().get("WWW-Authenticate")).isNotNull();
    }

    @Test
    void admittedRequestsOfAnAllowedOriginCarryCorsHeadersAndOthersDoNot() {
        Gateway gateway = gateway();
        Admission allowed = gateway.admit(TestExchange.request("POST", "/v1/chat")
                .header("Origin", APP).header("X-API-Key", "good"));
        Admission foreign = gateway.admit(TestExchange.request("POST", "/v1/chat")
                .header("Origin", "https://evil.net").header("X-API-Key", "good"));
        Admission sameOrigin = gateway.admit(TestExchange.request("POST", "/v1/chat")
                .header("X-API-Key", "good"));

        assertThat(allowed).isInstanceOf(Admission.Admitted.class);
        assertThat(allowed.headers().get("Access-Control-Allow-Origin")).isEqualTo(APP);
        assertThat(foreign).isInstanceOf(Admission.Admitted.class);
        assertThat(foreign.headers().get("Access-Control-Allow-Origin")).isNull();
        assertThat(foreign.headers().get("Vary")).isEqualTo("Origin");
        assertThat(sameOrigin.headers().size()).isEqualTo(1);
    }

    @Test
    void withoutAnyPolicyAPreflightIsAnOrdinaryRequest() {
        Gateway gateway = Gateway.builder(Router.of(List.of(
                Route.builder("any", "/v1/any").publicAccess().build()))).build();

        Admission admission = gateway.admit(preflight("/v1/any", APP, "POST"));

        assertThat(admission).isInstanceOf(Admission.Admitted.class);
        assertThat(admission.headers().get("Access-Control-Allow-Origin")).isNull();
    }

    @Test
    void yamlConfiguresGlobalAndRoutePolicies() {
        GatewayConfig config = GatewayConfig.parse("""
                cors:
                  allowed_origins: ["https://*.example.com"]
                  allowed_methods: [GET, POST, DELETE]
                  allowed_headers: [Content-Type, X-API-Key]
                  exposed_headers: [X-Cache]
                  allow_credentials: true
                  max_age: 1h
                routes:
                  - id: chat
                    path: /v1/chat
                    public: true
                  - id: partner
                    path: /v1/partner
                    public: true
                    cors:
                      allowed_origins: ["https://partner.example.net"]
                """, Map.<String, String>of()::get);
        Gateway gateway = config.gatewayBuilder().build();

        Admission chat = gateway.admit(preflight("/v1/chat", "https://a.example.com", "DELETE"));
        Admission partner = gateway.admit(preflight("/v1/partner", "https://a.example.com",
                "GET"));

        assertThat(chat.headers().get("Access-Control-Allow-Methods"))
                .isEqualTo("DELETE, GET, POST");
        assertThat(chat.headers().get("Access-Control-Allow-Credentials")).isEqualTo("true");
        assertThat(chat.headers().get("Access-Control-Max-Age")).isEqualTo("3600");
        assertThat(partner.headers().get("Access-Control-Allow-Origin")).isNull();
        assertThat(config.cors()).isPresent();
    }
}
