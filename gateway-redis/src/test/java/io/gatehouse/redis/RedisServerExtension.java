package io.gatehouse.redis;

import java.time.Duration;
import java.util.Objects;
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
 */
final class RedisServerExtension extends RedisTestResource<RedisServer>
        implements BeforeEachCallback {

    private final boolean emptyBeforeEachTest;

    private RedisServerExtension(boolean emptyBeforeEachTest, Duration clientCommandTimeout) {
        super(clientCommandTimeout);
        this.emptyBeforeEachTest = emptyBeforeEachTest;
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
    RedisServer start() {
        return RedisServer.start();
    }

    @Override
    UnifiedJedis connect(RedisServer server, Duration commandTimeout) {
        return RedisConnections.parse(server.url()).commandTimeout(commandTimeout).build();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (!emptyBeforeEachTest) {
            return;
        }
        RedisServer server = resource();
        if (!server.isRunning()) {
            server.restart();
        }
        server.flushAll();
    }

    /** The running server; only between this extension's beforeAll and afterAll. */
    RedisServer server() {
        return resource();
    }
}
