package io.gatehouse;

import io.gatehouse.auth.Principal;
import io.gatehouse.route.Route;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The gateway's decision on one request: admitted, with a grant to complete once the response
 * is done, or rejected, with the problem to send. Either way it carries the headers that belong
 * on the response ({@code X-Request-ID}, the rate-limit headers, {@code Retry-After}). An
 * adapter whose {@link Exchange#bodyReady()} can be {@code false} may also get
 * {@link BodyNeeded}: the decision waits for the body.
 *
 * <p>Immutable; the grant inside an admission is thread-safe; {@link BodyNeeded#resume()} may
 * be called once, from any thread.
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

    /**
     * The decision needs the request body, which the adapter has not buffered yet
     * ({@link Exchange#bodyReady()} was {@code false}). Nothing has been authenticated, counted
     * or consumed. The adapter reads at most {@code maxBytes + 1} bytes without holding a thread,
     * under its body deadline, makes them available through its exchange (after which
     * {@code bodyReady()} is {@code true}), and then calls {@link #resume()} once. An adapter
     * that gives up instead (deadline passed, client gone) simply drops this value: nothing is
     * held.
     *
     * @param requestId    the request's id, the same in the admission {@code resume} returns
     * @param headers      headers for a response the adapter sends itself (e.g. a 408)
     * @param maxBytes     the most body bytes the decision reads; buffer one more to tell
     *                     "over the limit" from "exactly at it"
     * @param route        the route the request matched
     * @param continuation the rest of the decision; call {@link #resume()} rather than this
     */
    record BodyNeeded(String requestId, ResponseHeaders headers, int maxBytes, Route route,
            Supplier<Admission> continuation) implements Admission {
        public BodyNeeded {
            Objects.requireNonNull(requestId, "requestId");
            Objects.requireNonNull(headers, "headers");
            Objects.requireNonNull(route, "route");
            Objects.requireNonNull(continuation, "continuation");
            if (maxBytes < 0) {
                throw new IllegalArgumentException("maxBytes must not be negative, was "
                        + maxBytes);
            }
        }

        /**
         * Runs the rest of the decision (authentication, limits, validation) on the buffered
         * body. Never throws for a bad request.
         *
         * @return {@link Admitted}, whose grant the caller must complete, or {@link Rejected};
         *     never {@code BodyNeeded}
         * @throws IllegalStateException when called a second time
         */
        public Admission resume() {
            return continuation.get();
        }
    }
}
