package io.gatehouse.observe;

import io.gatehouse.Outcome;
import io.gatehouse.auth.Principal;
import io.gatehouse.route.Route;

/**
 * Counts what each principal used. The gateway calls it once per admitted request, when the
 * request's grant completes (never while admitting), so a recorder may be slower than the
 * admission path but should still not block: keep counts locally and write them in batches.
 *
 * <p>A recorder that throws does not fail the request: the gateway logs the failure and goes on.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface UsageRecorder {

    /**
     * Counts one completed request.
     *
     * @param principal who made it (the anonymous principal on public routes)
     * @param route     the route it took
     * @param outcome   how it ended
     * @param cost      its cost in the route's units: the actual cost reported at completion, or
     *                  the route's estimated {@link Route#cost()} when none was reported; at
     *                  least 0
     */
    void record(Principal principal, Route route, Outcome outcome, long cost);

    /** A recorder that counts nothing; the gateway's default. */
    static UsageRecorder none() {
        return (principal, route, outcome, cost) -> { };
    }
}
