package io.gatehouse;

import io.gatehouse.auth.AuthResult;
import io.gatehouse.limit.FailurePolicy;
import io.gatehouse.limit.LimitObserver;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.route.Route;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;

/**
 * The gateway's own meters, recorded into the embedder's {@link MeterRegistry}. Names and tags
 * are listed in {@code docs/observability.md}; every tag value comes from configuration (route
 * ids, limit names, tiers) or from a small closed set (methods, status classes, error codes),
 * never from a key, a principal or a raw path.
 *
 * <p>Meters are registered once per route and tag combination, on first use, and then looked up
 * by array index, so recording a request allocates nothing once its meters exist.
 *
 * <p>Thread-safe.
 */
final class GatewayMeters {

    /** The route tag of requests refused before a route was found (404, 405, bad paths). */
    static final String NO_ROUTE = "none";

    static final String REQUESTS = "gateway.requests";
    static final String REQUEST_DURATION = "gateway.request.duration";
    static final String IN_FLIGHT = "gateway.requests.in.flight";
    static final String DECISIONS = "gateway.decisions";
    static final String DECISION_DURATION = "gateway.decision.duration";
    static final String AUTH = "gateway.auth";
    static final String AUTH_THROTTLED = "gateway.auth.throttled";
    static final String LIMIT_DECISIONS = "gateway.limit.decisions";
    static final String LIMIT_STORE_DURATION = "gateway.limit.store.duration";
    static final String LIMIT_STORE_FALLBACKS = "gateway.limit.store.fallbacks";
    static final String COST = "gateway.cost";
    static final String TOKEN_USAGE = "gen_ai.client.token.usage";

    /** Whole requests: from a millisecond to a slow streamed LLM answer. */
    private static final Duration[] REQUEST_BUCKETS = durations(
            1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000);
    /** The gateway's own decision: in memory tens of microseconds, with Redis one round trip. */
    private static final Duration[] DECISION_BUCKETS = durations(
            0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100);
    /** Store calls: one Redis round trip, up to the command timeout and beyond. */
    private static final Duration[] STORE_BUCKETS = durations(
            0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250);
    /** Tokens per request, powers of four as the OpenTelemetry GenAI conventions advise. */
    private static final double[] TOKEN_BUCKETS = {1, 4, 16, 64, 256, 1_024, 4_096, 16_384,
        65_536, 262_144, 1_048_576, 4_194_304};

    private static final String[] METHODS =
            {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "other"};
    private static final String[] STATUS_CLASSES = {"none", "1xx", "2xx", "3xx", "4xx", "5xx"};
    private static final ErrorCode[] CODES = ErrorCode.values();

    private final MeterRegistry registry;
    private final LongSupplier nanoTime;
    private final AtomicLong inFlight = new AtomicLong();
    private final ConcurrentHashMap<String, RouteMeters> routes = new ConcurrentHashMap<>();
    private final RouteMeters unrouted;
    private final LimitMeters limits;

    GatewayMeters(MeterRegistry registry, LongSupplier nanoTime) {
        this.registry = registry;
        this.nanoTime = nanoTime;
        Gauge.builder(IN_FLIGHT, inFlight, AtomicLong::get)
                .description("Requests admitted or being decided whose response is not finished")
                .register(registry);
        this.unrouted = new RouteMeters(NO_ROUTE);
        this.limits = new LimitMeters();
    }

    /** The observer the gateway hands its rate limiter. */
    LimitObserver limitObserver() {
        return limits;
    }

    /** A request arrived; call exactly one of {@link #rejected} or {@link #completed} later. */
    void started() {
        inFlight.incrementAndGet();
    }

    /** A request was refused after {@code nanos} of deciding; {@code route} may be null. */
    void rejected(Route route, String method, Problem problem, long nanos) {
        inFlight.decrementAndGet();
        RouteMeters meters = route == null ? unrouted : forRoute(route);
        meters.decision(problem.code()).increment();
        meters.decisionDuration(false).record(nanos, TimeUnit.NANOSECONDS);
        int index = requestIndex(method, problem.status());
        meters.requests(index).increment();
        meters.requestDuration(index).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A request was admitted after {@code nanos} of deciding. */
    void admitted(Route route, long nanos) {
        RouteMeters meters = forRoute(route);
        meters.decision(null).increment();
        meters.decisionDuration(true).record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * An admitted request finished after {@code nanos}, with {@code status}, costing
     * {@code cost} units ({@code settled}: reported by the application rather than estimated).
     */
    void completed(Route route, String method, String tier, int status, long cost,
            boolean settled, long nanos) {
        inFlight.decrementAndGet();
        RouteMeters meters = forRoute(route);
        int index = requestIndex(method, status);
        meters.requests(index).increment();
        meters.requestDuration(index).record(nanos, TimeUnit.NANOSECONDS);
        TierMeters byTier = meters.tier(tier);
        byTier.cost.increment(cost);
        if (settled) {
            byTier.tokens.record(cost);
        }
    }

    /** What authentication concluded on {@code route}. */
    void authenticated(Route route, AuthResult result) {
        RouteMeters meters = forRoute(route);
        if (result instanceof AuthResult.Authenticated) {
            meters.authSuccess().increment();
        } else if (result instanceof AuthResult.Rejected rejected) {
            meters.authFailure(rejected.code()).increment();
            if (rejected.code() == ErrorCode.TOO_MANY_AUTH_FAILURES) {
                meters.authThrottled().increment();
            }
        }
    }

    long nanoTime() {
        return nanoTime.getAsLong();
    }

    private RouteMeters forRoute(Route route) {
        RouteMeters meters = routes.get(route.id());
        return meters != null ? meters : routes.computeIfAbsent(route.id(), RouteMeters::new);
    }

    private static int requestIndex(String method, int status) {
        int statusClass = status >= 100 && status <= 599 ? status / 100 : 0;
        return methodIndex(method) * STATUS_CLASSES.length + statusClass;
    }

    private static int methodIndex(String method) {
        return switch (method) {
            case "GET" -> 0;
            case "HEAD" -> 1;
            case "POST" -> 2;
            case "PUT" -> 3;
            case "DELETE" -> 4;
            case "PATCH" -> 5;
            case "OPTIONS" -> 6;
            default -> 7;
        };
    }

    private static Duration[] durations(double... millis) {
        Duration[] durations = new Duration[millis.length];
        for (int i = 0; i < millis.length; i++) {
            durations[i] = Duration.ofNanos(Math.round(millis[i] * 1_000_000));
        }
        return durations;
    }

    /** The meters of one route, registered on first use. Thread-safe. */
    private final class RouteMeters {
        private final String routeId;
        private final Tags routeTag;
        private final AtomicReferenceArray<Counter> requests =
                new AtomicReferenceArray<>(METHODS.length * STATUS_CLASSES.length);
        private final AtomicReferenceArray<Timer> requestDurations =
                new AtomicReferenceArray<>(METHODS.length * STATUS_CLASSES.length);
        /** Index 0: admitted; 1 + ordinal: rejected with that code. */
        private final AtomicReferenceArray<Counter> decisions =
                new AtomicReferenceArray<>(CODES.length + 1);
        private final AtomicReferenceArray<Timer> decisionDurations = new AtomicReferenceArray<>(2);
        /** Index 0: success; 1 + ordinal: failure with that code; last: throttled. */
        private final AtomicReferenceArray<Counter> auth =
                new AtomicReferenceArray<>(CODES.length + 2);
        private final ConcurrentHashMap<String, TierMeters> tiers = new ConcurrentHashMap<>();

        RouteMeters(String routeId) {
            this.routeId = routeId;
            this.routeTag = Tags.of("route", routeId);
        }

        Counter requests(int index) {
            Counter counter = requests.get(index);
            if (counter == null) {
                counter = Counter.builder(REQUESTS)
                        .description("Requests answered, admitted or refused")
                        .tags(requestTags(index))
                        .register(registry);
                requests.set(index, counter);
            }
            return counter;
        }

        Timer requestDuration(int index) {
            Timer timer = requestDurations.get(index);
            if (timer == null) {
                timer = Timer.builder(REQUEST_DURATION)
                        .description("Whole requests: from arrival to the end of the response")
                        .tags(requestTags(index))
                        .serviceLevelObjectives(REQUEST_BUCKETS)
                        .register(registry);
                requestDurations.set(index, timer);
            }
            return timer;
        }

        private Tags requestTags(int index) {
            return routeTag.and("method", METHODS[index / STATUS_CLASSES.length],
                    "status_class", STATUS_CLASSES[index % STATUS_CLASSES.length]);
        }

        Counter decision(ErrorCode code) {
            int index = code == null ? 0 : 1 + code.ordinal();
            Counter counter = decisions.get(index);
            if (counter == null) {
                counter = Counter.builder(DECISIONS)
                        .description("The gateway's decisions: admitted, or rejected by code")
                        .tags(routeTag.and("outcome", code == null ? "admitted" : "rejected",
                                "code", code == null ? "none" : code.name()))
                        .register(registry);
                decisions.set(index, counter);
            }
            return counter;
        }

        Timer decisionDuration(boolean admitted) {
            int index = admitted ? 0 : 1;
            Timer timer = decisionDurations.get(index);
            if (timer == null) {
                timer = Timer.builder(DECISION_DURATION)
                        .description("The gateway's own decision: routing, auth, limits, checks")
                        .tags(routeTag.and("outcome", admitted ? "admitted" : "rejected"))
                        .serviceLevelObjectives(DECISION_BUCKETS)
                        .register(registry);
                decisionDurations.set(index, timer);
            }
            return timer;
        }

        Counter authSuccess() {
            return auth(0, "success", "none", AUTH);
        }

        Counter authFailure(ErrorCode code) {
            return auth(1 + code.ordinal(), "failure", code.name(), AUTH);
        }

        Counter authThrottled() {
            return auth(CODES.length + 1, null, null, AUTH_THROTTLED);
        }

        private Counter auth(int index, String result, String code, String name) {
            Counter counter = auth.get(index);
            if (counter == null) {
                Counter.Builder builder = Counter.builder(name);
                if (result == null) {
                    builder.description("Requests refused by the guessing guard without a lookup")
                            .tags(routeTag);
                } else {
                    builder.description("Credentials checked: accepted, or refused by code")
                            .tags(routeTag.and("result", result, "code", code));
                }
                counter = builder.register(registry);
                auth.set(index, counter);
            }
            return counter;
        }

        TierMeters tier(String tier) {
            TierMeters meters = tiers.get(tier);
            return meters != null ? meters
                    : tiers.computeIfAbsent(tier, name -> new TierMeters(routeId, name));
        }
    }

    /** Cost meters of one route and tier. Thread-safe. */
    private final class TierMeters {
        final Counter cost;
        final DistributionSummary tokens;

        TierMeters(String routeId, String tier) {
            Tags tags = Tags.of("route", routeId, "tier", tier);
            this.cost = Counter.builder(COST)
                    .description("Cost of completed requests in the route's units, settled or "
                            + "estimated")
                    .tags(tags)
                    .register(registry);
            this.tokens = DistributionSummary.builder(TOKEN_USAGE)
                    .description("Tokens per request, from the cost the application settled")
                    .tags(tags)
                    .serviceLevelObjectives(TOKEN_BUCKETS)
                    .register(registry);
        }
    }

    /** Limit verdicts and limit-store calls. Thread-safe. */
    private final class LimitMeters implements LimitObserver {
        /** By limit name: rules of one name in several tiers share their series. */
        private final ConcurrentHashMap<String, Counter[]> verdicts = new ConcurrentHashMap<>();
        private final Timer storeSuccess = storeTimer("success");
        private final Timer storeFailure = storeTimer("failure");
        private final Counter[] fallbacks = new Counter[FailurePolicy.values().length];

        LimitMeters() {
            for (FailurePolicy policy : FailurePolicy.values()) {
                fallbacks[policy.ordinal()] = Counter.builder(LIMIT_STORE_FALLBACKS)
                        .description("Requests decided by a failure policy because the limit "
                                + "store failed")
                        .tags("policy", policy.name())
                        .register(registry);
            }
        }

        private Timer storeTimer(String outcome) {
            return Timer.builder(LIMIT_STORE_DURATION)
                    .description("Calls to the limit store (one per request), by outcome")
                    .tags("outcome", outcome)
                    .serviceLevelObjectives(STORE_BUCKETS)
                    .register(registry);
        }

        @Override
        public void decided(LimitRule rule, boolean shadow, boolean allowed) {
            Counter[] counters = verdicts.get(rule.name());
            if (counters == null) {
                counters = verdicts.computeIfAbsent(rule.name(), this::register);
            }
            counters[(shadow ? 2 : 0) + (allowed ? 0 : 1)].increment();
        }

        /** Allowed, rejected, shadow allowed, shadow rejected ("would have rejected"). */
        private Counter[] register(String limit) {
            Counter[] counters = new Counter[4];
            for (int i = 0; i < counters.length; i++) {
                counters[i] = Counter.builder(LIMIT_DECISIONS)
                        .description("Limit verdicts by limit name; shadow limits report what "
                                + "they would have decided")
                        .tags("limit", limit, "mode", i < 2 ? "enforced" : "shadow",
                                "verdict", i % 2 == 0 ? "allowed" : "rejected")
                        .register(registry);
            }
            return counters;
        }

        @Override
        public void storeCall(long durationNanos, boolean failed) {
            (failed ? storeFailure : storeSuccess).record(durationNanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void fallback(FailurePolicy policy) {
            fallbacks[policy.ordinal()].increment();
        }

        @Override
        public long nanoTime() {
            return nanoTime.getAsLong();
        }
    }
}
