package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;

/** URL parsing and settings: no Redis needed. */
class RedisConnectionsTest {

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
        // Waiting for a pooled connection is the gateway's congestion: its own bound.
        assertThat(builder.poolConfig().getMaxWaitDuration()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.isSsl()).isFalse();
    }

    @Test
    void defaultsBudgetOneSecondAndKeepAWarmPoolForSixtyFourThreads() {
        RedisConnections.Builder builder = RedisConnections.parse("redis://localhost");
        JedisClientConfig config = builder.clientConfig();

        assertThat(builder.hosts()).containsExactly(new HostAndPort("localhost", 6379));
        assertThat(config.getConnectionTimeoutMillis()).isEqualTo(1_000);
        assertThat(config.getSocketTimeoutMillis()).isEqualTo(1_000);
        assertThat(builder.poolConfig().getBlockWhenExhausted()).isTrue();
        assertThat(builder.poolConfig().getMaxWaitDuration()).isEqualTo(Duration.ofSeconds(1));
        assertThat(builder.poolConfig().getMaxTotal()).isEqualTo(68);
        assertThat(builder.poolConfig().getMinIdle()).isEqualTo(68);
        // Idle connections within the minimum are never closed for being idle.
        assertThat(builder.poolConfig().getMinEvictableIdleDuration().isNegative()).isTrue();
        assertThat(builder.maxConnections(8).minIdleConnections(20).poolConfig().getMinIdle())
                .isEqualTo(8);
        assertThat(builder.minIdleConnections(2).poolConfig().getMinIdle()).isEqualTo(2);
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
}
