package io.gatehouse.limit;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
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

    /** Largest product of counts and periods a rule may need (see the package documentation). */
    static final long MAX_STATE = 1L << 51;

    private final String name;
    private final LimitAlgorithm algorithm;
    private final long limit;
    private final Duration period;
    private final long periodMicros;
    private final long burst;
    private final KeyScope scope;
    private final FailurePolicy failurePolicy;
    private final boolean shadow;
    private final ChronoUnit calendarUnit;
    private final ZoneId zone;
    private final boolean countRequests;
    private final int hash;
    /** Token bucket: one token in scaled units, {@code P / gcd(L, P)}. */
    final long tokenUnit;
    /** Token bucket: scaled units refilled per microsecond, {@code L / gcd(L, P)}. */
    final long refillRate;
    /** Token bucket: capacity in scaled units, {@code B * tokenUnit}. */
    final long capacityScaled;
    /** How long a state may sit untouched before it surely equals the fresh state. */
    final long idleMicros;
    /** The last calendar window computed, cached because computing one allocates. */
    private volatile long[] lastWindow;

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
        this.calendarUnit = builder.calendarUnit;
        this.zone = builder.zone;
        this.countRequests = builder.countRequests || algorithm == LimitAlgorithm.CONCURRENCY;
        long gcd = gcd(limit, periodMicros);
        this.tokenUnit = periodMicros / gcd;
        this.refillRate = limit / gcd;
        this.capacityScaled = algorithm == LimitAlgorithm.TOKEN_BUCKET ? burst * tokenUnit : 0;
        this.idleMicros = switch (algorithm) {
            // From the deepest debt (-cap) to full takes 2 * cap / rate.
            case TOKEN_BUCKET -> (2 * capacityScaled + refillRate - 1) / refillRate;
            case SLIDING_WINDOW -> 2 * periodMicros;
            case FIXED_WINDOW, SLIDING_LOG, CONCURRENCY -> periodMicros;
        } + Limits.MARGIN_MICROS;
        this.hash = Objects.hash(name, algorithm, limit, periodMicros, burst, scope,
                calendarUnit, zone, countRequests);
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    /** Starts a rule named {@code name} (used in headers, problems and metrics). */
    public static Builder builder(String name, LimitAlgorithm algorithm) {
        return new Builder(name, algorithm);
    }

    /** A token bucket of {@code limit} per {@code period}, burst equal to the limit. */
    public static LimitRule tokenBucket(String name, long limit, Duration period) {
        return builder(name, LimitAlgorithm.TOKEN_BUCKET).limit(limit, period).build();
    }

    /** A fixed window of {@code limit} per epoch-aligned {@code period}. */
    public static LimitRule fixedWindow(String name, long limit, Duration period) {
        return builder(name, LimitAlgorithm.FIXED_WINDOW).limit(limit, period).build();
    }

    /** An exact sliding log of {@code limit} per {@code period}. */
    public static LimitRule slidingLog(String name, long limit, Duration period) {
        return builder(name, LimitAlgorithm.SLIDING_LOG).limit(limit, period).build();
    }

    /** At most {@code limit} requests in flight; unreleased leases expire after {@code period}. */
    public static LimitRule concurrency(String name, long limit, Duration leaseExpiry) {
        return builder(name, LimitAlgorithm.CONCURRENCY).limit(limit, leaseExpiry).build();
    }

    /** A sliding window counter of {@code limit} per {@code period}. */
    public static LimitRule slidingWindow(String name, long limit, Duration period) {
        return builder(name, LimitAlgorithm.SLIDING_WINDOW).limit(limit, period).build();
    }

    /** The rule's name, e.g. {@code per-hour}. */
    public String name() {
        return name;
    }

    public LimitAlgorithm algorithm() {
        return algorithm;
    }

    /** Units allowed per period (requests in flight for {@link LimitAlgorithm#CONCURRENCY}). */
    public long limit() {
        return limit;
    }

    /** The window or refill period (lease expiry for {@link LimitAlgorithm#CONCURRENCY}). */
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

    /**
     * Whether every request counts as one unit whatever its route's cost. When false (the
     * default, except for concurrency) a request takes its route's cost and its actual cost is
     * settled when it completes.
     */
    public boolean countsRequests() {
        return countRequests;
    }

    /** The calendar unit of a calendar-aligned fixed window, if it is one. */
    public java.util.Optional<ChronoUnit> calendarUnit() {
        return java.util.Optional.ofNullable(calendarUnit);
    }

    /** The time zone of a calendar-aligned fixed window, if it is one. */
    public java.util.Optional<ZoneId> zone() {
        return java.util.Optional.ofNullable(zone);
    }

    /** Whether this fixed window follows the calendar (days, weeks, months) of a time zone. */
    public boolean calendarAligned() {
        return calendarUnit != null;
    }

    /**
     * The end of the fixed window containing {@code nowMicros}, in microseconds since the epoch:
     * the next multiple of {@link #periodMicros()} for epoch-aligned windows, the next start of
     * a day, week (Monday) or month in the rule's zone for calendar-aligned ones. Always greater
     * than {@code nowMicros}. Shared stores receive these ends from the gateway (see the
     * package documentation).
     */
    public long windowEndMicros(long nowMicros) {
        if (calendarUnit == null) {
            return nowMicros - Math.floorMod(nowMicros, periodMicros) + periodMicros;
        }
        long[] window = lastWindow;
        if (window != null && nowMicros >= window[0] && nowMicros < window[1]) {
            return window[1];
        }
        window = calendarWindow(nowMicros);
        lastWindow = window;
        return window[1];
    }

    /** The length in microseconds of the fixed window containing {@code nowMicros}. */
    public long windowLengthMicros(long nowMicros) {
        if (calendarUnit == null) {
            return periodMicros;
        }
        long end = windowEndMicros(nowMicros);
        return end - lastWindowStart(nowMicros, end);
    }

    private long lastWindowStart(long nowMicros, long end) {
        long[] window = lastWindow;
        return window != null && window[1] == end ? window[0] : calendarWindow(nowMicros)[0];
    }

    private long[] calendarWindow(long nowMicros) {
        Instant instant = Instant.ofEpochSecond(Math.floorDiv(nowMicros, 1_000_000L),
                Math.floorMod(nowMicros, 1_000_000L) * 1_000L);
        ZonedDateTime day = instant.atZone(zone).toLocalDate().atStartOfDay(zone);
        ZonedDateTime start = switch (calendarUnit) {
            case DAYS -> day;
            case WEEKS -> day.with(TemporalAdjusters.previousOrSame(java.time.DayOfWeek.MONDAY))
                    .toLocalDate().atStartOfDay(zone);
            case MONTHS -> day.withDayOfMonth(1).toLocalDate().atStartOfDay(zone);
            default -> throw new IllegalStateException("unsupported calendar unit " + calendarUnit);
        };
        ZonedDateTime end = start.toLocalDate().plus(1, calendarUnit).atStartOfDay(zone);
        return new long[] {micros(start), micros(end)};
    }

    private static long micros(ZonedDateTime time) {
        Instant instant = time.toInstant();
        return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000;
    }

    /**
     * This rule with its limit, and a token bucket's burst, divided among {@code instances}
     * gateways, rounded up: what one instance may grant alone while the shared store fails.
     */
    LimitRule shareOf(int instances) {
        if (instances == 1) {
            return this;
        }
        long share = (limit + instances - 1) / instances;
        Builder builder = builder(name, algorithm);
        if (calendarUnit != null) {
            builder.calendar(share, calendarUnit, zone);
        } else {
            builder.limit(share, period);
        }
        if (algorithm == LimitAlgorithm.TOKEN_BUCKET) {
            builder.burst((burst + instances - 1) / instances);
        }
        if (countRequests) {
            builder.countRequests();
        }
        return builder.scope(scope).failurePolicy(failurePolicy).shadow(shadow).build();
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
                && shadow == rule.shadow
                && calendarUnit == rule.calendarUnit
                && Objects.equals(zone, rule.zone)
                && countRequests == rule.countRequests;
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return name + "[" + algorithm + " " + limit + "/"
                + (calendarUnit == null ? period : calendarUnit + " in " + zone)
                + ", burst " + burst + ", by " + scope + (countRequests ? ", requests" : "")
                + (shadow ? ", shadow" : "") + "]";
    }

    /** Collects a rule's settings. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private final LimitAlgorithm algorithm;
        private long limit = -1;
        private Duration period;
        private long burst;
        private KeyScope scope = KeyScope.PRINCIPAL;
        private FailurePolicy failurePolicy = FailurePolicy.FAIL_OPEN;
        private boolean shadow;
        private ChronoUnit calendarUnit;
        private ZoneId zone;
        private boolean countRequests;

        private Builder(String name, LimitAlgorithm algorithm) {
            this.name = Objects.requireNonNull(name, "name");
            this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
            // Names appear as quoted strings in RateLimit headers: no quotes, no backslashes.
            if (name.isBlank() || !name.chars().allMatch(
                    c -> c > 0x20 && c < 0x7f && c != '"' && c != '\\')) {
                throw new IllegalArgumentException("limit name must be printable ASCII without"
                        + " spaces, quotes or backslashes: '" + name + "'");
            }
        }

        /** Allows {@code limit} units per {@code period}. */
        public Builder limit(long limit, Duration period) {
            this.limit = limit;
            this.period = Objects.requireNonNull(period, "period");
            return this;
        }

        /**
         * Allows {@code limit} units per calendar day, week (from Monday) or month in
         * {@code zone}, e.g. {@code calendar(1000, ChronoUnit.MONTHS, ZoneOffset.UTC)}; fixed
         * windows only. The nominal period becomes the longest such window (25 hours, 7 days
         * and 1 hour, 31 days and 1 hour, allowing for daylight saving shifts).
         */
        public Builder calendar(long limit, ChronoUnit unit, ZoneId zone) {
            this.calendarUnit = Objects.requireNonNull(unit, "unit");
            this.zone = Objects.requireNonNull(zone, "zone");
            if (unit != ChronoUnit.DAYS && unit != ChronoUnit.WEEKS && unit != ChronoUnit.MONTHS) {
                throw new IllegalArgumentException(
                        "limit '" + name + "' calendar unit must be DAYS, WEEKS or MONTHS, was "
                                + unit);
            }
            Duration longest = switch (unit) {
                case DAYS -> Duration.ofHours(25);
                case WEEKS -> Duration.ofDays(7).plusHours(1);
                default -> Duration.ofDays(31).plusHours(1);
            };
            return limit(limit, longest);
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

        /** Counts every request as one unit, ignoring route costs. */
        public Builder countRequests() {
            this.countRequests = true;
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
            if (burst < 0 || burst > 0 && algorithm != LimitAlgorithm.TOKEN_BUCKET) {
                throw new IllegalArgumentException(
                        "limit '" + name + "' burst applies to token buckets only, was " + burst);
            }
            if (Math.max(limit, burst) >= MAX_EXACT / 1_000_000) {
                throw new IllegalArgumentException(
                        "limit '" + name + "' is too large to count exactly: "
                                + Math.max(limit, burst));
            }
            if (calendarUnit != null && algorithm != LimitAlgorithm.FIXED_WINDOW) {
                throw new IllegalArgumentException(
                        "limit '" + name + "' calendar windows apply to fixed windows only, was "
                                + algorithm);
            }
            long periodMicros = period.toNanos() / 1_000;
            long limitsProduct = switch (algorithm) {
                case TOKEN_BUCKET -> {
                    long unit = periodMicros / gcd(limit, periodMicros);
                    long capacity = burst > 0 ? burst : limit;
                    yield capacity > MAX_STATE / unit ? Long.MAX_VALUE : capacity * unit;
                }
                case SLIDING_WINDOW -> limit > MAX_STATE / periodMicros
                        ? Long.MAX_VALUE : limit * periodMicros;
                default -> 0;
            };
            if (limitsProduct > MAX_STATE) {
                throw new IllegalArgumentException("limit '" + name
                        + "' cannot be counted exactly: "
                        + (algorithm == LimitAlgorithm.TOKEN_BUCKET
                                ? "burst * period / gcd(limit, period)" : "limit * period")
                        + " in microseconds must not exceed 2^51; use a smaller limit or period"
                        + " or another algorithm");
            }
            if (algorithm == LimitAlgorithm.SLIDING_LOG && limit > 1_000_000) {
                throw new IllegalArgumentException("limit '" + name
                        + "' a sliding log keeps one entry per request: at most 1000000, was "
                        + limit);
            }
            if (algorithm == LimitAlgorithm.CONCURRENCY && limit > 100_000) {
                throw new IllegalArgumentException("limit '" + name
                        + "' concurrency must be at most 100000, was " + limit);
            }
            return new LimitRule(this);
        }
    }
}
