package io.gatehouse.observe;

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

    public HealthReport {
        Objects.requireNonNull(status, "status");
        components = java.util.Collections.unmodifiableMap(
                new java.util.LinkedHashMap<>(components));
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
