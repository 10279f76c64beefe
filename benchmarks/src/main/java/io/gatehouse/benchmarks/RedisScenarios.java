package io.gatehouse.benchmarks;

import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.Permit;
import io.gatehouse.redis.RedisConnections;
import io.gatehouse.redis.RedisLimitStore;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.distributed.serialization.Mapper;
import io.github.bucket4j.redis.jedis.Bucket4jJedis;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.UnifiedJedis;

/**
 * What the Redis benchmarks decide, shared by {@link RedisLimiterBenchmark} and
 * {@link RedisCommandsPerDecision}: a private {@code redis-server}, one Jedis pool, a
 * {@link RedisLimitStore} on it (server time), Bucket4j's Jedis proxy manager on the same pool,
 * and the same one and three limits for both, on one hot key and on {@value #KEYS} keys. Limits
 * are large enough that every decision admits.
 *
 * <p>Thread-safe once built.
 */
final class RedisScenarios implements AutoCloseable {

    /** Distinct keys in the many-keys scenarios. */
    static final int KEYS = 10_000;

    static final String LEASE = "bench";

    final RedisServerProcess server;
    final UnifiedJedis jedis;
    final RedisLimitStore store;
    final List<Permit> oneLimitHot;
    final List<Permit> threeLimitsHot;
    final List<Permit>[] oneLimitMany;
    final List<Permit>[] threeLimitsMany;
    final BucketProxy bucket4jOneHot;
    final BucketProxy bucket4jThreeHot;
    final BucketProxy[] bucket4jOneMany;
    final BucketProxy[] bucket4jThreeMany;

    @SuppressWarnings("unchecked")
    RedisScenarios() {
        server = RedisServerProcess.start();
        // Timeouts far above any reply time: a loaded two-core machine running eight client
        // threads must measure throughput, not trip the store's circuit breaker.
        jedis = RedisConnections.standalone(server.url())
                .connectTimeout(Duration.ofSeconds(2))
                .commandTimeout(Duration.ofSeconds(2))
                .maxConnections(16)
                .build();
        store = RedisLimitStore.builder(jedis).build();

        LimitRule perSecond = LimitRule.tokenBucket("per-second", 1_000_000_000L,
                Duration.ofSeconds(1));
        LimitRule perMinute = LimitRule.tokenBucket("per-minute", 6_000_000_000L,
                Duration.ofMinutes(1));
        LimitRule perHour = LimitRule.tokenBucket("per-hour", 7_200_000_000L,
                Duration.ofHours(1));
        String[] keys = Keys.distinct(KEYS);
        String hot = "tenant-hot";
        oneLimitHot = List.of(new Permit(perSecond, hot, 1));
        threeLimitsHot = threeLimits(perSecond, perMinute, perHour, hot);
        oneLimitMany = new List[KEYS];
        threeLimitsMany = new List[KEYS];
        for (int i = 0; i < KEYS; i++) {
            oneLimitMany[i] = List.of(new Permit(perSecond, keys[i], 1));
            threeLimitsMany[i] = threeLimits(perSecond, perMinute, perHour, keys[i]);
        }

        ProxyManager<String> buckets = Bucket4jJedis.casBasedBuilder(jedis)
                .keyMapper(Mapper.STRING)
                .expirationAfterWrite(ExpirationAfterWriteStrategy
                        .basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                .build();
        BucketConfiguration one = BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(1_000_000_000L)
                        .refillGreedy(1_000_000_000L, Duration.ofSeconds(1)))
                .build();
        BucketConfiguration three = BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(1_000_000_000L)
                        .refillGreedy(1_000_000_000L, Duration.ofSeconds(1)))
                .addLimit(limit -> limit.capacity(6_000_000_000L)
                        .refillGreedy(6_000_000_000L, Duration.ofMinutes(1)))
                .addLimit(limit -> limit.capacity(7_200_000_000L)
                        .refillGreedy(7_200_000_000L, Duration.ofHours(1)))
                .build();
        bucket4jOneHot = buckets.builder().build("b4j-one:" + hot, one);
        bucket4jThreeHot = buckets.builder().build("b4j-three:" + hot, three);
        bucket4jOneMany = new BucketProxy[KEYS];
        bucket4jThreeMany = new BucketProxy[KEYS];
        for (int i = 0; i < KEYS; i++) {
            bucket4jOneMany[i] = buckets.builder().build("b4j-one:" + keys[i], one);
            bucket4jThreeMany[i] = buckets.builder().build("b4j-three:" + keys[i], three);
        }
    }

    private static List<Permit> threeLimits(LimitRule perSecond, LimitRule perMinute,
            LimitRule perHour, String key) {
        return List.of(new Permit(perSecond, key, 1), new Permit(perMinute, key, 1),
                new Permit(perHour, key, 1));
    }

    /**
     * Decides once for every key of every scenario, so that measurements see existing state as
     * they would in steady traffic, and checks that each admits.
     */
    void warmAllKeys() {
        require(store.tryConsume(oneLimitHot, LEASE), "one limit admits");
        require(store.tryConsume(threeLimitsHot, LEASE), "three limits admit");
        require(bucket4jOneHot.tryConsume(1), "Bucket4j one limit admits");
        require(bucket4jThreeHot.tryConsume(1), "Bucket4j three limits admit");
        for (int i = 0; i < KEYS; i++) {
            require(store.tryConsume(oneLimitMany[i], LEASE), "one limit admits every key");
            require(store.tryConsume(threeLimitsMany[i], LEASE), "three limits admit every key");
            require(bucket4jOneMany[i].tryConsume(1), "Bucket4j admits every key");
            require(bucket4jThreeMany[i].tryConsume(1), "Bucket4j three admit every key");
        }
    }

    /**
     * What any script deciding three limits of one key must do at the least, without deciding:
     * the same KEYS and ARGV as {@link RedisLimitStore}'s call (one hash, the packed numbers,
     * the lease id, three fields) and a reply of the same ten doubles; then nothing more
     * ({@link #floorCall}: the price of the call itself), or {@code TIME} and one {@code HMGET}
     * of the three fields and the deadline ({@link #floorRead}), or those and one {@code HSET}
     * of three 16-byte values ({@link #floorReadWrite}).
     */
    static final String FLOOR_CALL =
            "return struct.pack('<dddddddddd', 1, 0, 1, 0, 1, 1, 0, 1, 1, 0)";
    static final String FLOOR_READ = "local t = redis.call('TIME')\n"
            + "local v = redis.call('HMGET', KEYS[1], '~', ARGV[3], ARGV[4], ARGV[5])\n"
            + "return struct.pack('<dddddddddd', 1, t[2], 1, 0, 1, 1, 0, 1, 1, 0)";
    static final String FLOOR_READ_WRITE = "local t = redis.call('TIME')\n"
            + "local v = redis.call('HMGET', KEYS[1], '~', ARGV[3], ARGV[4], ARGV[5])\n"
            + "local s = struct.pack('<dd', t[1], t[2])\n"
            + "redis.call('HSET', KEYS[1], ARGV[3], s, ARGV[4], s, ARGV[5], s)\n"
            + "return struct.pack('<dddddddddd', 1, t[2], 1, 0, 1, 1, 0, 1, 1, 0)";

    private byte[] floorCallSha;
    private byte[] floorReadSha;
    private byte[] floorReadWriteSha;
    private List<byte[]> floorKeys;
    private List<byte[]> floorArgs;

    /** Loads the floor scripts; their arguments mimic a three-limit decision's. */
    void loadFloorScripts() {
        floorCallSha = jedis.scriptLoad(FLOOR_CALL).getBytes(StandardCharsets.US_ASCII);
        floorReadSha = jedis.scriptLoad(FLOOR_READ).getBytes(StandardCharsets.US_ASCII);
        floorReadWriteSha = jedis.scriptLoad(FLOOR_READ_WRITE)
                .getBytes(StandardCharsets.US_ASCII);
        floorKeys = List.of("gatehouse:limit:{floor}".getBytes(StandardCharsets.UTF_8));
        floorArgs = List.of(new byte[8 * (3 + 12 * 3)], LEASE.getBytes(StandardCharsets.UTF_8),
                "per-second:tb:1000000000:1000000:1000000000".getBytes(StandardCharsets.UTF_8),
                "per-minute:tb:6000000000:60000000:6000000000".getBytes(StandardCharsets.UTF_8),
                "per-hour:tb:7200000000:3600000000:7200000000".getBytes(StandardCharsets.UTF_8));
    }

    Object floorCall() {
        return jedis.evalsha(floorCallSha, floorKeys, floorArgs);
    }

    Object floorRead() {
        return jedis.evalsha(floorReadSha, floorKeys, floorArgs);
    }

    Object floorReadWrite() {
        return jedis.evalsha(floorReadWriteSha, floorKeys, floorArgs);
    }

    static void require(boolean condition, String what) {
        InMemoryLimiterBenchmark.require(condition, what);
    }

    /** Calls per command since the last {@code CONFIG RESETSTAT}, from INFO commandstats. */
    Map<String, Long> commandCalls() {
        return commandStat("calls=");
    }

    /** Microseconds Redis spent per command since the last reset, from INFO commandstats. */
    Map<String, Long> commandMicros() {
        return commandStat("usec=");
    }

    private Map<String, Long> commandStat(String field) {
        Map<String, Long> stats = new LinkedHashMap<>();
        for (String line : jedis.info("commandstats").split("\r?\n")) {
            if (!line.startsWith("cmdstat_")) {
                continue;
            }
            String name = line.substring("cmdstat_".length(), line.indexOf(':'));
            int start = line.indexOf(field) + field.length();
            int end = line.indexOf(',', start);
            stats.put(name, Long.parseLong(line.substring(start, end < 0 ? line.length() : end)));
        }
        return stats;
    }

    void resetCommandStats() {
        jedis.sendCommand(Protocol.Command.CONFIG, "RESETSTAT");
    }

    @Override
    public void close() {
        try {
            store.close();
            jedis.close();
        } finally {
            server.close();
        }
    }
}
