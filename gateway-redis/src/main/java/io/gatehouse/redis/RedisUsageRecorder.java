package io.gatehouse.redis;

import io.gatehouse.Outcome;
import io.gatehouse.auth.Principal;
import io.gatehouse.observe.Usage;
import io.gatehouse.observe.UsageQuery;
import io.gatehouse.observe.UsageRecorder;
import io.gatehouse.observe.WindowedUsage;
import io.gatehouse.route.Route;
import java.util.Objects;

/**
 * A {@link UsageRecorder} over {@link RedisUsageCounters}: every completed request adds one
 * request and its cost to its principal's counts of the current UTC minute, hour, day and month
 * ({@link UsageQuery}), shared by every gateway instance using the same Redis. Recording makes
 * no round trip (the counters write in batches).
 *
 * <p>Thread-safe.
 */
public final class RedisUsageRecorder implements UsageRecorder, UsageQuery {

    private final RedisUsageCounters counters;

    /** Records into {@code counters}, which the caller keeps owning. */
    public RedisUsageRecorder(RedisUsageCounters counters) {
        this.counters = Objects.requireNonNull(counters, "counters");
    }

    @Override
    public void record(Principal principal, Route route, Outcome outcome, long cost) {
        counters.record(principal.id(), principal.tier(), cost);
    }

    /**
     * Today's (UTC) usage of {@code principalId} across every instance: what Redis holds plus
     * what this instance has not written yet.
     *
     * @throws RedisUnavailableException when Redis cannot be read
     */
    public Usage usage(String principalId) {
        RedisUsageCounters.Usage today = counters.usageToday(principalId);
        return new Usage(today.requests(), today.cost());
    }

    /**
     * Usage of {@code principalId} in the current UTC minute, hour, day and month across every
     * instance: what Redis holds plus what this instance has not written yet.
     *
     * @throws RedisUnavailableException when Redis cannot be read
     */
    @Override
    public WindowedUsage windowed(String principalId) {
        return counters.windowed(principalId);
    }

    /** The counters behind this recorder. */
    public RedisUsageCounters counters() {
        return counters;
    }
}
