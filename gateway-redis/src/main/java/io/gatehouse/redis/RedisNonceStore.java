package io.gatehouse.redis;

import io.gatehouse.auth.NonceStore;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.SetParams;

/**
 * A {@link NonceStore} in Redis, so that a signed request accepted by one gateway instance is a
 * replay on every other. Each first use is one {@code SET key 1 NX PX ttl}: atomic, so of
 * concurrent uses of one nonce on any number of instances exactly one succeeds, and the key
 * expires when the nonce's window has passed.
 *
 * <p><b>Keys</b> (prefix default {@value #DEFAULT_KEY_PREFIX}): {@code {prefix}{{scope}}:{nonce}},
 * the scope (key id) escaped like limit keys, so one key id's nonces share a hash slot and a
 * scope cannot forge another's nonces.
 *
 * <p><b>When Redis fails</b> calls go through a {@link RedisCircuitBreaker} and throw
 * {@link RedisUnavailableException} (at once while the breaker is open); replay protection never
 * silently accepts a nonce it could not record.
 *
 * <p>Thread-safe.
 */
public final class RedisNonceStore implements NonceStore {

    /** The default prefix of every key. */
    public static final String DEFAULT_KEY_PREFIX = "gatehouse:nonce:";

    private final UnifiedJedis jedis;
    private final String keyPrefix;
    private final Clock clock;
    private final RedisCircuitBreaker breaker;

    private RedisNonceStore(Builder builder) {
        this.jedis = builder.jedis;
        this.keyPrefix = builder.keyPrefix;
        this.clock = builder.clock;
        this.breaker = builder.breaker != null ? builder.breaker
                : RedisCircuitBreaker.builder().name("nonces").build();
    }

    /** Starts a store over {@code jedis}, which the caller keeps owning. */
    public static Builder builder(UnifiedJedis jedis) {
        return new Builder(jedis);
    }

    /**
     * {@inheritDoc}
     *
     * @throws RedisUnavailableException when Redis cannot record the nonce
     */
    @Override
    public boolean firstUse(String scope, String nonce, Instant until) {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(nonce, "nonce");
        long ttlMillis = until.toEpochMilli() - clock.millis();
        if (ttlMillis <= 0) {
            // Already outside its window: nothing to remember, and nothing to accept either.
            return false;
        }
        if (!breaker.tryAcquirePermission()) {
            throw new RedisUnavailableException("Redis circuit open: nonces cannot be recorded",
                    null);
        }
        String reply;
        try {
            reply = jedis.set(key(scope, nonce), "1", SetParams.setParams().nx().px(ttlMillis));
        } catch (JedisException e) {
            if (RedisConnections.isPoolExhausted(e)) {
                breaker.onNotAttempted();
                throw new RedisUnavailableException(
                        "no pooled Redis connection became free in time", e);
            }
            breaker.onFailure(e);
            RedisConnections.discardIdleConnections(jedis);
            throw new RedisUnavailableException("Redis unreachable while recording a nonce", e);
        }
        breaker.onSuccess();
        return "OK".equals(reply);
    }

    String key(String scope, String nonce) {
        return keyPrefix + "{" + RedisLimitStore.escape(scope) + "}:" + nonce;
    }

    /** Collects a store's settings. Not thread-safe. */
    public static final class Builder {
        private final UnifiedJedis jedis;
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private Clock clock = Clock.systemUTC();
        private RedisCircuitBreaker breaker;

        private Builder(UnifiedJedis jedis) {
            this.jedis = Objects.requireNonNull(jedis, "jedis");
        }

        /** Prefix of every key; must not contain braces. */
        public Builder keyPrefix(String keyPrefix) {
            this.keyPrefix = KeyPrefixes.require(keyPrefix);
            return this;
        }

        /** The clock that turns a nonce's end into a time to live. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The breaker calls go through; one of its own when not set. */
        public Builder circuitBreaker(RedisCircuitBreaker breaker) {
            this.breaker = Objects.requireNonNull(breaker, "breaker");
            return this;
        }

        public RedisNonceStore build() {
            return new RedisNonceStore(this);
        }
    }
}
