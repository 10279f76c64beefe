package io.gatehouse.observe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.JsonMappers;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;

/**
 * The gateway's health at one moment: each registered component, and whether the gateway should
 * receive traffic.
 *
 * <p>Immutable.
 *
 * @param status     {@link HealthStatus#DOWN} when a required component is down, else
 *                   {@link HealthStatus#DEGRADED} when any component is not up, else
 *                   {@link HealthStatus#UP}
 * @param ready      whether to send traffic here: no required component is down and the gateway
 *                   is not draining
 * @param draining   whether the gateway was told to drain
 * @param components by component name, in registration order
 */
public record HealthReport(HealthStatus status, boolean ready, boolean draining,
        Map<String, Component> components) {

    private static final ObjectMapper JSON = JsonMappers.newMapper();

    public HealthReport {
        Objects.requireNonNull(status, "status");
        components = java.util.Collections.unmodifiableMap(
                new java.util.LinkedHashMap<>(components));
    }

    /**
     * The report as a JSON object: {@code status}, {@code ready}, {@code draining} and
     * {@code components} (each with {@code status}, {@code required}, {@code detail}).
     */
    public ObjectNode toJsonNode() {
        ObjectNode node = JSON.createObjectNode();
        node.put("status", status.json());
        node.put("ready", ready);
        node.put("draining", draining);
        node.set("components", componentsJson());
        return node;
    }

    /** Only the {@code components} member of {@link #toJsonNode()}. */
    public ObjectNode componentsJson() {
        ObjectNode all = JSON.createObjectNode();
        components.forEach((name, component) -> {
            ObjectNode one = all.putObject(name);
            one.put("status", component.status().json());
            one.put("required", component.required());
            one.put("detail", component.detail());
        });
        return all;
    }

    /** {@link #toJsonNode()} as UTF-8 bytes. */
    public byte[] toJson() {
        try {
            return JSON.writeValueAsString(toJsonNode()).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("health report could not be serialized", e);
        }
    }

    /**
     * One component in the report.
     *
     * @param status   what its check found
     * @param required whether its being down makes the gateway not ready
     * @param detail   the check's explanation
     */
    public record Component(HealthStatus status, boolean required, String detail) {
        public Component {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(detail, "detail");
        }
    }
}
