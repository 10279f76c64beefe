package io.gatehouse.servlet;

import io.gatehouse.Admission;
import io.gatehouse.ErrorCode;
import io.gatehouse.Problem;
import io.gatehouse.ResponseHeaders;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The filter's handling of request bodies that have not arrived yet: buffering the body a
 * decision needs ({@link Admission.BodyNeeded}) under the body deadline, and draining a small
 * unread body before a refusal so the connection stays usable. Neither holds a container
 * thread while the client sends.
 *
 * <p>Thread-safe (immutable settings; per-request state lives in each read).
 */
final class PendingBody {

    /** Request attribute marking the filter's own async re-dispatch of an admitted request. */
    static final String RESUMED_ATTRIBUTE = "io.gatehouse.servlet.resumed";

    private static final Logger LOG = LoggerFactory.getLogger(GatewayFilter.class);

    /** What the re-dispatch continues with: the admission and the buffered body. */
    record Resumed(Admission.Admitted admitted, ServletExchange exchange) {
    }

    private final long bodyDeadlineMillis;
    private final int drainLimit;
    private final InFlight inFlight;

    PendingBody(long bodyDeadlineMillis, int drainLimit, InFlight inFlight) {
        this.bodyDeadlineMillis = bodyDeadlineMillis;
        this.drainLimit = drainLimit;
        this.inFlight = inFlight;
    }

    long bodyDeadlineMillis() {
        return bodyDeadlineMillis;
    }

    /**
     * Buffers the body {@code needed} asks for, then resumes the decision: an admitted request
     * is re-dispatched ({@code ASYNC}) to the filter, which continues the chain with the body
     * replayed; a refusal is written at once. A body that misses the deadline is answered 408,
     * one that cannot be read 400, both with {@code Connection: close}.
     */
    void read(Admission.BodyNeeded needed, ServletExchange exchange, HttpServletRequest request,
            HttpServletResponse response) throws IOException {
        int limit = needed.maxBytes() == Integer.MAX_VALUE ? needed.maxBytes()
                : needed.maxBytes() + 1;
        inFlight.enter();
        try {
            AsyncBodyReader.start(request, limit, bodyDeadlineMillis, true,
                    new AsyncBodyReader.Completion() {
                        @Override
                        public void bodyRead(AsyncContext async, byte[] body, boolean complete) {
                            try {
                                exchange.bodyArrived(body, complete);
                                resumed(needed, exchange, request, response, async, complete);
                            } finally {
                                inFlight.exit();
                            }
                        }

                        @Override
                        public void timedOut(AsyncContext async) {
                            try {
                                ProblemResponses.write(timeout(needed.requestId(),
                                        needed.headers()), response, true);
                                async.complete();
                            } finally {
                                inFlight.exit();
                            }
                        }

                        @Override
                        public void failed(AsyncContext async, Throwable cause) {
                            try {
                                ProblemResponses.write(unreadable(needed.requestId(),
                                        needed.headers(), cause), response, true);
                                async.complete();
                            } finally {
                                inFlight.exit();
                            }
                        }
                    });
        } catch (IOException | RuntimeException e) {
            inFlight.exit();
            throw e;
        }
    }

    private static void resumed(Admission.BodyNeeded needed, ServletExchange exchange,
            HttpServletRequest request, HttpServletResponse response, AsyncContext async,
            boolean complete) {
        Admission next;
        try {
            next = needed.resume();
        } catch (RuntimeException e) {
            LOG.error("request {}: the gateway failed to decide on it", needed.requestId(), e);
            next = new Admission.Rejected(Problem.of(ErrorCode.INTERNAL_ERROR,
                    "the gateway could not process this request", needed.requestId()),
                    needed.headers());
        }
        if (next instanceof Admission.Admitted admitted) {
            request.setAttribute(RESUMED_ATTRIBUTE, new Resumed(admitted, exchange));
            async.dispatch();
        } else {
            ProblemResponses.write((Admission.Rejected) next, response, !complete);
            async.complete();
        }
    }

    /**
     * Buffers {@code needed}'s body on this thread, for a request that cannot go asynchronous
     * (a filter registered without async support), and resumes the decision.
     */
    static Admission readBlocking(Admission.BodyNeeded needed, ServletExchange exchange) {
        try {
            exchange.readBody(needed.maxBytes());
        } catch (IOException e) {
            return unreadable(needed.requestId(), needed.headers(), e);
        }
        return needed.resume();
    }

    /**
     * Sends {@code rejected}, decided before the body was read, without leaving the client's
     * next request on this connection to fail: a small body is first drained (asynchronously,
     * under the deadline), a large or announced ({@code Expect: 100-continue}) one gets
     * {@code Connection: close}.
     */
    void refuse(Admission.Rejected rejected, ServletExchange exchange,
            HttpServletRequest request, HttpServletResponse response, boolean close) {
        if (exchange.bodyFullyRead()) {
            ProblemResponses.write(rejected, response, close);
            return;
        }
        long declared = exchange.contentLength();
        boolean small = declared <= drainLimit && !exchange.bodyWasRead();
        if (!small || close || !request.isAsyncSupported()
                || request.getHeader("Expect") != null) {
            ProblemResponses.write(rejected, response, true);
            return;
        }
        inFlight.enter();
        try {
            AsyncBodyReader.start(request, drainLimit + 1, bodyDeadlineMillis, false,
                    new AsyncBodyReader.Completion() {
                        @Override
                        public void bodyRead(AsyncContext async, byte[] body, boolean complete) {
                            finish(async, !complete);
                        }

                        @Override
                        public void timedOut(AsyncContext async) {
                            finish(async, true);
                        }

                        @Override
                        public void failed(AsyncContext async, Throwable cause) {
                            LOG.debug("request {}: the body of a refused request could not be "
                                    + "read: {}", rejected.requestId(), cause.toString());
                            finish(async, true);
                        }

                        private void finish(AsyncContext async, boolean closeConnection) {
                            try {
                                ProblemResponses.write(rejected, response, closeConnection);
                                async.complete();
                            } finally {
                                inFlight.exit();
                            }
                        }
                    });
        } catch (IOException | RuntimeException e) {
            inFlight.exit();
            LOG.debug("request {}: the body of a refused request could not be drained: {}",
                    rejected.requestId(), e.toString());
            ProblemResponses.write(rejected, response, true);
        }
    }

    static Admission.Rejected timeout(String requestId, ResponseHeaders headers) {
        return new Admission.Rejected(Problem.of(ErrorCode.REQUEST_TIMEOUT,
                "the request body did not arrive in time", requestId), headers);
    }

    static Admission.Rejected unreadable(String requestId, ResponseHeaders headers,
            Throwable cause) {
        // The client aborted the upload or framed it wrongly: its fault, a debug line.
        LOG.debug("request {}: the body could not be read: {}", requestId, cause.toString());
        return new Admission.Rejected(Problem.of(ErrorCode.VALIDATION_ERROR,
                "the request body could not be read", requestId), headers);
    }
}
