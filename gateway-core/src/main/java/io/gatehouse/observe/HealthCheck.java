package io.gatehouse.observe;

/**
 * Checks one component the gateway depends on (limit store, key store, an upstream service).
 * Registered on the gateway builder with a name and whether it is required for readiness.
 *
 * <p>Called for every health request, from any thread: implementations must be thread-safe, must
 * answer within a short bound (a network check uses its own timeout and caches its last answer
 * for a moment), and report failures as {@link HealthStatus#DOWN} rather than throw. A check that
 * throws is reported down.
 */
@FunctionalInterface
public interface HealthCheck {

    /** The component's current state. */
    ComponentHealth check();

    /** A check of a component that lives in this JVM and is always up. */
    static HealthCheck alwaysUp(String detail) {
        ComponentHealth up = ComponentHealth.up(detail);
        return () -> up;
    }
}
