package io.gatehouse.limit;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.GatewayRequest;
import io.gatehouse.TestExchange;
import io.gatehouse.auth.Principal;
import io.gatehouse.route.Route;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TieredRateLimiterQuotasTest {

    private static final long SECOND = 1_000_000L;
    private static final LimitRule PER_MINUTE =
            LimitRule.fixedWindow("per-minute", 5, Duration.ofMinutes(1));
    private static final LimitRule PER_HOUR =
            LimitRule.tokenBucket("per-hour", 10, Duration.ofHours(1));
    private static final LimitRule PER_KEY = LimitRule.builder("per-key",
            LimitAlgorithm.FIXED_WINDOW).limit(3, Duration.ofMinutes(1))
            .scope(KeyScope.CREDENTIAL).build();
    private static final LimitRule PER_ADDRESS = LimitRule.builder("per-address",
            LimitAlgorithm.FIXED_WINDOW).limit(3, Duration.ofMinutes(1))
            .scope(KeyScope.CLIENT_ADDRESS).build();
    private static final Route CHAT = Route.builder("chat", "/chat").build();

    private final FakeMicroClock clock = new FakeMicroClock();
    private final TieredRateLimiter limiter = TieredRateLimiter.builder(LimitStores.inMemory(clock))
            .tier(Tier.of("pro", PER_MINUTE, PER_HOUR, PER_KEY, PER_ADDRESS))
            .clock(clock)
            .build();

    private static Principal principal(String id, String credential) {
        return new Principal(id, "pro", Set.of(), Set.of(), credential);
    }

    private void admit(Principal principal) {
        GatewayRequest request = new GatewayRequest(TestExchange.request("GET", "/chat"), "r",
                "/chat", "203.0.113.9");
        assertThat(limiter.acquire(request, principal, CHAT))
                .isInstanceOf(LimitDecision.Allowed.class);
    }

    @Test
    void quotasReadWhatTheTierHasLeftWithoutConsumingIt() {
        Principal alice = principal("alice", "key-1");
        admit(alice);
        clock.advanceMicros(10 * SECOND);
        admit(alice);

        for (int read = 0; read < 5; read++) {
            assertThat(limiter.quotas(alice)).containsExactly(
                    new LimitQuota(PER_MINUTE, 3, 50 * SECOND),
                    new LimitQuota(PER_HOUR, 8, 2 * 360 * SECOND - 10 * SECOND),
                    new LimitQuota(PER_KEY, 1, 50 * SECOND));
        }
        // The address-keyed limit depends on a request and is not read.
        assertThat(limiter.quotas(alice)).extracting(q -> q.rule().name())
                .doesNotContain("per-address");
        assertThat(limiter.quotas(alice).get(1).quota()).isEqualTo(10);
    }

    @Test
    void anotherPrincipalWithoutACredentialReadsOnlyItsPrincipalLimits() {
        admit(principal("bob", "key-2"));
        assertThat(limiter.quotas(principal("bob", ""))).extracting(LimitQuota::rule)
                .containsExactly(PER_MINUTE, PER_HOUR);
        assertThat(limiter.quotas(principal("bob", "")).get(0).remaining()).isEqualTo(4);
    }

    @Test
    void anonymousAndUnknownTiersReadNothing() {
        assertThat(limiter.quotas(Principal.anonymous())).isEmpty();
        assertThat(limiter.quotas(new Principal("carol", "gold", Set.of(), Set.of(), "k")))
                .isEmpty();
        assertThat(limiter.quotas(principal("dave", "k"))).extracting(LimitQuota::remaining)
                .containsExactly(5L, 10L, 3L);
        assertThat(List.of(limiter.tiers().get("pro").limits().size())).containsExactly(4);
    }
}
