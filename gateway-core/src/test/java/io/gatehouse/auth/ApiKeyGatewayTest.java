package io.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.Admission;
import io.gatehouse.ErrorCode;
import io.gatehouse.Gateway;
import io.gatehouse.TestExchange;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** API keys wired into the whole pipeline, as an application would do it. */
class ApiKeyGatewayTest {

    private final MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
    private final ApiKeyManager keys = ApiKeyManager.builder(new InMemoryApiKeyStore())
            .clock(clock).events(SecurityEvents.none()).build();
    private final Gateway gateway = Gateway.builder(Router.of(List.of(
                    Route.builder("invocations", "/invocations").methods("POST").build(),
                    Route.builder("admin", "/admin/**").requireRoles("admin").build(),
                    Route.builder("health", "/health").publicAccess().build())))
            .authenticator(AuthFailureGuard.builder(keys.authenticator())
                    .maxFailures(3, Duration.ofMinutes(1)).clock(clock)
                    .events(SecurityEvents.none()).build())
            .build();

    private Admission call(String path, String key) {
        TestExchange exchange = TestExchange.request("POST", path).from("198.51.100.20");
        if (key != null) {
            exchange.header("X-API-Key", key);
        }
        return gateway.admit(exchange);
    }

    @Test
    void demoTenantIsAdmittedAsItsPrincipal() {
        keys.importKey("key_123", ApiKeySpec.of("alice", "premium"));

        Admission admission = call("/invocations", "key_123");

        assertThat(admission).isInstanceOf(Admission.Admitted.class);
        assertThat(((Admission.Admitted) admission).principal().id()).isEqualTo("alice");
    }

    @Test
    void invalidKeyIsUnauthorizedAndKeyWithoutAdminRoleIsForbidden() {
        keys.importKey("key_456", ApiKeySpec.of("bob", "free"));

        Admission.Rejected invalid = (Admission.Rejected) call("/invocations", "invalid_key");
        Admission.Rejected forbidden = (Admission.Rejected) call("/admin/keys", "key_456");

        assertThat(invalid.problem().code()).isEqualTo(ErrorCode.INVALID_API_KEY);
        assertThat(invalid.problem().status()).isEqualTo(401);
        assertThat(new String(invalid.problem().toJson())).doesNotContain("invalid_key");
        assertThat(forbidden.problem().code()).isEqualTo(ErrorCode.FORBIDDEN);
        assertThat(forbidden.problem().status()).isEqualTo(403);
    }

    @Test
    void guessingIsAnsweredWith429AndRetryAfterOnceTheAllowanceIsUsed() {
        for (int i = 0; i < 3; i++) {
            assertThat(((Admission.Rejected) call("/invocations", "guess" + i)).problem().status())
                    .isEqualTo(401);
        }

        Admission.Rejected throttled = (Admission.Rejected) call("/invocations", "guess3");

        assertThat(throttled.problem().status()).isEqualTo(429);
        assertThat(throttled.problem().code()).isEqualTo(ErrorCode.TOO_MANY_AUTH_FAILURES);
        assertThat(throttled.headers().get("Retry-After")).isEqualTo("20");
        assertThat(throttled.problem().extensions()).containsEntry("retry_after", 20L);
    }

    @Test
    void anAddressThrottledForGuessingStillGetsPublicRoutes() {
        for (int i = 0; i < 3; i++) {
            call("/invocations", "guess_" + i);
        }
        assertThat(((Admission.Rejected) call("/invocations", "guess_3")).problem().code())
                .isEqualTo(ErrorCode.TOO_MANY_AUTH_FAILURES);

        Admission health = call("/health", null);
        Admission healthWithGuess = call("/health", "guess_4");

        assertThat(health).isInstanceOf(Admission.Admitted.class);
        assertThat(((Admission.Admitted) health).principal().id())
                .isEqualTo(io.gatehouse.auth.Principal.anonymous().id());
        assertThat(healthWithGuess).isInstanceOf(Admission.Admitted.class);
        assertThat(((Admission.Admitted) healthWithGuess).principal().id())
                .isEqualTo(io.gatehouse.auth.Principal.anonymous().id());
        assertThat(((Admission.Rejected) call("/invocations", null)).problem().code())
                .isEqualTo(ErrorCode.TOO_MANY_AUTH_FAILURES);
        assertThat(((Admission.Rejected) call("/invocations", "guess_5")).problem().code())
                .isEqualTo(ErrorCode.TOO_MANY_AUTH_FAILURES);
    }

    @Test
    void duplicateOrConflictingCredentialsAreRefusedWith400() {
        keys.importKey("key_123", ApiKeySpec.of("alice", "premium"));
        TestExchange twoKeys = TestExchange.request("POST", "/invocations")
                .header("X-API-Key", "key_123").header("X-API-Key", "key_other");
        TestExchange keyAndBearer = TestExchange.request("POST", "/invocations")
                .header("X-API-Key", "key_123").header("Authorization", "Bearer key_other");
        TestExchange keyAndSameBearer = TestExchange.request("POST", "/invocations")
                .header("X-API-Key", "key_123").header("Authorization", "Bearer key_123");

        for (TestExchange ambiguous : List.of(twoKeys, keyAndBearer)) {
            Admission.Rejected refused = (Admission.Rejected) gateway.admit(ambiguous);
            assertThat(refused.problem().status()).isEqualTo(400);
            assertThat(refused.problem().code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
        }
        assertThat(gateway.admit(keyAndSameBearer)).isInstanceOf(Admission.Admitted.class);
    }
}
