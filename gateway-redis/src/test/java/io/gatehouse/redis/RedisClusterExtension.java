package io.gatehouse.redis;

import java.time.Duration;
import java.util.Objects;
import redis.clients.jedis.UnifiedJedis;

/**
 * One 3-master {@link RedisClusterNodes} for a whole test class: created before the class's first
 * test and stopped after the last one, together with the shared cluster client when asked for.
 * Registered in a static field:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisClusterExtension CLUSTER = RedisClusterExtension.started()
 *         .withClient(Duration.ofSeconds(2));
 * }</pre>
 *
 * <p>JUnit runs these callbacks before the class's own {@code @BeforeAll} methods and after its
 * {@code @AfterAll} methods, as for {@link RedisServerExtension}. Without {@code redis-server} the
 * class is skipped, except under {@code CI=true}, where it fails.
 */
final class RedisClusterExtension extends RedisTestResource<RedisClusterNodes> {

    private RedisClusterExtension(Duration clientCommandTimeout) {
        super(clientCommandTimeout);
    }

    /** The cluster, left between tests as the previous test left it. */
    static RedisClusterExtension started() {
        return new RedisClusterExtension(null);
    }

    /**
     * Also opens one cluster client for the whole class, built by {@link RedisConnections} with
     * {@code commandTimeout}, and closes it before the cluster stops.
     */
    RedisClusterExtension withClient(Duration commandTimeout) {
        return new RedisClusterExtension(Objects.requireNonNull(commandTimeout,
                "commandTimeout"));
    }

    @Override
    RedisClusterNodes start() {
        return RedisClusterNodes.start();
    }

    @Override
    UnifiedJedis connect(RedisClusterNodes cluster, Duration commandTimeout) {
        return RedisConnections.cluster(cluster.hostPorts()).commandTimeout(commandTimeout)
                .build();
    }

    /** The running cluster; only between this extension's beforeAll and afterAll. */
    RedisClusterNodes cluster() {
        return resource();
    }
}
