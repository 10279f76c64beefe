package io.gatehouse.limit;

import io.gatehouse.GatewayRequest;
import io.gatehouse.auth.Principal;
import io.gatehouse.route.Route;

/**
 * Names the bucket of a {@link KeyScope#CUSTOM} rule for one request, e.g. from a tenant header
 * or a path variable.
 *
 * <p>Implementations must be thread-safe and fast: they run on every request.
 */
@FunctionalInterface
public interface KeyResolver {

    /**
     * The key of {@code rule}'s bucket for this request; never {@code null}. Keys should be
     * bounded in length: each distinct key holds state.
     */
    String key(LimitRule rule, GatewayRequest request, Principal principal, Route route);
}
