package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.limit.LimitAlgorithm;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.LimitStoreException;
import io.gatehouse.limit.Permit;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.JedisSentineled;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

/** Clients built by {@link RedisConnections} against real servers. */
@SuppressWarnings("deprecation") // asserts the pooled client classes RedisConnections builds
class RedisConnectionsServerTest {

    /** For tests about behaviour, not timeouts: a busy machine must not fail them. */
    private static final Duration RELAXED = Duration.ofSeconds(1);

    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.keptBetweenTests();

    private static RedisServer redis;

    @BeforeAll
    static void useRedis() {
        redis = REDIS.server();
    }

    @Test
    void standaloneClientTalksToARealServer() {
        try (UnifiedJedis jedis = RedisConnections.parse(redis.url())
                .commandTimeout(RELAXED).build()) {
            assertThat(jedis).isInstanceOf(JedisPooled.class);
            jedis.set("connections-test", "1");
            assertThat(jedis.get("connections-test")).isEqualTo("1");
        }
    }

    @Test
    void builtClientHasItsConnectionsOpenBeforeTheFirstCommand() {
        try (UnifiedJedis jedis = RedisConnections.parse(redis.url()).maxConnections(6)
                .clientName("warm-pool").commandTimeout(RELAXED).build()) {
            assertThat(namedConnections("warm-pool")).isEqualTo(6);
        }
        Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> namedConnections("warm-pool") == 0);
    }

    private static long namedConnections(String name) {
        try (var admin = redis.admin()) {
            return Arrays.stream(admin.clientList().split("\n"))
                    .filter(line -> line.contains(" name=" + name + " "))
                    .count();
        }
    }

    @Test
    void waitingForAPooledConnectionIsNotCountedAsARedisFailure() throws Exception {
        RedisCircuitBreaker breaker = RedisCircuitBreaker.builder().failureThreshold(1).build();
        Permit permit = new Permit(LimitRule.builder("pool", LimitAlgorithm.FIXED_WINDOW)
                .limit(5, Duration.ofHours(1)).build(), "pool-user", 1);
        try (UnifiedJedis jedis = RedisConnections.parse(redis.url()).maxConnections(1)
                .commandTimeout(RELAXED).poolWait(Duration.ofMillis(20)).build()) {
            RedisLimitStore store = RedisLimitStore.builder(jedis).circuitBreaker(breaker).build();
            // The pool's only connection is busy for a second in a blocking pop.
            Thread holder = new Thread(() -> jedis.blpop(1.0, "connections-never"));
            holder.start();
            try (var admin = redis.admin()) {
                Awaitility.await().atMost(Duration.ofSeconds(5))
                        .until(() -> admin.clientList().contains("cmd=blpop"));
            }

            assertThatThrownBy(() -> store.tryAcquire(List.of(permit), "lease"))
                    .isInstanceOf(LimitStoreException.class)
                    .hasMessageContaining("pool is smaller");
            assertThat(breaker.snapshot().failures()).isZero();
            assertThat(breaker.state()).isEqualTo(RedisCircuitBreaker.State.CLOSED);

            holder.join();
            assertThat(store.tryAcquire(List.of(permit), "lease").remaining(0)).isEqualTo(4);
        }
    }

    @Test
    void pausedServerCostsOneCommandTimeoutNotAHang() {
        try (UnifiedJedis jedis = RedisConnections.parse(redis.url())
                .commandTimeout(Duration.ofMillis(50)).build()) {
            jedis.ping();
            redis.pauseClients(Duration.ofMillis(1_500));
            long start = System.nanoTime();

            assertThatThrownBy(() -> jedis.get("k")).isInstanceOf(JedisException.class);

            // Generous bound: proves the timeout applies, not how fast the machine is.
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(
                    Duration.ofMillis(1_000));
        } finally {
            redis.command("CLIENT", "UNPAUSE");
        }
    }

    @Test
    void frozenServerCostsOneCommandTimeoutNotAHang() {
        try (UnifiedJedis jedis = RedisConnections.parse(redis.url())
                .commandTimeout(Duration.ofMillis(50)).build()) {
            redis.freeze();
            long start = System.nanoTime();

            assertThatThrownBy(() -> jedis.get("k")).isInstanceOf(JedisException.class);

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(
                    Duration.ofMillis(1_000));
        } finally {
            redis.thaw();
        }
    }

    @Test
    void clientReconnectsAfterTheServerRestartsOnTheSamePort() {
        try (UnifiedJedis jedis = RedisConnections.parse(redis.url())
                .commandTimeout(RELAXED).build()) {
            jedis.set("before", "1");
            int port = redis.port();
            redis.stop();

            assertThatThrownBy(() -> jedis.get("before")).isInstanceOf(JedisException.class);
            // The warm idle connections died with the server: what the stores do on a failure.
            RedisConnections.discardIdleConnections(jedis);

            redis.restart();
            assertThat(redis.port()).isEqualTo(port);
            // A kill loses the data (no persistence), but the same client works again.
            assertThat(jedis.get("before")).isNull();
            jedis.set("after", "2");
            assertThat(jedis.get("after")).isEqualTo("2");
        }
    }

    @Test
    void clusterClientSpreadsKeysOverThreeMasters() {
        try (RedisClusterNodes cluster = RedisClusterNodes.start();
                UnifiedJedis jedis = RedisConnections.cluster(cluster.hostPorts())
                        .commandTimeout(RELAXED).build()) {
            assertThat(jedis).isInstanceOf(JedisCluster.class);
            for (int i = 0; i < 30; i++) {
                jedis.set("key-" + i, Integer.toString(i));
            }
            for (int i = 0; i < 30; i++) {
                assertThat(jedis.get("key-" + i)).isEqualTo(Integer.toString(i));
            }
            assertThat(cluster.nodes()).allSatisfy(node -> {
                try (var admin = node.admin()) {
                    assertThat(admin.dbSize()).isPositive();
                }
            });
        }
    }

    @Test
    void sentinelClientFindsTheMaster() {
        try (RedisServer sentinel = RedisServer.startSentinel(redis, "gatehouse");
                UnifiedJedis jedis = RedisConnections.sentinel("gatehouse",
                        List.of(sentinel.host() + ":" + sentinel.port()))
                        .commandTimeout(RELAXED).build()) {
            assertThat(jedis).isInstanceOf(JedisSentineled.class);
            assertThat(((JedisSentineled) jedis).getCurrentMaster())
                    .isEqualTo(redis.hostAndPort());
            jedis.set("via-sentinel", "yes");
            try (var admin = redis.admin()) {
                assertThat(admin.get("via-sentinel")).isEqualTo("yes");
            }
        }
    }
}
