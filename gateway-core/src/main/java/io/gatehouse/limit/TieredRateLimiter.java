package io.gatehouse.limit;

import io.gatehouse.ErrorCode;
import io.gatehouse.GatewayRequest;
import io.gatehouse.Problem;
import io.gatehouse.ResponseHeaders;
import io.gatehouse.auth.Principal;
import io.gatehouse.observe.LogText;
import io.gatehouse.route.Route;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link RateLimiter} of plans: a request is subject to the limits of its principal's
 * {@link Tier} plus its route's {@link Route#limits()}, all checked and consumed in one
 * {@link LimitStore#tryAcquire} call.
 *
 * <ul>
 *   <li><b>Keys</b> come from each rule's {@link KeyScope}: the principal id (anonymous callers
 *       by client address), the credential id, the client address, the route id, one global
 *       bucket, or a {@link KeyResolver}. Keys of route limits are prefixed with the route id,
 *       so a route's limits never share state with another route's.</li>
 *   <li><b>Cost</b>: a rule takes the route's {@link Route#cost()} (the estimate) unless it
 *       {@link LimitRule#countsRequests() counts requests}; when the request completes its
 *       actual cost ({@link io.gatehouse.Outcome#actualCost()}) is settled, and concurrency
 *       leases are released.</li>
 *   <li><b>Headers</b> on every decision: {@code RateLimit-Policy} lists every enforced policy,
 *       {@code RateLimit} and {@code X-RateLimit-Limit/-Remaining/-Reset} report the deciding
 *       one (the refusing limit, or the one closest to exhaustion), and a refusal adds
 *       {@code Retry-After} (seconds, rounded up, at least 1) and a
 *       {@link ErrorCode#RATE_LIMIT_EXCEEDED} problem with {@code retry_after}, {@code limit}
 *       and {@code limit_type}.</li>
 *   <li><b>Shadow</b> rules are decided separately after the enforced ones admit, reported at
 *       debug level, and never refuse.</li>
 *   <li><b>Store failure</b> ({@link LimitStoreException}): if any enforced rule is
 *       {@link FailurePolicy#FAIL_CLOSED} the request gets 503
 *       {@link ErrorCode#SERVICE_UNAVAILABLE} with {@code Retry-After}; otherwise
 *       {@link FailurePolicy#LOCAL_FALLBACK} rules are decided by a local in-memory store and
 *       {@link FailurePolicy#FAIL_OPEN} rules are skipped. The local store never grants a fresh
 *       full limit: it enforces this instance's {@link Builder#fallbackInstances(int) share} and
 *       starts each key from what the main store last said about it (units remaining until
 *       its reset), so an outage's over-admission is bounded (see
 *       {@link Builder#fallbackInstances(int)}).</li>
 *   <li><b>Unknown tiers</b>: a principal whose tier is not configured is limited by the
 *       {@link Builder#unknownTier(String) fallback tier} if one is set; otherwise it is refused
 *       with 500 {@link ErrorCode#INTERNAL_ERROR} naming the tier (a configuration error must not
 *       silently mean "unlimited"). The anonymous principal without an {@code anonymous} tier
 *       gets only its route's limits.</li>
 * </ul>
 *
 * <p>Thread-safe.
 */
public final class TieredRateLimiter implements RateLimiter {

    private static final Logger LOG = LoggerFactory.getLogger(TieredRateLimiter.class);
    private static final LimitDecision UNLIMITED =
            new LimitDecision.Allowed(ResponseHeaders.empty(), LimitDecision.Hold.nothing());

    private final LimitStore store;
    private final FallbackLimits fallback;
    /** Whether the store can fail, so that its verdicts are worth remembering for a fallback. */
    private final boolean storeCanFail;
    private final Map<String, Tier> tiers;
    private final Tier unknownTier;
    private final KeyResolver keyResolver;
    private final MicroClock clock;
    private final long failClosedRetrySeconds;
    private final AtomicLong leaseSequence = new AtomicLong();
    private final AtomicBoolean degraded = new AtomicBoolean();
    private final Builder settings;
    private final LimitObserver observer;

    private TieredRateLimiter(Builder builder) {
        this(builder, LimitObserver.none());
    }

    private TieredRateLimiter(Builder builder, LimitObserver observer) {
        this.settings = builder;
        this.observer = observer;
        this.store = builder.store;
        this.clock = builder.clock;
        this.storeCanFail = !(builder.store instanceof InMemoryLimitStore);
        LimitStore configuredFallback = builder.fallbackStore;
        MicroClock clock = builder.clock;
        this.fallback = new FallbackLimits(builder.fallbackInstances, clock,
                configuredFallback != null
                        ? () -> configuredFallback : () -> LimitStores.inMemory(clock));
        this.tiers = Map.copyOf(builder.tiers);
        this.unknownTier = builder.unknownTier == null ? null : tiers.get(builder.unknownTier);
        this.keyResolver = builder.keyResolver;
        this.failClosedRetrySeconds = Math.max(1, builder.failClosedRetryAfter.toSeconds());
    }

    /** Starts a limiter over {@code store}. */
    public static Builder builder(LimitStore store) {
        return new Builder(store);
    }

    /** A limiter with this one's settings that reports to {@code observer}. */
    @Override
    public TieredRateLimiter observedBy(LimitObserver observer) {
        return new TieredRateLimiter(settings, Objects.requireNonNull(observer, "observer"));
    }

    /** The configured tiers by name. */
    public Map<String, Tier> tiers() {
        return tiers;
    }

    /**
     * What each limit of {@code principal}'s tier has left for it now, read from the store
     * without consuming anything ({@link LimitStore#inspect}). Only limits whose key follows
     * from the principal alone are read: those keyed by principal, by credential (when the
     * principal names one) and global ones; limits keyed by client address, route or a custom
     * resolver depend on a request and are left out. An unknown tier reads the
     * {@link Builder#unknownTier fallback tier}, or nothing.
     *
     * @return one entry per limit read, in the tier's order; empty for the anonymous principal
     * @throws LimitStoreException when the store cannot be read
     */
    public List<LimitQuota> quotas(Principal principal) {
        Tier tier = tiers.get(principal.tier());
        if (tier == null) {
            tier = unknownTier;
        }
        if (tier == null || principal.isAnonymous()) {
            return List.of();
        }
        List<LimitRule> rules = new ArrayList<>();
        List<Permit> permits = new ArrayList<>();
        for (LimitRule rule : tier.limits()) {
            String key = switch (rule.scope()) {
                case PRINCIPAL -> principal.id();
                case CREDENTIAL -> principal.credentialId().isEmpty()
                        ? null : principal.credentialId();
                case GLOBAL -> "*";
                case CLIENT_ADDRESS, ROUTE, CUSTOM -> null;
            };
            if (key != null) {
                rules.add(rule);
                permits.add(new Permit(rule, key, 1));
            }
        }
        if (permits.isEmpty()) {
            return List.of();
        }
        List<LimitStatus> statuses = store.inspect(permits);
        List<LimitQuota> quotas = new ArrayList<>(rules.size());
        for (int i = 0; i < rules.size(); i++) {
            quotas.add(new LimitQuota(rules.get(i), statuses.get(i).remaining(),
                    statuses.get(i).resetMicros()));
        }
        return List.copyOf(quotas);
    }

    @Override
    public LimitDecision acquire(GatewayRequest request, Principal principal, Route route) {
        List<LimitRule> tierRules;
        Tier tier = tiers.get(principal.tier());
        if (tier != null) {
            tierRules = tier.limits();
        } else if (unknownTier != null) {
            tierRules = unknownTier.limits();
        } else if (principal.isAnonymous()) {
            tierRules = List.of();
        } else {
            LOG.warn("request {}: principal's tier '{}' is not configured", request.requestId(),
                    LogText.escape(principal.tier()));
            return new LimitDecision.Denied(ResponseHeaders.empty(), Problem.of(
                    ErrorCode.INTERNAL_ERROR, "no limits are configured for tier '"
                            + principal.tier() + "'", request.requestId()));
        }
        List<LimitRule> routeRules = route.limits();
        int total = tierRules.size() + routeRules.size();
        if (total == 0) {
            return UNLIMITED;
        }
        List<Permit> enforced = new ArrayList<>(total);
        List<Permit> shadow = null;
        boolean leases = false;
        for (int i = 0; i < total; i++) {
            boolean routeRule = i >= tierRules.size();
            LimitRule rule = routeRule ? routeRules.get(i - tierRules.size()) : tierRules.get(i);
            Permit permit = new Permit(rule, key(rule, routeRule, request, principal, route),
                    rule.countsRequests() ? 1 : route.cost());
            leases |= rule.algorithm() == LimitAlgorithm.CONCURRENCY;
            if (rule.shadow()) {
                if (shadow == null) {
                    shadow = new ArrayList<>(2);
                }
                shadow.add(permit);
            } else {
                enforced.add(permit);
            }
        }
        // Request ids may come from the client; a lease id must be unique per admission.
        String leaseId = leases
                ? request.requestId() + '#' + Long.toString(leaseSequence.incrementAndGet(), 36)
                : request.requestId();

        LimitStore decidingStore = store;
        List<Permit> decided = enforced;
        Verdict verdict = null;
        if (!enforced.isEmpty()) {
            long callStarted = observer.nanoTime();
            try {
                verdict = store.tryAcquire(enforced, leaseId);
                if (storeCanFail) {
                    fallback.remember(enforced, verdict);
                }
                observer.storeCall(observer.nanoTime() - callStarted, false);
                if (degraded.get() && degraded.compareAndSet(true, false)) {
                    fallback.recovered();
                    LOG.info("limit store recovered; limits are enforced by it again");
                }
            } catch (LimitStoreException e) {
                observer.storeCall(observer.nanoTime() - callStarted, true);
                if (degraded.compareAndSet(false, true)) {
                    // The cause only: rendering a stack trace would stall this request, and
                    // the store's own log says what failed.
                    LOG.warn("limit store failed; applying each limit's failure policy: {}",
                            e.getMessage());
                    LOG.debug("limit store failure", e);
                }
                for (Permit permit : enforced) {
                    if (permit.rule().failurePolicy() == FailurePolicy.FAIL_CLOSED) {
                        observer.fallback(FailurePolicy.FAIL_CLOSED);
                        return storeUnavailable(permit.rule(), request);
                    }
                }
                FallbackLimits.Decision local = fallback.decide(enforced, leaseId);
                if (local != null) {
                    decidingStore = local.store();
                    decided = local.permits();
                    verdict = local.verdict();
                }
                observer.fallback(local == null
                        ? FailurePolicy.FAIL_OPEN : FailurePolicy.LOCAL_FALLBACK);
            }
        }
        if (verdict != null) {
            report(decided, verdict);
        }
        ResponseHeaders headers = verdict == null
                ? ResponseHeaders.empty() : headers(decided, verdict);
        if (verdict != null && !verdict.allowed()) {
            return new LimitDecision.Denied(headers, refusal(decided, verdict, request));
        }
        List<Permit> shadowHeld = shadow == null
                ? List.of() : decideShadow(shadow, leaseId, request);
        if (verdict == null && shadowHeld.isEmpty()) {
            return new LimitDecision.Allowed(headers, LimitDecision.Hold.nothing());
        }
        return new LimitDecision.Allowed(headers, new RequestHold(
                verdict == null ? List.of() : decided, decidingStore, shadowHeld, store, leaseId));
    }

    /** Tells the observer each enforced rule's verdict (see {@link LimitObserver#decided}). */
    private void report(List<Permit> decided, Verdict verdict) {
        if (verdict.allowed()) {
            for (int i = 0; i < decided.size(); i++) {
                observer.decided(decided.get(i).rule(), false, true);
            }
        } else {
            observer.decided(decided.get(verdict.decidingIndex()).rule(), false, false);
        }
    }

    private List<Permit> decideShadow(List<Permit> shadow, String leaseId, GatewayRequest request) {
        List<Permit> held = new ArrayList<>(shadow.size());
        for (Permit permit : shadow) {
            try {
                Verdict verdict = store.tryAcquire(List.of(permit), leaseId);
                observer.decided(permit.rule(), true, verdict.allowed());
                if (verdict.allowed()) {
                    held.add(permit);
                } else if (LOG.isDebugEnabled()) {
                    LOG.debug("request {}: shadow limit '{}' would refuse key {} "
                            + "(retry after {} us)",
                            request.requestId(), permit.rule().name(),
                            LogText.escape(permit.key()),
                            verdict.retryAfterMicros());
                }
            } catch (LimitStoreException e) {
                LOG.debug("request {}: shadow limit '{}' could not be decided", request.requestId(),
                        permit.rule().name(), e);
            }
        }
        return held;
    }

    private String key(LimitRule rule, boolean routeRule, GatewayRequest request,
            Principal principal, Route route) {
        String key = switch (rule.scope()) {
            case PRINCIPAL -> principal.isAnonymous()
                    ? "anonymous@" + request.clientAddress() : principal.id();
            case CREDENTIAL -> principal.credentialId().isEmpty()
                    ? "anonymous@" + request.clientAddress() : principal.credentialId();
            case CLIENT_ADDRESS -> request.clientAddress();
            // Route limits are prefixed with the route id below, which is all these scopes need.
            case ROUTE, GLOBAL -> routeRule
                    ? "" : rule.scope() == KeyScope.ROUTE ? route.id() : "*";
            case CUSTOM -> {
                if (keyResolver == null) {
                    throw new IllegalStateException("limit '" + rule.name()
                            + "' has a custom key scope but the limiter has no KeyResolver");
                }
                yield Objects.requireNonNull(keyResolver.key(rule, request, principal, route),
                        "the KeyResolver returned null");
            }
        };
        return routeRule ? route.id() + '|' + key : key;
    }

    private ResponseHeaders headers(List<Permit> permits, Verdict verdict) {
        long now = clock.micros();
        StringBuilder policy = new StringBuilder(32 * permits.size());
        for (int i = 0; i < permits.size(); i++) {
            LimitRule rule = permits.get(i).rule();
            if (i > 0) {
                policy.append(", ");
            }
            policy.append('"').append(rule.name()).append("\";q=").append(quota(rule));
            if (rule.algorithm() != LimitAlgorithm.CONCURRENCY) {
                policy.append(";w=").append(seconds(windowMicros(rule, now)));
            }
        }
        int deciding = reported(permits, verdict);
        LimitRule rule = permits.get(deciding).rule();
        String remaining = Long.toString(verdict.remaining(deciding));
        String reset = Long.toString(seconds(verdict.resetMicros(deciding)));
        ResponseHeaders.Builder headers = ResponseHeaders.builder()
                .add("RateLimit-Policy", policy.toString())
                .add("RateLimit", '"' + rule.name() + "\";r=" + remaining + ";t=" + reset)
                .add("X-RateLimit-Limit", Long.toString(quota(rule)))
                .add("X-RateLimit-Remaining", remaining)
                .add("X-RateLimit-Reset", reset);
        if (!verdict.allowed()) {
            headers.add("Retry-After", Long.toString(retryAfterSeconds(verdict)));
        }
        return headers.build();
    }

    /**
     * The permit the {@code RateLimit} and {@code X-RateLimit-*} headers describe: the store's
     * deciding permit, except that an admitted request reports the rate limit closest to
     * exhaustion rather than a concurrency limit, which its own lease always drains and which has
     * no window for a client to plan by.
     */
    private static int reported(List<Permit> permits, Verdict verdict) {
        int deciding = verdict.decidingIndex();
        if (!verdict.allowed()
                || permits.get(deciding).rule().algorithm() != LimitAlgorithm.CONCURRENCY) {
            return deciding;
        }
        int reported = deciding;
        for (int i = 0; i < permits.size(); i++) {
            if (permits.get(i).rule().algorithm() == LimitAlgorithm.CONCURRENCY) {
                continue;
            }
            if (reported == deciding || verdict.remaining(i) < verdict.remaining(reported)
                    || verdict.remaining(i) == verdict.remaining(reported)
                            && verdict.resetMicros(i) > verdict.resetMicros(reported)) {
                reported = i;
            }
        }
        return reported;
    }

    private static Problem refusal(List<Permit> permits, Verdict verdict, GatewayRequest request) {
        LimitRule rule = permits.get(verdict.decidingIndex()).rule();
        long retryAfter = retryAfterSeconds(verdict);
        String quota = switch (rule.algorithm()) {
            case CONCURRENCY -> rule.limit() + " requests in flight";
            case TOKEN_BUCKET -> rule.burst() + " (refilled " + rule.limit() + " per "
                    + describe(rule) + ")";
            default -> rule.limit() + " per " + describe(rule);
        };
        return Problem.of(ErrorCode.RATE_LIMIT_EXCEEDED, "limit '" + rule.name() + "' of "
                        + quota + " is exhausted; retry in " + retryAfter + " s",
                        request.requestId())
                .with("retry_after", retryAfter)
                .with("limit", quota(rule))
                .with("limit_type", rule.name());
    }

    private static String describe(LimitRule rule) {
        if (rule.calendarAligned()) {
            return switch (rule.calendarUnit().orElseThrow()) {
                case MONTHS -> "calendar month";
                case WEEKS -> "calendar week";
                default -> "calendar day";
            };
        }
        Duration period = rule.period();
        if (period.toMillis() % 1000 != 0) {
            return period.toMillis() + " ms";
        }
        return period.toSeconds() + " s";
    }

    private LimitDecision storeUnavailable(LimitRule rule, GatewayRequest request) {
        String retryAfter = Long.toString(failClosedRetrySeconds);
        return new LimitDecision.Denied(
                ResponseHeaders.builder().add("Retry-After", retryAfter).build(),
                Problem.of(ErrorCode.SERVICE_UNAVAILABLE, "limits cannot be checked right now"
                                + " and limit '" + rule.name()
                                + "' does not admit unchecked requests",
                                request.requestId())
                        .with("retry_after", failClosedRetrySeconds));
    }

    /**
     * The units a client may spend at once: a token bucket's capacity (its burst), otherwise the
     * limit per window.
     */
    private static long quota(LimitRule rule) {
        return rule.algorithm() == LimitAlgorithm.TOKEN_BUCKET ? rule.burst() : rule.limit();
    }

    /**
     * The window a policy announces: for a token bucket the time an empty bucket takes to refill
     * to its capacity, for a fixed window the current window's length, otherwise the period.
     */
    private static long windowMicros(LimitRule rule, long now) {
        return switch (rule.algorithm()) {
            // In doubles: burst times period may overflow a long, and a header needs no exactness.
            case TOKEN_BUCKET -> (long) Math.ceil(
                    (double) rule.burst() * rule.periodMicros() / rule.limit());
            case FIXED_WINDOW -> rule.windowLengthMicros(now);
            default -> rule.periodMicros();
        };
    }

    /** Seconds, rounded up. */
    private static long seconds(long micros) {
        return (micros + 999_999) / 1_000_000;
    }

    private static long retryAfterSeconds(Verdict verdict) {
        return Math.max(1, seconds(verdict.retryAfterMicros()));
    }

    /** Releases leases and settles costs of one admitted request. Thread-safe. */
    private static final class RequestHold implements LimitDecision.Hold {
        private final List<Permit> permits;
        private final LimitStore permitStore;
        private final List<Permit> shadowPermits;
        private final LimitStore shadowStore;
        private final String leaseId;

        RequestHold(List<Permit> permits, LimitStore permitStore, List<Permit> shadowPermits,
                LimitStore shadowStore, String leaseId) {
            this.permits = permits;
            this.permitStore = permitStore;
            this.shadowPermits = shadowPermits;
            this.shadowStore = shadowStore;
            this.leaseId = leaseId;
        }

        @Override
        public void complete(long actualCost) {
            complete(permits, permitStore, actualCost);
            complete(shadowPermits, shadowStore, actualCost);
        }

        private void complete(List<Permit> held, LimitStore holder, long actualCost) {
            for (Permit permit : held) {
                try {
                    if (permit.rule().algorithm() == LimitAlgorithm.CONCURRENCY) {
                        holder.release(permit, leaseId);
                    } else if (actualCost >= 0 && !permit.rule().countsRequests()
                            && actualCost != permit.cost()) {
                        holder.settle(permit, actualCost);
                    }
                } catch (LimitStoreException e) {
                    // A lease the store cannot release expires on its own.
                    LOG.debug("limit '{}' could not be completed for lease {}",
                            permit.rule().name(), leaseId, e);
                }
            }
        }
    }

    /** Collects a limiter's settings. Not thread-safe. */
    public static final class Builder {
        private final LimitStore store;
        private final Map<String, Tier> tiers = new HashMap<>();
        private String unknownTier;
        private KeyResolver keyResolver;
        private LimitStore fallbackStore;
        private int fallbackInstances = 1;
        private MicroClock clock = MicroClock.system();
        private Duration failClosedRetryAfter = Duration.ofSeconds(5);

        private Builder(LimitStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /** Adds a tier; a later tier of the same name replaces it. */
        public Builder tier(Tier tier) {
            tiers.put(tier.name(), tier);
            return this;
        }

        /** Adds every tier of {@code tiers}. */
        public Builder tiers(Collection<Tier> tiers) {
            tiers.forEach(this::tier);
            return this;
        }

        /** Limits principals of unconfigured tiers by the tier named {@code tierName}. */
        public Builder unknownTier(String tierName) {
            this.unknownTier = Objects.requireNonNull(tierName, "tierName");
            return this;
        }

        /** Resolves the keys of {@link KeyScope#CUSTOM} rules. */
        public Builder keyResolver(KeyResolver keyResolver) {
            this.keyResolver = Objects.requireNonNull(keyResolver, "keyResolver");
            return this;
        }

        /**
         * The store that decides {@link FailurePolicy#LOCAL_FALLBACK} limits while the main
         * store fails; by default a fresh in-memory store on the limiter's clock for each
         * outage. A configured store is kept across outages.
         */
        public Builder fallbackStore(LimitStore fallbackStore) {
            this.fallbackStore = Objects.requireNonNull(fallbackStore, "fallbackStore");
            return this;
        }

        /**
         * The number of gateway instances sharing the main store (1 by default): while it fails,
         * each instance decides {@link FailurePolicy#LOCAL_FALLBACK} limits with its share, the
         * limit (and a token bucket's burst) divided by {@code instances}, rounded up, and starts
         * from what the store last said about the key. Worst case over all instances, per outage
         * and window, {@code N * ceil(L / instances)} requests are admitted beyond the limit
         * {@code L}, where {@code N} is the number of instances actually running (see the
         * operations guide).
         */
        public Builder fallbackInstances(int instances) {
            if (instances < 1) {
                throw new IllegalArgumentException(
                        "fallbackInstances must be at least 1, was " + instances);
            }
            this.fallbackInstances = instances;
            return this;
        }

        /** The clock for header windows and the default fallback store. */
        public Builder clock(MicroClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The {@code Retry-After} of a 503 when a fail-closed limit's store fails; 5 s default. */
        public Builder failClosedRetryAfter(Duration retryAfter) {
            if (retryAfter.isNegative() || retryAfter.isZero()) {
                throw new IllegalArgumentException(
                        "failClosedRetryAfter must be positive, was " + retryAfter);
            }
            this.failClosedRetryAfter = retryAfter;
            return this;
        }

        /**
         * Builds the limiter.
         *
         * @throws IllegalArgumentException if the unknown-tier fallback names no configured tier
         */
        public TieredRateLimiter build() {
            if (unknownTier != null && !tiers.containsKey(unknownTier)) {
                throw new IllegalArgumentException("unknownTier '" + unknownTier
                        + "' is not one of the configured tiers "
                        + new java.util.TreeSet<>(tiers.keySet()));
            }
            return new TieredRateLimiter(this);
        }
    }
}
