package io.gatehouse.limit;

import io.gatehouse.TestExchange;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.Admission;
import io.gatehouse.ErrorCode;
import io.gatehouse.Gateway;
import io.gatehouse.Outcome;
import io.gatehouse.auth.AuthResult;
import io.gatehouse.auth.Authenticator;
import io.gatehouse.auth.Principal;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TieredRateLimiterGatewayTest {

    private static final Map<String, Principal> KEYS = Map.of(
            "bob-key", new Principal("bob", "free", Set.of(), Set.of(), "key_456"),
            "carol-key", new Principal("carol", "free", Set.of(), Set.of(), "key_999"),
            "alice-key", new Principal("alice", "premium", Set.of(), Set.of(), "key_123"),
            "gold-key", new Principal("dave", "gold", Set.of(), Set.of(), "key_000"));

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

    private static final Tier FREE = Tier.of("free",
            LimitRule.tokenBucket("per-hour", 10, Duration.ofHours(1)));
    private static final Tier PREMIUM = Tier.of("premium",
            LimitRule.builder("per-minute", LimitAlgorithm.FIXED_WINDOW)
                    .limit(3, Duration.ofMinutes(1)).countRequests().build(),
            LimitRule.builder("per-hour", LimitAlgorithm.TOKEN_BUCKET)
                    .limit(100, Duration.ofHours(1)).countRequests().build());

    private final FakeMicroClock clock = new FakeMicroClock();

    private Gateway gateway(LimitStore store, Route... routes) {
        return gateway(TieredRateLimiter.builder(store).clock(clock).tier(FREE).tier(PREMIUM)
                .build(), routes);
    }

    private static Gateway gateway(RateLimiter limiter, Route... routes) {
        List<Route> all = routes.length > 0 ? List.of(routes)
                : List.of(Route.builder("invocations", "/invocations").build());
        return Gateway.builder(Router.of(all)).authenticator(API_KEYS).rateLimiter(limiter).build();
    }

    private static Admission call(Gateway gateway, String apiKey) {
        return gateway.admit(TestExchange.request("GET", "/invocations").header("X-API-Key",
                apiKey));
    }

    @Test
    void freeTierEleventhRequestInAnHourGets429AndAnotherPrincipalIsUnaffected() {
        Gateway gateway = gateway(LimitStores.inMemory(clock));
        for (int i = 1; i <= 10; i++) {
            Admission admission = call(gateway, "bob-key");
            assertThat(admission).isInstanceOf(Admission.Admitted.class);
            assertThat(admission.headers().get("X-RateLimit-Remaining")).isEqualTo("" + (10 - i));
            ((Admission.Admitted) admission).grant().complete(Outcome.status(200));
        }

        Admission eleventh = call(gateway, "bob-key");

        assertThat(eleventh).isInstanceOf(Admission.Rejected.class);
        Admission.Rejected rejected = (Admission.Rejected) eleventh;
        assertThat(rejected.problem().status()).isEqualTo(429);
        assertThat(rejected.problem().code()).isEqualTo(ErrorCode.RATE_LIMIT_EXCEEDED);
        assertThat(rejected.problem().extensions())
                .containsOnlyKeys("retry_after", "limit", "limit_type", "trace_id")
                .containsAllEntriesOf(Map.of(
                        "retry_after", 360L, "limit", 10L, "limit_type", "per-hour"));
        assertThat(rejected.problem().detail()).contains("'per-hour'").contains("360 s");
        assertThat(rejected.headers().get("Retry-After")).isEqualTo("360");
        assertThat(rejected.headers().get("X-RateLimit-Limit")).isEqualTo("10");
        assertThat(rejected.headers().get("X-RateLimit-Remaining")).isEqualTo("0");
        assertThat(rejected.headers().get("X-RateLimit-Reset")).isEqualTo("3600");
        assertThat(rejected.headers().get("RateLimit-Policy"))
                .isEqualTo("\"per-hour\";q=10;w=3600");
        assertThat(rejected.headers().get("RateLimit")).isEqualTo("\"per-hour\";r=0;t=3600");
        assertThat(rejected.headers().get("X-Request-ID")).isNotBlank();
        String json = new String(rejected.problem().toJson(), StandardCharsets.UTF_8);
        assertThat(json).contains("\"retry_after\":360", "\"limit\":10",
                "\"limit_type\":\"per-hour\"", "\"code\":\"RATE_LIMIT_EXCEEDED\"");

        Admission carol = call(gateway, "carol-key");
        assertThat(carol).isInstanceOf(Admission.Admitted.class);
        assertThat(carol.headers().get("X-RateLimit-Remaining")).isEqualTo("9");

        clock.advance(Duration.ofSeconds(359));
        assertThat(call(gateway, "bob-key")).isInstanceOf(Admission.Rejected.class);
        clock.advance(Duration.ofSeconds(1));
        assertThat(call(gateway, "bob-key")).isInstanceOf(Admission.Admitted.class);
    }

    @Test
    void admittedResponseListsEveryPolicyAndReportsTheOneClosestToExhaustion() {
        Gateway gateway = gateway(LimitStores.inMemory(clock.advance(Duration.ofSeconds(15))));

        Admission first = call(gateway, "alice-key");

        assertThat(first.headers().get("RateLimit-Policy"))
                .isEqualTo("\"per-minute\";q=3;w=60, \"per-hour\";q=100;w=3600");
        assertThat(first.headers().get("RateLimit")).isEqualTo("\"per-minute\";r=2;t=45");
        assertThat(first.headers().get("X-RateLimit-Limit")).isEqualTo("3");
        assertThat(first.headers().get("X-RateLimit-Remaining")).isEqualTo("2");
        assertThat(first.headers().get("X-RateLimit-Reset")).isEqualTo("45");
        assertThat(first.headers().get("Retry-After")).isNull();
    }

    @Test
    void tokenBucketAnnouncesItsBurstCapacityAndTheTimeToRefillIt() {
        Route route = Route.builder("invocations", "/invocations")
                .limit(LimitRule.builder("burst", LimitAlgorithm.TOKEN_BUCKET)
                        .limit(60, Duration.ofMinutes(1)).burst(20).build())
                .build();
        Gateway gateway = gateway(TieredRateLimiter.builder(LimitStores.inMemory(clock))
                .clock(clock).tier(Tier.of("gold")).build(), route);

        Admission first = call(gateway, "gold-key");

        assertThat(first.headers().get("RateLimit-Policy")).isEqualTo("\"burst\";q=20;w=20");
        for (int i = 2; i <= 20; i++) {
            assertThat(call(gateway, "gold-key")).isInstanceOf(Admission.Admitted.class);
        }
        Admission refused = call(gateway, "gold-key");
        assertThat(refused.headers().get("RateLimit")).isEqualTo("\"burst\";r=0;t=20");
        assertThat(refused.headers().get("X-RateLimit-Limit")).isEqualTo("20");
        assertThat(refused.headers().get("Retry-After")).isEqualTo("1");
        assertThat(((Admission.Rejected) refused).problem().extensions())
                .containsEntry("limit", 20L).containsEntry("limit_type", "burst");
        assertThat(((Admission.Rejected) refused).problem().detail()).isEqualTo(
                "limit 'burst' of 20 (refilled 60 per 60 s) is exhausted; retry in 1 s");
    }

    @Test
    void admittedResponseReportsTheRateLimitNotTheConcurrencyLeaseItHolds() {
        Route route = Route.builder("invocations", "/invocations")
                .limit(LimitRule.concurrency("in-flight", 1, Duration.ofMinutes(1))).build();
        Gateway gateway = gateway(LimitStores.inMemory(clock), route);

        Admission first = call(gateway, "bob-key");

        assertThat(first.headers().get("RateLimit")).isEqualTo("\"per-hour\";r=9;t=360");
        Admission second = call(gateway, "bob-key");
        assertThat(second.headers().get("RateLimit")).isEqualTo("\"in-flight\";r=0;t=60");
    }

    @Test
    void refusedRequestConsumesNoneOfItsLimits() {
        Gateway gateway = gateway(LimitStores.inMemory(clock));
        for (int i = 0; i < 3; i++) {
            assertThat(call(gateway, "alice-key")).isInstanceOf(Admission.Admitted.class);
        }
        for (int i = 0; i < 5; i++) {
            Admission refused = call(gateway, "alice-key");
            assertThat(refused).isInstanceOf(Admission.Rejected.class);
            assertThat(((Admission.Rejected) refused).problem().extensions())
                    .containsEntry("limit_type", "per-minute");
        }
        clock.advance(Duration.ofMinutes(1));
        Admission next = call(gateway, "alice-key");
        // 3 of 100 taken per hour, not 8: the five refusals consumed nothing.
        assertThat(next.headers().get("RateLimit")).isEqualTo("\"per-minute\";r=2;t=60");
        assertThat(next.headers().get("RateLimit-Policy")).contains("\"per-hour\";q=100");
        TieredRateLimiter limiter = TieredRateLimiter.builder(LimitStores.inMemory(clock))
                .tier(PREMIUM).build();
        assertThat(limiter.tiers()).containsOnlyKeys("premium");
    }

    @Test
    void concurrencyLeaseIsReleasedWhenTheRequestCompletes() {
        Route route = Route.builder("invocations", "/invocations")
                .limit(LimitRule.concurrency("in-flight", 2, Duration.ofMinutes(1))).build();
        Gateway gateway = gateway(LimitStores.inMemory(clock), route);
        Admission.Admitted one = (Admission.Admitted) call(gateway, "bob-key");
        Admission.Admitted two = (Admission.Admitted) call(gateway, "bob-key");

        Admission third = call(gateway, "bob-key");
        assertThat(third).isInstanceOf(Admission.Rejected.class);
        assertThat(((Admission.Rejected) third).problem().extensions())
                .containsEntry("limit_type", "in-flight").containsEntry("limit", 2L)
                .containsEntry("retry_after", 1L);
        assertThat(third.headers().get("RateLimit-Policy"))
                .isEqualTo("\"per-hour\";q=10;w=3600, \"in-flight\";q=2");

        one.grant().complete(Outcome.status(200));
        assertThat(call(gateway, "bob-key")).isInstanceOf(Admission.Admitted.class);
        two.grant().complete(Outcome.status(200));
    }

    @Test
    void clientRepeatingOneRequestIdCannotShareALease() {
        Route route = Route.builder("invocations", "/invocations")
                .limit(LimitRule.concurrency("in-flight", 1, Duration.ofMinutes(1))).build();
        Gateway gateway = gateway(LimitStores.inMemory(clock), route);
        Admission first = gateway.admit(TestExchange.request("GET", "/invocations")
                .header("X-API-Key", "bob-key").header("X-Request-ID", "same-id-1234"));
        Admission second = gateway.admit(TestExchange.request("GET", "/invocations")
                .header("X-API-Key", "bob-key").header("X-Request-ID", "same-id-1234"));

        assertThat(first).isInstanceOf(Admission.Admitted.class);
        assertThat(second).isInstanceOf(Admission.Rejected.class);
    }

    @Test
    void reservedCostIsRefundedOrChargedByTheActualCost() {
        LimitRule tokens = LimitRule.fixedWindow("tokens-per-hour", 1000, Duration.ofHours(1));
        Route route = Route.builder("invocations", "/invocations").cost(400).limit(tokens).build();
        LimitStore store = LimitStores.inMemory(clock);
        Gateway gateway = gateway(TieredRateLimiter.builder(store).clock(clock)
                .tier(Tier.of("free")).build(), route);

        Admission.Admitted first = (Admission.Admitted) call(gateway, "bob-key");
        assertThat(first.headers().get("X-RateLimit-Remaining")).isEqualTo("600");
        first.grant().complete(new Outcome(200, 100));
        Admission.Admitted second = (Admission.Admitted) call(gateway, "bob-key");
        assertThat(second.headers().get("X-RateLimit-Remaining")).isEqualTo("500");
        second.grant().complete(new Outcome(200, 900));
        // 100 + 900 = 1000 used: the next reservation of 400 does not fit.
        Admission third = call(gateway, "bob-key");
        assertThat(third).isInstanceOf(Admission.Rejected.class);
        assertThat(third.headers().get("X-RateLimit-Remaining")).isEqualTo("0");
    }

    @Test
    void shadowLimitReportsButNeverRefuses() {
        LimitRule shadow = LimitRule.builder("shadow-per-hour", LimitAlgorithm.TOKEN_BUCKET)
                .limit(1, Duration.ofHours(1)).shadow(true).build();
        Route route = Route.builder("invocations", "/invocations").limit(shadow).build();
        Gateway gateway = gateway(LimitStores.inMemory(clock), route);
        for (int i = 0; i < 5; i++) {
            Admission admission = call(gateway, "bob-key");
            assertThat(admission).isInstanceOf(Admission.Admitted.class);
            assertThat(admission.headers().get("RateLimit-Policy"))
                    .isEqualTo("\"per-hour\";q=10;w=3600");
        }
    }

    @Test
    void unknownTierIsRefusedWithAProblemNamingIt() {
        Gateway gateway = gateway(LimitStores.inMemory(clock));
        Admission admission = call(gateway, "gold-key");
        assertThat(admission).isInstanceOf(Admission.Rejected.class);
        assertThat(((Admission.Rejected) admission).problem().code())
                .isEqualTo(ErrorCode.INTERNAL_ERROR);
        assertThat(((Admission.Rejected) admission).problem().detail()).contains("'gold'");
    }

    @Test
    void unknownTierCanFallBackToANamedTier() {
        Gateway gateway = gateway(TieredRateLimiter.builder(LimitStores.inMemory(clock))
                .clock(clock).tier(FREE).unknownTier("free").build());
        Admission admission = call(gateway, "gold-key");
        assertThat(admission.headers().get("RateLimit-Policy"))
                .isEqualTo("\"per-hour\";q=10;w=3600");
        assertThatThrownBy(() -> TieredRateLimiter.builder(LimitStores.inMemory(clock))
                .tier(FREE).unknownTier("silver").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("silver");
    }

    @Test
    void anonymousCallersOfPublicRoutesAreLimitedPerClientAddress() {
        Route route = Route.builder("health", "/health").publicAccess()
                .limit(LimitRule.fixedWindow("per-second", 1, Duration.ofSeconds(1))).build();
        Gateway gateway = gateway(LimitStores.inMemory(clock), route);
        assertThat(gateway.admit(TestExchange.request("GET", "/health").from("192.0.2.1")))
                .isInstanceOf(Admission.Admitted.class);
        assertThat(gateway.admit(TestExchange.request("GET", "/health").from("192.0.2.1")))
                .isInstanceOf(Admission.Rejected.class);
        assertThat(gateway.admit(TestExchange.request("GET", "/health").from("192.0.2.2")))
                .isInstanceOf(Admission.Admitted.class);
    }

    @Test
    void routeLimitsDoNotShareStateBetweenRoutes() {
        LimitRule perRoute = LimitRule.fixedWindow("route-per-minute", 1, Duration.ofMinutes(1));
        Route a = Route.builder("a", "/a").limit(perRoute).build();
        Route b = Route.builder("b", "/b").limit(perRoute).build();
        Gateway gateway = gateway(LimitStores.inMemory(clock), a, b);
        assertThat(gateway.admit(TestExchange.request("GET", "/a").header("X-API-Key",
                "alice-key")))
                .isInstanceOf(Admission.Admitted.class);
        assertThat(gateway.admit(TestExchange.request("GET", "/b").header("X-API-Key",
                "alice-key")))
                .isInstanceOf(Admission.Admitted.class);
        assertThat(gateway.admit(TestExchange.request("GET", "/a").header("X-API-Key",
                "alice-key")))
                .isInstanceOf(Admission.Rejected.class);
    }

    private Gateway gatewayWithTier(Tier tier, KeyResolver resolver) {
        TieredRateLimiter.Builder builder = TieredRateLimiter.builder(LimitStores.inMemory(clock))
                .clock(clock).tier(tier).tier(PREMIUM);
        if (resolver != null) {
            builder.keyResolver(resolver);
        }
        return gateway(builder.build());
    }

    private static LimitRule onePerMinute(KeyScope scope) {
        String name = "per-minute-" + scope.name().toLowerCase();
        return LimitRule.builder(name, LimitAlgorithm.FIXED_WINDOW)
                .limit(1, Duration.ofMinutes(1)).scope(scope).build();
    }

    @Test
    void credentialScopeCountsEachApiKeyOfAPrincipalSeparately() {
        Map<String, Principal> keys = Map.of(
                "k1", new Principal("erin", "free", Set.of(), Set.of(), "key_a"),
                "k2", new Principal("erin", "free", Set.of(), Set.of(), "key_b"));
        Gateway gateway = Gateway.builder(Router.of(List.of(
                        Route.builder("invocations", "/invocations").build())))
                .authenticator(request -> new AuthResult.Authenticated(
                        keys.get(request.header("X-API-Key"))))
                .rateLimiter(TieredRateLimiter.builder(LimitStores.inMemory(clock)).clock(clock)
                        .tier(Tier.of("free", onePerMinute(KeyScope.CREDENTIAL))).build())
                .build();
        assertThat(call(gateway, "k1")).isInstanceOf(Admission.Admitted.class);
        assertThat(call(gateway, "k2")).isInstanceOf(Admission.Admitted.class);
        assertThat(call(gateway, "k1")).isInstanceOf(Admission.Rejected.class);
    }

    @Test
    void clientAddressScopeCountsEachAddressWhoeverCalls() {
        Gateway gateway = gatewayWithTier(
                Tier.of("free", onePerMinute(KeyScope.CLIENT_ADDRESS)), null);
        assertThat(gateway.admit(TestExchange.request("GET", "/invocations").header("X-API-Key",
                "bob-key")
                .from("198.51.100.1"))).isInstanceOf(Admission.Admitted.class);
        assertThat(gateway.admit(TestExchange.request("GET", "/invocations").header("X-API-Key",
                "carol-key")
                .from("198.51.100.1"))).isInstanceOf(Admission.Rejected.class);
        assertThat(gateway.admit(TestExchange.request("GET", "/invocations").header("X-API-Key",
                "bob-key")
                .from("198.51.100.2"))).isInstanceOf(Admission.Admitted.class);
    }

    @Test
    void globalScopeIsOneBucketForEveryPrincipalOfTheTier() {
        Gateway gateway = gatewayWithTier(Tier.of("free", onePerMinute(KeyScope.GLOBAL)), null);
        assertThat(call(gateway, "bob-key")).isInstanceOf(Admission.Admitted.class);
        assertThat(call(gateway, "carol-key")).isInstanceOf(Admission.Rejected.class);
        assertThat(call(gateway, "alice-key")).isInstanceOf(Admission.Admitted.class);
    }

    @Test
    void customScopeTakesItsKeyFromTheResolver() {
        Gateway gateway = gatewayWithTier(Tier.of("free", onePerMinute(KeyScope.CUSTOM)),
                (rule, request, principal, route) -> String.valueOf(request.header("X-Tenant")));
        assertThat(gateway.admit(TestExchange.request("GET", "/invocations").header("X-API-Key",
                "bob-key")
                .header("X-Tenant", "acme"))).isInstanceOf(Admission.Admitted.class);
        assertThat(gateway.admit(TestExchange.request("GET", "/invocations").header("X-API-Key",
                "carol-key")
                .header("X-Tenant", "acme"))).isInstanceOf(Admission.Rejected.class);
        assertThat(gateway.admit(TestExchange.request("GET", "/invocations").header("X-API-Key",
                "bob-key")
                .header("X-Tenant", "globex"))).isInstanceOf(Admission.Admitted.class);
    }

    @Test
    void customScopeWithoutAResolverFailsAsAnInternalErrorNotAnAdmission() {
        Gateway gateway = gatewayWithTier(Tier.of("free", onePerMinute(KeyScope.CUSTOM)), null);
        Admission admission = call(gateway, "bob-key");
        assertThat(admission).isInstanceOf(Admission.Rejected.class);
        assertThat(((Admission.Rejected) admission).problem().status()).isEqualTo(500);
    }

    @Test
    void calendarDayPolicyReportsTheLengthOfTheCurrentDay() {
        LimitRule perDay = LimitRule.builder("per-day", LimitAlgorithm.FIXED_WINDOW)
                .calendar(1000, java.time.temporal.ChronoUnit.DAYS, java.time.ZoneOffset.UTC)
                .countRequests().build();
        clock.advance(Duration.ofHours(18));
        Admission admission = call(gatewayWithTier(Tier.of("free", perDay), null), "bob-key");
        assertThat(admission.headers().get("RateLimit-Policy"))
                .isEqualTo("\"per-day\";q=1000;w=86400");
        assertThat(admission.headers().get("RateLimit")).isEqualTo("\"per-day\";r=999;t=21600");
    }

    private static LimitStore brokenStore() {
        return new LimitStore() {
            @Override
            public Verdict tryAcquire(List<Permit> permits, String leaseId) {
                throw new LimitStoreException("store is down", null);
            }

            @Override
            public void settle(Permit permit, long actualCost) {
                throw new LimitStoreException("store is down", null);
            }

            @Override
            public void release(Permit permit, String leaseId) {
                throw new LimitStoreException("store is down", null);
            }
        };
    }

    private Gateway gatewayWithPolicy(FailurePolicy policy) {
        Tier tier = Tier.of("free", LimitRule.builder("per-hour", LimitAlgorithm.TOKEN_BUCKET)
                .limit(2, Duration.ofHours(1)).failurePolicy(policy).build());
        return gateway(TieredRateLimiter.builder(brokenStore()).clock(clock).tier(tier)
                .failClosedRetryAfter(Duration.ofSeconds(7)).build());
    }

    @Test
    void failOpenAdmitsWhileTheStoreIsDown() {
        Gateway gateway = gatewayWithPolicy(FailurePolicy.FAIL_OPEN);
        for (int i = 0; i < 5; i++) {
            Admission admission = call(gateway, "bob-key");
            assertThat(admission).isInstanceOf(Admission.Admitted.class);
            assertThat(admission.headers().get("RateLimit")).isNull();
            ((Admission.Admitted) admission).grant().complete(Outcome.status(200));
        }
    }

    @Test
    void failClosedAnswers503WithRetryAfterWhileTheStoreIsDown() {
        Admission admission = call(gatewayWithPolicy(FailurePolicy.FAIL_CLOSED), "bob-key");
        assertThat(admission).isInstanceOf(Admission.Rejected.class);
        Admission.Rejected rejected = (Admission.Rejected) admission;
        assertThat(rejected.problem().status()).isEqualTo(503);
        assertThat(rejected.problem().code()).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
        assertThat(rejected.headers().get("Retry-After")).isEqualTo("7");
        assertThat(rejected.problem().extensions()).containsEntry("retry_after", 7L);
    }

    @Test
    void localFallbackLimitsInMemoryWhileTheStoreIsDown() {
        Gateway gateway = gatewayWithPolicy(FailurePolicy.LOCAL_FALLBACK);
        assertThat(call(gateway, "bob-key")).isInstanceOf(Admission.Admitted.class);
        Admission second = call(gateway, "bob-key");
        assertThat(second).isInstanceOf(Admission.Admitted.class);
        assertThat(second.headers().get("X-RateLimit-Remaining")).isEqualTo("0");
        ((Admission.Admitted) second).grant().complete(Outcome.status(200));
        Admission third = call(gateway, "bob-key");
        assertThat(third).isInstanceOf(Admission.Rejected.class);
        assertThat(((Admission.Rejected) third).problem().status()).isEqualTo(429);
    }
}
