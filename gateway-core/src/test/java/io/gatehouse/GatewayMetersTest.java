package io.gatehouse;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.auth.AuthResult;
import io.gatehouse.auth.Authenticator;
import io.gatehouse.auth.Principal;
import io.gatehouse.limit.LimitAlgorithm;
import io.gatehouse.limit.FailurePolicy;
import io.gatehouse.limit.FakeMicroClock;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.LimitStore;
import io.gatehouse.limit.LimitStoreException;
import io.gatehouse.limit.LimitStores;
import io.gatehouse.limit.Permit;
import io.gatehouse.limit.Tier;
import io.gatehouse.limit.TieredRateLimiter;
import io.gatehouse.limit.Verdict;
import io.gatehouse.observe.UpstreamMetrics;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class GatewayMetersTest {

    private static final Map<String, Principal> KEYS = Map.of(
            "bob-secret-key", new Principal("bob", "free", Set.of(), Set.of(), "key_456"));

    private static final Authenticator API_KEYS = request -> {
        String key = request.header("X-API-Key");
        if (key == null) {
            return AuthResult.noCredentials();
        }
        Principal principal = KEYS.get(key);
        return principal == null
                ? new AuthResult.Rejected(ErrorCode.INVALID_API_KEY, "unknown API key")
                : new AuthResult.Authenticated(principal);
    };

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final FakeMicroClock clock = new FakeMicroClock();

    private Gateway gateway(LimitStore store, LimitRule... rules) {
        TieredRateLimiter limiter = TieredRateLimiter.builder(store).clock(clock)
                .tier(Tier.of("free", rules)).build();
        return Gateway.builder(Router.of(List.of(
                        Route.builder("invocations", "/invocations").methods("GET", "POST")
                                .build(),
                        Route.builder("items", "/items/{id}").methods("GET").build())))
                .authenticator(API_KEYS)
                .rateLimiter(limiter)
                .nanoTime(nanos::get)
                .meterRegistry(registry)
                .unmatchedPaths(UnmatchedPaths.NOT_FOUND)
                .build();
    }

    private Gateway gateway(LimitRule... rules) {
        return gateway(LimitStores.inMemory(clock), rules);
    }

    private static LimitRule perHour(String name, long limit) {
        return LimitRule.builder(name, LimitAlgorithm.FIXED_WINDOW)
                .limit(limit, Duration.ofHours(1))
                .countRequests().build();
    }

    private static Admission call(Gateway gateway, String method, String path, String key) {
        TestExchange exchange = TestExchange.request(method, path);
        return gateway.admit(key == null ? exchange : exchange.header("X-API-Key", key));
    }

    private double count(String name, String... tags) {
        var counter = registry.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    private double inFlight() {
        return registry.get(GatewayMeters.IN_FLIGHT).gauge().value();
    }

    @Test
    void admittedRequestIsCountedOnceWhenItsGrantCompletes() {
        Gateway gateway = gateway(perHour("per-hour", 10));

        Admission admission = call(gateway, "GET", "/invocations", "bob-secret-key");
        assertThat(admission).isInstanceOf(Admission.Admitted.class);
        assertThat(inFlight()).isEqualTo(1.0);
        assertThat(count("gateway.requests")).isZero();
        nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(7));
        ((Admission.Admitted) admission).grant().complete(Outcome.status(201));

        assertThat(inFlight()).isZero();
        assertThat(count("gateway.requests", "route", "invocations", "method", "GET",
                "status_class", "2xx")).isEqualTo(1.0);
        assertThat(count("gateway.decisions", "route", "invocations", "outcome", "admitted",
                "code", "none")).isEqualTo(1.0);
        assertThat(count("gateway.auth", "route", "invocations", "result", "success"))
                .isEqualTo(1.0);
        var duration = registry.get("gateway.request.duration")
                .tags("route", "invocations", "status_class", "2xx").timer();
        assertThat(duration.count()).isEqualTo(1);
        assertThat(duration.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(7.0);
        assertThat(registry.get("gateway.decision.duration").tags("outcome", "admitted").timer()
                .count()).isEqualTo(1);
    }

    @Test
    void refusedCredentialIsCountedByRouteAndCode() {
        Gateway gateway = gateway(perHour("per-hour", 10));

        Admission admission = call(gateway, "POST", "/invocations", "guessed-key");

        assertThat(admission).isInstanceOf(Admission.Rejected.class);
        assertThat(inFlight()).isZero();
        assertThat(count("gateway.decisions", "route", "invocations", "outcome", "rejected",
                "code", "INVALID_API_KEY")).isEqualTo(1.0);
        assertThat(count("gateway.auth", "route", "invocations", "result", "failure", "code",
                "INVALID_API_KEY")).isEqualTo(1.0);
        assertThat(count("gateway.requests", "route", "invocations", "method", "POST",
                "status_class", "4xx")).isEqualTo(1.0);
        assertThat(count("gateway.auth", "result", "success")).isZero();
        assertThat(count("gateway.auth.throttled")).isZero();
    }

    @Test
    void throttledAuthenticationIsCountedAsSuch() {
        Authenticator throttled = request -> new AuthResult.Rejected(
                ErrorCode.TOO_MANY_AUTH_FAILURES, "slow down", 5);
        Gateway gateway = Gateway.builder(Router.of(List.of(
                        Route.builder("invocations", "/invocations").build())))
                .authenticator(throttled).meterRegistry(registry).build();

        call(gateway, "GET", "/invocations", "any");

        assertThat(count("gateway.auth.throttled", "route", "invocations")).isEqualTo(1.0);
        assertThat(count("gateway.auth", "result", "failure", "code", "TOO_MANY_AUTH_FAILURES"))
                .isEqualTo(1.0);
    }

    @Test
    void unroutedRequestsAreTaggedWithoutRouteOrRawPath() {
        Gateway gateway = gateway(perHour("per-hour", 10));

        call(gateway, "GET", "/no/such/place-12345", null);
        call(gateway, "BREW", "/invocations", null);

        assertThat(count("gateway.decisions", "route", "none", "code", "NOT_FOUND"))
                .isEqualTo(1.0);
        assertThat(count("gateway.decisions", "route", "none", "code", "METHOD_NOT_ALLOWED"))
                .isEqualTo(1.0);
        assertThat(count("gateway.requests", "route", "none", "method", "other")).isEqualTo(1.0);
        assertThat(inFlight()).isZero();
    }

    @Test
    void limitVerdictsAreCountedPerLimitIncludingShadowRefusals() {
        LimitRule shadow = LimitRule.builder("trial", LimitAlgorithm.FIXED_WINDOW)
                .limit(1, Duration.ofHours(1)).countRequests().shadow(true).build();
        Gateway gateway = gateway(perHour("per-hour", 2), shadow);

        for (int i = 0; i < 3; i++) {
            if (call(gateway, "GET", "/invocations", "bob-secret-key")
                    instanceof Admission.Admitted admitted) {
                admitted.grant().complete(Outcome.status(200));
            }
        }

        assertThat(count("gateway.limit.decisions", "limit", "per-hour", "mode", "enforced",
                "verdict", "allowed")).isEqualTo(2.0);
        assertThat(count("gateway.limit.decisions", "limit", "per-hour", "mode", "enforced",
                "verdict", "rejected")).isEqualTo(1.0);
        assertThat(count("gateway.limit.decisions", "limit", "trial", "mode", "shadow",
                "verdict", "allowed")).isEqualTo(1.0);
        // The third request was refused by per-hour, so the shadow limit never saw it.
        assertThat(count("gateway.limit.decisions", "limit", "trial", "mode", "shadow",
                "verdict", "rejected")).isEqualTo(1.0);
        assertThat(count("gateway.decisions", "outcome", "rejected", "code",
                "RATE_LIMIT_EXCEEDED")).isEqualTo(1.0);
        // One timed call per request: the enforced limits' (shadow limits are decided apart).
        assertThat(registry.get("gateway.limit.store.duration").tags("outcome", "success")
                .timer().count()).isEqualTo(3);
    }

    @Test
    void failingStoreCountsFailuresAndFallbacks() {
        LimitStore broken = new LimitStore() {
            @Override
            public Verdict tryAcquire(List<Permit> permits, String leaseId) {
                throw new LimitStoreException("down", null);
            }

            @Override
            public void settle(Permit permit, long actualCost) {
            }

            @Override
            public void release(Permit permit, String leaseId) {
            }
        };
        LimitRule local = LimitRule.builder("per-hour", LimitAlgorithm.FIXED_WINDOW)
                .limit(5, Duration.ofHours(1)).countRequests()
                .failurePolicy(FailurePolicy.LOCAL_FALLBACK).build();
        Gateway gateway = gateway(broken, local);

        Admission admission = call(gateway, "GET", "/invocations", "bob-secret-key");

        assertThat(admission).isInstanceOf(Admission.Admitted.class);
        assertThat(registry.get("gateway.limit.store.duration").tags("outcome", "failure")
                .timer().count()).isEqualTo(1);
        assertThat(count("gateway.limit.store.fallbacks", "policy", "LOCAL_FALLBACK"))
                .isEqualTo(1.0);
        assertThat(count("gateway.limit.store.fallbacks", "policy", "FAIL_CLOSED")).isZero();
    }

    @Test
    void settledCostIsCountedPerTierAsTokenUsage() {
        Gateway gateway = gateway(perHour("per-hour", 10));

        ((Admission.Admitted) call(gateway, "POST", "/invocations", "bob-secret-key")).grant()
                .complete(new Outcome(200, 1_500));
        ((Admission.Admitted) call(gateway, "POST", "/invocations", "bob-secret-key")).grant()
                .complete(Outcome.status(200));

        assertThat(count("gateway.cost", "route", "invocations", "tier", "free"))
                .isEqualTo(1_501.0);
        var tokens = registry.get("gen_ai.client.token.usage").tags("tier", "free").summary();
        assertThat(tokens.count()).isEqualTo(1);
        assertThat(tokens.totalAmount()).isEqualTo(1_500.0);
    }

    @Test
    void noTagValueCarriesAKeyAPrincipalOrARawPath() {
        Gateway gateway = gateway(perHour("per-hour", 1));
        for (String key : new String[] {"bob-secret-key", "bob-secret-key", "wrong-key", null}) {
            if (call(gateway, "GET", "/items/4711", key) instanceof Admission.Admitted admitted) {
                admitted.grant().complete(Outcome.status(200));
            }
        }

        List<String> values = registry.getMeters().stream().map(Meter::getId)
                .flatMap(id -> id.getTags().stream()).map(Tag::getValue).toList();
        assertThat(values).isNotEmpty().contains("items")
                .noneMatch(value -> value.contains("bob") || value.contains("key_456")
                        || value.contains("secret") || value.contains("wrong")
                        || value.contains("4711") || value.contains("/"));
    }

    @Test
    void concurrentRequestsAreCountedExactly() throws Exception {
        Gateway gateway = gateway(perHour("per-hour", 1_000_000));
        int requests = 4_000;

        Concurrently.run(requests, 8, i -> () -> {
            Admission admission = call(gateway, "GET", "/invocations",
                    i % 4 == 0 ? "wrong" : "bob-secret-key");
            if (admission instanceof Admission.Admitted admitted) {
                admitted.grant().complete(Outcome.status(200));
            }
            return null;
        }, Duration.ofSeconds(30));

        assertThat(count("gateway.requests", "status_class", "2xx")).isEqualTo(3_000.0);
        assertThat(count("gateway.requests", "status_class", "4xx")).isEqualTo(1_000.0);
        assertThat(count("gateway.limit.decisions", "verdict", "allowed")).isEqualTo(3_000.0);
        assertThat(inFlight()).isZero();
    }

    @Test
    void upstreamHooksRecordIntoTheGatewayRegistry() {
        Gateway gateway = gateway(perHour("per-hour", 10));
        UpstreamMetrics upstream = gateway.upstreamMetrics();

        upstream.exchanged("inference", 503, TimeUnit.MILLISECONDS.toNanos(40));
        upstream.exchanged("inference", 0, TimeUnit.MILLISECONDS.toNanos(10));
        upstream.retried("inference");
        upstream.watch("inference", () -> 2, () -> UpstreamMetrics.CircuitState.HALF_OPEN);

        assertThat(registry.get("gateway.upstream.request.duration")
                .tags("service", "inference", "status_class", "5xx").timer().count())
                .isEqualTo(1);
        assertThat(registry.get("gateway.upstream.request.duration")
                .tags("status_class", "none").timer().count()).isEqualTo(1);
        assertThat(count("gateway.upstream.retries", "service", "inference")).isEqualTo(1.0);
        assertThat(registry.get("gateway.upstream.healthy.endpoints").gauge().value())
                .isEqualTo(2.0);
        assertThat(registry.get("gateway.upstream.breaker.state").tags("state", "half_open")
                .gauge().value()).isEqualTo(1.0);
        assertThat(registry.get("gateway.upstream.breaker.state").tags("state", "open")
                .gauge().value()).isZero();
    }

    @Test
    void gatewayWithoutRegistryMeasuresNothingAndUpstreamHooksAreSilent() {
        Gateway gateway = Gateway.builder(Router.of(List.of(
                Route.builder("invocations", "/invocations").publicAccess().build()))).build();

        Admission admission = gateway.admit(TestExchange.request("GET", "/invocations"));
        ((Admission.Admitted) admission).grant().complete(Outcome.status(200));
        gateway.upstreamMetrics().exchanged("svc", 200, 1);

        assertThat(gateway.upstreamMetrics()).isSameAs(UpstreamMetrics.none());
        assertThat(registry.getMeters()).isEmpty();
    }
}
