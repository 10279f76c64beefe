package io.gatehouse.upstream;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * The I/O of active health checks, supplied by the forwarding module: requests {@code path} on
 * {@code endpoint} and reports whether it answered 2xx or 3xx within {@code timeout}. Core
 * decides when to probe and what a verdict means ({@link Upstreams#startProbes}).
 *
 * <p>Implementations must be thread-safe and must not block the calling thread.
 */
@FunctionalInterface
public interface HealthProbe {

    /**
     * Probes one endpoint.
     *
     * @return a stage completed with {@code true} for healthy, {@code false} (or exceptionally)
     *     for unhealthy
     */
    CompletionStage<Boolean> probe(Endpoint endpoint, String path, Duration timeout);
}
