package io.gatehouse.redis;

import io.gatehouse.observe.HealthCheck;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import redis.clients.jedis.UnifiedJedis;

/**
 * Everything Gatehouse keeps in Redis, over one client: the {@link RedisLimitStore}, the
 * {@link RedisApiKeyStore}, the {@link RedisNonceStore} and the {@link RedisUsageCounters}, behind
 * one {@link RedisCircuitBreaker}. This is what a gateway started
 * with a Redis URL uses; several gateway instances pointed at one Redis then enforce limits,
 * accept keys and count usage together.
 *
 * <pre>{@code
 * try (RedisBackend redis = RedisBackend.connect("redis://127.0.0.1:6379")) {
 *     TieredRateLimiter limiter = TieredRateLimiter.builder(redis.limitStore())...build();
 *     ApiKeyManager keys = ApiKeyManager.builder(redis.apiKeyStore()).build();
 * }
 * }</pre>
 *
 * <p>Keys are {@code {prefix}limit:...}, {@code {prefix}apikey:...} and
 * {@code {prefix}usage:...} with prefix {@value #DEFAULT_PREFIX} by default (see each store for
 * the rest of its layout).
 *
 * <p>For operations: {@link #healthCheck()} gives the component to register as
 * {@code limit_store} and {@code key_store} on the gateway builder, and {@link #bindTo} binds
 * the breaker's state and counters to a meter registry ({@code gateway_store_*}, tag
 * {@code store="redis"}).
 *
 * <p>Thread-safe. Closing it closes the stores and then the client it created.
 */
public final class RedisBackend implements AutoCloseable, MeterBinder {

    /** The default prefix of every key. */
    public static final String DEFAULT_PREFIX = "gatehouse:";

    private final UnifiedJedis client;
    private final RedisCircuitBreaker breaker;
    private final RedisNonceStore nonceStore;
    private final RedisLimitStore limitStore;
    private final RedisApiKeyStore apiKeyStore;
    private final RedisUsageCounters usageCounters;
    private final RedisUsageRecorder usageRecorder;
    private final RedisHealthCheck healthCheck;

    private RedisBackend(Builder builder) {
        this.client = builder.connection.build();
        try {
            // One breaker per Redis: limits, key lookups and nonces learn of an outage together.
            this.breaker = builder.breaker != null ? builder.breaker
                    : RedisCircuitBreaker.builder().name(builder.connection.toString()).build();
            RedisLimitStore.Builder limits = RedisLimitStore.builder(client)
                    .keyPrefix(builder.prefix + "limit:")
                    .circuitBreaker(breaker);
            if (builder.singleSlotTag != null) {
                limits.singleSlot(builder.singleSlotTag);
            }
            this.limitStore = limits.build();
            this.apiKeyStore = RedisApiKeyStore.builder(client)
                    .keyPrefix(builder.prefix + "apikey:").circuitBreaker(breaker).build();
            this.nonceStore = RedisNonceStore.builder(client)
                    .keyPrefix(builder.prefix + "nonce:").circuitBreaker(breaker).build();
            this.usageCounters = RedisUsageCounters.builder(client)
                    .keyPrefix(builder.prefix + "usage:").build();
            this.usageRecorder = new RedisUsageRecorder(usageCounters);
            this.healthCheck = new RedisHealthCheck(client, breaker, Duration.ofSeconds(1),
                    System::nanoTime);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /**
     * Connects with default settings to a URL accepted by {@link RedisConnections#parse}.
     *
     * @throws IllegalArgumentException naming a malformed URL (without its password)
     */
    public static RedisBackend connect(String url) {
        return builder(RedisConnections.parse(url)).build();
    }

    /** Starts a backend over the client {@code connection} builds. */
    public static Builder builder(RedisConnections.Builder connection) {
        return new Builder(connection);
    }

    /** The shared client; owned by this backend. */
    public UnifiedJedis client() {
        return client;
    }

    public RedisLimitStore limitStore() {
        return limitStore;
    }

    public RedisApiKeyStore apiKeyStore() {
        return apiKeyStore;
    }

    /** Signature nonces for {@code SignatureAuthenticator}, shared by every instance. */
    public RedisNonceStore nonceStore() {
        return nonceStore;
    }

    public RedisUsageCounters usageCounters() {
        return usageCounters;
    }

    /** Usage per principal for {@code Gateway.Builder#usage}, over {@link #usageCounters()}. */
    public RedisUsageRecorder usageRecorder() {
        return usageRecorder;
    }

    /**
     * The circuit breaker shared by limits, key lookups and nonces: {@code UP}, or
     * {@code DEGRADED} while Redis fails.
     */
    public RedisCircuitBreaker.Snapshot health() {
        return breaker.snapshot();
    }

    /**
     * The health of this Redis for {@code Gateway.Builder#healthCheck}: up, degraded while the
     * breaker is open though Redis answers, down when a {@code PING} fails. Answers are reused
     * for one second.
     */
    public HealthCheck healthCheck() {
        return healthCheck;
    }

    /**
     * Binds the breaker to {@code registry}: {@code gateway_store_breaker_state{store, state}}
     * (1 for the current state), and the counters {@code gateway_store_failures_total},
     * {@code gateway_store_short_circuited_total} and
     * {@code gateway_store_breaker_opened_total}, each tagged {@code store="redis"}. Call once
     * per registry.
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        for (RedisCircuitBreaker.State state : RedisCircuitBreaker.State.values()) {
            Gauge.builder("gateway.store.breaker.state", breaker,
                            current -> current.state() == state ? 1 : 0)
                    .description("1 for the current state of the store's circuit breaker")
                    .tags("store", "redis", "state", state.name().toLowerCase(Locale.ROOT))
                    .register(registry);
        }
        FunctionCounter.builder("gateway.store.failures", breaker,
                        current -> current.snapshot().failures())
                .description("Store calls that failed: timeouts, refused connections, bad replies")
                .tag("store", "redis")
                .register(registry);
        FunctionCounter.builder("gateway.store.short.circuited", breaker,
                        current -> current.snapshot().shortCircuited())
                .description("Store calls refused by the open breaker without contacting the store")
                .tag("store", "redis")
                .register(registry);
        FunctionCounter.builder("gateway.store.breaker.opened", breaker,
                        current -> current.snapshot().timesOpened())
                .description("Times the store's circuit breaker opened")
                .tag("store", "redis")
                .register(registry);
    }

    @Override
    public void close() {
        try {
            usageCounters.close();
            apiKeyStore.close();
            limitStore.close();
        } finally {
            client.close();
        }
    }

    /** Collects a backend's settings. Not thread-safe. */
    public static final class Builder {
        private final RedisConnections.Builder connection;
        private String prefix = DEFAULT_PREFIX;
        private String singleSlotTag;
        private RedisCircuitBreaker breaker;

        private Builder(RedisConnections.Builder connection) {
            this.connection = Objects.requireNonNull(connection, "connection");
        }

        /** Prefix of every key, e.g. {@code gw-prod:}; must not contain braces. */
        public Builder prefix(String prefix) {
            Objects.requireNonNull(prefix, "prefix");
            if (prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
                throw new IllegalArgumentException(
                        "prefix must not contain '{' or '}', was '" + prefix + "'");
            }
            this.prefix = prefix;
            return this;
        }

        /** See {@link RedisLimitStore.Builder#singleSlot(String)}. */
        public Builder limitsInSingleSlot(String tag) {
            this.singleSlotTag = Objects.requireNonNull(tag, "tag");
            return this;
        }

        /** The limit store's breaker; defaults (3 failures, 1 s probes) when not set. */
        public Builder circuitBreaker(RedisCircuitBreaker breaker) {
            this.breaker = Objects.requireNonNull(breaker, "breaker");
            return this;
        }

        /** Connects and creates the stores. */
        public RedisBackend build() {
            return new RedisBackend(this);
        }
    }
}
