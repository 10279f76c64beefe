package io.gatehouse.observe;

import java.util.Objects;

/**
 * What one {@link HealthCheck} found.
 *
 * <p>Immutable.
 *
 * @param status the component's state
 * @param detail a short explanation for operators, never a secret; may be empty
 */
public record ComponentHealth(HealthStatus status, String detail) {

    public ComponentHealth {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(detail, "detail");
    }

    public static ComponentHealth up(String detail) {
        return new ComponentHealth(HealthStatus.UP, detail);
    }

    public static ComponentHealth degraded(String detail) {
        return new ComponentHealth(HealthStatus.DEGRADED, detail);
    }

    public static ComponentHealth down(String detail) {
        return new ComponentHealth(HealthStatus.DOWN, detail);
    }
}
