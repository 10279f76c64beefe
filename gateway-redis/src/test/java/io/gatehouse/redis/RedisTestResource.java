package io.gatehouse.redis;

import java.time.Duration;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.clients.jedis.UnifiedJedis;

/**
 * What {@link RedisServerExtension} and {@link RedisClusterExtension} share: a Redis deployment
 * started before a test class's first test and closed after its last, and optionally one shared
 * client for the class, closed first, also when start-up failed half-way.
 *
 * <p>Not thread-safe; JUnit calls it from the thread that runs the class.
 *
 * @param <R> the deployment
 */
abstract class RedisTestResource<R extends AutoCloseable> implements BeforeAllCallback,
        AfterAllCallback {

    /** The command timeout of the shared client; {@code null} when the class wants none. */
    private final Duration clientCommandTimeout;
    private R resource;
    private UnifiedJedis client;

    RedisTestResource(Duration clientCommandTimeout) {
        this.clientCommandTimeout = clientCommandTimeout;
    }

    /** Starts the deployment; skips the class without {@code redis-server} (fails under CI). */
    abstract R start();

    /** A client of {@code resource} built by {@link RedisConnections}. */
    abstract UnifiedJedis connect(R resource, Duration commandTimeout);

    @Override
    public void beforeAll(ExtensionContext context) {
        resource = start();
        if (clientCommandTimeout != null) {
            client = connect(resource, clientCommandTimeout);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        // Also called when beforeAll was skipped or failed half-way.
        try {
            if (client != null) {
                client.close();
            }
        } finally {
            client = null;
            if (resource != null) {
                resource.close();
                resource = null;
            }
        }
    }

    /** The running deployment; only between beforeAll and afterAll. */
    final R resource() {
        if (resource == null) {
            throw new IllegalStateException("Redis runs only from the beforeAll to the afterAll"
                    + " of the test class that registers this extension");
        }
        return resource;
    }

    /** The shared client; only when the extension was registered with a client. */
    final UnifiedJedis client() {
        if (clientCommandTimeout == null) {
            throw new IllegalStateException("no shared client: register the extension"
                    + " withClient(commandTimeout)");
        }
        resource();
        return client;
    }
}
