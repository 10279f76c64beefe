package io.gatehouse.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.CacheLoader;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.gatehouse.JsonMappers;
import io.gatehouse.auth.ApiKeyRecord;
import io.gatehouse.auth.ApiKeyStore;
import io.gatehouse.auth.ApiKeyStoreException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * An {@link ApiKeyStore} in Redis, shared by every gateway instance, with a local cache for the
 * request path and invalidation over Redis pub/sub.
 *
 * <p><b>Keys</b> (prefix default {@value #DEFAULT_KEY_PREFIX}; all in one hash slot so that a
 * save is one atomic script on Cluster too):
 * <pre>
 *   {prefix}{apikeys}:id:{keyId}      hash: id, hash, hint, principal, tier, roles, permissions,
 *                                     created, expires, lastUsed, revoked, rotatedTo, allowFrom,
 *                                     denyFrom (absent when null; lists as JSON arrays;
 *                                     instants as ISO-8601)
 *   {prefix}{apikeys}:hash:{hash}     string: the key id owning that key hash
 *   {prefix}{apikeys}:ids             set of every key id
 *   channel {prefix}invalidate        key hashes whose record changed
 * </pre>
 * Key records are not limit state and carry no TTL: they live until an operator deletes them
 * (revoked and expired records are kept so callers can say why a key is refused).
 *
 * <p><b>Caching and revocation.</b> {@link #findByHash} answers from a bounded local cache
 * (including "no such key"); every {@link #save} (create, revoke, expire, rotate) publishes the
 * changed hashes, and every instance's subscriber evicts them, so a revocation reaches every
 * instance within milliseconds. A cached record is re-read in the background once it is older
 * than the refresh interval (default 30 s) and is used again, so a key in use never waits for
 * Redis and never expires while Redis answers; the request that finds it due is served the
 * cached record meanwhile. When the re-read fails (Redis unreachable, the breaker open), the
 * cached record is kept and served stale, for at most the maximum staleness (default 10 min)
 * after it was last read from Redis; past that the key is looked up like an unknown one (and,
 * with Redis down, refused with 503). Whenever the invalidation subscription is
 * (re-)established, every cached record is re-read in the background, so a revocation missed
 * while this instance could not reach Redis takes effect as soon as Redis answers again.
 * {@link #recordUse} is kept in memory and written every {@code lastUsedFlushInterval}; until
 * then {@link #findById} and {@link #list} of this instance show it.
 *
 * <p><b>When Redis fails.</b> Cache misses of {@link #findByHash} go through a
 * {@link RedisCircuitBreaker} (by default its own; {@link RedisBackend} shares the limit
 * store's): after consecutive failures lookups fail at once with an {@link ApiKeyStoreException}
 * instead of each waiting for the command timeout, and one lookup per probe interval tests
 * Redis. Cached keys keep working, stale, for up to the maximum staleness. The authenticator
 * answers failed lookups with 503 and {@code Retry-After}. A Redis that comes back empty (a
 * restart without persistence) holds no keys: each cached record is then re-read as "no such
 * key" and its key is refused with 401 until the keys are stored again.
 *
 * <p>Thread-safe. Close it to stop its subscriber and flush last-use times; it does not close
 * the Jedis client, which the caller owns.
 */
public final class RedisApiKeyStore implements ApiKeyStore, AutoCloseable {

    /** The default prefix of every key and channel this store uses. */
    public static final String DEFAULT_KEY_PREFIX = "gatehouse:apikey:";

    private static final Logger LOG = LoggerFactory.getLogger(RedisApiKeyStore.class);
    private static final ObjectMapper JSON = JsonMappers.newMapper();
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() { };
    private static final String DUPLICATE = "GATEHOUSE_DUPLICATE_HASH";

    /** Default age at which a cached lookup is re-read in the background. */
    public static final Duration DEFAULT_REFRESH_INTERVAL = Duration.ofSeconds(30);
    /** Default longest a cached lookup is served stale while Redis cannot be read. */
    public static final Duration DEFAULT_MAX_STALENESS = Duration.ofMinutes(10);

    // Atomic save: refuse a hash owned by another key id, drop the old hash index, replace the
    // record, then tell every instance which hashes changed.
    private static final String SAVE = """
            local owner = redis.call('GET', KEYS[2])
            if owner and owner ~= ARGV[1] then
              return redis.error_reply('GATEHOUSE_DUPLICATE_HASH ' .. owner)
            end
            local old = redis.call('HGET', KEYS[1], 'hash')
            if old and old ~= ARGV[2] then redis.call('DEL', ARGV[4] .. old) end
            redis.call('DEL', KEYS[1])
            redis.call('HSET', KEYS[1], unpack(ARGV, 5))
            redis.call('SET', KEYS[2], ARGV[1])
            redis.call('SADD', KEYS[3], ARGV[1])
            redis.call('PUBLISH', ARGV[3], ARGV[2])
            if old and old ~= ARGV[2] then redis.call('PUBLISH', ARGV[3], old) end
            return 1
            """;
    private static final String TOUCH = """
            if redis.call('EXISTS', KEYS[1]) == 1 then
              redis.call('HSET', KEYS[1], 'lastUsed', ARGV[1])
            end
            return 1
            """;

    private final UnifiedJedis jedis;
    private final RedisCircuitBreaker breaker;
    private final ApiKeyStoreException circuitOpen;
    private final String idPrefix;
    private final String hashPrefix;
    private final String idsKey;
    private final String channel;
    private final LoadingCache<String, Cached> byHash;
    private final LongSupplier nanoTicker;
    private final ExecutorService refresher;
    private final Map<String, Instant> pendingUses = new ConcurrentHashMap<>();
    private final ScheduledExecutorService flusher;
    private final Thread subscriber;
    private final Invalidations invalidations = new Invalidations();
    private final CountDownLatch subscribed = new CountDownLatch(1);
    private volatile boolean closed;

    private RedisApiKeyStore(Builder builder) {
        this.jedis = builder.jedis;
        this.breaker = builder.breaker != null ? builder.breaker
                : RedisCircuitBreaker.builder().name("api-keys").build();
        // Preallocated, without a stack trace: during an outage every cache miss throws it.
        this.circuitOpen = new ApiKeyStoreException(
                "Redis circuit open: API key lookups are paused until the next probe") {
            private static final long serialVersionUID = 1L;

            @Override
            public synchronized Throwable fillInStackTrace() {
                return this;
            }
        };
        String base = builder.keyPrefix + "{apikeys}:";
        this.idPrefix = base + "id:";
        this.hashPrefix = base + "hash:";
        this.idsKey = base + "ids";
        this.channel = builder.keyPrefix + "invalidate";
        this.nanoTicker = builder.nanoTicker;
        // Re-reads do I/O: one thread of their own, never the common pool or a request thread.
        // Caffeine runs at most one re-read per key at a time, so the queue stays bounded by
        // the cache's size.
        this.refresher = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "gatehouse-apikey-refresh");
            thread.setDaemon(true);
            return thread;
        });
        long maxStaleNanos = builder.maxStaleness.toNanos();
        this.byHash = Caffeine.newBuilder()
                .maximumSize(builder.cacheSize)
                .refreshAfterWrite(builder.refreshInterval)
                .expireAfter(new Expiry<String, Cached>() {
                    @Override
                    public long expireAfterCreate(String hash, Cached cached, long now) {
                        return Math.max(0, cached.readAtNanos() + maxStaleNanos - now);
                    }

                    @Override
                    public long expireAfterUpdate(String hash, Cached cached, long now,
                            long currentDuration) {
                        return Math.max(0, cached.readAtNanos() + maxStaleNanos - now);
                    }

                    @Override
                    public long expireAfterRead(String hash, Cached cached, long now,
                            long currentDuration) {
                        return currentDuration;
                    }
                })
                .ticker(nanoTicker::getAsLong)
                .executor(refresher)
                .build(new CacheLoader<String, Cached>() {
                    @Override
                    public Cached load(String hash) {
                        return new Cached(loadByHash(hash), nanoTicker.getAsLong());
                    }

                    @Override
                    public Cached reload(String hash, Cached stale) {
                        try {
                            return load(hash);
                        } catch (ApiKeyStoreException e) {
                            // Keep serving what Redis said last; its age still counts from
                            // when it was read, so the maximum staleness holds.
                            LOG.debug("API key record not re-read; serving the cached one", e);
                            return stale;
                        }
                    }
                });
        this.flusher = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "gatehouse-apikey-last-used");
            thread.setDaemon(true);
            return thread;
        });
        long flushMillis = builder.lastUsedFlushInterval.toMillis();
        flusher.scheduleWithFixedDelay(this::flushUsesQuietly, flushMillis, flushMillis,
                TimeUnit.MILLISECONDS);
        this.subscriber = new Thread(this::subscribeUntilClosed, "gatehouse-apikey-invalidation");
        subscriber.setDaemon(true);
        subscriber.start();
    }

    /** Starts a store over {@code jedis}, which the caller keeps owning. */
    public static Builder builder(UnifiedJedis jedis) {
        return new Builder(jedis);
    }

    /** A lookup's result and when it was read from Redis (the ticker's nanoseconds). */
    private record Cached(Optional<ApiKeyRecord> record, long readAtNanos) {
    }

    @Override
    public Optional<ApiKeyRecord> findByHash(String hash) {
        Objects.requireNonNull(hash, "hash");
        return byHash.get(hash).record();
    }

    private Optional<ApiKeyRecord> loadByHash(String hash) {
        if (!breaker.tryAcquirePermission()) {
            throw circuitOpen;
        }
        Optional<ApiKeyRecord> found;
        try {
            String keyId = jedis.get(hashPrefix + hash);
            found = keyId == null ? Optional.empty() : loadStored(keyId);
        } catch (JedisException e) {
            if (RedisConnections.isPoolExhausted(e)) {
                breaker.onNotAttempted();
            } else {
                breaker.onFailure(e);
                RedisConnections.discardIdleConnections(jedis);
            }
            throw new ApiKeyStoreException("Redis unreachable while looking up an API key", e);
        }
        breaker.onSuccess();
        return found;
    }

    /** The breaker guarding lookups. */
    public RedisCircuitBreaker circuitBreaker() {
        return breaker;
    }

    @Override
    public Optional<ApiKeyRecord> findById(String keyId) {
        Objects.requireNonNull(keyId, "keyId");
        try {
            return load(keyId);
        } catch (JedisException e) {
            throw new ApiKeyStoreException("Redis unreachable while reading key " + keyId, e);
        }
    }

    private Optional<ApiKeyRecord> loadStored(String keyId) {
        Map<String, String> fields = jedis.hgetAll(idPrefix + keyId);
        return fields.isEmpty() ? Optional.empty() : Optional.of(decode(fields));
    }

    /** The stored record with this instance's unwritten last use, if later, applied. */
    private Optional<ApiKeyRecord> load(String keyId) {
        Optional<ApiKeyRecord> stored = loadStored(keyId);
        Instant pending = pendingUses.get(keyId);
        if (pending == null || stored.isEmpty()) {
            return stored;
        }
        ApiKeyRecord record = stored.get();
        return record.lastUsedAt() != null && !pending.isAfter(record.lastUsedAt()) ? stored
                : Optional.of(record.withLastUsedAt(pending));
    }

    @Override
    public void save(ApiKeyRecord record) {
        Map<String, String> fields = encode(record);
        List<String> args = new ArrayList<>(4 + 2 * fields.size());
        args.add(record.keyId());
        args.add(record.hash());
        args.add(channel);
        args.add(hashPrefix);
        fields.forEach((name, value) -> {
            args.add(name);
            args.add(value);
        });
        try {
            jedis.eval(SAVE, List.of(idPrefix + record.keyId(), hashPrefix + record.hash(), idsKey),
                    args);
        } catch (JedisDataException e) {
            String message = String.valueOf(e.getMessage());
            int at = message.indexOf(DUPLICATE);
            if (at >= 0) {
                throw new IllegalStateException("key " + message.substring(
                        at + DUPLICATE.length()).trim() + " already has the hash of key "
                        + record.keyId());
            }
            throw new ApiKeyStoreException("Redis refused to save key " + record.keyId(), e);
        } catch (JedisException e) {
            throw new ApiKeyStoreException("Redis unreachable while saving key " + record.keyId(),
                    e);
        }
        // This instance sees its own change at once, whatever the subscriber's timing.
        byHash.invalidate(record.hash());
    }

    @Override
    public List<ApiKeyRecord> list() {
        try {
            List<ApiKeyRecord> records = new ArrayList<>();
            for (String keyId : jedis.smembers(idsKey)) {
                load(keyId).ifPresent(records::add);
            }
            records.sort(Comparator.comparing(ApiKeyRecord::keyId));
            return records;
        } catch (JedisException e) {
            throw new ApiKeyStoreException("Redis unreachable while listing keys", e);
        }
    }

    @Override
    public void recordUse(String keyId, Instant at) {
        pendingUses.merge(keyId, at, (old, now) -> now.isAfter(old) ? now : old);
    }

    /** Writes pending last-use times now. */
    public void flushUses() {
        for (String keyId : List.copyOf(pendingUses.keySet())) {
            Instant at = pendingUses.remove(keyId);
            if (at != null) {
                jedis.eval(TOUCH, List.of(idPrefix + keyId), List.of(at.toString()));
            }
        }
    }

    private void flushUsesQuietly() {
        try {
            flushUses();
        } catch (RuntimeException e) {
            // Losing a last-use time is harmless (see ApiKeyStore#recordUse).
            LOG.debug("could not write API key last-use times", e);
        }
    }

    /**
     * Waits until the invalidation subscription is established, so that changes made from now
     * on reach this instance.
     *
     * @return whether it was established within {@code timeout}
     */
    public boolean awaitSubscribed(Duration timeout) throws InterruptedException {
        return subscribed.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void subscribeUntilClosed() {
        long backoffMillis = 100;
        while (!closed) {
            try {
                jedis.subscribe(invalidations, channel);
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                LOG.debug("API key invalidation subscription lost; resubscribing", e);
                // The pool's other idle connections likely died with this one (a restart).
                RedisConnections.discardIdleConnections(jedis);
            }
            // Messages may be missed while unsubscribed. The cache is kept meanwhile, so keys
            // already seen keep working through an outage (their age is bounded by the cache's
            // time to live), and is dropped as soon as the subscription is back (onSubscribe).
            try {
                Thread.sleep(backoffMillis);
            } catch (InterruptedException e) {
                return;
            }
            backoffMillis = Math.min(2_000, backoffMillis * 2);
        }
    }

    /** Receives changed key hashes. */
    private final class Invalidations extends JedisPubSub {
        @Override
        public void onSubscribe(String channel, int subscribedChannels) {
            // Changes published while this instance was not subscribed were missed: re-read
            // every cached record. Until each re-read lands, the cached one is served.
            for (String hash : List.copyOf(byHash.asMap().keySet())) {
                byHash.refresh(hash);
            }
            subscribed.countDown();
        }

        @Override
        public void onMessage(String channel, String hash) {
            byHash.invalidate(hash);
        }
    }

    /** Stops the subscriber and writes pending last-use times. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (invalidations.isSubscribed()) {
                invalidations.unsubscribe();
            }
        } catch (RuntimeException e) {
            LOG.debug("unsubscribing failed", e);
        }
        subscriber.interrupt();
        flusher.shutdownNow();
        refresher.shutdownNow();
        flushUsesQuietly();
        try {
            subscriber.join(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Map<String, String> encode(ApiKeyRecord record) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("id", record.keyId());
        fields.put("hash", record.hash());
        fields.put("hint", record.hint());
        fields.put("principal", record.principalId());
        fields.put("tier", record.tier());
        fields.put("roles", json(List.copyOf(new java.util.TreeSet<>(record.roles()))));
        fields.put("permissions",
                json(List.copyOf(new java.util.TreeSet<>(record.permissions()))));
        fields.put("created", record.createdAt().toString());
        putInstant(fields, "expires", record.expiresAt());
        putInstant(fields, "lastUsed", record.lastUsedAt());
        putInstant(fields, "revoked", record.revokedAt());
        if (record.rotatedTo() != null) {
            fields.put("rotatedTo", record.rotatedTo());
        }
        fields.put("allowFrom", json(record.allowFrom()));
        fields.put("denyFrom", json(record.denyFrom()));
        return fields;
    }

    static ApiKeyRecord decode(Map<String, String> fields) {
        Map<String, String> f = new HashMap<>(fields);
        try {
            return new ApiKeyRecord(f.get("id"), f.get("hash"), f.get("hint"),
                    f.get("principal"), f.get("tier"), Set.copyOf(strings(f.get("roles"))),
                    Set.copyOf(strings(f.get("permissions"))), Instant.parse(f.get("created")),
                    instant(f.get("expires")), instant(f.get("lastUsed")),
                    instant(f.get("revoked")), f.get("rotatedTo"), strings(f.get("allowFrom")),
                    strings(f.get("denyFrom")));
        } catch (RuntimeException e) {
            throw new ApiKeyStoreException("corrupt API key record " + f.get("id"), e);
        }
    }

    private static void putInstant(Map<String, String> fields, String name, Instant value) {
        if (value != null) {
            fields.put(name, value.toString());
        }
    }

    private static Instant instant(String value) {
        return value == null ? null : Instant.parse(value);
    }

    private static String json(List<String> values) {
        try {
            return JSON.writeValueAsString(values);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> strings(String json) {
        if (json == null) {
            return List.of();
        }
        try {
            return JSON.readValue(json, STRINGS);
        } catch (JsonProcessingException e) {
            throw new ApiKeyStoreException("corrupt list in an API key record", e);
        }
    }

    /** Collects a store's settings. Not thread-safe. */
    public static final class Builder {
        private final UnifiedJedis jedis;
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private long cacheSize = 100_000;
        private Duration refreshInterval = DEFAULT_REFRESH_INTERVAL;
        private Duration maxStaleness = DEFAULT_MAX_STALENESS;
        private LongSupplier nanoTicker = System::nanoTime;
        private Duration lastUsedFlushInterval = Duration.ofSeconds(10);
        private RedisCircuitBreaker breaker;

        private Builder(UnifiedJedis jedis) {
            this.jedis = Objects.requireNonNull(jedis, "jedis");
        }

        /** Prefix of every key and of the channel; must not contain braces. */
        public Builder keyPrefix(String keyPrefix) {
            this.keyPrefix = KeyPrefixes.require(keyPrefix);
            return this;
        }

        /** Most key hashes cached locally, known or unknown; at least 1. */
        public Builder cacheSize(long cacheSize) {
            if (cacheSize < 1) {
                throw new IllegalArgumentException(
                        "cacheSize must be at least 1, was " + cacheSize);
            }
            this.cacheSize = cacheSize;
            return this;
        }

        /**
         * How old a cached lookup may grow before it is re-read in the background (30 s by
         * default); it also bounds how long a lost invalidation message goes unnoticed.
         */
        public Builder refreshInterval(Duration refreshInterval) {
            this.refreshInterval = positive(refreshInterval, "refreshInterval");
            return this;
        }

        /**
         * The longest a cached lookup is served since it was last read from Redis, while
         * re-reads fail (10 min by default); at least the refresh interval.
         */
        public Builder maxStaleness(Duration maxStaleness) {
            this.maxStaleness = positive(maxStaleness, "maxStaleness");
            return this;
        }

        /** The monotonic nanosecond clock of the cache; tests drive it by hand. */
        public Builder nanoTicker(LongSupplier nanoTicker) {
            this.nanoTicker = Objects.requireNonNull(nanoTicker, "nanoTicker");
            return this;
        }

        private static Duration positive(Duration duration, String what) {
            Objects.requireNonNull(duration, what);
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, was " + duration);
            }
            return duration;
        }

        /** How often last-use times are written to Redis. */
        public Builder lastUsedFlushInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.toMillis() < 1) {
                throw new IllegalArgumentException(
                        "lastUsedFlushInterval must be at least 1 ms, was " + interval);
            }
            this.lastUsedFlushInterval = interval;
            return this;
        }

        /**
         * The breaker that lookups on a cache miss go through; a store of its own (3 failures,
         * 1 s probes) when not set. Share one breaker per Redis.
         */
        public Builder circuitBreaker(RedisCircuitBreaker breaker) {
            this.breaker = Objects.requireNonNull(breaker, "breaker");
            return this;
        }

        /**
         * Builds the store and starts its invalidation subscriber.
         *
         * @throws IllegalArgumentException if the maximum staleness is below the refresh interval
         */
        public RedisApiKeyStore build() {
            if (maxStaleness.compareTo(refreshInterval) < 0) {
                throw new IllegalArgumentException("maxStaleness " + maxStaleness
                        + " must not be below refreshInterval " + refreshInterval);
            }
            return new RedisApiKeyStore(this);
        }
    }
}
