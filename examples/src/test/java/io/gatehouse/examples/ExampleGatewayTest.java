package io.gatehouse.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.examples.DemoAgentServletTest.SettableClock;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The example jar's promises, end to end: the real example gateway (embedded Jetty,
 * GatewayFilter, demo agent) on a free loopback port, called over HTTP. Time is held still by
 * the test, so every rate-limit number is exact.
 */
class ExampleGatewayTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final String ALICE = "key_123";
    private static final String BOB = "key_456";
    private static final String CHARLIE = "key_789";
    private static final String PROBLEM_JSON = "application/problem+json";

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient client = HttpClient.newHttpClient();
    private final SettableClock wallClock = new SettableClock(NOW);
    private final AtomicLong micros = new AtomicLong(NOW.getEpochSecond() * 1_000_000);
    private ExampleGateway.Running gateway;

    @BeforeEach
    void start() throws IOException {
        gateway = ExampleGateway.start("127.0.0.1", 0,
                new ExampleSetup.Clocks(wallClock, micros::get));
    }

    @AfterEach
    void stop() {
        gateway.close();
    }

    @Test
    void validKeyGets200WithTheDocumentedBody() throws Exception {
        HttpResponse<String> response = invoke(ALICE, """
                {"prompt": "What is a gateway?", "context": {"user": "alice"}}""");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(header(response, "Content-Type")).isEqualTo("application/json");
        String requestId = header(response, "X-Request-ID");
        assertThat(requestId).matches("[0-9a-f]{32}");
        assertThat(body(response)).isEqualTo(json.readTree("""
                {"response": "Demo agent received: What is a gateway? (context: user)",
                 "request_id": "%s",
                 "timestamp": "2026-03-01T12:00:00Z",
                 "rate_limit": {"remaining": 99, "limit": 100, "reset": 3600},
                 "metadata": {"model": "gatehouse-demo-echo-1", "tokens": 13}}
                """.formatted(requestId)));
        assertThat(header(response, "RateLimit-Policy")).isEqualTo("\"per-hour\";q=100;w=3600");
        assertThat(header(response, "RateLimit")).isEqualTo("\"per-hour\";r=99;t=3600");
        assertThat(header(response, "Retry-After")).isNull();
        assertThat(header(response, "Server")).as("no server banner").isNull();
    }

    @Test
    void eachTierGetsItsOwnHourlyLimit() throws Exception {
        assertThat(header(invoke(BOB, "{\"prompt\": \"hi\"}"), "X-RateLimit-Limit"))
                .isEqualTo("10");
        assertThat(header(invoke(ALICE, "{\"prompt\": \"hi\"}"), "X-RateLimit-Limit"))
                .isEqualTo("100");
        assertThat(header(invoke(CHARLIE, "{\"prompt\": \"hi\"}"), "X-RateLimit-Limit"))
                .isEqualTo("1000");
        HttpResponse<String> dev = invoke(gateway.devApiKey(), "{\"prompt\": \"hi\"}");
        assertThat(dev.statusCode()).isEqualTo(200);
        assertThat(header(dev, "X-RateLimit-Limit")).isEqualTo("100");
    }

    @Test
    void theDevKeyIsFreshAndShapedLikeADevKey() throws IOException {
        String first = gateway.devApiKey();
        try (ExampleGateway.Running other = ExampleGateway.start("127.0.0.1", 0)) {
            assertThat(first).matches("sk_dev_[0-9A-Za-z]{30,}");
            assertThat(other.devApiKey()).matches("sk_dev_[0-9A-Za-z]{30,}").isNotEqualTo(first);
        }
    }

    @Test
    void invalidKeyGets401InvalidApiKey() throws Exception {
        HttpResponse<String> response = invoke("invalid_key", "{\"prompt\": \"hi\"}");

        JsonNode problem = problem(response, 401, "INVALID_API_KEY");
        assertThat(problem.get("title").asText()).isEqualTo("Invalid API key");
        // The refusal never echoes more of the key than could identify it.
        assertThat(response.body()).doesNotContain("invalid_key");
    }

    @Test
    void guessingKeysIsThrottledPerClientAddress() throws Exception {
        for (int i = 1; i <= 10; i++) {
            assertThat(invoke("guess_" + i, "{\"prompt\": \"hi\"}").statusCode())
                    .as("guess %d", i).isEqualTo(401);
        }

        HttpResponse<String> throttled = invoke("guess_11", "{\"prompt\": \"hi\"}");
        HttpResponse<String> evenAValidKey = invoke(ALICE, "{\"prompt\": \"hi\"}");

        JsonNode problem = problem(throttled, 429, "TOO_MANY_AUTH_FAILURES");
        assertThat(header(throttled, "Retry-After")).isEqualTo("6");
        assertThat(problem.get("retry_after").asLong()).isEqualTo(6);
        problem(evenAValidKey, 429, "TOO_MANY_AUTH_FAILURES");

        wallClock.set(NOW.plusSeconds(6));
        assertThat(invoke(ALICE, "{\"prompt\": \"hi\"}").statusCode()).isEqualTo(200);
    }

    @Test
    void missingKeyGets401MissingCredentials() throws Exception {
        HttpResponse<String> response = invoke(null, "{\"prompt\": \"hi\"}");

        JsonNode problem = problem(response, 401, "MISSING_CREDENTIALS");
        assertThat(problem.get("title").asText()).isEqualTo("Missing credentials");
    }

    @Test
    void theKeyIsAlsoAcceptedAsBearerToken() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/invocations"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + CHARLIE)
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"hi\"}"))
                .build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(header(response, "X-RateLimit-Limit")).isEqualTo("1000");
    }

    @Test
    void bobsEleventhRequestWithinTheHourGets429AndAliceIsUnaffected() throws Exception {
        for (int i = 1; i <= 10; i++) {
            HttpResponse<String> admitted = invoke(BOB, "{\"prompt\": \"hi\"}");
            assertThat(admitted.statusCode()).as("request %d", i).isEqualTo(200);
            assertThat(header(admitted, "X-RateLimit-Remaining"))
                    .isEqualTo(String.valueOf(10 - i));
            assertThat(body(admitted).get("rate_limit").get("remaining").asLong())
                    .isEqualTo(10 - i);
        }
        micros.addAndGet(60_000_000); // a minute later, still within the hour

        HttpResponse<String> refused = invoke(BOB, "{\"prompt\": \"hi\"}");

        JsonNode problem = problem(refused, 429, "RATE_LIMIT_EXCEEDED");
        assertThat(header(refused, "Retry-After")).isEqualTo("3540");
        assertThat(header(refused, "RateLimit-Policy")).isEqualTo("\"per-hour\";q=10;w=3600");
        assertThat(header(refused, "RateLimit")).isEqualTo("\"per-hour\";r=0;t=3540");
        assertThat(header(refused, "X-RateLimit-Limit")).isEqualTo("10");
        assertThat(header(refused, "X-RateLimit-Remaining")).isEqualTo("0");
        assertThat(header(refused, "X-RateLimit-Reset")).isEqualTo("3540");
        assertThat(problem.get("retry_after").asLong()).isEqualTo(3540);
        assertThat(problem.get("limit").asLong()).isEqualTo(10);
        assertThat(problem.get("limit_type").asText()).isEqualTo("per-hour");

        HttpResponse<String> alice = invoke(ALICE, "{\"prompt\": \"hi\"}");
        assertThat(alice.statusCode()).isEqualTo(200);
        assertThat(header(alice, "X-RateLimit-Remaining")).isEqualTo("99");
    }

    @Test
    void refusedRequestsDoNotConsumeSoBobIsBackOnceTheWindowHasSlid() throws Exception {
        for (int i = 0; i < 10; i++) {
            invoke(BOB, "{\"prompt\": \"hi\"}");
        }
        for (int i = 0; i < 5; i++) {
            assertThat(invoke(BOB, "{\"prompt\": \"hi\"}").statusCode()).isEqualTo(429);
        }
        micros.addAndGet(3_600_000_000L);
        wallClock.set(NOW.plusSeconds(3600));

        HttpResponse<String> later = invoke(BOB, "{\"prompt\": \"hi\"}");

        assertThat(later.statusCode()).isEqualTo(200);
        assertThat(body(later).get("timestamp").asText()).isEqualTo("2026-03-01T13:00:00Z");
    }

    @Test
    void malformedJsonGets400() throws Exception {
        HttpResponse<String> response = invoke(ALICE, "{\"prompt\": ");

        JsonNode problem = problem(response, 400, "VALIDATION_ERROR");
        assertThat(problem.get("detail").asText())
                .isEqualTo("the request body is not well-formed JSON (line 1, column 12)");
        assertThat(problem.get("errors")).isEqualTo(json.readTree("""
                [{"field": "", "message": "is not well-formed JSON"}]"""));
    }

    @Test
    void missingPromptGets400NamingTheField() throws Exception {
        HttpResponse<String> response = invoke(ALICE, "{\"context\": {\"user\": \"alice\"}}");

        JsonNode problem = problem(response, 400, "VALIDATION_ERROR");
        assertThat(problem.get("detail").asText()).isEqualTo("invalid fields: prompt is required");
        assertThat(problem.get("errors")).isEqualTo(json.readTree("""
                [{"field": "/prompt", "message": "is required"}]"""));
    }

    @Test
    void promptOfTheWrongTypeGets400NamingTheField() throws Exception {
        HttpResponse<String> response = invoke(ALICE, "{\"prompt\": 42}");

        JsonNode problem = problem(response, 400, "VALIDATION_ERROR");
        assertThat(problem.get("errors")).isEqualTo(json.readTree("""
                [{"field": "/prompt", "message": "must be of type string"}]"""));
    }

    @Test
    void twoMegabyteBodyGets413() throws Exception {
        byte[] twoMegabytes = new byte[2_000_000];
        Arrays.fill(twoMegabytes, (byte) 'a');

        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/invocations"))
                .header("Content-Type", "application/json")
                .header("X-API-Key", ALICE)
                .POST(HttpRequest.BodyPublishers.ofByteArray(twoMegabytes))
                .build());

        JsonNode problem = problem(response, 413, "PAYLOAD_TOO_LARGE");
        assertThat(problem.get("max_bytes").asInt()).isEqualTo(1_048_576);
    }

    @Test
    void twoMegabyteBodyWithoutContentLengthGets413Too() throws Exception {
        byte[] twoMegabytes = new byte[2_000_000];
        Arrays.fill(twoMegabytes, (byte) 'a');

        // A streamed publisher has no length, so the body goes out chunked.
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/invocations"))
                .header("Content-Type", "application/json")
                .header("X-API-Key", ALICE)
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new java.io.ByteArrayInputStream(twoMegabytes)))
                .build());

        problem(response, 413, "PAYLOAD_TOO_LARGE");
    }

    @Test
    void bodyOfExactlyOneMebibyteIsStillAccepted() throws Exception {
        String prompt = "a".repeat(1_048_576 - "{\"prompt\": \"\"}".length());

        HttpResponse<String> response = invoke(ALICE, "{\"prompt\": \"" + prompt + "\"}");

        assertThat(response.statusCode()).isEqualTo(200);
    }

    @Test
    void wrongContentTypeGets415() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/invocations"))
                .header("Content-Type", "text/plain")
                .header("X-API-Key", ALICE)
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"hi\"}"))
                .build());

        problem(response, 415, "UNSUPPORTED_MEDIA_TYPE");
    }

    @Test
    void healthAnswersWithoutAKey() throws Exception {
        wallClock.set(NOW.plusSeconds(42));

        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/health")).GET().build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(body(response)).isEqualTo(json.readTree("""
                {"status": "healthy", "uptime": 42, "version": "%s", "components": {
                  "limit_store": {"status": "up", "required": true, "detail": "in memory"},
                  "key_store": {"status": "up", "required": true, "detail": "in memory"},
                  "service_agent": {"status": "up", "required": false,
                                    "detail": "1/1 endpoints healthy, circuit closed"},
                  "service_inference": {"status": "up", "required": false,
                                        "detail": "1/1 endpoints healthy, circuit closed"},
                  "service_rd": {"status": "up", "required": false,
                                 "detail": "1/1 endpoints healthy, circuit closed"}}}"""
                .formatted(ExampleGateway.version())));
        assertThat(ExampleGateway.version()).matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
        // Public routes carry no limits in this example.
        assertThat(header(response, "X-RateLimit-Limit")).isNull();
    }

    @Test
    void probesAnswerAndMetricsCountTheTrafficWithoutItsSecrets() throws Exception {
        send(HttpRequest.newBuilder(uri("/invocations"))
                .header("Content-Type", "application/json")
                .header("X-API-Key", ALICE)
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"hi\"}"))
                .build());
        send(HttpRequest.newBuilder(uri("/invocations"))
                .header("Content-Type", "application/json")
                .header("X-API-Key", "sk_live_notAKeyAtAll42")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"hi\"}"))
                .build());

        HttpResponse<String> live = send(HttpRequest.newBuilder(uri("/health/live")).build());
        HttpResponse<String> ready = send(HttpRequest.newBuilder(uri("/ready")).build());
        HttpResponse<String> metrics = send(HttpRequest.newBuilder(uri("/metrics")).build());

        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(body(ready).get("ready").asBoolean()).isTrue();
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body())
                .contains("gateway_requests_total{method=\"POST\",route=\"invocations\","
                        + "status_class=\"2xx\"} 1.0")
                .contains("gateway_decisions_total{code=\"INVALID_API_KEY\","
                        + "outcome=\"rejected\",route=\"invocations\"} 1.0")
                .doesNotContain(ALICE).doesNotContain("sk_live_notAKeyAtAll42")
                .doesNotContain("alice");
    }

    @Test
    void incomingRequestIdIsEchoedOnAdmittedAndRefusedResponses() throws Exception {
        HttpResponse<String> admitted = send(HttpRequest.newBuilder(uri("/invocations"))
                .header("Content-Type", "application/json")
                .header("X-API-Key", ALICE)
                .header("X-Request-ID", "trace-abc-123")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"hi\"}"))
                .build());
        HttpResponse<String> refused = send(HttpRequest.newBuilder(uri("/invocations"))
                .header("Content-Type", "application/json")
                .header("X-API-Key", "invalid_key")
                .header("X-Request-ID", "trace-abc-124")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"hi\"}"))
                .build());

        assertThat(header(admitted, "X-Request-ID")).isEqualTo("trace-abc-123");
        assertThat(body(admitted).get("request_id").asText()).isEqualTo("trace-abc-123");
        assertThat(header(refused, "X-Request-ID")).isEqualTo("trace-abc-124");
        assertThat(body(refused).get("request_id").asText()).isEqualTo("trace-abc-124");
    }

    @Test
    void anUnsafeRequestIdIsReplacedNotEchoed() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/health"))
                .header("X-Request-ID", "<script>alert(1)</script>")
                .GET().build());

        assertThat(header(response, "X-Request-ID")).matches("[0-9a-f]{32}");
    }

    @Test
    void unknownPathGets404AndWrongMethodGets405() throws Exception {
        HttpResponse<String> notFound = send(HttpRequest.newBuilder(uri("/admin")).GET().build());
        HttpResponse<String> wrongMethod =
                send(HttpRequest.newBuilder(uri("/invocations")).GET().build());

        problem(notFound, 404, "NOT_FOUND");
        problem(wrongMethod, 405, "METHOD_NOT_ALLOWED");
        assertThat(header(wrongMethod, "Allow")).isEqualTo("POST");
    }

    @Test
    void pathsJettyRefusesAsAmbiguousGetProblemsNotHtml() throws Exception {
        HttpResponse<String> encodedSlash = send(
                HttpRequest.newBuilder(uri("/health/..%2Finvocations")).GET().build());
        HttpResponse<String> emptySegment = send(
                HttpRequest.newBuilder(uri("//invocations")).GET().build());

        JsonNode problem = problem(encodedSlash, 400, "VALIDATION_ERROR");
        assertThat(problem.get("detail").asText()).isEqualTo("Ambiguous URI path separator");
        assertThat(header(encodedSlash, "X-Request-ID")).matches("[0-9a-f]{32}");
        problem(emptySegment, 400, "VALIDATION_ERROR");
    }

    @Test
    void aTrailingSlashReachesTheEndpointTheGatewayAdmittedItFor() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/invocations/"))
                .header("Content-Type", "application/json")
                .header("X-API-Key", ALICE)
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"hi\"}"))
                .build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(body(response).get("response").asText()).isEqualTo("Demo agent received: hi");
    }

    @Test
    void theAgentReadsTheBodyTheGatewayAlreadyValidated() throws Exception {
        // The gateway reads the body to validate it; the agent must still see all of it.
        String prompt = "x ".repeat(50_000).strip();

        HttpResponse<String> response = invoke(ALICE, "{\"prompt\": \"" + prompt + "\"}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(body(response).get("response").asText())
                .isEqualTo("Demo agent received: " + prompt);
        assertThat(body(response).get("metadata").get("tokens").asInt()).isEqualTo(100_003);
    }

    private HttpResponse<String> invoke(String apiKey, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri("/invocations"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (apiKey != null) {
            request.header("X-API-Key", apiKey);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + gateway.port() + path);
    }

    private JsonNode body(HttpResponse<String> response) throws IOException {
        return json.readTree(response.body());
    }

    private static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    private JsonNode problem(HttpResponse<String> response, int status, String code)
            throws IOException {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(header(response, "Content-Type")).startsWith(PROBLEM_JSON);
        JsonNode problem = body(response);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("code").asText()).isEqualTo(code);
        assertThat(problem.get("type").asText())
                .isEqualTo("urn:gatehouse:problem:" + code.toLowerCase().replace('_', '-'));
        assertThat(problem.get("request_id").asText())
                .isEqualTo(header(response, "X-Request-ID"));
        // A refusal never reaches the agent.
        assertThat(problem.has("response")).isFalse();
        return problem;
    }
}
