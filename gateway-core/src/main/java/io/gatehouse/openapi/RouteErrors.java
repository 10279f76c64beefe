package io.gatehouse.openapi;

import io.gatehouse.ErrorCode;
import io.gatehouse.auth.AuthFailureGuard;
import io.gatehouse.auth.Authenticator;
import io.gatehouse.auth.Credential;
import io.gatehouse.route.Route;
import io.gatehouse.upstream.Target;
import io.gatehouse.validate.ContentTypeValidator;
import io.gatehouse.validate.Validator;
import io.gatehouse.validate.prompt.PromptGuard;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Which stable error codes one route can answer with, from what it is configured to do. */
final class RouteErrors {

    private RouteErrors() {
    }

    /**
     * The codes {@code route} can answer with, in {@link ErrorCode} order. Routing's own codes
     * ({@code NOT_FOUND}, {@code METHOD_NOT_ALLOWED}) belong to no operation and are left out.
     *
     * @param authenticator the authenticator the route uses (its own or the gateway's)
     * @param limited       whether the gateway has a rate limiter
     */
    static Set<ErrorCode> of(Route route, Authenticator authenticator, boolean limited) {
        // Any request: a malformed path or unreadable body, a body past the route's bound,
        // a client too slow to send it, and a failure of a pluggable part.
        Set<ErrorCode> codes = EnumSet.of(ErrorCode.VALIDATION_ERROR, ErrorCode.REQUEST_TIMEOUT,
                ErrorCode.PAYLOAD_TOO_LARGE, ErrorCode.INTERNAL_ERROR);
        if (!route.allowFrom().isEmpty() || !route.denyFrom().isEmpty()
                || !route.requiredRoles().isEmpty() || !route.requiredPermissions().isEmpty()) {
            codes.add(ErrorCode.FORBIDDEN);
        }
        List<Credential> credentials = authenticator.credentials();
        if (!route.publicAccess()) {
            codes.add(ErrorCode.MISSING_CREDENTIALS);
            if (authenticator instanceof AuthFailureGuard) {
                codes.add(ErrorCode.TOO_MANY_AUTH_FAILURES);
            }
        }
        for (Credential credential : credentials) {
            switch (credential) {
                case API_KEY -> {
                    codes.add(ErrorCode.INVALID_API_KEY);
                    // A key may be bound to addresses; its store may be unreachable.
                    codes.add(ErrorCode.FORBIDDEN);
                    codes.add(ErrorCode.SERVICE_UNAVAILABLE);
                }
                case BEARER_JWT -> codes.add(ErrorCode.INVALID_TOKEN);
                case HTTP_SIGNATURE -> codes.add(ErrorCode.INVALID_SIGNATURE);
                default -> throw new IllegalStateException("unknown credential " + credential);
            }
        }
        if (limited) {
            codes.add(ErrorCode.RATE_LIMIT_EXCEEDED);
            // A limit whose store fails with FAIL_CLOSED refuses with 503.
            codes.add(ErrorCode.SERVICE_UNAVAILABLE);
        }
        for (Validator validator : route.validators()) {
            if (validator instanceof ContentTypeValidator) {
                codes.add(ErrorCode.UNSUPPORTED_MEDIA_TYPE);
            } else if (validator instanceof PromptGuard) {
                codes.add(ErrorCode.PROMPT_REJECTED);
            }
        }
        if (route.target() instanceof Target.Upstream) {
            codes.add(ErrorCode.UPSTREAM_UNAVAILABLE);
            codes.add(ErrorCode.NO_HEALTHY_UPSTREAM);
            codes.add(ErrorCode.CIRCUIT_OPEN);
            codes.add(ErrorCode.UPSTREAM_TIMEOUT);
        }
        return codes;
    }
}
