package io.gatehouse.limit;

import io.gatehouse.GatewayRequest;
import io.gatehouse.auth.Principal;
import io.gatehouse.route.Route;

/**
 * Decides whether a request fits every limit that applies to it: the limits of the principal's
 * tier plus those of the route.
 *
 * <p>Implementations must be thread-safe and must never park a caller waiting for capacity.
 */
@FunctionalInterface
public interface RateLimiter {

    /**
     * Checks and consumes all limits of {@code request} in one atomic step.
     *
     * @return {@link LimitDecision.Allowed}, whose hold the caller must complete, or
     *     {@link LimitDecision.Denied}
     */
    LimitDecision acquire(GatewayRequest request, Principal principal, Route route);

    /**
     * This limiter reporting its decisions and store calls to {@code observer}; the gateway calls
     * it once when it is built with a meter registry. The default reports nothing and returns
     * this limiter unchanged.
     *
     * @return a limiter deciding exactly like this one
     */
    default RateLimiter observedBy(LimitObserver observer) {
        return this;
    }

    /**
     * A limiter that admits everything and sends no headers; the same instance on every call, so
     * a gateway can tell that nothing limits its routes.
     */
    static RateLimiter unlimited() {
        return UnlimitedRateLimiter.INSTANCE;
    }
}
