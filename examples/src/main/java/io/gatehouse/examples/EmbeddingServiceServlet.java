package io.gatehouse.examples;

import static io.gatehouse.examples.DemoResponses.error;
import static io.gatehouse.examples.DemoResponses.healthy;
import static io.gatehouse.examples.DemoResponses.path;
import static io.gatehouse.examples.DemoResponses.send;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The demo embedding service: a separate HTTP server that the example gateway forwards
 * {@code POST /v1/embed} to.
 *
 * <ul>
 *   <li>{@code POST /v1/embed} with {@code {"input": "text" | ["text", ...]}} and
 *       {@code Authorization: Bearer <upstream key>}: {@code {"object": "list", "model",
 *       "data": [{"object": "embedding", "index", "embedding": [16 numbers]}], "usage":
 *       {"prompt_tokens", "total_tokens"}}} and {@code X-Usage-Tokens}. A vector depends on
 *       its text alone (SHA-256, scaled to unit length), so equal texts get equal vectors.
 *       Without the service's own key: 401.</li>
 *   <li>{@code GET /health}: {@code {"status": "healthy", "service": "embedding-service"}}, no
 *       key needed.</li>
 * </ul>
 *
 * <p>The key is the service's own, not a client's: the gateway adds it to each forwarded
 * request (its service {@code credential}) and never shows it to clients.
 *
 * <p>Thread-safe.
 */
final class EmbeddingServiceServlet extends HttpServlet {

    /** The service's name in {@code /health} and logs. */
    static final String NAME = "embedding-service";
    /** The model name reported in {@code model}. */
    static final String MODEL = "gatehouse-demo-embed-1";
    /** The length of every vector. */
    static final int DIMENSIONS = 16;
    /** The most texts one request may embed. */
    static final int MAX_INPUTS = 64;

    private static final long serialVersionUID = 1L;
    private static final int MAX_BODY_BYTES = 1 << 20;

    private final transient ObjectMapper json = new ObjectMapper();
    private final byte[] expectedAuthorization;

    /** @param apiKey the key callers must send as {@code Authorization: Bearer <key>} */
    EmbeddingServiceServlet(String apiKey) {
        Objects.requireNonNull(apiKey, "apiKey");
        if (apiKey.isBlank()) {
            throw new IllegalArgumentException("the embedding service needs a non-empty key");
        }
        this.expectedAuthorization = ("Bearer " + apiKey).getBytes(StandardCharsets.UTF_8);
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
        if (!"/v1/embed".equals(path(request))) {
            error(response, HttpServletResponse.SC_NOT_FOUND, "no such resource");
            return;
        }
        String authorization = request.getHeader("Authorization");
        if (authorization == null || !MessageDigest.isEqual(expectedAuthorization,
                authorization.getBytes(StandardCharsets.UTF_8))) {
            response.setHeader("WWW-Authenticate", "Bearer");
            error(response, HttpServletResponse.SC_UNAUTHORIZED,
                    "the embedding service's key is missing or wrong");
            return;
        }
        JsonNode body;
        try (InputStream in = request.getInputStream()) {
            body = json.readTree(in.readNBytes(MAX_BODY_BYTES));
        } catch (JsonProcessingException e) {
            error(response, HttpServletResponse.SC_BAD_REQUEST, "the body is not JSON");
            return;
        }
        List<String> inputs = inputs(body == null ? null : body.get("input"));
        if (inputs == null) {
            error(response, HttpServletResponse.SC_BAD_REQUEST, "input must be a string or "
                    + "a list of 1 to " + MAX_INPUTS + " strings");
            return;
        }
        ObjectNode result = json.createObjectNode();
        result.put("object", "list");
        result.put("model", MODEL);
        ArrayNode data = result.putArray("data");
        int tokens = 0;
        for (int i = 0; i < inputs.size(); i++) {
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", i);
            ArrayNode vector = item.putArray("embedding");
            for (double value : embed(inputs.get(i))) {
                vector.add(value);
            }
            tokens += DemoAgentServlet.words(inputs.get(i));
        }
        ObjectNode usage = result.putObject("usage");
        usage.put("prompt_tokens", tokens);
        usage.put("total_tokens", tokens);
        response.setHeader("X-Usage-Tokens", Integer.toString(tokens));
        send(response, HttpServletResponse.SC_OK, result);
    }

    /** The texts of {@code input}, or {@code null} when it is neither a string nor a list. */
    private static List<String> inputs(JsonNode input) {
        if (input == null) {
            return null;
        }
        if (input.isTextual()) {
            return List.of(input.asText());
        }
        if (!input.isArray() || input.isEmpty() || input.size() > MAX_INPUTS) {
            return null;
        }
        List<String> texts = new ArrayList<>(input.size());
        for (JsonNode item : input) {
            if (!item.isTextual()) {
                return null;
            }
            texts.add(item.asText());
        }
        return texts;
    }

    /**
     * The vector of {@code text}: the 32 bytes of its SHA-256 as 16 signed 16-bit numbers,
     * scaled to unit length and rounded to 6 decimals.
     */
    static double[] embed(String text) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        double[] vector = new double[DIMENSIONS];
        double norm = 0;
        for (int i = 0; i < DIMENSIONS; i++) {
            vector[i] = (short) ((digest[2 * i] << 8) | (digest[2 * i + 1] & 0xff));
            norm += vector[i] * vector[i];
        }
        norm = Math.sqrt(norm);
        for (int i = 0; i < DIMENSIONS; i++) {
            vector[i] = norm == 0 ? 0 : Math.round(vector[i] / norm * 1e6) / 1e6;
        }
        return vector;
    }
}
