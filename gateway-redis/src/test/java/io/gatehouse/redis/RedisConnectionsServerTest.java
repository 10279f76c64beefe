package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
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
