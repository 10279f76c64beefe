package io.gatehouse.observe;

import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Where the forwarding side of a gateway (the upstream proxy) reports what it sees of its upstream
 * services, so that they show up beside the gateway's own meters. Get it from
 * {@code Gateway#upstreamMetrics()}; it records into the gateway's meter registry, and does
 * nothing when the gateway has none.
 *
 * <p>Tag values are the configured service names, never endpoint addresses or paths.
 *
 * <p>Implementations must be thread-safe; {@link #exchanged} and {@link #retried} are called once
 * per upstream attempt and must not block.
 */
public interface UpstreamMetrics {

    /**
     * One attempt to an upstream service ended: recorded as
     * {@code gateway_upstream_request_duration_seconds{service, status_class}}.
     *
     * @param service       the configured service name
     * @param status        the upstream's HTTP status, or 0 when no response arrived (connect
     *                      failure, timeout, reset)
     * @param durationNanos from sending the request to the end of the response (or the failure)
     */
    void exchanged(String service, int status, long durationNanos);

    /**
     * One retry of an idempotent request to {@code service}:
     * {@code gateway_upstream_retries_total{service}}.
     */
    void retried(String service);

    /**
     * Watches a service's pool: {@code gateway_upstream_healthy_endpoints{service}} and
     * {@code gateway_upstream_breaker_state{service, state}} (1 for the current state, 0 for the
     * others) are read from the suppliers on every scrape. Call once per service, at start-up.
     */
    void watch(String service, IntSupplier healthyEndpoints, Supplier<CircuitState> breakerState);

    /** A circuit breaker's state. */
    enum CircuitState {
        CLOSED, OPEN, HALF_OPEN
    }

    /** Metrics that record nothing. */
    static UpstreamMetrics none() {
        return Unrecorded.INSTANCE;
    }

    /** The shared silent implementation. */
    enum Unrecorded implements UpstreamMetrics {
        INSTANCE;

        @Override
        public void exchanged(String service, int status, long durationNanos) {
        }

        @Override
        public void retried(String service) {
        }

        @Override
        public void watch(String service, IntSupplier healthyEndpoints,
                Supplier<CircuitState> breakerState) {
        }
    }
}
