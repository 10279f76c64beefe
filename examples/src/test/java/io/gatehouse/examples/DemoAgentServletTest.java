package io.gatehouse.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The demo agent on its own, in a real Jetty, without a gateway in front: what it answers is a
 * function of the prompt, the clock and the headers already on the response.
 */
class DemoAgentServletTest {

    private static final Instant START = Instant.parse("2026-03-01T12:00:00.123456Z");

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient client = HttpClient.newHttpClient();
    private final SettableClock clock = new SettableClock(START);
    private Server server;
    private URI base;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void invocationAnswersDeterministicallyFromThePromptAndTheClock() throws Exception {
        start(null);
        clock.set(START.plusSeconds(5));

        HttpResponse<String> response = post("""
                {"prompt": "  What is   a gateway? ", "context": {"user": "u1", "session": 7}}""");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode body = json.readTree(response.body());
        assertThat(body.get("response").asText())
                .isEqualTo("Demo agent received: What is   a gateway? (context: user, session)");
        assertThat(body.get("timestamp").asText()).isEqualTo("2026-03-01T12:00:05.123Z");
        assertThat(body.get("metadata").get("model").asText()).isEqualTo("gatehouse-demo-echo-1");
        // 4 words in the prompt, 10 in the answer.
        assertThat(body.get("metadata").get("tokens").asInt()).isEqualTo(14);
        assertThat(body.fieldNames()).toIterable().containsExactly(
                "response", "request_id", "timestamp", "rate_limit", "metadata");
    }

    @Test
    void equalPromptsGetEqualAnswers() throws Exception {
        start(null);

        JsonNode first = json.readTree(post("{\"prompt\": \"hello\"}").body());
        JsonNode second = json.readTree(post("{\"prompt\": \"hello\"}").body());

        assertThat(first.get("response").asText()).isEqualTo("Demo agent received: hello");
        assertThat(second.get("response")).isEqualTo(first.get("response"));
        assertThat(second.get("metadata")).isEqualTo(first.get("metadata"));
    }

    @Test
    void requestIdAndRateLimitComeFromTheHeadersAlreadyOnTheResponse() throws Exception {
        start((request, response, chain) -> {
            HttpServletResponse http = (HttpServletResponse) response;
            http.setHeader("X-Request-ID", "req-42");
            http.setHeader("X-RateLimit-Limit", "100");
            http.setHeader("X-RateLimit-Remaining", "97");
            http.setHeader("X-RateLimit-Reset", "3564");
            chain.doFilter(request, response);
        });

        JsonNode body = json.readTree(post("{\"prompt\": \"hi\"}").body());

        assertThat(body.get("request_id").asText()).isEqualTo("req-42");
        assertThat(body.get("rate_limit").get("limit").asLong()).isEqualTo(100);
        assertThat(body.get("rate_limit").get("remaining").asLong()).isEqualTo(97);
        assertThat(body.get("rate_limit").get("reset").asLong()).isEqualTo(3564);
    }

    @Test
    void withoutGatewayHeadersTheRateLimitIsReportedAsUnknown() throws Exception {
        start(null);

        JsonNode body = json.readTree(post("{\"prompt\": \"hi\"}").body());

        assertThat(body.get("request_id").isNull()).isTrue();
        assertThat(body.get("rate_limit").get("limit").isNull()).isTrue();
        assertThat(body.get("rate_limit").get("remaining").isNull()).isTrue();
        assertThat(body.get("rate_limit").get("reset").isNull()).isTrue();
    }

    @Test
    void healthReportsUptimeFromTheClockAndTheVersion() throws Exception {
        start(null);
        clock.set(START.plus(Duration.ofMinutes(2)).plusMillis(900));

        HttpResponse<String> response = client.send(
                HttpRequest.newBuilder(base.resolve("/health")).GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json.readTree(response.body())).isEqualTo(json.readTree("""
                {"status": "healthy", "uptime": 120, "version": "9.9.9-test"}"""));
    }

    @Test
    void theAgentAloneStillRefusesBodiesItCannotUse() throws Exception {
        start(null);

        HttpResponse<String> notJson = post("{\"prompt\": ");
        HttpResponse<String> numberPrompt = post("{\"prompt\": 5}");

        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(json.readTree(notJson.body()).get("error").asText())
                .isEqualTo("the body is not JSON");
        assertThat(numberPrompt.statusCode()).isEqualTo(400);
        assertThat(json.readTree(numberPrompt.body()).get("error").asText())
                .isEqualTo("prompt must be a string");
    }

    @Test
    void unknownPathsAre404() throws Exception {
        start(null);

        HttpResponse<String> response = client.send(
                HttpRequest.newBuilder(base.resolve("/nothing")).GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(404);
    }

    private HttpResponse<String> post(String body) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(base.resolve("/invocations"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private void start(Filter inFront) throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        if (inFront != null) {
            context.addFilter(new FilterHolder(inFront), "/*",
                    EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        }
        context.addServlet(new ServletHolder(new DemoAgentServlet(clock, "9.9.9-test")), "/");
        server.setHandler(context);
        server.start();
        base = URI.create("http://127.0.0.1:" + connector.getLocalPort());
    }

    /** A clock the test moves by hand. */
    static final class SettableClock extends Clock {
        private volatile Instant now;

        SettableClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
