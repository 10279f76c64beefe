package io.gatehouse.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.Admission;
import io.gatehouse.Concurrently;
import io.gatehouse.ErrorCode;
import io.gatehouse.Gateway;
import io.gatehouse.Outcome;
import io.gatehouse.TestExchange;
import io.gatehouse.UnmatchedPaths;
import io.gatehouse.auth.AuthResult;
import io.gatehouse.auth.Authenticator;
import io.gatehouse.auth.Principal;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.LimitStores;
import io.gatehouse.limit.Tier;
import io.gatehouse.limit.TieredRateLimiter;
import io.gatehouse.observe.InMemoryUsageRecorderTest.ManualClock;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AnalyticsTest {

    private static final Authenticator BY_HEADER = request -> {
        String user = request.header("X-User");
        if (user == null) {
            return AuthResult.noCredentials();
        }
        if (user.equals("mallory")) {
            return new AuthResult.Rejected(ErrorCode.INVALID_API_KEY, "bad key");
        }
        return new AuthResult.Authenticated(new Principal(user, user.startsWith("vip")
                ? "vip" : "free", Set.of(), Set.of(), "key-" + user));
    };

    private final ManualClock clock = new ManualClock("2026-06-01T10:00:00Z");
    private final AtomicLong nanos = new AtomicLong();

    private Gateway gateway(Analytics analytics) {
        return Gateway.builder(Router.of(List.of(
                        Route.builder("chat", "/chat").cost(4).build(),
                        Route.builder("embed", "/embed").build())))
                .authenticator(BY_HEADER)
                // /nowhere is refused 404 by the gateway, so analytics sees it.
                .unmatchedPaths(UnmatchedPaths.NOT_FOUND)
                .rateLimiter(TieredRateLimiter.builder(LimitStores.inMemory())
                        .tier(Tier.of("free",
                                LimitRule.fixedWindow("per-day", 20, Duration.ofDays(1))))
                        .tier(Tier.of("vip",
                                LimitRule.fixedWindow("per-day", 1_000, Duration.ofDays(1))))
                        .build())
                .nanoTime(nanos::get)
                .analytics(analytics)
                .build();
    }

    /** One call taking {@code micros}; completes admitted ones with {@code actualCost}. */
    private Admission call(Gateway gateway, String path, String user, long micros,
            long actualCost) {
        TestExchange exchange = TestExchange.request("GET", path);
        if (user != null) {
            exchange.header("X-User", user);
        }
        Admission admission = gateway.admit(exchange);
        nanos.addAndGet(micros * 1_000);
        if (admission instanceof Admission.Admitted admitted) {
            admitted.grant().complete(new Outcome(200, actualCost));
        }
        return admission;
    }

    @Test
    void countsRequestsRefusalsCostAndLatencyPerPrincipalTierAndRoute() {
        Analytics analytics = Analytics.builder().clock(clock).build();
        Gateway gateway = gateway(analytics);
        for (int i = 1; i <= 5; i++) {
            call(gateway, "/chat", "alice", 1_000 * i, -1); // 1 ms to 5 ms, cost 4 each
        }
        // 20 units a day at cost 4: the sixth is refused with 429, its principal known.
        assertThat(call(gateway, "/chat", "alice", 50, -1))
                .isInstanceOf(Admission.Rejected.class);
        call(gateway, "/embed", "vip-bob", 200, 700);
        call(gateway, "/embed", "vip-bob", 200, 300);
        call(gateway, "/embed", "mallory", 30, -1);
        call(gateway, "/embed", null, 30, -1);
        call(gateway, "/nowhere", null, 10, -1);

        Analytics.Report report = analytics.report(10);

        assertThat(report.totalRequests()).isEqualTo(11);
        assertThat(report.totalRejections()).containsExactlyInAnyOrderEntriesOf(Map.of(
                ErrorCode.RATE_LIMIT_EXCEEDED, 1L, ErrorCode.INVALID_API_KEY, 1L,
                ErrorCode.MISSING_CREDENTIALS, 1L, ErrorCode.NOT_FOUND, 1L));
        Analytics.EntryReport alice = report.top().get(0);
        assertThat(alice.principal()).isEqualTo("alice");
        assertThat(alice.tier()).isEqualTo("free");
        assertThat(alice.route()).isEqualTo("chat");
        assertThat(alice.requests()).isEqualTo(6);
        assertThat(alice.rejections()).containsExactlyEntriesOf(
                Map.of(ErrorCode.RATE_LIMIT_EXCEEDED, 1L));
        assertThat(alice.cost()).isEqualTo(20);
        // Latencies 1 to 5 ms, and the refusal's 0 (counted as 1 us): the median is 2 ms.
        // One significant digit: each percentile within 1/16 of the true value.
        assertThat(alice.p50Micros()).isBetween(2_000L, 2_000L + 2_000L / 16);
        assertThat(alice.maxMicros()).isBetween(5_000L, 5_000L + 5_000L / 16);
        assertThat(report.top()).extracting(Analytics.EntryReport::principal)
                .containsExactly("alice", "-", "vip-bob", "-");
        assertThat(report.top().get(1).route()).isEqualTo("embed");
        assertThat(report.top().get(1).requests()).isEqualTo(2);
        assertThat(report.top().get(3).route()).isEqualTo("none");
        assertThat(report.topConsumers()).first().satisfies(top -> {
            assertThat(top.principal()).isEqualTo("vip-bob");
            assertThat(top.requests()).isEqualTo(2);
            assertThat(top.cost()).isEqualTo(1_000);
        });
        assertThat(analytics.report(1).top()).hasSize(1);
    }

    @Test
    void aReportCoversThePreviousAndTheCurrentWindowOnly() {
        Analytics analytics = Analytics.builder().clock(clock).window(Duration.ofMinutes(1))
                .build();
        Gateway gateway = gateway(analytics);
        call(gateway, "/embed", "vip-a", 10, -1);
        clock.advance(Duration.ofMinutes(1));
        call(gateway, "/embed", "vip-a", 10, -1);
        call(gateway, "/embed", "vip-a", 10, -1);
        assertThat(analytics.report(5).top().get(0).requests()).isEqualTo(3);
        clock.advance(Duration.ofMinutes(1));
        assertThat(analytics.report(5).top().get(0).requests()).isEqualTo(2);
        clock.advance(Duration.ofMinutes(1));
        assertThat(analytics.report(5).top()).isEmpty();
        assertThat(analytics.report(5).totalRequests()).isEqualTo(3);
    }

    @Test
    void memoryStaysBoundedWhateverTheNumberOfPrincipalsAndTotalsStayExact()
            throws Exception {
        Analytics analytics = Analytics.builder().clock(clock).maximumEntries(1_000).build();
        Gateway gateway = gateway(analytics);
        // 8 threads, 50,000 distinct principals: fifty times the bound.
        Concurrently.run(8, 8, thread -> () -> {
            for (int i = 0; i < 6_250; i++) {
                call(gateway, "/embed", "vip-" + thread + "-" + i, 10, -1);
            }
            return null;
        }, Duration.ofSeconds(120));

        assertThat(analytics.size()).isLessThanOrEqualTo(1_000);
        Analytics.Report report = analytics.report(1_000);
        assertThat(report.entries()).isLessThanOrEqualTo(1_000);
        assertThat(report.top()).hasSizeLessThanOrEqualTo(1_000);
        assertThat(report.totalRequests()).isEqualTo(50_000);
        assertThat(report.evictedEntries()).isGreaterThanOrEqualTo(49_000);
        assertThat(report.maximumEntries()).isEqualTo(1_000);
    }
}
