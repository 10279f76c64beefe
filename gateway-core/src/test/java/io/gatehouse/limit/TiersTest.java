package io.gatehouse.limit;

import io.gatehouse.TestExchange;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.Admission;
import io.gatehouse.Gateway;
import io.gatehouse.Outcome;
import io.gatehouse.auth.AuthResult;
import io.gatehouse.auth.Principal;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TiersTest {

    @Test
    void presetsAreTheFiveDocumentedTiersWithSixLimitsEach() {
        List<Tier> presets = Tiers.presets();
        assertThat(presets).extracting(Tier::name)
                .containsExactly("free", "basic", "premium", "enterprise", "system");
        for (Tier tier : presets) {
            assertThat(tier.limits()).extracting(LimitRule::name).containsExactly(
                    "per-minute", "per-hour", "per-day", "burst", "cost-per-hour", "concurrency");
        }
        Tier free = Tiers.preset("free");
        assertThat(free.limits()).extracting(LimitRule::limit)
                .containsExactly(10L, 100L, 1_000L, 10L, 10_000L, 2L);
        assertThat(free.limits().get(3).burst()).isEqualTo(5);
        assertThat(free.limits().get(2).calendarAligned()).isTrue();
        assertThat(free.limits().get(4).countsRequests()).isFalse();
        assertThat(free.limits().get(0).countsRequests()).isTrue();
        assertThat(Tiers.preset("system").limits()).extracting(LimitRule::limit)
                .containsExactly(10_000L, 500_000L, 10_000_000L, 10_000L, 100_000_000L, 1_000L);
        assertThatThrownBy(() -> Tiers.preset("gold")).hasMessageContaining("'gold'");
    }

    @Test
    void freePresetRefusesTheSixthRequestOfABurstAndReportsItsPolicies() {
        FakeMicroClock clock = new FakeMicroClock();
        Route route = Route.builder("invocations", "/invocations").cost(50).build();
        Principal bob = new Principal("bob", Tiers.FREE, Set.of(), Set.of(), "key_1");
        Gateway gateway = Gateway.builder(Router.of(List.of(route)))
                .authenticator(request -> new AuthResult.Authenticated(bob))
                .rateLimiter(TieredRateLimiter.builder(LimitStores.inMemory(clock)).clock(clock)
                        .tiers(Tiers.presets()).build())
                .build();
        for (int i = 0; i < 5; i++) {
            Admission admission = gateway.admit(TestExchange.request("GET", "/invocations"));
            assertThat(admission).isInstanceOf(Admission.Admitted.class);
            ((Admission.Admitted) admission).grant().complete(new Outcome(200, 10));
        }
        Admission sixth = gateway.admit(TestExchange.request("GET", "/invocations"));

        assertThat(sixth).isInstanceOf(Admission.Rejected.class);
        assertThat(((Admission.Rejected) sixth).problem().extensions())
                .containsEntry("limit_type", "burst").containsEntry("retry_after", 6L);
        assertThat(sixth.headers().get("RateLimit-Policy")).isEqualTo(
                "\"per-minute\";q=10;w=60, \"per-hour\";q=100;w=3600, \"per-day\";q=1000;w=86400, "
                        + "\"burst\";q=5;w=30, \"cost-per-hour\";q=10000;w=3600, "
                        + "\"concurrency\";q=2");
    }

    @Test
    void calendarDaysFollowTheZoneIncludingDaylightSavingShifts() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        LimitRule perDay = Tiers.presets(berlin).get(0).limits().get(2);
        // 2026-03-29 is 23 hours long in Berlin: clocks jump from 02:00 to 03:00.
        long march29 = micros("2026-03-28T23:00:00Z");
        assertThat(perDay.windowEndMicros(march29)).isEqualTo(micros("2026-03-29T22:00:00Z"));
        assertThat(perDay.windowLengthMicros(march29)).isEqualTo(23L * 3_600_000_000L);
        assertThat(perDay.windowEndMicros(march29 - 1)).isEqualTo(march29);
        LimitRule utcDay = Tiers.presets().get(0).limits().get(2);
        assertThat(utcDay.windowEndMicros(march29)).isEqualTo(micros("2026-03-29T00:00:00Z"));
    }

    @Test
    void windowEndsChainSoASharedStoreCanUseTheNextWindowWhenItsClockIsAhead() {
        LimitRule month = LimitRule.builder("per-month", LimitAlgorithm.FIXED_WINDOW)
                .calendar(100, java.time.temporal.ChronoUnit.MONTHS, ZoneId.of("UTC")).build();
        long gatewayNow = micros("2026-01-31T23:59:59Z");
        long end1 = month.windowEndMicros(gatewayNow);
        long end2 = month.windowEndMicros(end1);
        assertThat(end1).isEqualTo(micros("2026-02-01T00:00:00Z"));
        assertThat(end2).isEqualTo(micros("2026-03-01T00:00:00Z"));
        assertThat(month.windowLengthMicros(end1)).isEqualTo(28L * 24 * 3_600_000_000L);
    }

    private static long micros(String instant) {
        return Instant.parse(instant).getEpochSecond() * 1_000_000L;
    }
}
