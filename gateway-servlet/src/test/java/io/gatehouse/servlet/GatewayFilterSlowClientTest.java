package io.gatehouse.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/**
 * Slow, aborted and malformed request bodies, and connections reused after refusals, against
 * real Jetty 12 and Tomcat 11 over raw sockets. The body deadline is short (500 ms) so the
 * deadline cases stay fast.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class GatewayFilterSlowClientTest {

    private static final String JSON_HEAD = "POST /json HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "X-API-Key: " + TestGateways.GOOD_KEY + "\r\nContent-Type: application/json\r\n";

    private final Map<String, Deployed> servers = new LinkedHashMap<>();
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

    record Deployed(ServletContainer.Running running, TestGateways gateways, AppServlet app) {
    }

    List<ServletContainer> containers() {
        return ServletContainer.all();
    }

    @BeforeAll
    void startContainers() throws Exception {
        logged.start();
        root().addAppender(logged);
        for (ServletContainer container : containers()) {
            TestGateways gateways = new TestGateways();
            AppServlet app = new AppServlet();
            ServletContainer.Running running = container.start(new ServletContainer.Deployment(
                    "", new GatewayFilter(gateways.gateway()),
                    Map.of(GatewayFilter.BODY_DEADLINE_PARAMETER, "500"), Map.of(), app));
            servers.put(container.toString(), new Deployed(running, gateways, app));
        }
    }

    @AfterAll
    void stopContainers() throws Exception {
        for (Deployed deployed : servers.values()) {
            deployed.running().close();
        }
        root().detachAppender(logged);
    }

    @BeforeEach
    void reset() {
        servers.values().forEach(deployed -> {
            deployed.gateways().reset();
            deployed.app().reset();
        });
        logged.list.clear();
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    private Deployed on(ServletContainer container) {
        return servers.get(container.toString());
    }

    private List<ILoggingEvent> gatewayErrors() {
        return logged.list.stream()
                .filter(event -> event.getLevel().isGreaterOrEqual(Level.WARN))
                .filter(event -> event.getLoggerName().startsWith("io.gatehouse"))
                .toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void bodyThatMissesTheDeadlineIs408WithConnectionClose(ServletContainer container)
            throws Exception {
        Deployed deployed = on(container);

        try (RawConnection connection = new RawConnection(deployed.running().port())) {
            connection.send(JSON_HEAD + "Content-Length: 20\r\n\r\n{\"prom");
            RawConnection.Response response = connection.read();

            assertThat(response.status()).isEqualTo(408);
            assertThat(response.header("Connection")).isEqualToIgnoringCase("close");
            assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
            assertThat(response.body()).contains("\"code\":\"REQUEST_TIMEOUT\"");
            assertThat(connection.closedByServer()).isTrue();
        }
        assertThat(deployed.app().invocations).isEmpty();
        assertThat(deployed.gateways().acquired("json")).isZero();
        assertThat(gatewayErrors()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void bodySentInPiecesWithinTheDeadlineIsAdmittedAndReplayed(ServletContainer container)
            throws Exception {
        Deployed deployed = on(container);
        String body = "{\"prompt\":\"slow but in time\"}";

        try (RawConnection connection = new RawConnection(deployed.running().port())) {
            connection.send(JSON_HEAD + "Content-Length: " + body.length() + "\r\n\r\n"
                    + body.substring(0, 10));
            await().pollDelay(Duration.ofMillis(100)).until(() -> true);
            connection.send(body.substring(10));
            RawConnection.Response response = connection.read();

            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).isEqualTo(body);
        }
        assertThat(deployed.app().invocations("/json")).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> deployed.gateways().completed("json") == 1);
        assertThat(deployed.gateways().acquired("json")).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void abortedUploadIsNeverA500NorAnErrorLog(ServletContainer container) throws Exception {
        Deployed deployed = on(container);

        try (RawConnection connection = new RawConnection(deployed.running().port())) {
            connection.send(JSON_HEAD + "Content-Length: 1000\r\n\r\n{\"prompt\":\"");
            connection.shutdownOutput();
            // The client is gone or half gone: a 400 if the container still sends, or nothing.
            RawConnection.Response response;
            try {
                response = connection.read();
            } catch (java.io.IOException closed) {
                response = null;
            }
            if (response != null) {
                assertThat(response.status()).isEqualTo(400);
            }
        }
        await().pollDelay(Duration.ofMillis(700)).until(() -> true);
        assertThat(deployed.app().invocations).isEmpty();
        assertThat(deployed.gateways().acquired("json")).isZero();
        assertThat(gatewayErrors()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void malformedChunkedBodyIs400WithoutAnErrorLog(ServletContainer container)
            throws Exception {
        Deployed deployed = on(container);

        try (RawConnection connection = new RawConnection(deployed.running().port())) {
            connection.send(JSON_HEAD + "Transfer-Encoding: chunked\r\n\r\n"
                    + "5\r\n{\"pro\r\nZZ-not-a-size\r\n\r\n");
            RawConnection.Response response = connection.read();

            assertThat(response.status()).isEqualTo(400);
        }
        assertThat(deployed.app().invocations).isEmpty();
        assertThat(deployed.gateways().acquired("json")).isZero();
        assertThat(gatewayErrors()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void connectionStaysUsableAfterARefusalDecidedBeforeTheBody(ServletContainer container)
            throws Exception {
        Deployed deployed = on(container);
        String body = "x".repeat(2_000);

        try (RawConnection connection = new RawConnection(deployed.running().port())) {
            connection.send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: "
                    + TestGateways.BAD_KEY + "\r\nContent-Length: " + body.length()
                    + "\r\n\r\n" + body);
            RawConnection.Response refused = connection.read();
            connection.send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: "
                    + TestGateways.GOOD_KEY + "\r\nContent-Length: 5\r\n\r\nhello");
            RawConnection.Response second = connection.read();

            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.header("Connection")).isNull();
            assertThat(second.status()).isEqualTo(200);
            assertThat(second.body()).isEqualTo("hello");
        }
        assertThat(deployed.app().invocations("/echo")).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void refusalBeforeALargeBodySaysConnectionClose(ServletContainer container)
            throws Exception {
        Deployed deployed = on(container);

        try (RawConnection connection = new RawConnection(deployed.running().port())) {
            connection.send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: "
                    + TestGateways.BAD_KEY + "\r\nContent-Length: 500000\r\n\r\n");
            RawConnection.Response refused = connection.read();

            // The client learns before sending the body that this connection ends here (Tomcat
            // may still swallow a body that follows; Jetty closes at once).
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.header("Connection")).isEqualToIgnoringCase("close");
        }
        assertThat(deployed.app().invocations).isEmpty();
    }
}
