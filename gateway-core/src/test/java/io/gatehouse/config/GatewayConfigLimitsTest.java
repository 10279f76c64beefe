package io.gatehouse.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.Admission;
import io.gatehouse.Gateway;
import io.gatehouse.limit.LimitAlgorithm;
import io.gatehouse.limit.FailurePolicy;
import io.gatehouse.limit.KeyScope;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.LimitStores;
import io.gatehouse.limit.RateLimiter;
import io.gatehouse.limit.Tier;
import io.gatehouse.limit.TieredRateLimiter;
import io.gatehouse.limit.Tiers;
import io.gatehouse.route.Route;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Tiers and limits: the file and the builders make equal objects; bad values name themselves. */
class GatewayConfigLimitsTest {

    private static final Function<String, String> NO_ENV = name -> null;

    private static final String TIERS = """
            routes:
              - id: invocations
                methods: [POST]
                path: /invocations
                cost: 5
                allow_from: [10.0.0.0/8]
                deny_from: [10.9.0.0/16]
                limits:
                  - {name: route-global, algorithm: fixed_window, limit: 1000, period: 1m,
                     scope: global}
                  - {name: per-address, algorithm: sliding_log, limit: 20, period: 10s,
                     scope: client_address, failure_policy: fail_closed}
              - id: health
                path: /health
                public: true
            tiers:
              free:
                - name: per-second
                  algorithm: token_bucket
                  limit: 5
                  period: 1s
                  burst: 10
                  count_requests: true
                - name: per-hour
                  algorithm: sliding_window
                  limit: ${FREE_PER_HOUR:-10}
                  period: 1h
                  scope: credential
                  failure_policy: local_fallback
                - name: monthly
                  limit: 100_000
                  calendar: month
                  zone: Europe/Berlin
                - name: daily
                  algorithm: fixed_window
                  limit: 1000
                  calendar: day
                - name: in-flight
                  algorithm: concurrency
                  limit: 2
                  period: 30d
                - name: trial
                  algorithm: sliding_log
                  limit: 3
                  period: 500ms
                  shadow: true
                  scope: route
              empty: []
            """;

    private static List<Tier> builderTiers() {
        return List.of(
                Tier.of("free",
                        LimitRule.builder("per-second", LimitAlgorithm.TOKEN_BUCKET)
                                .limit(5, Duration.ofSeconds(1)).burst(10).countRequests()
                                .build(),
                        LimitRule.builder("per-hour", LimitAlgorithm.SLIDING_WINDOW)
                                .limit(10, Duration.ofHours(1)).scope(KeyScope.CREDENTIAL)
                                .failurePolicy(FailurePolicy.LOCAL_FALLBACK).build(),
                        LimitRule.builder("monthly", LimitAlgorithm.FIXED_WINDOW)
                                .calendar(100_000, ChronoUnit.MONTHS, ZoneId.of("Europe/Berlin"))
                                .build(),
                        LimitRule.builder("daily", LimitAlgorithm.FIXED_WINDOW)
                                .calendar(1000, ChronoUnit.DAYS, ZoneOffset.UTC).build(),
                        LimitRule.concurrency("in-flight", 2, Duration.ofDays(30)),
                        LimitRule.builder("trial", LimitAlgorithm.SLIDING_LOG)
                                .limit(3, Duration.ofMillis(500)).shadow(true)
                                .scope(KeyScope.ROUTE).build()),
                Tier.of("empty"));
    }

    private static Route builderInvocations() {
        return Route.builder("invocations", "/invocations")
                .methods("POST")
                .cost(5)
                .allowFrom("10.0.0.0/8")
                .denyFrom("10.9.0.0/16")
                .limit(LimitRule.builder("route-global", LimitAlgorithm.FIXED_WINDOW)
                        .limit(1000, Duration.ofMinutes(1)).scope(KeyScope.GLOBAL).build())
                .limit(LimitRule.builder("per-address", LimitAlgorithm.SLIDING_LOG)
                        .limit(20, Duration.ofSeconds(10)).scope(KeyScope.CLIENT_ADDRESS)
                        .failurePolicy(FailurePolicy.FAIL_CLOSED).build())
                .build();
    }

    /** Routes have no equals: compare everything a file can set. */
    private static void assertSameRoute(Route actual, Route expected) {
        assertThat(actual.id()).isEqualTo(expected.id());
        assertThat(actual.methods()).isEqualTo(expected.methods());
        assertThat(actual.pattern().toString()).isEqualTo(expected.pattern().toString());
        assertThat(actual.publicAccess()).isEqualTo(expected.publicAccess());
        assertThat(actual.requiredRoles()).isEqualTo(expected.requiredRoles());
        assertThat(actual.requiredPermissions()).isEqualTo(expected.requiredPermissions());
        assertThat(actual.limits()).isEqualTo(expected.limits());
        assertThat(actual.maxBodyBytes()).isEqualTo(expected.maxBodyBytes());
        assertThat(actual.cost()).isEqualTo(expected.cost());
        assertThat(actual.allowFrom()).hasToString(expected.allowFrom().toString());
        assertThat(actual.denyFrom()).hasToString(expected.denyFrom().toString());
        assertThat(actual.validators()).hasSameSizeAs(expected.validators());
    }

    @Test
    void fileAndBuildersMakeEqualTiers() {
        GatewayConfig config = GatewayConfig.parse(TIERS, NO_ENV);

        assertThat(config.tiers()).isEqualTo(builderTiers());
        // Equality is not vacuous: one changed setting makes the tiers differ.
        assertThat(GatewayConfig.parse(TIERS.replace("burst: 10", "burst: 11"), NO_ENV).tiers())
                .isNotEqualTo(builderTiers());
        assertThat(GatewayConfig.parse(TIERS.replace("shadow: true", "shadow: false"), NO_ENV)
                .tiers()).isNotEqualTo(builderTiers());
    }

    @Test
    void fileAndBuildersMakeEqualRoutesWithTheirLimits() {
        GatewayConfig config = GatewayConfig.parse(TIERS, NO_ENV);

        assertSameRoute(config.routes().get(0), builderInvocations());
        assertSameRoute(config.routes().get(1),
                Route.builder("health", "/health").publicAccess().build());
    }

    @Test
    void limitsTakeVariables() {
        GatewayConfig config = GatewayConfig.parse(TIERS, Map.of("FREE_PER_HOUR", "25")::get);

        assertThat(config.tiers().get(0).limits().get(1).limit()).isEqualTo(25);
    }

    @Test
    void presetsAreIncludedAndAFileTierOfTheSameNameReplacesIts() {
        GatewayConfig config = GatewayConfig.parse("""
                routes: [{id: r, path: /r}]
                presets: true
                tiers:
                  free: [{name: per-hour, algorithm: sliding_log, limit: 10, period: 1h}]
                  gold: [{name: per-hour, algorithm: sliding_log, limit: 500, period: 1h}]
                """, NO_ENV);

        List<Tier> expected = new ArrayList<>(Tiers.presets());
        expected.set(0, Tier.of("free", LimitRule.slidingLog("per-hour", 10,
                Duration.ofHours(1))));
        expected.add(Tier.of("gold", LimitRule.slidingLog("per-hour", 500,
                Duration.ofHours(1))));
        assertThat(config.tiers()).isEqualTo(expected);
    }

    @Test
    void presetsCountDaysInTheirZoneAndAreOffUnlessAsked() {
        assertThat(GatewayConfig.parse("""
                routes: [{id: r, path: /r}]
                presets: {zone: America/New_York}
                """, NO_ENV).tiers()).isEqualTo(Tiers.presets(ZoneId.of("America/New_York")));
        assertThat(GatewayConfig.parse("""
                routes: [{id: r, path: /r}]
                presets: false
                """, NO_ENV).tiers()).isEmpty();
    }

    @Test
    void withoutAnyLimitTheGatewayIsUnlimitedAndWithLimitsItIsTiered() {
        RateLimiter none = GatewayConfig.parse("routes: [{id: r, path: /r}]\n", NO_ENV)
                .rateLimiter(LimitStores.inMemory());
        RateLimiter tiered = GatewayConfig.parse(TIERS + "unknown_tier: free\n", NO_ENV)
                .rateLimiter(LimitStores.inMemory());

        assertThat(none).isNotInstanceOf(TieredRateLimiter.class);
        assertThat(tiered).isInstanceOfSatisfying(TieredRateLimiter.class, limiter ->
                assertThat(limiter.tiers()).containsOnlyKeys("free", "empty"));
    }

    @Test
    void routeLimitsFromTheFileAreEnforcedByTheGateway() {
        Gateway gateway = GatewayConfig.parse("""
                routes:
                  - id: open
                    path: /open
                    public: true
                    limits: [{name: per-minute, algorithm: fixed_window, limit: 2, period: 1m,
                              scope: global}]
                """, NO_ENV).gatewayBuilder().build();

        List<Admission> admissions = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            admissions.add(gateway.admit(new GatewayConfigTest.TestExchange("GET", "/open",
                    Map.of(), new byte[0])));
        }

        assertThat(admissions.get(0)).isInstanceOf(Admission.Admitted.class);
        assertThat(admissions.get(1)).isInstanceOf(Admission.Admitted.class);
        assertThat(admissions.get(2)).isInstanceOfSatisfying(Admission.Rejected.class, r -> {
            assertThat(r.problem().status()).isEqualTo(429);
            assertThat(r.headers().get("Retry-After")).isNotNull();
            assertThat(r.headers().get("RateLimit")).startsWith("\"per-minute\";r=0;");
        });
    }

    static Stream<Arguments> badLimitIsRefusedNamingItsPathAndValueCases() {
        return Stream.of(
                Arguments.of("{name: a, limit: 1, period: 5x}",
                        "tiers.free[0].period: '5x' is not a duration; write a whole number"
                        + " and a unit: ms, s, m, h or d (e.g. 500ms, 1m, 30d)"),
                Arguments.of("{name: a, limit: 1, period: 0s}",
                        "tiers.free[0].period: '0s' is not between 1ms and 400d"),
                Arguments.of("{name: a, limit: 1, period: 401d}",
                        "tiers.free[0].period: '401d' is not between 1ms and 400d"),
                Arguments.of("{name: a, limit: 0, period: 1s}",
                        "tiers.free[0].limit: must be between 1 and 9223372036854775807, was"
                        + " 0"),
                Arguments.of("{name: a, limit: ten, period: 1s}",
                        "tiers.free[0].limit: must be a whole number, was 'ten'"),
                Arguments.of("{name: a, period: 1s}",
                        "tiers.free[0].limit: is required"),
                Arguments.of("{name: a, limit: 1}",
                        "tiers.free[0].period: is required (or calendar: day, week or month)"),
                Arguments.of("{limit: 1, period: 1s}",
                        "tiers.free[0].name: is required"),
                Arguments.of("{name: 'a b', limit: 1, period: 1s}",
                        "tiers.free[0].name: limit name must be printable ASCII without"
                        + " spaces, quotes or backslashes: 'a b'"),
                Arguments.of("{name: a, algorithm: leaky, limit: 1, period: 1s}",
                        "tiers.free[0].algorithm: 'leaky' is not one of token_bucket,"
                        + " sliding_window, sliding_log, fixed_window, concurrency"),
                Arguments.of("{name: a, limit: 1, period: 1s, scope: custom}",
                        "tiers.free[0].scope: 'custom' is not one of principal, credential,"
                        + " client_address, route, global"),
                Arguments.of("{name: a, limit: 1, period: 1s, failure_policy: retry}",
                        "tiers.free[0].failure_policy: 'retry' is not one of fail_open,"
                        + " fail_closed, local_fallback"),
                Arguments.of("{name: a, limit: 1, period: 1s, shadow: maybe}",
                        "tiers.free[0].shadow: must be true or false, was 'maybe'"),
                Arguments.of("{name: a, limit: 1, period: 1s, burst: -1}",
                        "tiers.free[0].burst: must be between 1 and 9223372036854775807, was"
                        + " -1"),
                Arguments.of("{name: a, algorithm: fixed_window, limit: 1, period: 1s, burst: 5}",
                        "tiers.free[0]: limit 'a' burst applies to token buckets only, was 5"),
                Arguments.of("{name: a, limit: 1, calendar: year}",
                        "tiers.free[0].calendar: 'year' is not one of day, week, month"),
                Arguments.of("{name: a, limit: 1, calendar: day, zone: Mars/Base}",
                        "tiers.free[0].zone: 'Mars/Base' is not a time zone (e.g. UTC,"
                        + " Europe/Berlin, +02:00)"),
                Arguments.of("{name: a, limit: 1, calendar: day, period: 1d}",
                        "tiers.free[0].period: a calendar limit counts per calendar day,"
                        + " week or month and takes no period"),
                Arguments.of("{name: a, algorithm: token_bucket, limit: 1, calendar: day}",
                        "tiers.free[0].calendar: calendar windows apply to fixed_window"
                        + " limits only, not token_bucket"),
                Arguments.of("{name: a, limit: 1, period: 1s, zone: UTC}",
                        "tiers.free[0].zone: only a calendar limit has a time zone"),
                Arguments.of("{name: a, limit: 1, period: 1s, perod: 1s}",
                        "tiers.free[0].perod: unknown key; known keys are [algorithm, burst,"
                        + " calendar, count_requests, failure_policy, limit, name, period,"
                        + " scope, shadow, zone]"),
                Arguments.of("{name: a, algorithm: sliding_log, limit: 2000000, period: 1s}",
                        "tiers.free[0]: limit 'a' a sliding log keeps one entry per request:"
                        + " at most 1000000, was 2000000"),
                Arguments.of("{name: a, limit: '${UNSET_LIMIT}', period: 1s}",
                        "tiers.free[0].limit: environment variable UNSET_LIMIT is not set"
                        + " and has no default (write ${UNSET_LIMIT:-default})"),
                Arguments.of("per-hour",
                        "tiers.free[0]: a mapping is required"));
    }

    @ParameterizedTest
    @MethodSource("badLimitIsRefusedNamingItsPathAndValueCases")
    void badLimitIsRefusedNamingItsPathAndValue(String limit, String message) {
        String yaml = "routes: [{id: r, path: /r}]\ntiers:\n  free: [" + limit + "]\n";

        assertThatThrownBy(() -> GatewayConfig.parse(yaml, NO_ENV))
                .isInstanceOf(GatewayConfigException.class)
                .hasMessage(message);
    }

    static Stream<Arguments> badTierSectionIsRefusedNamingItsPathCases() {
        return Stream.of(
                Arguments.of("tiers: {free: [{name: a, limit: 1, period: 1s}, {name: a, limit: 2,"
                        + " period: 1s}]}",
                        "tiers.free[1].name: 'a' is used by an earlier limit of tier free"),
                Arguments.of("tiers: {free: {name: a}}",
                        "tiers.free: a list is required"),
                Arguments.of("tiers:\n  free:",
                        "tiers.free: a list of limits is required; write [] for a tier without "
                        + "limits"),
                Arguments.of("tiers: [free]",
                        "tiers: a mapping is required"),
                Arguments.of("presets: yes please",
                        "presets: must be true or false, was 'yes please'"),
                Arguments.of("presets: {zone: Nowhere/Land}",
                        "presets.zone: 'Nowhere/Land' is not a time zone (e.g. UTC,"
                        + " Europe/Berlin, +02:00)"),
                Arguments.of("presets: {zones: UTC}",
                        "presets.zones: unknown key; known keys are [zone]"),
                Arguments.of("unknown_tier: gold",
                        "unknown_tier: 'gold' is not a configured tier; tiers are []"));
    }

    @ParameterizedTest
    @MethodSource("badTierSectionIsRefusedNamingItsPathCases")
    void badTierSectionIsRefusedNamingItsPath(String section, String message) {
        String yaml = "routes: [{id: r, path: /r}]\n" + section + "\n";

        assertThatThrownBy(() -> GatewayConfig.parse(yaml, NO_ENV))
                .isInstanceOf(GatewayConfigException.class)
                .hasMessage(message);
    }

    static Stream<Arguments> badRouteLimitIsRefusedNamingItsPathCases() {
        return Stream.of(
                Arguments.of("limits: [{name: a, limit: 1, period: 1s}, {name: a, limit: 1,"
                        + " period: 1m}]",
                        "routes[0].limits[1].name: 'a' is used by an earlier limit of route r"),
                Arguments.of("limits: [{name: a, limit: 1, period: 1y}]",
                        "routes[0].limits[0].period: '1y' is not a duration; write a whole"
                        + " number and a unit: ms, s, m, h or d (e.g. 500ms, 1m, 30d)"),
                Arguments.of("allow_from: [10.0.0.0/33]",
                        "routes[0].allow_from: bad prefix length in CIDR block: '10.0.0.0/33'"));
    }

    @ParameterizedTest
    @MethodSource("badRouteLimitIsRefusedNamingItsPathCases")
    void badRouteLimitIsRefusedNamingItsPath(String setting, String message) {
        String yaml = "routes: [{id: r, path: /r, " + setting + "}]\n";

        assertThatThrownBy(() -> GatewayConfig.parse(yaml, NO_ENV))
                .isInstanceOf(GatewayConfigException.class)
                .hasMessage(message);
    }
}
