package io.gatehouse.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/**
 * The filter inside real Jetty 12 and Tomcat 11, over real HTTP: each scenario runs against
 * both. The web application is deployed at {@code /app}, so every test also checks that the
 * gateway routes on the path inside the application.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(30)
class GatewayFilterTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TWO_MIB = 2 * 1024 * 1024;

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final Map<String, Deployed> servers = new LinkedHashMap<>();
    private final ListAppender<ILoggingEvent> accessLog = new ListAppender<>();

    /** One container with its own gateway counters and application. */
    record Deployed(ServletContainer.Running running, TestGateways gateways, AppServlet app) {
    }

    List<ServletContainer> containers() {
        return ServletContainer.all();
    }

    @BeforeAll
    void startContainers() throws Exception {
        accessLog.start();
        ((Logger) LoggerFactory.getLogger("io.gatehouse.access")).addAppender(accessLog);
        for (ServletContainer container : containers()) {
            TestGateways gateways = new TestGateways();
            AppServlet app = new AppServlet();
            ServletContainer.Running running = container.start(ServletContainer.Deployment.of(
                    "/app", new GatewayFilter(gateways.gateway()), app));
            servers.put(container.toString(), new Deployed(running, gateways, app));
        }
    }

    @AfterAll
    void stopContainers() throws Exception {
        for (Deployed deployed : servers.values()) {
            deployed.running().close();
        }
        ((Logger) LoggerFactory.getLogger("io.gatehouse.access")).detachAppender(accessLog);
    }

    @BeforeEach
    void resetCounters() {
        servers.values().forEach(deployed -> {
            deployed.gateways().reset();
            deployed.app().reset();
        });
        accessLog.list.clear();
    }

    private Deployed on(ServletContainer container) {
        return servers.get(container.toString());
    }

    private HttpResponse<byte[]> send(HttpRequest request)
            throws IOException, InterruptedException {
        return client.send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    private static HttpRequest.Builder request(Deployed deployed, String path) {
        return HttpRequest.newBuilder(deployed.running().uri(path)).timeout(Duration.ofSeconds(10));
    }

    private static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        new Random(length).nextBytes(bytes);
        return bytes;
    }

    /** A body publisher without a length, so the client sends it chunked. */
    private static HttpRequest.BodyPublisher chunked(byte[] body) {
        return HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body));
    }

    private static void assertProblem(HttpResponse<byte[]> response, int status, String code,
            String title, String detail) throws IOException {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValue("application/problem+json");
        JsonNode problem = JSON.readTree(response.body());
        String requestId = response.headers().firstValue("X-Request-ID").orElseThrow();
        assertThat(problem.get("type").asText())
                .isEqualTo("urn:gatehouse:problem:" + code.toLowerCase().replace('_', '-'));
        assertThat(problem.get("title").asText()).isEqualTo(title);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("detail").asText()).isEqualTo(detail);
        assertThat(problem.get("code").asText()).isEqualTo(code);
        assertThat(problem.get("request_id").asText()).isEqualTo(requestId).isNotBlank();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void admittedRequestReachesTheApplicationWithItsBodyAndRequestId(ServletContainer container)
            throws Exception {
        Deployed deployed = on(container);
        byte[] body = randomBytes(300_000);

        HttpResponse<byte[]> response = send(request(deployed, "/echo")
                .header("X-API-Key", TestGateways.GOOD_KEY)
                .header("X-Request-ID", "req-admitted-1")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(body);
        assertThat(response.headers().firstValue("X-Request-ID")).hasValue("req-admitted-1");
        assertThat(response.headers().firstValue("X-RateLimit-Remaining")).hasValue("99");
        assertThat(deployed.app().requestIds).containsExactly("req-admitted-1");
        // The route has no validators and the length was declared: the body streamed through
        // untouched, the application reading it straight from the container.
        assertThat(deployed.app().replayed).containsExactly(false);
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(deployed.gateways().completed("echo"))
                        .isEqualTo(1));
        assertThat(deployed.gateways().acquired("echo")).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void aBodilessGetReachesTheApplicationUnwrappedAndEmpty(ServletContainer container)
            throws Exception {
        Deployed deployed = on(container);

        // As wrk and most clients send a GET: HTTP/1.1 without Content-Length or
        // Transfer-Encoding, so no body (RFC 9112, 6.3) and nothing for the gateway to read.
        assertThat(statusLineOfRawRequest(deployed,
                "GET /app/cost HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"))
                .startsWith("HTTP/1.1 200 ");
        assertThat(deployed.app().replayed).containsExactly(false);
        assertThat(deployed.app().bodies).containsExactly(new byte[0]);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void chunkedBodyTheGatewayReadIsReplayedToTheApplicationExactly(ServletContainer container)
            throws Exception {
        Deployed deployed = on(container);
        byte[] body = randomBytes(200_001);

        HttpResponse<byte[]> response = send(request(deployed, "/echo")
                .header("X-API-Key", TestGateways.GOOD_KEY)
                .POST(chunked(body)).build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(body);
        assertThat(deployed.app().bodies).hasSize(1);
        assertThat(deployed.app().bodies.get(0)).isEqualTo(body);
        assertThat(deployed.app().replayed).containsExactly(true);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void validatedBodyIsReplayedThroughTheReaderInItsCharset(ServletContainer container)
            throws Exception {
        Deployed deployed = on(container);
        String text = "gr\u00fc\u00dfe \u2014 \u65e5\u672c\u8a9e ".repeat(1000);

        HttpResponse<byte[]> response = send(request(deployed, "/echo-reader")
                .header("Content-Type", "text/plain; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString(text, StandardCharsets.UTF_8)).build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(text);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void validatedJsonBodyIsReplayedToTheApplication(ServletContainer container) throws Exception {
        Deployed deployed = on(container);
        String json = "{\"prompt\":\"hello\",\"context\":{\"k\":[1,2,3]}}";

        HttpResponse<byte[]> response = send(request(deployed, "/json")
                .header("X-API-Key", TestGateways.GOOD_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(new String(response.body(), StandardCharsets.UTF_8)).isEqualTo(json);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void formParametersSurviveTheGatewayReadingTheBody(ServletContainer container)
            throws Exception {
        Deployed deployed = on(container);

        HttpResponse<byte[]> response = send(request(deployed, "/form?a=fromQuery")
                .header("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString("a=fromBody&b=caf%C3%A9+au+lait"))
                .build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(new String(response.body(), StandardCharsets.UTF_8))
                .isEqualTo("a=fromQuery,fromBody b=caf\u00e9 au lait");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void missingCredentialsAre401WithoutReachingTheApplication(ServletContainer container)
            throws Exception {
        Deployed deployed = on(container);

        HttpResponse<byte[]> response = send(request(deployed, "/echo")
                .header("X-Request-ID", "req-401")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build());

        assertProblem(response, 401, "MISSING_CREDENTIALS", "Missing credentials",
                "this route requires credentials: an API key in X-API-Key or "
                        + "Authorization: Bearer");
        assertThat(JSON.readTree(response.body()).get("request_id").asText()).isEqualTo("req-401");
        assertThat(deployed.app().invocations).isEmpty();
        assertThat(deployed.gateways().acquired("echo")).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void invalidApiKeyIs401WithoutReachingTheApplication(ServletContainer container)
            throws Exception {
        Deployed deployed = on(container);

        HttpResponse<byte[]> response = send(request(deployed, "/echo")
                .header("X-API-Key", TestGateways.BAD_KEY)
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build());

        assertProblem(response, 401, "INVALID_API_KEY", "Invalid API key",
                "the API key is not valid");
        assertThat(deployed.app().invocations).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void unknownPathIs404WithoutReachingTheApplication(ServletContainer container)
            throws Exception {
        Deployed deployed = on(container);

        HttpResponse<byte[]> response = send(request(deployed, "/nothing/here")
                .header("X-API-Key", TestGateways.GOOD_KEY).GET().build());

        assertProblem(response, 404, "NOT_FOUND", "Not found", "no route for /nothing/here");
        assertThat(deployed.app().invocations).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void wrongMethodIs405WithAllowHeader(ServletContainer container) throws Exception {
        Deployed deployed = on(container);

        HttpResponse<byte[]> response = send(request(deployed, "/echo")
                .header("X-API-Key", TestGateways.GOOD_KEY).GET().build());

        assertProblem(response, 405, "METHOD_NOT_ALLOWED", "Method not allowed",
                "GET is not allowed here; allowed: POST");
        assertThat(response.headers().firstValue("Allow")).hasValue("POST");
        assertThat(deployed.app().invocations).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void missingRequiredJsonFieldIs400NamingTheField(ServletContainer container)
            throws Exception {
        Deployed deployed = on(container);

        HttpResponse<byte[]> response = send(request(deployed, "/json")
                .header("X-API-Key", TestGateways.GOOD_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"context\":{}}")).build());

        assertProblem(response, 400, "VALIDATION_ERROR", "Validation error",
                "invalid fields: prompt is required");
        JsonNode errors = JSON.readTree(response.body()).get("errors");
        assertThat(errors.get(0).get("field").asText()).isEqualTo("/prompt");
        assertThat(deployed.app().invocations).isEmpty();
        // The limit was consumed before validation and must have been given back.
        assertThat(deployed.gateways().completed("json")).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void malformedJsonIs400(ServletContainer container) throws Exception {
        Deployed deployed = on(container);

        HttpResponse<byte[]> response = send(request(deployed, "/json")
                .header("X-API-Key", TestGateways.GOOD_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": ")).build());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).get("code").asText())
                .isEqualTo("VALIDATION_ERROR");
        assertThat(deployed.app().invocations).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void twoMebibyteBodyWithContentLengthIs413AndNeverReachesTheApplication(
            ServletContainer container) throws Exception {
        Deployed deployed = on(container);

        HttpResponse<byte[]> response;
        try {
            response = send(request(deployed, "/echo")
                    .header("X-API-Key", TestGateways.GOOD_KEY)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(randomBytes(TWO_MIB))).build());
        } catch (IOException closedEarly) {
            // The 413 is sent before the body is read; a container that then closes with most of
            // the upload unread resets the connection, and the reset can overtake the response
            // on its way to a client still sending. The status itself is asserted, without that
            // race, by oversizedContentLengthIsRefusedBeforeTheClientSendsTheBody.
            response = null;
        }

        if (response != null) {
            assertProblem(response, 413, "PAYLOAD_TOO_LARGE", "Payload too large",
                    "the request body exceeds 1048576 bytes");
            assertThat(JSON.readTree(response.body()).get("max_bytes").asInt())
                    .isEqualTo(1048576);
        }
        assertThat(deployed.app().invocations).isEmpty();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(deployed.gateways().completed("echo")).isEqualTo(1));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void oversizedContentLengthIsRefusedBeforeTheClientSendsTheBody(ServletContainer container)
            throws Exception {
        Deployed deployed = on(container);

        // As curl does for large uploads: announce the body, wait for the verdict. The gateway
        // decides on Content-Length alone, so the 413 arrives though no body byte was sent.
        String head = "POST /app/echo HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "X-API-Key: " + TestGateways.GOOD_KEY + "\r\n"
                + "Content-Length: " + TWO_MIB + "\r\nExpect: 100-continue\r\n\r\n";
        assertThat(statusLineOfRawRequest(deployed, head)).startsWith("HTTP/1.1 413 ");
        assertThat(deployed.app().invocations).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void chunkedOversizedBodyIs413(ServletContainer container) throws Exception {
        Deployed deployed = on(container);

        HttpResponse<byte[]> response = send(request(deployed, "/echo")
                .header("X-API-Key", TestGateways.GOOD_KEY)
                .POST(chunked(randomBytes(TWO_MIB))).build());

        assertProblem(response, 413, "PAYLOAD_TOO_LARGE", "Payload too large",
                "the request body exceeds 1048576 bytes");
        assertThat(deployed.app().invocations).isEmpty();
        assertThat(deployed.gateways().completed("echo")).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void asyncResponseCompletesTheGrantOnceAfterTheResponseIsDone(ServletContainer container)
            throws Exception {
        Deployed deployed = on(container);
        CountDownLatch gate = new CountDownLatch(1);
        deployed.app().asyncGate = gate;

        var pending = client.sendAsync(request(deployed, "/async").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(5))
                .until(() -> deployed.app().invocations("/async") == 1);
        // The servlet returned long ago, but the response is still open: nothing is released.
        assertThat(deployed.gateways().completed("async")).isZero();

        gate.countDown();
        HttpResponse<String> response = pending.get(10, TimeUnit.SECONDS);

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.body()).isEqualTo("later");
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(accessLogLines()).anyMatch(
                        line -> line.startsWith("GET /async 202 ")));
        assertThat(deployed.gateways().completed("async")).isEqualTo(1);
        assertThat(deployed.gateways().acquired("async")).isEqualTo(1);
        assertThat(accessLogLines()).filteredOn(line -> line.startsWith("GET /async "))
                .hasSize(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void applicationThatThrowsStillCompletesTheGrantWith500(ServletContainer container)
            throws Exception {
        Deployed deployed = on(container);

        HttpResponse<byte[]> response = send(request(deployed, "/throws").GET().build());

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.headers().firstValue("X-Request-ID")).isPresent();
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(deployed.gateways().completed("throws"))
                        .isEqualTo(1));
        assertThat(accessLogLines()).filteredOn(line -> line.startsWith("GET /throws "))
                .singleElement().asString().startsWith("GET /throws 500 ");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void streamedResponseCarriesTheGatewayHeaders(ServletContainer container) throws Exception {
        Deployed deployed = on(container);

        HttpResponse<byte[]> response = send(request(deployed, "/stream")
                .header("X-Request-ID", "req-stream").GET().build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(new String(response.body(), StandardCharsets.US_ASCII))
                .isEqualTo("first|second");
        assertThat(response.headers().firstValue("X-Request-ID")).hasValue("req-stream");
        assertThat(response.headers().firstValue("X-RateLimit-Limit")).hasValue("100");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void actualCostAttributeSettlesTheHold(ServletContainer container) throws Exception {
        Deployed deployed = on(container);

        HttpResponse<byte[]> response = send(request(deployed, "/cost").GET().build());

        assertThat(response.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(deployed.gateways().actualCosts)
                        .containsExactly(42L));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void pathOutsideTheApplicationsRoutesIsRefusedEvenIfItLooksLikeOneWithTheContextPath(
            ServletContainer container) throws Exception {
        Deployed deployed = on(container);
        // /app/app/echo is /app/echo inside the application: not a route.
        HttpResponse<byte[]> response = send(request(deployed, "/app/echo")
                .header("X-API-Key", TestGateways.GOOD_KEY)
                .POST(HttpRequest.BodyPublishers.ofString("x")).build());

        assertProblem(response, 404, "NOT_FOUND", "Not found", "no route for /app/echo");
        assertThat(deployed.app().invocations).isEmpty();
    }

    static List<Arguments> bypassAttempts() {
        List<String> paths = List.of("/%61pp/echo", "/app/async/../echo", "/app/async/%2e%2e/echo",
                "/app//echo", "/app/echo;x=y", "/app/ECHO/", "/app/%65cho");
        return ServletContainer.all().stream()
                .flatMap(container -> paths.stream().map(path -> Arguments.of(container, path)))
                .toList();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("bypassAttempts")
    void disguisedPathToAProtectedRouteNeverReachesTheApplicationWithoutCredentials(
            ServletContainer container, String path) throws Exception {
        Deployed deployed = on(container);
        URI uri = URI.create("http://127.0.0.1:" + deployed.running().port() + path);

        HttpResponse<byte[]> response;
        try {
            response = send(HttpRequest.newBuilder(uri)
                    .timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build());
        } catch (IOException closedEarly) {
            // A container may refuse such a path and close the connection while the client is
            // still sending the body, so the client sees no response at all; that is a refusal.
            response = null;
        }

        if (response != null) {
            assertThat(response.statusCode()).isBetween(400, 499);
        }
        assertThat(deployed.app().invocations).isEmpty();
    }

    private List<String> accessLogLines() {
        return accessLog.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    /**
     * Sends {@code head} byte for byte on a new connection, exactly as written (no client
     * library adds or changes a header), and returns the response's status line.
     */
    private static String statusLineOfRawRequest(Deployed deployed, String head)
            throws IOException {
        try (Socket socket = new Socket("127.0.0.1", deployed.running().port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8)).readLine();
        }
    }
}
