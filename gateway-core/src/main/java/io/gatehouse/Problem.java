package io.gatehouse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An RFC 9457 problem detail: why a request was refused, in a form both people and programs can
 * read. Serialized by {@link #toJson()} as {@code application/problem+json} with the members
 * {@code type}, {@code title}, {@code status}, {@code detail}, {@code code}, {@code request_id}
 * and any extension members (for limits: {@code retry_after}, {@code limit}, {@code limit_type}).
 *
 * <p>Immutable.
 *
 * @param code       the stable error code; decides {@code type}, {@code title} and {@code status}
 * @param status     the HTTP status, normally {@code code.status()}
 * @param detail     an explanation specific to this occurrence, never containing secrets
 * @param requestId  the request id echoed in {@code X-Request-ID}
 * @param extensions further members, in order; values are strings, numbers, booleans, lists or maps
 */
public record Problem(ErrorCode code, int status, String detail, String requestId,
        Map<String, Object> extensions) {

    /** The media type of a serialized problem. */
    public static final String MEDIA_TYPE = "application/problem+json";

    private static final ObjectMapper JSON = JsonMappers.newMapper();

    public Problem {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(requestId, "requestId");
        extensions = Map.copyOf(extensions);
    }

    /** A problem with the status of {@code code} and no extension members. */
    public static Problem of(ErrorCode code, String detail, String requestId) {
        return new Problem(code, code.status(), detail, requestId, Map.of());
    }

    /** This problem with one more extension member. */
    public Problem with(String member, Object value) {
        Map<String, Object> more = new LinkedHashMap<>(extensions);
        more.put(member, value);
        return new Problem(code, status, detail, requestId, more);
    }

    /** The problem type URI. */
    public String type() {
        return code.typeUri();
    }

    /** The problem title. */
    public String title() {
        return code.title();
    }

    /** The problem as UTF-8 encoded {@code application/problem+json}. */
    public byte[] toJson() {
        ObjectNode node = JSON.createObjectNode();
        node.put("type", type());
        node.put("title", title());
        node.put("status", status);
        node.put("detail", detail);
        node.put("code", code.name());
        node.put("request_id", requestId);
        // Sorted so the output is stable whatever map the caller built.
        new TreeMap<>(extensions)
                .forEach((name, value) -> node.set(name, JSON.valueToTree(value)));
        try {
            return JSON.writeValueAsString(node).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("problem could not be serialized", e);
        }
    }
}
