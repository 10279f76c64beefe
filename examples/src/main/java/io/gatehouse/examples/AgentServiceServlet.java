package io.gatehouse.examples;

import static io.gatehouse.examples.DemoResponses.error;
import static io.gatehouse.examples.DemoResponses.healthy;
import static io.gatehouse.examples.DemoResponses.path;
import static io.gatehouse.examples.DemoResponses.send;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo agent service: a separate HTTP server that the example gateway forwards to.
 *
 * <ul>
 *   <li>{@code POST /invocations} with {@code {"prompt", "context"}}: the answer of
 *       {@link DemoAgentServlet} in the same shape ({@code response, request_id, timestamp,
 *       rate_limit, metadata}). With {@code "stream": true} or {@code Accept:
 *       text/event-stream} it answers Server-Sent Events instead: one {@code token} event per
 *       word of the answer, then a {@code done} event whose data is the whole answer plus
 *       {@code usage.total_tokens}.</li>
 *   <li>{@code POST /agent/execute} with {@code {"task", "agent_type"?, "parameters"?}}: runs
 *       the task synchronously and answers {@code {task_id, status: "completed", agent_type,
 *       result, request_id, timestamp, metadata}}.</li>
 *   <li>{@code POST /agent/feedback} with {@code {"task_id", "rating": 1..5, "comment"?}}:
 *       answers {@code {status: "recorded", feedback_id, task_id, rating}}.</li>
 *   <li>{@code GET /health}: {@code {"status": "healthy", "service": "agent-service"}}.</li>
 * </ul>
 *
 * <p>It trusts the gateway in front for keys and limits: it reads the request id from
 * {@code X-Request-ID} and the limit state from {@code X-RateLimit-Limit}, {@code -Remaining}
 * and {@code -Reset}, which the example gateway sets on every request it forwards (see
 * {@link LimitStateForwarder}). Every answer waits {@code delay} first, and a stream waits it
 * again between events, to stand in for a model's latency.
 *
 * <p>Thread-safe.
 */
final class AgentServiceServlet extends HttpServlet {

    /** The service's name in {@code /health} and logs. */
    static final String NAME = "agent-service";

    private static final long serialVersionUID = 1L;
    private static final String EVENT_STREAM = "text/event-stream";
    private static final int MAX_BODY_BYTES = 1 << 20;

    private final transient ObjectMapper json = new ObjectMapper();
    private final transient Clock clock;
    private final transient Duration delay;
    private final transient AtomicLong feedbacks = new AtomicLong();

    AgentServiceServlet(Clock clock, Duration delay) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.delay = Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, was " + delay);
        }
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        if (!"/health".equals(path(request))) {
            error(response, HttpServletResponse.SC_NOT_FOUND, "no such resource");
            return;
        }
        healthy(response, NAME);
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        String path = path(request);
        if (!path.equals("/invocations") && !path.equals("/agent/execute")
                && !path.equals("/agent/feedback")) {
            error(response, HttpServletResponse.SC_NOT_FOUND, "no such resource");
            return;
        }
        JsonNode body;
        try (InputStream in = request.getInputStream()) {
            body = json.readTree(in.readNBytes(MAX_BODY_BYTES));
        } catch (JsonProcessingException e) {
            error(response, HttpServletResponse.SC_BAD_REQUEST, "the body is not JSON");
            return;
        }
        if (body == null || !body.isObject()) {
            error(response, HttpServletResponse.SC_BAD_REQUEST,
                    "the body must be a JSON object");
            return;
        }
        switch (path) {
            case "/invocations" -> invoke(request, response, body);
            case "/agent/execute" -> execute(request, response, body);
            default -> feedback(response, body);
        }
    }

    private void invoke(HttpServletRequest request, HttpServletResponse response, JsonNode body)
            throws IOException {
        JsonNode prompt = body.get("prompt");
        if (prompt == null || !prompt.isTextual()) {
            error(response, HttpServletResponse.SC_BAD_REQUEST, "prompt must be a string");
            return;
        }
        String answer = DemoAgentServlet.answer(prompt.asText(), body.get("context"));
        ObjectNode result = json.createObjectNode();
        result.put("response", answer);
        result.put("request_id", request.getHeader("X-Request-ID"));
        result.put("timestamp", clock.instant().truncatedTo(ChronoUnit.MILLIS).toString());
        ObjectNode rateLimit = result.putObject("rate_limit");
        rateLimit.set("remaining", headerNumber(request, "X-RateLimit-Remaining"));
        rateLimit.set("limit", headerNumber(request, "X-RateLimit-Limit"));
        rateLimit.set("reset", headerNumber(request, "X-RateLimit-Reset"));
        ObjectNode metadata = result.putObject("metadata");
        metadata.put("model", DemoAgentServlet.MODEL);
        int tokens = DemoAgentServlet.words(prompt.asText()) + DemoAgentServlet.words(answer);
        metadata.put("tokens", tokens);
        pause();
        if (wantsStream(request, body)) {
            stream(response, answer, result, tokens);
        } else {
            send(response, HttpServletResponse.SC_OK, result);
        }
    }

    private static boolean wantsStream(HttpServletRequest request, JsonNode body) {
        JsonNode stream = body.get("stream");
        if (stream != null && stream.isBoolean()) {
            return stream.asBoolean();
        }
        String accept = request.getHeader("Accept");
        return accept != null && accept.contains(EVENT_STREAM);
    }

    /** One {@code token} event per word, each flushed, then {@code done} with the whole answer. */
    private void stream(HttpServletResponse response, String answer, ObjectNode result,
            int tokens) throws IOException {
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType(EVENT_STREAM);
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-cache");
        ServletOutputStream out = response.getOutputStream();
        String[] words = answer.strip().split("\\s+");
        for (int i = 0; i < words.length; i++) {
            if (i > 0) {
                pause();
            }
            ObjectNode token = json.createObjectNode();
            token.put("index", i);
            token.put("token", words[i]);
            writeEvent(out, "token", token);
        }
        result.putObject("usage").put("total_tokens", tokens);
        writeEvent(out, "done", result);
    }

    private void writeEvent(ServletOutputStream out, String event, JsonNode data)
            throws IOException {
        out.write(("event: " + event + "\ndata: " + json.writeValueAsString(data) + "\n\n")
                .getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private void execute(HttpServletRequest request, HttpServletResponse response, JsonNode body)
            throws IOException {
        JsonNode task = body.get("task");
        if (task == null || !task.isTextual() || task.asText().isBlank()) {
            error(response, HttpServletResponse.SC_BAD_REQUEST,
                    "task must be a non-empty string");
            return;
        }
        JsonNode agentType = body.get("agent_type");
        if (agentType != null && !agentType.isTextual()) {
            error(response, HttpServletResponse.SC_BAD_REQUEST,
                    "agent_type must be a string");
            return;
        }
        String type = agentType == null ? "general" : agentType.asText();
        String text = "Demo " + type + " agent completed: " + task.asText().strip();
        pause();
        ObjectNode result = json.createObjectNode();
        result.put("task_id", "task_" + UUID.randomUUID().toString().replace("-", ""));
        result.put("status", "completed");
        result.put("agent_type", type);
        result.put("result", text);
        result.put("request_id", request.getHeader("X-Request-ID"));
        result.put("timestamp", clock.instant().truncatedTo(ChronoUnit.MILLIS).toString());
        ObjectNode metadata = result.putObject("metadata");
        metadata.put("model", DemoAgentServlet.MODEL);
        metadata.put("tokens", DemoAgentServlet.words(task.asText())
                + DemoAgentServlet.words(text));
        send(response, HttpServletResponse.SC_OK, result);
    }

    private void feedback(HttpServletResponse response, JsonNode body) throws IOException {
        JsonNode taskId = body.get("task_id");
        JsonNode rating = body.get("rating");
        if (taskId == null || !taskId.isTextual() || taskId.asText().isBlank()) {
            error(response, HttpServletResponse.SC_BAD_REQUEST,
                    "task_id must be a non-empty string");
            return;
        }
        if (rating == null || !rating.isIntegralNumber() || rating.asInt() < 1
                || rating.asInt() > 5) {
            error(response, HttpServletResponse.SC_BAD_REQUEST,
                    "rating must be a whole number from 1 to 5");
            return;
        }
        ObjectNode result = json.createObjectNode();
        result.put("status", "recorded");
        result.put("feedback_id", "fb_" + feedbacks.incrementAndGet());
        result.put("task_id", taskId.asText());
        result.put("rating", rating.asInt());
        send(response, HttpServletResponse.SC_OK, result);
    }

    private void pause() throws IOException {
        if (delay.isZero()) {
            return;
        }
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while standing in for a model", e);
        }
    }

    private JsonNode headerNumber(HttpServletRequest request, String name) {
        String value = request.getHeader(name);
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
