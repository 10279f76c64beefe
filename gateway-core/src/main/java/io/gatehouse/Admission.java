package io.gatehouse;

import io.gatehouse.auth.Principal;
import io.gatehouse.route.Route;
import java.util.Objects;

/**
 * The gateway's decision on one request: admitted, with a grant to complete once the response
 * is done, rejected, with the problem to send, or a CORS preflight the gateway answers itself.
 * Each carries the headers that belong on the response ({@code X-Request-ID}, the rate-limit
 * headers, {@code Retry-After}, CORS).
 *
 * <p>Immutable; the grant inside an admission is thread-safe.
 */
public sealed interface Admission {

    /** The id of the request, as sent in {@code X-Request-ID}. */
    String requestId();

    /** Headers to put on the response, admitted or rejected. */
    ResponseHeaders headers();

    /**
     * The request may proceed to its target. The caller must call {@link Grant#complete} once
     * the response is finished (or failed), on any thread, so held capacity is returned.
     */
    record Admitted(GatewayRequest request, Route route, Principal principal, Grant grant,
            ResponseHeaders headers) implements Admission {
        public Admitted {
            Objects.requireNonNull(request, "request");
            Objects.requireNonNull(route, "route");
            Objects.requireNonNull(principal, "principal");
            Objects.requireNonNull(grant, "grant");
            Objects.requireNonNull(headers, "headers");
        }

        @Override
        public String requestId() {
            return request.requestId();
        }
    }

    /**
     * A CORS preflight the gateway answers itself: send {@code 204 No Content} with
     * {@code headers} and no body; the request reaches neither authentication nor the target,
     * and nothing is held. When the origin is not allowed, the headers carry no CORS grant and
     * the browser refuses the real request.
     */
    record Preflight(String requestId, ResponseHeaders headers) implements Admission {
        public Preflight {
            Objects.requireNonNull(requestId, "requestId");
            Objects.requireNonNull(headers, "headers");
        }
    }

    /** The request is refused; send {@code problem} with {@code headers}. Nothing is held. */
    record Rejected(Problem problem, ResponseHeaders headers) implements Admission {
        public Rejected {
            Objects.requireNonNull(problem, "problem");
            Objects.requireNonNull(headers, "headers");
        }

        @Override
        public String requestId() {
            return problem.requestId();
        }
    }
}
