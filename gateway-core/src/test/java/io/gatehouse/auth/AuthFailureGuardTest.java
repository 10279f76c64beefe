package io.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gatehouse.ErrorCode;
import io.gatehouse.GatewayRequest;
import io.gatehouse.TestExchange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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

    private ErrorCode codeOf(String address) {
        return ((AuthResult.Rejected) attempt("wrong", address)).code();
    }

    @Test
    void aLongPauseRestoresTheAllowanceButNeverMoreThanIt() {
        for (int i = 0; i < 5; i++) {
            attempt("wrong", "203.0.113.7");
        }
        clock.advance(Duration.ofHours(1));
        for (int i = 0; i < 5; i++) {
            assertThat(codeOf("203.0.113.7")).as("failure %d", i + 1)
                    .isEqualTo(ErrorCode.INVALID_API_KEY);
        }
        assertThat(codeOf("203.0.113.7")).isEqualTo(ErrorCode.TOO_MANY_AUTH_FAILURES);
        assertThat(store.hashLookups).hasValue(10);
    }

    @Test
    void theRetryTimeCountsDownWithThePauseAndRefusalsDoNotPushItBack() {
        for (int i = 0; i < 5; i++) {
            attempt("wrong", "203.0.113.8");
        }
        clock.advance(Duration.ofSeconds(5));
        for (int i = 0; i < 3; i++) {
            assertThat(((AuthResult.Rejected) attempt("wrong", "203.0.113.8")).retryAfterSeconds())
                    .as("refusal %d", i + 1).isEqualTo(7);
        }
        clock.advance(Duration.ofSeconds(6));
        assertThat(((AuthResult.Rejected) attempt("wrong", "203.0.113.8")).retryAfterSeconds())
                .isEqualTo(1);
        clock.advance(Duration.ofSeconds(1));
        assertThat(codeOf("203.0.113.8")).isEqualTo(ErrorCode.INVALID_API_KEY);
        assertThat(store.hashLookups).hasValue(6);
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

    @Test
    void concurrentGuessesFromOneAddressReachTheAuthenticatorAtMostTheAllowance()
            throws Exception {
        AtomicInteger asked = new AtomicInteger();
        CountDownLatch answer = new CountDownLatch(1);
        // Holds every guess that gets through until all 64 have arrived, so none is answered
        // (and counted) before the others are checked: the worst case for the guard.
        AuthFailureGuard held = AuthFailureGuard.builder(request -> {
            asked.incrementAndGet();
            try {
                answer.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new AuthResult.Rejected(ErrorCode.INVALID_API_KEY, "the API key is not valid");
        }).maxFailures(5, Duration.ofMinutes(1)).clock(clock).events(events).build();
        ExecutorService pool = Executors.newFixedThreadPool(64);
        AtomicInteger throttled = new AtomicInteger();
        List<Future<AuthResult>> results = new ArrayList<>();
        try {
            for (int i = 0; i < 64; i++) {
                String key = "guess_" + i;
                results.add(pool.submit(() -> {
                    AuthResult result = held.authenticate(new GatewayRequest(
                            TestExchange.request("GET", "/x").header("X-API-Key", key), "r",
                            "/x", "203.0.113.9"));
                    if (((AuthResult.Rejected) result).code()
                            == ErrorCode.TOO_MANY_AUTH_FAILURES) {
                        throttled.incrementAndGet();
                    }
                    return result;
                }));
            }
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> asked.get() + throttled.get() == 64);
            answer.countDown();
            int invalid = 0;
            for (Future<AuthResult> result : results) {
                if (((AuthResult.Rejected) result.get(20, TimeUnit.SECONDS)).code()
                        == ErrorCode.INVALID_API_KEY) {
                    invalid++;
                }
            }
            assertThat(asked).hasValue(5);
            assertThat(invalid).isEqualTo(5);
            assertThat(throttled).hasValue(59);
        } finally {
            answer.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void manyThreadsGuessingWithTheRealKeyStoreLookUpExactlyTheAllowance() throws Exception {
        List<AuthResult> results = io.gatehouse.Concurrently.run(400, 32,
                i -> () -> attempt("guess_" + i, "198.51.100.7"), Duration.ofSeconds(30));

        assertThat(store.hashLookups).hasValue(5);
        assertThat(results.stream().filter(r -> ((AuthResult.Rejected) r).code()
                == ErrorCode.INVALID_API_KEY)).hasSize(5);
        assertThat(results.stream().filter(r -> ((AuthResult.Rejected) r).code()
                == ErrorCode.TOO_MANY_AUTH_FAILURES)).hasSize(395);
    }

    @Test
    void successesHandTheirReservationBackSoTheFullAllowanceRemains() throws Exception {
        manager.importKey("key_123", ApiKeySpec.of("alice", "premium"));
        List<AuthResult> results = io.gatehouse.Concurrently.run(200, 4,
                i -> () -> attempt("key_123", "203.0.113.5"), Duration.ofSeconds(30));
        assertThat(results).allMatch(r -> r instanceof AuthResult.Authenticated);

        for (int i = 0; i < 5; i++) {
            assertThat(((AuthResult.Rejected) attempt("wrong", "203.0.113.5")).code())
                    .isEqualTo(ErrorCode.INVALID_API_KEY);
        }
        assertThat(((AuthResult.Rejected) attempt("wrong", "203.0.113.5")).code())
                .isEqualTo(ErrorCode.TOO_MANY_AUTH_FAILURES);
    }

    @Test
    void aFailingAuthenticatorHandsTheReservationBack() {
        AuthFailureGuard broken = AuthFailureGuard.builder(request -> {
            throw new IllegalStateException("backend down");
        }).maxFailures(1, Duration.ofMinutes(1)).clock(clock).events(events).build();
        GatewayRequest request = new GatewayRequest(TestExchange.request("GET", "/x")
                .header("X-API-Key", "k"), "r", "/x", "203.0.113.5");

        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> broken.authenticate(request))
                    .isInstanceOf(IllegalStateException.class);
        }
        assertThat(events.types()).isEmpty();
    }

    @Test
    void aRevokedKeyLooksUnknownToTheCallerButIsNamedInTheSecurityLog() {
        NewApiKey key = manager.create("sk_live_", ApiKeySpec.of("alice", "premium"));
        manager.revoke(key.keyId());

        AuthResult.Rejected refused = (AuthResult.Rejected) attempt(key.plaintext(),
                "203.0.113.5");

        assertThat(refused.detail()).isEqualTo("the API key is not valid");
        assertThat(refused.detail()).doesNotContain(key.keyId());
        assertThat(events.events).hasSize(1);
        assertThat(events.events.get(0).detail()).contains(key.keyId())
                .endsWith("has been revoked");
    }
}
