package io.gatehouse.examples;

import static io.gatehouse.examples.DemoResponses.error;
import static io.gatehouse.examples.DemoResponses.path;
import static io.gatehouse.examples.DemoResponses.send;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.observe.HealthReport;
import io.gatehouse.observe.HealthStatus;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.StringJoiner;

/**
 * A small, deterministic stand-in for an AI agent, the application the example gateway protects.
 *
 * <ul>
 *   <li>{@code POST /invocations} with {@code {"prompt": "...", "context": {...}}} answers
 *       {@code {"response", "request_id", "timestamp", "rate_limit", "metadata"}}. The answer
 *       is derived from the prompt alone, so equal prompts get equal answers.</li>
 *   <li>{@code GET /health} answers {@code {"status": "healthy", "uptime", "version"}}; given
 *       the gateway's health it adds {@code components} (each {@code status}, {@code required},
 *       {@code detail}), {@code status} becomes {@code degraded} while a component is not up
 *       and {@code unhealthy} with 503 while a required one is down; with Redis configured it
 *       also reports {@code "redis"}: the limit store's {@code up}, {@code degraded} or
 *       {@code down}.</li>
 * </ul>
 *
 * <p>The agent knows nothing of keys or limits: it reports the request id and the rate-limit
 * state that the gateway in front of it already put on the response ({@code X-Request-ID},
 * {@code X-RateLimit-*}). Time comes from the injected clock.
 *
 * <p>Thread-safe.
 */
final class DemoAgentServlet extends HttpServlet {

    /** The model name the agent reports in {@code metadata.model}. */
    static final String MODEL = "gatehouse-demo-echo-1";

    private static final long serialVersionUID = 1L;
    /** The agent reads at most this much itself; the gateway's route bound is the same. */
    private static final int MAX_BODY_BYTES = 1 << 20;

    private final transient ObjectMapper json = new ObjectMapper();
    private final transient Clock clock;
    private final transient Instant started;
    private final String version;
    private final transient Supplier<HealthReport> health;
    private final boolean reportRedis;

    /**
     * Creates the agent.
     *
     * @param clock   the source of {@code timestamp} and {@code uptime}
     * @param version the version reported by {@code /health}
     */
    DemoAgentServlet(Clock clock, String version) {
        this(clock, version, null, false);
    }

    /**
     * Creates the agent reporting the gateway's components in {@code /health}.
     *
     * @param health      the gateway's health on each call; {@code null} for none
     * @param reportRedis whether the limit store is Redis, reported as {@code "redis"}
     */
    DemoAgentServlet(Clock clock, String version, Supplier<HealthReport> health,
            boolean reportRedis) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.version = Objects.requireNonNull(version, "version");
        this.health = health;
        this.reportRedis = reportRedis;
        this.started = clock.instant();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        if (!"/health".equals(path(request))) {
            error(response, HttpServletResponse.SC_NOT_FOUND, "no such resource");
            return;
        }
        ObjectNode body = json.createObjectNode();
        HealthReport report = health == null ? null : health.get();
        HealthStatus status = report == null ? HealthStatus.UP : report.status();
        body.put("status", switch (status) {
            case UP -> "healthy";
            case DEGRADED -> "degraded";
            case DOWN -> "unhealthy";
        });
        body.put("uptime", Duration.between(started, clock.instant()).toSeconds());
        body.put("version", version);
        if (report != null) {
            HealthReport.Component limits = report.components().get("limit_store");
            if (reportRedis && limits != null) {
                body.put("redis", limits.status().json());
            }
            body.set("components", report.componentsJson());
        }
        send(response, status == HealthStatus.DOWN ? HttpServletResponse.SC_SERVICE_UNAVAILABLE
                : HttpServletResponse.SC_OK, body);
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        if (!"/invocations".equals(path(request))) {
            error(response, HttpServletResponse.SC_NOT_FOUND, "no such resource");
            return;
        }
        // The gateway has validated the body already; the agent still refuses what it cannot
        // use, so it stays safe when deployed without the gateway in front.
        JsonNode invocation;
        try (InputStream in = request.getInputStream()) {
            invocation = json.readTree(in.readNBytes(MAX_BODY_BYTES));
        } catch (JsonProcessingException e) {
            error(response, HttpServletResponse.SC_BAD_REQUEST, "the body is not JSON");
            return;
        }
        JsonNode prompt = invocation == null ? null : invocation.get("prompt");
        if (prompt == null || !prompt.isTextual()) {
            error(response, HttpServletResponse.SC_BAD_REQUEST, "prompt must be a string");
            return;
        }
        String answer = answer(prompt.asText(), invocation.get("context"));

        ObjectNode body = json.createObjectNode();
        body.put("response", answer);
        body.put("request_id", response.getHeader("X-Request-ID"));
        body.put("timestamp", clock.instant().truncatedTo(ChronoUnit.MILLIS).toString());
        ObjectNode rateLimit = body.putObject("rate_limit");
        rateLimit.set("remaining", headerNumber(response, "X-RateLimit-Remaining"));
        rateLimit.set("limit", headerNumber(response, "X-RateLimit-Limit"));
        rateLimit.set("reset", headerNumber(response, "X-RateLimit-Reset"));
        ObjectNode metadata = body.putObject("metadata");
        metadata.put("model", MODEL);
        metadata.put("tokens", words(prompt.asText()) + words(answer));
        send(response, HttpServletResponse.SC_OK, body);
    }

    /**
     * The agent's answer: the prompt echoed back, followed by the names of the context members
     * in the order sent, so both parts of the invocation visibly reach the agent.
     */
    static String answer(String prompt, JsonNode context) {
        StringBuilder answer = new StringBuilder("Demo agent received: ").append(prompt.strip());
        if (context != null && context.isObject() && !context.isEmpty()) {
            StringJoiner names = new StringJoiner(", ", " (context: ", ")");
            for (Iterator<String> it = context.fieldNames(); it.hasNext(); ) {
                names.add(it.next());
            }
            answer.append(names);
        }
        return answer.toString();
    }

    /** Whitespace-separated words: the demo's stand-in for a token count. */
    static int words(String text) {
        String stripped = text.strip();
        return stripped.isEmpty() ? 0 : stripped.split("\\s+").length;
    }

    /** A numeric response header as a JSON number, or JSON null when absent or not a number. */
    private JsonNode headerNumber(HttpServletResponse response, String name) {
        String value = response.getHeader(name);
        if (value != null) {
            try {
                return json.getNodeFactory().numberNode(Long.parseLong(value.trim()));
            } catch (NumberFormatException e) {
                // Not ours to repair: report it as unknown.
            }
        }
        return json.getNodeFactory().nullNode();
    }
}
