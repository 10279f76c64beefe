package io.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.ErrorCode;
import io.gatehouse.GatewayRequest;
import io.gatehouse.TestExchange;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AuthFailureGuardTest {

    private final MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
    private final CountingApiKeyStore store = new CountingApiKeyStore(new InMemoryApiKeyStore());
    private final ApiKeyManager manager = ApiKeyManager.builder(store).clock(clock)
            .events(SecurityEvents.none()).build();
    private final CollectingSecurityEvents events = new CollectingSecurityEvents();
    private final AuthFailureGuard guard = AuthFailureGuard.builder(manager.authenticator())
            .maxFailures(5, Duration.ofMinutes(1))
            .clock(clock)
            .events(events)
            .build();

    private AuthResult attempt(String key, String address) {
        return guard.authenticate(new GatewayRequest(
                TestExchange.request("GET", "/x").header("X-API-Key", key), "req-" + address,
                "/x", address));
    }

    @Test
    void addressIsThrottledAfterItsFailuresWithoutFurtherStoreLookups() {
        for (int i = 0; i < 5; i++) {
            assertThat(attempt("guess_" + i, "203.0.113.5"))
                    .isEqualTo(new AuthResult.Rejected(ErrorCode.INVALID_API_KEY,
                            "the API key is not valid"));
        }
        assertThat(store.hashLookups).hasValue(5);

        AuthResult sixth = attempt("guess_5", "203.0.113.5");

        assertThat(sixth).isEqualTo(new AuthResult.Rejected(ErrorCode.TOO_MANY_AUTH_FAILURES,
                "too many failed authentication attempts from this address; retry in 12 seconds",
                12));
        assertThat(ErrorCode.TOO_MANY_AUTH_FAILURES.status()).isEqualTo(429);
        assertThat(store.hashLookups).hasValue(5);
    }

    @Test
    void throttledAddressIsRefusedEvenWithAValidKey() {
        manager.importKey("key_123", ApiKeySpec.of("alice", "premium"));
        for (int i = 0; i < 5; i++) {
            attempt("wrong", "203.0.113.5");
        }

        assertThat(attempt("key_123", "203.0.113.5")).isInstanceOf(AuthResult.Rejected.class);
        assertThat(attempt("key_123", "203.0.113.6")).isInstanceOf(AuthResult.Authenticated.class);
    }

    @Test
    void allowanceRefillsOverTime() {
        for (int i = 0; i < 5; i++) {
            attempt("wrong", "2001:db8::1");
        }
        clock.advance(Duration.ofSeconds(11));
        assertThat(((AuthResult.Rejected) attempt("wrong", "2001:db8::1")).code())
                .isEqualTo(ErrorCode.TOO_MANY_AUTH_FAILURES);

        clock.advance(Duration.ofSeconds(1));
        assertThat(((AuthResult.Rejected) attempt("wrong", "2001:db8::1")).code())
                .isEqualTo(ErrorCode.INVALID_API_KEY);
        assertThat(((AuthResult.Rejected) attempt("wrong", "2001:db8::1")).code())
                .isEqualTo(ErrorCode.TOO_MANY_AUTH_FAILURES);
    }

    @Test
    void successesAndMissingCredentialsDoNotCount() {
        manager.importKey("key_123", ApiKeySpec.of("alice", "premium"));
        for (int i = 0; i < 50; i++) {
            assertThat(attempt("key_123", "203.0.113.5"))
                    .isInstanceOf(AuthResult.Authenticated.class);
            assertThat(guard.authenticate(new GatewayRequest(TestExchange.request("GET", "/x"),
                    "r", "/x", "203.0.113.5"))).isEqualTo(AuthResult.noCredentials());
        }
    }

    @Test
    void failuresAndThrottlingArePublishedWithRequestIdAndClientButNoKey() {
        for (int i = 0; i < 6; i++) {
            attempt("sk_live_secretguess" + i, "203.0.113.5");
        }

        assertThat(events.types()).containsExactly(SecurityEvent.Type.AUTH_FAILURE,
                SecurityEvent.Type.AUTH_FAILURE, SecurityEvent.Type.AUTH_FAILURE,
                SecurityEvent.Type.AUTH_FAILURE, SecurityEvent.Type.AUTH_FAILURE,
                SecurityEvent.Type.AUTH_THROTTLED);
        SecurityEvent first = events.events.get(0);
        assertThat(first.requestId()).isEqualTo("req-203.0.113.5");
        assertThat(first.clientAddress()).isEqualTo("203.0.113.5");
        assertThat(first.subject()).isEqualTo("INVALID_API_KEY");
        for (SecurityEvent event : events.events) {
            assertThat(event.toString()).doesNotContain("secretguess");
        }
    }

    @Test
    void rotatingThroughOneIpv6NetworkDoesNotEscapeTheLimit() {
        for (int i = 0; i < 5; i++) {
            attempt("wrong", "2001:db8:7:7::" + Integer.toHexString(i + 1));
        }

        assertThat(((AuthResult.Rejected) attempt("wrong", "2001:db8:7:7:ffff::9")).code())
                .isEqualTo(ErrorCode.TOO_MANY_AUTH_FAILURES);
        assertThat(((AuthResult.Rejected) attempt("wrong", "2001:db8:7:8::1")).code())
                .isEqualTo(ErrorCode.INVALID_API_KEY);
    }
}
