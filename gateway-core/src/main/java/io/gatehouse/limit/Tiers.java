package io.gatehouse.limit;

import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

/**
 * Ready-made plans. Every preset tier has six limits, all keyed by principal and falling back to
 * local limits when a shared store fails ({@link FailurePolicy#LOCAL_FALLBACK}):
 *
 * <table>
 *   <caption>Preset tiers</caption>
 *   <tr><th>tier</th><th>per-minute</th><th>per-hour</th><th>per-day</th><th>burst</th>
 *       <th>cost-per-hour</th><th>concurrency</th></tr>
 *   <tr><td>free</td><td>10</td><td>100</td><td>1,000</td><td>5</td><td>10,000</td><td>2</td></tr>
 *   <tr><td>basic</td><td>60</td><td>1,000</td><td>10,000</td><td>20</td><td>100,000</td>
 *       <td>5</td></tr>
 *   <tr><td>premium</td><td>300</td><td>10,000</td><td>100,000</td><td>50</td>
 *       <td>1,000,000</td><td>20</td></tr>
 *   <tr><td>enterprise</td><td>1,000</td><td>50,000</td><td>1,000,000</td><td>200</td>
 *       <td>10,000,000</td><td>100</td></tr>
 *   <tr><td>system</td><td>10,000</td><td>500,000</td><td>10,000,000</td><td>2,000</td>
 *       <td>100,000,000</td><td>1,000</td></tr>
 * </table>
 *
 * <ul>
 *   <li>{@code per-minute}, {@code per-hour}: sliding window counters of requests.</li>
 *   <li>{@code per-day}: a fixed window of requests per calendar day in the given zone (UTC by
 *       default), resetting at midnight.</li>
 *   <li>{@code burst}: a token bucket of requests holding the burst, refilled at the
 *       per-minute rate, so no second-scale spike exceeds it.</li>
 *   <li>{@code cost-per-hour}: a token bucket of cost units (e.g. LLM tokens) refilled at the
 *       hourly amount; requests reserve their route's cost and settle the actual cost.</li>
 *   <li>{@code concurrency}: requests in flight; a lease never released expires after
 *       10 minutes.</li>
 * </ul>
 *
 * <p>Immutable.
 */
public final class Tiers {

    public static final String FREE = "free";
    public static final String BASIC = "basic";
    public static final String PREMIUM = "premium";
    public static final String ENTERPRISE = "enterprise";
    public static final String SYSTEM = "system";

    /** How long an unreleased concurrency lease of a preset tier lives. */
    public static final Duration LEASE_EXPIRY = Duration.ofMinutes(10);

    private Tiers() {
    }

    /** The five preset tiers, days counted in UTC. */
    public static List<Tier> presets() {
        return presets(ZoneOffset.UTC);
    }

    /** The five preset tiers, days counted in {@code dayZone}. */
    public static List<Tier> presets(ZoneId dayZone) {
        Objects.requireNonNull(dayZone, "dayZone");
        return List.of(
                tier(FREE, 10, 100, 1_000, 5, 10_000, 2, dayZone),
                tier(BASIC, 60, 1_000, 10_000, 20, 100_000, 5, dayZone),
                tier(PREMIUM, 300, 10_000, 100_000, 50, 1_000_000, 20, dayZone),
                tier(ENTERPRISE, 1_000, 50_000, 1_000_000, 200, 10_000_000, 100, dayZone),
                tier(SYSTEM, 10_000, 500_000, 10_000_000, 2_000, 100_000_000, 1_000, dayZone));
    }

    /**
     * The preset tier named {@code name}, days counted in UTC.
     *
     * @throws IllegalArgumentException if there is no such preset
     */
    public static Tier preset(String name) {
        return presets().stream().filter(tier -> tier.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no preset tier '" + name
                        + "'; presets are free, basic, premium, enterprise and system"));
    }

    /**
     * A tier with the six preset kinds of limit and the given amounts, for plans between or
     * beyond the presets.
     */
    public static Tier tier(String name, long perMinute, long perHour, long perDay, long burst,
            long costPerHour, long concurrency, ZoneId dayZone) {
        return Tier.of(name,
                rule("per-minute", LimitAlgorithm.SLIDING_WINDOW)
                        .limit(perMinute, Duration.ofMinutes(1))
                        .countRequests().build(),
                rule("per-hour", LimitAlgorithm.SLIDING_WINDOW).limit(perHour, Duration.ofHours(1))
                        .countRequests().build(),
                rule("per-day", LimitAlgorithm.FIXED_WINDOW)
                        .calendar(perDay, ChronoUnit.DAYS, dayZone)
                        .countRequests().build(),
                rule("burst", LimitAlgorithm.TOKEN_BUCKET).limit(perMinute, Duration.ofMinutes(1))
                        .burst(burst).countRequests().build(),
                rule("cost-per-hour", LimitAlgorithm.TOKEN_BUCKET)
                        .limit(costPerHour, Duration.ofHours(1)).build(),
                rule("concurrency", LimitAlgorithm.CONCURRENCY).limit(concurrency, LEASE_EXPIRY)
                        .build());
    }

    private static LimitRule.Builder rule(String name, LimitAlgorithm algorithm) {
        return LimitRule.builder(name, algorithm).failurePolicy(FailurePolicy.LOCAL_FALLBACK);
    }
}
