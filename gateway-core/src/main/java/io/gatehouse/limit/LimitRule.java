package io.gatehouse.limit;

import java.time.Duration;
import java.util.Objects;

/**
 * One limit: an algorithm, how many units it allows per period, what it counts by, and how it
 * behaves when its store fails. Built once and validated when built.
 *
 * <p>Immutable.
 */
public final class LimitRule {

    /** Largest state value any store keeps: integers must stay exact in Lua's doubles. */
    static final long MAX_EXACT = 1L << 53;

    private final String name;
    private final Algorithm algorithm;
    private final long limit;
    private final Duration period;
    private final long periodMicros;
    private final long burst;
    private final KeyScope scope;
    private final FailurePolicy failurePolicy;
    private final boolean shadow;

    private LimitRule(Builder builder) {
        this.name = builder.name;
        this.algorithm = builder.algorithm;
        this.limit = builder.limit;
        this.period = builder.period;
        this.periodMicros = builder.period.toNanos() / 1_000;
        this.burst = builder.burst > 0 ? builder.burst : builder.limit;
        this.scope = builder.scope;
        this.failurePolicy = builder.failurePolicy;
        this.shadow = builder.shadow;
    }

    /** Starts a rule named {@code name} (used in headers, problems and metrics). */
    public static Builder builder(String name, Algorithm algorithm) {
        return new Builder(name, algorithm);
    }

    /** A token bucket of {@code limit} per {@code period}, burst equal to the limit. */
    public static LimitRule tokenBucket(String name, long limit, Duration period) {
        return builder(name, Algorithm.TOKEN_BUCKET).limit(limit, period).build();
    }

    /** A sliding window counter of {@code limit} per {@code period}. */
    public static LimitRule slidingWindow(String name, long limit, Duration period) {
        return builder(name, Algorithm.SLIDING_WINDOW).limit(limit, period).build();
    }

    /** The rule's name, e.g. {@code per-hour}. */
    public String name() {
        return name;
    }

    public Algorithm algorithm() {
        return algorithm;
    }

    /** Units allowed per period (requests in flight for {@link Algorithm#CONCURRENCY}). */
    public long limit() {
        return limit;
    }

    /** The window or refill period (lease expiry for {@link Algorithm#CONCURRENCY}). */
    public Duration period() {
        return period;
    }

    /** {@link #period()} in microseconds. */
    public long periodMicros() {
        return periodMicros;
    }

    /** Token bucket capacity; equals {@link #limit()} unless set. */
    public long burst() {
        return burst;
    }

    public KeyScope scope() {
        return scope;
    }

    public FailurePolicy failurePolicy() {
        return failurePolicy;
    }

    /** Whether the rule only reports what it would decide and never refuses. */
    public boolean shadow() {
        return shadow;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof LimitRule rule
                && name.equals(rule.name)
                && algorithm == rule.algorithm
                && limit == rule.limit
                && periodMicros == rule.periodMicros
                && burst == rule.burst
                && scope == rule.scope
                && failurePolicy == rule.failurePolicy
                && shadow == rule.shadow;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, algorithm, limit, periodMicros, burst, scope);
    }

    @Override
    public String toString() {
        return name + "[" + algorithm + " " + limit + "/" + period + ", burst " + burst
                + ", by " + scope + (shadow ? ", shadow" : "") + "]";
    }

    /** Collects a rule's settings. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private final Algorithm algorithm;
        private long limit = -1;
        private Duration period;
        private long burst;
        private KeyScope scope = KeyScope.PRINCIPAL;
        private FailurePolicy failurePolicy = FailurePolicy.FAIL_OPEN;
        private boolean shadow;

        private Builder(String name, Algorithm algorithm) {
            this.name = Objects.requireNonNull(name, "name");
            this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
            if (name.isBlank() || !name.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '"')) {
                throw new IllegalArgumentException(
                        "limit name must be printable ASCII without spaces or quotes: '" + name + "'");
            }
        }

        /** Allows {@code limit} units per {@code period}. */
        public Builder limit(long limit, Duration period) {
            this.limit = limit;
            this.period = Objects.requireNonNull(period, "period");
            return this;
        }

        /** Token bucket capacity, when bursts may exceed the per-period limit. */
        public Builder burst(long burst) {
            this.burst = burst;
            return this;
        }

        public Builder scope(KeyScope scope) {
            this.scope = Objects.requireNonNull(scope, "scope");
            return this;
        }

        public Builder failurePolicy(FailurePolicy failurePolicy) {
            this.failurePolicy = Objects.requireNonNull(failurePolicy, "failurePolicy");
            return this;
        }

        /** Decide and report, but never refuse. */
        public Builder shadow(boolean shadow) {
            this.shadow = shadow;
            return this;
        }

        /**
         * Validates and builds the rule.
         *
         * @throws IllegalArgumentException naming the bad value
         */
        public LimitRule build() {
            if (period == null) {
                throw new IllegalArgumentException("limit '" + name + "' needs limit(n, period)");
            }
            if (limit < 1) {
                throw new IllegalArgumentException(
                        "limit '" + name + "' must allow at least 1, was " + limit);
            }
            if (period.toNanos() < 1_000_000 || period.compareTo(Duration.ofDays(400)) > 0) {
                throw new IllegalArgumentException("limit '" + name
                        + "' period must be between 1 ms and 400 days, was " + period);
            }
            if (burst < 0 || burst > 0 && algorithm != Algorithm.TOKEN_BUCKET) {
                throw new IllegalArgumentException(
                        "limit '" + name + "' burst applies to token buckets only, was " + burst);
            }
            if (Math.max(limit, burst) >= MAX_EXACT / 1_000_000) {
                throw new IllegalArgumentException(
                        "limit '" + name + "' is too large to count exactly: " + Math.max(limit, burst));
            }
            return new LimitRule(this);
        }
    }
}
