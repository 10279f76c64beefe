package io.gatehouse.redis;

import java.time.Duration;
import java.util.Objects;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
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
 *
 * <p>Not thread-safe; JUnit calls it from the thread that runs the class.
 */
final class RedisClusterExtension implements BeforeAllCallback, AfterAllCallback {

    /** The command timeout of the shared client; {@code null} when the class wants none. */
    private final Duration clientCommandTimeout;
    private RedisClusterNodes cluster;
    private UnifiedJedis client;

    private RedisClusterExtension(Duration clientCommandTimeout) {
        this.clientCommandTimeout = clientCommandTimeout;
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
    public void beforeAll(ExtensionContext context) {
        cluster = RedisClusterNodes.start();
        if (clientCommandTimeout != null) {
            client = RedisConnections.cluster(cluster.hostPorts())
                    .commandTimeout(clientCommandTimeout).build();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        // Also called when beforeAll was skipped or failed half-way.
        try {
            if (client != null) {
                client.close();
            }
        } finally {
            client = null;
            if (cluster != null) {
                cluster.close();
                cluster = null;
            }
        }
    }

    /** The running cluster; only between this extension's beforeAll and afterAll. */
    RedisClusterNodes cluster() {
        if (cluster == null) {
            throw notStarted();
        }
        return cluster;
    }

    /** The shared client; only when registered {@link #withClient(Duration) withClient}. */
    UnifiedJedis client() {
        if (clientCommandTimeout == null) {
            throw new IllegalStateException("no shared client: register the extension"
                    + " withClient(commandTimeout)");
        }
        if (client == null) {
            throw notStarted();
        }
        return client;
    }

    private static IllegalStateException notStarted() {
        return new IllegalStateException("the cluster runs only from the beforeAll to the"
                + " afterAll of the test class that registers this extension");
    }
}
