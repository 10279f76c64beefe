package io.gatehouse.servlet;

import io.gatehouse.ErrorCode;
import io.gatehouse.Gateway;
import io.gatehouse.Problem;
import io.gatehouse.ResponseHeaders;
import io.gatehouse.auth.AuthResult;
import io.gatehouse.auth.Authenticator;
import io.gatehouse.auth.Principal;
import io.gatehouse.cors.CorsPolicy;
import io.gatehouse.limit.LimitDecision;
import io.gatehouse.limit.RateLimiter;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import java.util.List;
import java.util.Set;

/**
 * The gateway of the CORS tests: {@code /echo} needs key {@code good}, {@code /cost} is public
 * and always over its limit (429), {@code /stream} has a policy of its own allowing only
 * {@code https://partner.example.net}; every other route follows the global policy allowing
 * {@code allowedOrigin}.
 */
final class CorsGateways {

    static final String PARTNER = "https://partner.example.net";

    private static final Authenticator BY_KEY = request -> "good".equals(
            request.header("X-API-Key"))
            ? new AuthResult.Authenticated(new Principal("alice", "free", Set.of(), Set.of(), "k1"))
            : AuthResult.noCredentials();

    private static final RateLimiter LIMITER = (request, principal, route) -> {
        ResponseHeaders headers = ResponseHeaders.builder().add("RateLimit-Policy", "5;w=60")
                .add("RateLimit", "limit=5, remaining=" + (route.id().equals("cost") ? 0 : 4)
                        + ", reset=60")
                .build();
        if (route.id().equals("cost")) {
            return new LimitDecision.Denied(ResponseHeaders.builder().addAll(headers)
                    .add("Retry-After", "60").build(),
                    Problem.of(ErrorCode.RATE_LIMIT_EXCEEDED, "the rate limit is exhausted",
                            request.requestId()));
        }
        return new LimitDecision.Allowed(headers, LimitDecision.Hold.nothing());
    };

    private CorsGateways() {
    }

    static Gateway gateway(String allowedOrigin) {
        List<Route> routes = List.of(
                Route.builder("echo", "/echo").methods("POST").build(),
                Route.builder("cost", "/cost").methods("GET").publicAccess().build(),
                Route.builder("stream", "/stream").methods("GET").publicAccess()
                        .cors(CorsPolicy.builder().allowOrigins(PARTNER).build())
                        .build());
        return Gateway.builder(Router.of(routes))
                .authenticator(BY_KEY)
                .rateLimiter(LIMITER)
                .cors(CorsPolicy.builder().allowOrigins(allowedOrigin)
                        .allowMethods("GET", "POST").build())
                .build();
    }
}
