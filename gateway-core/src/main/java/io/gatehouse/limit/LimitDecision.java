package io.gatehouse.limit;

import io.gatehouse.Problem;
import io.gatehouse.ResponseHeaders;
import java.util.Objects;

/**
 * What the {@link RateLimiter} decided for one request, with the rate-limit headers to send
 * either way.
 *
 * <p>Immutable.
 */
public sealed interface LimitDecision {

    /** The {@code RateLimit*} and {@code Retry-After} headers for the response. */
    ResponseHeaders headers();

    /**
     * Every limit admitted the request and was consumed. The caller must call
     * {@link Hold#complete(long)} exactly once when the response is done.
     */
    record Allowed(ResponseHeaders headers, Hold hold) implements LimitDecision {
        public Allowed {
            Objects.requireNonNull(headers, "headers");
            Objects.requireNonNull(hold, "hold");
        }
    }

    /** A limit refused the request (429), or its store failed closed (503); nothing consumed. */
    record Denied(ResponseHeaders headers, Problem problem) implements LimitDecision {
        public Denied {
            Objects.requireNonNull(headers, "headers");
            Objects.requireNonNull(problem, "problem");
        }
    }

    /** What an admitted request holds until it completes: concurrency leases, reserved cost. */
    @FunctionalInterface
    interface Hold {
        /**
         * Releases leases and settles reserved cost.
         *
         * @param actualCost the request's actual cost, or a negative number if it was as estimated
         */
        void complete(long actualCost);

        /** A hold that holds nothing. */
        static Hold nothing() {
            return actualCost -> { };
        }
    }
}
