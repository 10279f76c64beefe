package io.gatehouse;

import io.gatehouse.cors.CorsPolicy;
import io.gatehouse.route.Route;
import io.gatehouse.route.RouteMatch;
import io.gatehouse.route.Router;

/**
 * The gateway's CORS step: finds the policy of a request (its route's, else the gateway's) and
 * asks it for the preflight answer or the response headers. Requests without {@code Origin}
 * cost one header lookup and allocate nothing.
 *
 * <p>Immutable.
 */
final class CorsStep {

    /** The gateway-wide policy; {@code null} when only routes have one, or none does. */
    private final CorsPolicy global;

    CorsStep(CorsPolicy global) {
        this.global = global;
    }

    /**
     * The headers of the gateway's own answer to a CORS preflight, or {@code null} when
     * {@code exchange} is not a preflight or no policy covers it (it is then admitted like any
     * request, so an application may answer its own {@code OPTIONS}).
     */
    ResponseHeaders preflight(Exchange exchange, String path, Router router) {
        if (!"OPTIONS".equals(exchange.method())) {
            return null;
        }
        String origin = exchange.header("Origin");
        String method = exchange.header("Access-Control-Request-Method");
        if (origin == null || method == null) {
            return null;
        }
        RouteMatch target = router.match(method.strip(), path);
        CorsPolicy policy = policy(target);
        if (policy == null) {
            return null;
        }
        return policy.preflight(origin, method,
                exchange.header("Access-Control-Request-Headers"));
    }

    /** The CORS headers of the response to {@code exchange}, matched to {@code match}. */
    ResponseHeaders response(Exchange exchange, RouteMatch match) {
        String origin = exchange.header("Origin");
        if (origin == null) {
            return ResponseHeaders.empty();
        }
        CorsPolicy policy = policy(match);
        return policy == null ? ResponseHeaders.empty() : policy.response(origin);
    }

    private CorsPolicy policy(RouteMatch match) {
        if (match instanceof RouteMatch.Found found) {
            Route route = found.route();
            return route.cors().orElse(global);
        }
        return global;
    }
}
