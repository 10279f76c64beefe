package io.gatehouse.cors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.ResponseHeaders;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CorsPolicyTest {

    private final CorsPolicy policy = CorsPolicy.builder()
            .allowOrigins("https://app.example.org", "https://*.example.com")
            .allowMethods("GET", "POST")
            .exposeHeaders("X-Cache")
            .maxAge(Duration.ofSeconds(300))
            .build();

    @Test
    void exactAndWildcardOriginsMatchOnlyWhatTheyName() {
        assertThat(policy.allowsOrigin("https://app.example.org")).isTrue();
        assertThat(policy.allowsOrigin("HTTPS://APP.EXAMPLE.ORG")).isTrue();
        assertThat(policy.allowsOrigin("https://a.example.com")).isTrue();
        assertThat(policy.allowsOrigin("https://a.b.example.com")).isTrue();

        assertThat(policy.allowsOrigin("https://example.com")).isFalse();
        assertThat(policy.allowsOrigin("http://a.example.com")).isFalse();
        assertThat(policy.allowsOrigin("https://a.example.com:8443")).isFalse();
        assertThat(policy.allowsOrigin("https://evil.com/.example.com")).isFalse();
        assertThat(policy.allowsOrigin("https://a.example.com.evil.net")).isFalse();
        assertThat(policy.allowsOrigin("https://evilexample.com")).isFalse();
        assertThat(policy.allowsOrigin("https://.example.com")).isFalse();
        assertThat(policy.allowsOrigin("https://app.example.org:444")).isFalse();
        assertThat(policy.allowsOrigin("null")).isFalse();
        assertThat(policy.allowsOrigin(null)).isFalse();
    }

    @Test
    void allowedPreflightGetsMethodsRequestedHeadersAndMaxAge() {
        ResponseHeaders answer = policy.preflight("https://a.example.com", "POST",
                "content-type, x-api-key");

        assertThat(answer.get("Access-Control-Allow-Origin")).isEqualTo("https://a.example.com");
        assertThat(answer.get("Access-Control-Allow-Methods")).isEqualTo("GET, POST");
        assertThat(answer.get("Access-Control-Allow-Headers"))
                .isEqualTo("content-type, x-api-key");
        assertThat(answer.get("Access-Control-Max-Age")).isEqualTo("300");
        assertThat(answer.get("Access-Control-Allow-Credentials")).isNull();
        assertThat(answer.get("Vary")).startsWith("Origin");
    }

    @Test
    void preflightOfAForbiddenOriginMethodOrHeaderGrantsNothing() {
        for (ResponseHeaders refused : new ResponseHeaders[] {
                policy.preflight("https://evil.net", "POST", null),
                policy.preflight("https://a.example.com", "DELETE", null),
                policy.preflight("https://a.example.com", "POST", "x-secret")}) {
            assertThat(refused.get("Access-Control-Allow-Origin")).isNull();
            assertThat(refused.get("Access-Control-Allow-Methods")).isNull();
            assertThat(refused.size()).isEqualTo(1);
        }
    }

    @Test
    void responseToAnAllowedOriginExposesRateLimitHeadersByDefault() {
        ResponseHeaders answer = policy.response("https://app.example.org");

        assertThat(answer.get("Access-Control-Allow-Origin"))
                .isEqualTo("https://app.example.org");
        assertThat(answer.get("Access-Control-Expose-Headers")).isEqualTo("RateLimit, "
                + "RateLimit-Policy, X-RateLimit-Limit, X-RateLimit-Remaining, "
                + "X-RateLimit-Reset, Retry-After, X-Request-ID, X-Cache");
        assertThat(answer.get("Vary")).isEqualTo("Origin");
        assertThat(policy.response("https://evil.net").get("Access-Control-Allow-Origin"))
                .isNull();
    }

    @Test
    void credentialsAreGrantedOnlyWhenAllowed() {
        CorsPolicy withCredentials = CorsPolicy.builder().allowOrigins("https://a.example.org")
                .allowCredentials(true).build();

        assertThat(withCredentials.response("https://a.example.org")
                .get("Access-Control-Allow-Credentials")).isEqualTo("true");
        assertThat(withCredentials.preflight("https://a.example.org", "GET", null)
                .get("Access-Control-Allow-Credentials")).isEqualTo("true");
    }

    @Test
    void anyHeaderEchoesTheRequestedHeaders() {
        CorsPolicy open = CorsPolicy.builder().allowOrigins("*").allowHeaders("*").build();

        assertThat(open.preflight("http://127.0.0.1:1234", "GET", "X-Anything")
                .get("Access-Control-Allow-Headers")).isEqualTo("X-Anything");
    }

    @Test
    void badSettingsAreRefusedNamingTheValue() {
        assertThatThrownBy(() -> CorsPolicy.builder().allowOrigins("example.com"))
                .hasMessageContaining("'example.com' is not an origin");
        assertThatThrownBy(() -> CorsPolicy.builder().allowOrigins("https://a.*.example.com"))
                .hasMessageContaining("wildcard");
        assertThatThrownBy(() -> CorsPolicy.builder().allowOrigins("*")
                .allowCredentials(true).build())
                .hasMessageContaining("credentials cannot be allowed for origin '*'");
        assertThatThrownBy(() -> CorsPolicy.builder().allowMethods("GET POST"))
                .hasMessageContaining("'GET POST' is not an HTTP method");
    }
}
