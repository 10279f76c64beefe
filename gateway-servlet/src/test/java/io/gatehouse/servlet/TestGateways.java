package io.gatehouse.servlet;

import io.gatehouse.ErrorCode;
import io.gatehouse.Gateway;
import io.gatehouse.ResponseHeaders;
import io.gatehouse.UnmatchedPaths;
import io.gatehouse.auth.AuthResult;
import io.gatehouse.auth.Authenticator;
import io.gatehouse.auth.Principal;
import io.gatehouse.limit.LimitDecision;
import io.gatehouse.limit.RateLimiter;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import io.gatehouse.validate.ContentTypeValidator;
import io.gatehouse.validate.JsonBodyValidator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway the filter tests run against: in-test authenticator and limiter that count what
 * they hand out and get back, so tests can assert every grant completes exactly once.
 */
final class TestGateways {

    static final String GOOD_KEY = "key-good";
    static final String BAD_KEY = "key-bad";

    /** Admissions (holds handed out) per route id. */
    final Map<String, AtomicInteger> acquired = new ConcurrentHashMap<>();
    /** Hold completions per route id. */
    final Map<String, AtomicInteger> completed = new ConcurrentHashMap<>();
    /** Actual costs reported to holds, in completion order. */
    final List<Long> actualCosts = new CopyOnWriteArrayList<>();

    static final Authenticator AUTHENTICATOR = request -> {
        String key = request.header("X-API-Key");
        if (key == null) {
            return AuthResult.noCredentials();
        }
        if (GOOD_KEY.equals(key)) {
            return new AuthResult.Authenticated(
                    new Principal("alice", "premium", Set.of(), Set.of(), "k1"));
        }
        return new AuthResult.Rejected(ErrorCode.INVALID_API_KEY, "the API key is not valid");
    };

    final RateLimiter rateLimiter = (request, principal, route) -> {
        counter(acquired, route.id()).incrementAndGet();
        ResponseHeaders headers = ResponseHeaders.builder()
                .add("X-RateLimit-Limit", "100")
                .add("X-RateLimit-Remaining", "99")
                .build();
        return new LimitDecision.Allowed(headers, actualCost -> {
            actualCosts.add(actualCost);
            counter(completed, route.id()).incrementAndGet();
        });
    };

    static List<Route> routes() {
        return List.of(
                Route.builder("echo", "/echo").methods("POST").build(),
                Route.builder("echo-reader", "/echo-reader").methods("POST").publicAccess()
                        .validator(ContentTypeValidator.accepting("text/plain"))
                        .build(),
                Route.builder("json", "/json").methods("POST")
                        .validator(JsonBodyValidator.builder().require("prompt",
                                JsonBodyValidator.JsonType.STRING).build())
                        .build(),
                Route.builder("form", "/form").methods("POST").publicAccess()
                        .validator(ContentTypeValidator.accepting(
                                "application/x-www-form-urlencoded"))
                        .build(),
                Route.builder("async", "/async").methods("GET").publicAccess().build(),
                Route.builder("throws", "/throws").methods("GET").publicAccess().build(),
                Route.builder("stream", "/stream").methods("GET").publicAccess().build(),
                Route.builder("cost", "/cost").methods("GET").publicAccess().build());
    }

    Gateway gateway() {
        return Gateway.builder(Router.of(routes()))
                .authenticator(AUTHENTICATOR)
                .rateLimiter(rateLimiter)
                .unmatchedPaths(UnmatchedPaths.NOT_FOUND)
                .build();
    }

    int acquired(String route) {
        return counter(acquired, route).get();
    }

    int completed(String route) {
        return counter(completed, route).get();
    }

    void reset() {
        acquired.clear();
        completed.clear();
        actualCosts.clear();
    }

    private static AtomicInteger counter(Map<String, AtomicInteger> counters, String route) {
        return counters.computeIfAbsent(route, id -> new AtomicInteger());
    }
}
