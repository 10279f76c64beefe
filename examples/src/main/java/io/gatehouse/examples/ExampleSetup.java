package io.gatehouse.examples;

import io.gatehouse.Gateway;
import io.gatehouse.UnmatchedPaths;
import io.gatehouse.auth.ApiKeyManager;
import io.gatehouse.auth.ApiKeySpec;
import io.gatehouse.auth.ApiKeyStore;
import io.gatehouse.auth.AuthFailureGuard;
import io.gatehouse.auth.Authenticator;
import io.gatehouse.auth.NewApiKey;
import io.gatehouse.limit.LimitAlgorithm;
import io.gatehouse.limit.FailurePolicy;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.LimitStores;
import io.gatehouse.limit.MicroClock;
import io.gatehouse.limit.Tier;
import io.gatehouse.limit.TieredRateLimiter;
import io.gatehouse.observe.HealthCheck;
import io.gatehouse.observe.Analytics;
import io.gatehouse.observe.InMemoryUsageRecorder;
import io.gatehouse.observe.UsageQuery;
import io.gatehouse.observe.UsageRecorder;
import io.gatehouse.redis.RedisBackend;
import io.gatehouse.redis.RedisTaskStore;
import io.gatehouse.redis.RedisUsageRecorder;
import io.gatehouse.upstream.ServicePool;
import io.gatehouse.proxy.ProxyForwarder;
import io.gatehouse.config.GatewayConfig;
import io.gatehouse.auth.JwtAuthenticator;
import io.gatehouse.observe.ComponentHealth;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The example's gateway configuration, written with the public builder API only: two routes,
 * three tiers, three demo tenants and one development key generated per run.
 *
 * <p>Immutable.
 */
final class ExampleSetup {

    /** The largest invocation body accepted: 1 MiB. */
    static final int MAX_INVOCATION_BYTES = 1 << 20;

    /** Who may scrape {@code /metrics}: this machine only. */
    static final List<String> METRICS_ADDRESSES = List.of("127.0.0.1", "::1");

    /** Refused keys allowed per client address and minute. */
    static final int MAX_AUTH_FAILURES = 10;

    static final String FREE = "free";
    static final String PREMIUM = "premium";
    static final String ENTERPRISE = "enterprise";

    /** The prefix of the development key generated on each start. */
    static final String DEV_KEY_PREFIX = "sk_dev_";
    /** The principal the development key belongs to. */
    static final String DEV_PRINCIPAL = "developer";

    /**
     * A built-in tenant of the example. Its key is public (it is in the README), which is fine
     * for a demo and nothing else.
     */
    record DemoTenant(String apiKey, String principal, String tier, String... permissions) {
        ApiKeySpec spec() {
            return ApiKeySpec.of(principal, tier).withPermissions(permissions);
        }
    }

    /** The permission of the engineering route {@code /api/v1/rd/**}. */
    static final String RD_PERMISSION = "rd:execute";

    static final List<DemoTenant> DEMO_TENANTS = List.of(
            new DemoTenant("key_123", "alice", PREMIUM),
            new DemoTenant("key_456", "bob", FREE),
            new DemoTenant("key_789", "charlie", ENTERPRISE, RD_PERMISSION));

    private final Gateway gateway;
    private final String devApiKey;
    private final ExampleAdmin admin;
    private final RedisBackend redis;
    private final PrometheusMeterRegistry meters;
    private final ProxyForwarder forwarder;
    private final List<io.gatehouse.route.Route> routes;
    private final TieredRateLimiter limiter;
    private final UsageQuery usage;
    private final Analytics analytics;

    private ExampleSetup(Gateway gateway, String devApiKey, ExampleAdmin admin,
            RedisBackend redis, PrometheusMeterRegistry meters, ProxyForwarder forwarder,
            List<io.gatehouse.route.Route> routes, TieredRateLimiter limiter, UsageQuery usage,
            Analytics analytics) {
        this.routes = routes;
        this.limiter = limiter;
        this.usage = usage;
        this.analytics = analytics;
        this.gateway = gateway;
        this.devApiKey = devApiKey;
        this.admin = admin;
        this.redis = redis;
        this.meters = meters;
        this.forwarder = forwarder;
    }

    /** The clocks the example runs on: wall-clock time for responses, microseconds for limits. */
    record Clocks(Clock wallClock, MicroClock micros) {
        Clocks {
            Objects.requireNonNull(wallClock, "wallClock");
            Objects.requireNonNull(micros, "micros");
        }
    }

    static Clocks systemClocks() {
        return new Clocks(Clock.systemUTC(), MicroClock.system());
    }

    /**
     * Builds the gateway of the example: routes, services and tiers from {@code config}, the
     * demo tenants' keys imported into {@code store} (only their hashes are stored), a fresh
     * development key on the premium tier, credential guessing throttled per client address.
     * When the store is {@code persistent} (a key file, Redis) the keys generated for this run
     * expire after {@link ExampleAdmin#PERSISTENT_RUN_KEY_LIFETIME} instead of piling up as
     * working keys. With {@code redis} (nullable) the limits and the usage counts live in
     * Redis as well, so every gateway on that Redis enforces one limit per principal and adds
     * to one usage count. While Redis is unreachable the limits are enforced by each gateway in
     * its own memory ({@link FailurePolicy#LOCAL_FALLBACK} in the file: a caller may then get
     * up to the limit from each gateway), keys already looked up keep working and other keys
     * get 503 with {@code Retry-After}.
     */
    static ExampleSetup create(Clocks clocks, ApiKeyStore store, boolean persistent,
            RedisBackend redis, ExampleConfig config) {
        ApiKeyManager keys = ApiKeyManager.builder(store)
                .clock(clocks.wallClock())
                .build();
        for (DemoTenant tenant : DEMO_TENANTS) {
            try {
                keys.importKey(tenant.apiKey(), tenant.spec());
            } catch (IllegalStateException alreadyImported) {
                // Another gateway on the same Redis imported it at the same moment.
            }
        }
        Duration runKeyLifetime = persistent ? ExampleAdmin.PERSISTENT_RUN_KEY_LIFETIME : null;
        NewApiKey devKey = keys.create(DEV_KEY_PREFIX, ApiKeySpec.of(DEV_PRINCIPAL, PREMIUM)
                .withPermissions(RD_PERMISSION)
                .withLifetime(runKeyLifetime));
        ExampleAdmin admin = ExampleAdmin.create(keys, clocks.wallClock(), runKeyLifetime);

        TieredRateLimiter limiter = TieredRateLimiter.builder(redis != null ? redis.limitStore()
                        : LimitStores.inMemory(clocks.micros()))
                .clock(clocks.micros())
                .tiers(config.tiers())
                .fallbackInstances(config.file().fallbackInstances())
                .build();
        // Recorded by the gateway and read back for GET /v1/usage.
        UsageRecorder usage;
        UsageQuery usageQuery;
        if (redis != null) {
            RedisUsageRecorder recorder = redis.usageRecorder();
            usage = recorder;
            usageQuery = recorder;
        } else {
            InMemoryUsageRecorder recorder = new InMemoryUsageRecorder();
            usage = recorder;
            usageQuery = recorder;
        }
        // API keys first, then JWTs when an issuer is configured. Guessing credentials is
        // throttled per client address: after 10 refused within a minute the address gets 429
        // without its credentials even being checked.
        List<Authenticator> chain = new ArrayList<>();
        chain.add(keys.authenticator());
        if (!config.jwtIssuers().isEmpty()) {
            JwtAuthenticator.Builder jwt = JwtAuthenticator.builder().clock(clocks.wallClock());
            config.jwtIssuers().forEach(jwt::issuer);
            chain.add(jwt.build());
        }
        Authenticator authenticator = AuthFailureGuard.builder(chain.size() == 1 ? chain.get(0)
                        : Authenticator.firstOf(chain))
                .maxFailures(MAX_AUTH_FAILURES, Duration.ofMinutes(1))
                .clock(clocks.wallClock())
                .build();
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // Both stores are required: without them keys cannot be checked nor limits kept, so a
        // load balancer should send traffic to another instance.
        HealthCheck limitStore = redis != null ? redis.healthCheck()
                : HealthCheck.alwaysUp("in memory");
        HealthCheck keyStore = redis != null ? redis.healthCheck()
                : HealthCheck.alwaysUp(persistent ? "key file, cached in memory" : "in memory");
        if (redis != null) {
            redis.bindTo(meters);
        }
        GatewayConfig file = config.file();
        // Bounded whatever the number of principals (docs/observability.md).
        Analytics analytics = Analytics.builder().build();
        ProxyForwarder forwarder = ProxyForwarder.of(file);
        Gateway.Builder builder = Gateway.builder(admin.router(file.router()))
                .trustedProxies(file.trustedProxies(), file.forwardedHeader())
                .authenticator(authenticator)
                .rateLimiter(limiter)
                .usage(usage)
                .analytics(analytics)
                .meterRegistry(meters)
                // The example serves nothing but its routes: every other path is the gateway's 404.
                .unmatchedPaths(UnmatchedPaths.NOT_FOUND)
                .healthCheck("limit_store", true, limitStore)
                .healthCheck("key_store", true, keyStore);
        // Each service and its breaker, not required: one service down leaves the others.
        for (ServicePool pool : forwarder.upstreams().pools()) {
            builder.healthCheck("service_" + pool.service().name(), false, () -> service(pool));
        }
        config.cors().ifPresent(builder::cors);
        if (redis != null) {
            // Any instance on the same Redis answers a task's status.
            builder.taskStore(RedisTaskStore.builder(redis.client()).build());
        }
        Gateway gateway;
        try {
            gateway = builder.build();
        } catch (RuntimeException e) {
            forwarder.close();
            throw e;
        }
        return new ExampleSetup(gateway, devKey.plaintext(), admin, redis, meters, forwarder,
                file.routes(), limiter, usageQuery, analytics);
    }

    /** A service's health: up with every endpoint healthy and its breaker closed. */
    private static ComponentHealth service(ServicePool pool) {
        int healthy = pool.healthyEndpoints().size();
        int all = pool.service().endpoints().size();
        String detail = healthy + "/" + all + " endpoints healthy, circuit "
                + pool.circuitState().toLowerCase(java.util.Locale.ROOT);
        if (healthy == 0 || pool.circuitState().equalsIgnoreCase("open")) {
            return ComponentHealth.down(detail);
        }
        boolean closed = pool.circuitState().equalsIgnoreCase("closed")
                || pool.circuitState().equalsIgnoreCase("disabled");
        return healthy < all || !closed
                ? ComponentHealth.degraded(detail) : ComponentHealth.up(detail);
    }

    /**
     * The plans: requests per hour per principal, counted exactly over the last hour (a sliding
     * log), so "10 per hour" means no more than 10 in any 60 minutes and a refused caller is told
     * to the second when the oldest request leaves the window. The built-in configuration file
     * has these very tiers ({@code ExampleConfigFileTest}).
     */
    static List<Tier> tiers() {
        return tiers(FailurePolicy.LOCAL_FALLBACK);
    }

    /** The plans, each limit with {@code policy} for when its store fails. */
    static List<Tier> tiers(FailurePolicy policy) {
        return List.of(
                perHour(FREE, 10, policy),
                perHour(PREMIUM, 100, policy),
                perHour(ENTERPRISE, 1_000, policy));
    }

    private static Tier perHour(String name, long requests, FailurePolicy policy) {
        return Tier.of(name, LimitRule.builder("per-hour", LimitAlgorithm.SLIDING_LOG)
                .limit(requests, Duration.ofHours(1))
                .failurePolicy(policy)
                .build());
    }

    /** The registry the gateway records into, served at {@code /metrics}. */
    PrometheusMeterRegistry meters() {
        return meters;
    }

    /** Whether limits, keys and usage are in Redis. */
    boolean usesRedis() {
        return redis != null;
    }

    /** The routes of the configuration file (the admin routes come before them). */
    List<io.gatehouse.route.Route> routes() {
        return routes;
    }

    /** The limits, read for each principal's remaining quota at {@code GET /v1/usage}. */
    TieredRateLimiter limiter() {
        return limiter;
    }

    /** What each principal used, per minute, hour, day and month, for {@code GET /v1/usage}. */
    UsageQuery usage() {
        return usage;
    }

    /** Requests, refusals, cost and latency per principal, tier and route. */
    Analytics analytics() {
        return analytics;
    }

    /** The forwarder to the services, closed with the server. */
    ProxyForwarder forwarder() {
        return forwarder;
    }

    Gateway gateway() {
        return gateway;
    }

    String devApiKey() {
        return devApiKey;
    }

    ExampleAdmin admin() {
        return admin;
    }
}
