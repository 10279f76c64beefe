package io.gatehouse.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The demo services on their own, without a gateway in front. */
class DemoServicesTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T12:00:00Z"),
            ZoneOffset.UTC);

    private final HttpClient client = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    private HttpResponse<String> post(URI base, String path, String body, String... headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theAgentAnswersInvocationsTasksAndFeedbackAndRefusesWhatItCannotUse() throws Exception {
        try (DemoServer agent = DemoServer.start("agent-service", "127.0.0.1", 0,
                new AgentServiceServlet(CLOCK, Duration.ZERO))) {
            HttpResponse<String> invoked = post(agent.uri(), "/invocations",
                    "{\"prompt\": \"hi\"}", "X-Request-ID", "r-1", "X-RateLimit-Remaining", "4");
            assertThat(json.readTree(invoked.body())).isEqualTo(json.readTree("""
                    {"response": "Demo agent received: hi", "request_id": "r-1",
                     "timestamp": "2026-03-01T12:00:00Z",
                     "rate_limit": {"remaining": 4, "limit": null, "reset": null},
                     "metadata": {"model": "gatehouse-demo-echo-1", "tokens": 5}}"""));

            HttpResponse<String> streamed = post(agent.uri(), "/invocations",
                    "{\"prompt\": \"hi\"}", "Accept", "text/event-stream");
            assertThat(streamed.headers().firstValue("Content-Type").orElseThrow())
                    .startsWith("text/event-stream");
            assertThat(streamed.body()).startsWith(
                    "event: token\ndata: {\"index\":0,\"token\":\"Demo\"}\n\n")
                    .contains("event: token\ndata: {\"index\":3,\"token\":\"hi\"}\n\n")
                    .contains("event: done\ndata: {\"response\":\"Demo agent received: hi\"");

            assertThat(post(agent.uri(), "/agent/execute", "{\"task\": \" \"}").statusCode())
                    .isEqualTo(400);
            assertThat(post(agent.uri(), "/agent/feedback",
                    "{\"task_id\": \"task_1\", \"rating\": 6}").statusCode()).isEqualTo(400);
            JsonNode feedback = json.readTree(post(agent.uri(), "/agent/feedback",
                    "{\"task_id\": \"task_1\", \"rating\": 4}").body());
            assertThat(feedback.get("feedback_id").asText()).isEqualTo("fb_1");
            assertThat(post(agent.uri(), "/invocations", "[1]").statusCode()).isEqualTo(400);
            assertThat(post(agent.uri(), "/nowhere", "{}").statusCode()).isEqualTo(404);
        }
    }

    @Test
    void theEmbeddingServiceNeedsItsOwnKeyAndGivesEqualTextsEqualVectors() throws Exception {
        try (DemoServer embedding = DemoServer.start("embedding-service", "127.0.0.1", 0,
                new EmbeddingServiceServlet("upstream-key"))) {
            assertThat(post(embedding.uri(), "/v1/embed", "{\"input\": \"a\"}").statusCode())
                    .isEqualTo(401);
            assertThat(post(embedding.uri(), "/v1/embed", "{\"input\": \"a\"}",
                    "Authorization", "Bearer upstream-keyX").statusCode()).isEqualTo(401);
            HttpResponse<String> ok = post(embedding.uri(), "/v1/embed",
                    "{\"input\": [\"same text\", \"same text\"]}",
                    "Authorization", "Bearer upstream-key");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("X-Usage-Tokens")).hasValue("4");
            JsonNode data = json.readTree(ok.body()).get("data");
            assertThat(data.at("/0/embedding")).isEqualTo(data.at("/1/embedding"));
            double norm = 0;
            for (JsonNode value : data.at("/0/embedding")) {
                norm += value.asDouble() * value.asDouble();
            }
            assertThat(norm).isBetween(0.9999, 1.0001);
            assertThat(post(embedding.uri(), "/v1/embed", "{\"input\": 3}",
                    "Authorization", "Bearer upstream-key").statusCode()).isEqualTo(400);
        }
    }

    @Test
    void theEmbeddingCommandRefusesToStartWithoutItsKey() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = DemoServices.run(DemoServices.EMBEDDING_COMMAND, new String[] {"--port", "0"},
                Map.<String, String>of()::get, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(exit).isEqualTo(ExampleGateway.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith(
                "embedding-service: set INFERENCE_API_KEY");
        assertThat(DemoServices.run(DemoServices.AGENT_COMMAND, new String[] {"--delay-ms", "x"},
                name -> null, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(new ByteArrayOutputStream()))).isEqualTo(ExampleGateway.EXIT_USAGE);
    }
}
