package io.gatehouse.limit;

import io.gatehouse.GatewayRequest;
import io.gatehouse.ResponseHeaders;
import io.gatehouse.auth.Principal;
import io.gatehouse.route.Route;

/**
 * Admits everything and sends no headers.
 *
 * <p>Immutable.
 */
final class UnlimitedRateLimiter implements RateLimiter {

    static final RateLimiter INSTANCE = new UnlimitedRateLimiter();

    private static final LimitDecision ALLOWED = new LimitDecision.Allowed(
            ResponseHeaders.empty(), LimitDecision.Hold.nothing());

    private UnlimitedRateLimiter() {
    }

    @Override
    public LimitDecision acquire(GatewayRequest request, Principal principal, Route route) {
        return ALLOWED;
    }
}
