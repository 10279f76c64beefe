package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.JedisSentineled;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

class RedisConnectionsTest {

    private static RedisServer redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void standaloneUrlCarriesCredentialsDatabaseAndTimeouts() {
        RedisConnections.Builder builder = RedisConnections.parse("redis://app:s%3Acret@h:7000/3")
                .connectTimeout(Duration.ofMillis(20))
                .commandTimeout(Duration.ofMillis(30));
        JedisClientConfig config = builder.clientConfig();

        assertThat(builder.mode()).isEqualTo(RedisConnections.Mode.STANDALONE);
        assertThat(builder.hosts()).containsExactly(new HostAndPort("h", 7000));
        assertThat(config.getUser()).isEqualTo("app");
        assertThat(config.getPassword()).isEqualTo("s:cret");
        assertThat(config.getDatabase()).isEqualTo(3);
        assertThat(config.getConnectionTimeoutMillis()).isEqualTo(20);
        assertThat(config.getSocketTimeoutMillis()).isEqualTo(30);
        assertThat(builder.poolConfig().getMaxWaitDuration()).isEqualTo(Duration.ofMillis(30));
        assertThat(config.isSsl()).isFalse();
    }

    @Test
    void defaultsAreWellUnderOneHundredMillisecondsAndPoolWaitIsBounded() {
        RedisConnections.Builder builder = RedisConnections.parse("redis://localhost");
        JedisClientConfig config = builder.clientConfig();

        assertThat(builder.hosts()).containsExactly(new HostAndPort("localhost", 6379));
        assertThat(config.getConnectionTimeoutMillis()).isEqualTo(50);
        assertThat(config.getSocketTimeoutMillis()).isEqualTo(50);
        assertThat(builder.poolConfig().getBlockWhenExhausted()).isTrue();
        assertThat(builder.poolConfig().getMaxWaitDuration()).isEqualTo(Duration.ofMillis(50));
        assertThat(RedisConnections.parse("rediss://h:1").clientConfig().isSsl()).isTrue();
    }

    @Test
    void clusterAndSentinelUrlsListEveryHost() {
        RedisConnections.Builder cluster = RedisConnections.parse("redis-cluster://a:1,b:2,c");
        RedisConnections.Builder sentinel =
                RedisConnections.parse("redis-sentinel://:pw@s1:26380,s2/main/2");

        assertThat(cluster.mode()).isEqualTo(RedisConnections.Mode.CLUSTER);
        assertThat(cluster.hosts()).containsExactly(new HostAndPort("a", 1),
                new HostAndPort("b", 2), new HostAndPort("c", 6379));
        assertThat(sentinel.mode()).isEqualTo(RedisConnections.Mode.SENTINEL);
        assertThat(sentinel.hosts()).containsExactly(new HostAndPort("s1", 26380),
                new HostAndPort("s2", 26379));
        assertThat(sentinel.clientConfig().getPassword()).isEqualTo("pw");
        assertThat(sentinel.clientConfig().getUser()).isNull();
        assertThat(sentinel.clientConfig().getDatabase()).isEqualTo(2);
    }

    @Test
    void badUrlsAreRefusedByNameWithoutEchoingThePassword() {
        assertThatThrownBy(() -> RedisConnections.parse("http://u:secret@h:1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'http'")
                .hasMessageNotContaining("secret");
        assertThatThrownBy(() -> RedisConnections.parse("redis://u:secret@h:1/x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("database")
                .hasMessageNotContaining("secret");
        assertThatThrownBy(() -> RedisConnections.parse("redis-sentinel://s1:1"))
                .hasMessageContaining("masterName");
        assertThatThrownBy(() -> RedisConnections.parse("redis-cluster://a:1/2"))
                .hasMessageContaining("no path");
        assertThatThrownBy(() -> RedisConnections.parse("redis-cluster://a:x"))
                .hasMessageContaining("'a:x'");
        assertThatThrownBy(() -> RedisConnections.parse("localhost:6379"))
                .hasMessageContaining("no scheme");
        assertThatThrownBy(() -> RedisConnections.parse("redis://h").commandTimeout(Duration.ZERO))
                .hasMessageContaining("commandTimeout");
    }

    @Test
    void standaloneClientTalksToARealServer() {
        try (UnifiedJedis jedis = RedisConnections.parse(redis.url()).build()) {
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
        try (UnifiedJedis jedis = RedisConnections.parse(redis.url()).build()) {
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
        try (UnifiedJedis jedis = RedisConnections.parse(redis.url()).build()) {
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
                UnifiedJedis jedis = RedisConnections.cluster(cluster.hostPorts()).build()) {
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
                        List.of(sentinel.host() + ":" + sentinel.port())).build()) {
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
