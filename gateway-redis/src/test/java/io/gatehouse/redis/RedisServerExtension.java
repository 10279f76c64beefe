package io.gatehouse.redis;

import java.time.Duration;
import java.util.Objects;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.clients.jedis.UnifiedJedis;

/**
 * One {@link RedisServer} for a whole test class: started before the class's first test, stopped
 * (and its directory deleted) after the last one, together with the shared client when asked for.
 * Registered in a static field:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisServerExtension REDIS = RedisServerExtension.emptiedBeforeEachTest()
 *         .withClient(Duration.ofSeconds(2));
 * }</pre>
 *
 * <p>JUnit runs these callbacks before the class's own {@code @BeforeAll} and {@code @BeforeEach}
 * methods, including those of a contract superclass, and after its {@code @AfterAll} methods: a
 * {@code @BeforeAll} method can read {@link #server()}, a contract's {@code @BeforeEach} finds the
 * server already emptied, and what a class starts on top of the server in {@code @BeforeAll} is
 * closed before the server stops.
 *
 * <p>Without {@code redis-server} the class is skipped, except under {@code CI=true}, where it
 * fails: {@link RedisServer#requireRedisBinaries()} alone decides.
 *
 * <p>Not thread-safe; JUnit calls it from the thread that runs the class.
 */
final class RedisServerExtension implements BeforeAllCallback, BeforeEachCallback,
        AfterAllCallback {

    private final boolean emptyBeforeEachTest;
    /** The command timeout of the shared client; {@code null} when the class wants none. */
    private final Duration clientCommandTimeout;
    private RedisServer server;
    private UnifiedJedis client;

    private RedisServerExtension(boolean emptyBeforeEachTest, Duration clientCommandTimeout) {
        this.emptyBeforeEachTest = emptyBeforeEachTest;
        this.clientCommandTimeout = clientCommandTimeout;
    }

    /**
     * Before each test the server is running, even when the previous test stopped it, and holds
     * no key.
     */
    static RedisServerExtension emptiedBeforeEachTest() {
        return new RedisServerExtension(true, null);
    }

    /** The server is left between tests as the previous test left it. */
    static RedisServerExtension keptBetweenTests() {
        return new RedisServerExtension(false, null);
    }

    /**
     * Also opens one client for the whole class, built by {@link RedisConnections} with
     * {@code commandTimeout}, and closes it before the server stops.
     */
    RedisServerExtension withClient(Duration commandTimeout) {
        return new RedisServerExtension(emptyBeforeEachTest,
                Objects.requireNonNull(commandTimeout, "commandTimeout"));
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        server = RedisServer.start();
        if (clientCommandTimeout != null) {
            client = RedisConnections.parse(server.url()).commandTimeout(clientCommandTimeout)
                    .build();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (!emptyBeforeEachTest) {
            return;
        }
        if (!server.isRunning()) {
            server.restart();
        }
        server.flushAll();
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
            if (server != null) {
                server.close();
                server = null;
            }
        }
    }

    /** The running server; only between this extension's beforeAll and afterAll. */
    RedisServer server() {
        if (server == null) {
            throw notStarted();
        }
        return server;
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
        return new IllegalStateException("redis-server runs only from the beforeAll to the"
                + " afterAll of the test class that registers this extension");
    }
}
