package io.gatehouse.examples;

import io.gatehouse.Admission;
import io.gatehouse.Exchange;
import io.gatehouse.GatewayRequest;
import io.gatehouse.ResponseHeaders;
import io.gatehouse.observe.TraceContext;
import io.gatehouse.servlet.Forwarder;
import io.gatehouse.task.TaskOutcome;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Tells the demo agent service the caller's limit state: a {@link Forwarder} that sends the
 * gateway's {@code X-RateLimit-Limit}, {@code -Remaining} and {@code -Reset} upstream as request
 * headers, so the agent can report them in its {@code rate_limit} member as the in-process
 * agent always did, then forwards with {@code next}. Whatever the client sent under those names
 * is dropped, so a client cannot make the agent report a limit it does not have.
 *
 * <p>Thread-safe.
 */
final class LimitStateForwarder implements Forwarder {

    /** The gateway's limit headers passed upstream, lower case. */
    static final Set<String> LIMIT_HEADERS = Set.of("x-ratelimit-limit",
            "x-ratelimit-remaining", "x-ratelimit-reset");

    private final Forwarder next;

    LimitStateForwarder(Forwarder next) {
        this.next = Objects.requireNonNull(next, "next");
    }

    @Override
    public void forward(Admission.Admitted admitted, HttpServletRequest request,
            HttpServletResponse response, byte[] bufferedBody, boolean bodyComplete) {
        next.forward(withLimitHeaders(admitted), request, response, bufferedBody,
                bodyComplete);
    }

    /** Async tasks go upstream through {@code next} too, with the same limit headers. */
    @Override
    public CompletableFuture<TaskOutcome> run(Admission.Admitted admitted, byte[] body,
            int maxResultBytes, Runnable sent) {
        return next.run(withLimitHeaders(admitted), body, maxResultBytes, sent);
    }

    private static Admission.Admitted withLimitHeaders(Admission.Admitted admitted) {
        GatewayRequest original = admitted.request();
        GatewayRequest withLimits = new GatewayRequest(
                new WithLimitHeaders(original.exchange(), admitted.headers(), original.trace()),
                original.requestId(), original.path(), original.clientAddress());
        return new Admission.Admitted(withLimits, admitted.route(), admitted.principal(),
                admitted.grant(), admitted.headers());
    }

    /**
     * The client's exchange with the limit headers replaced by the gateway's. Its
     * {@code traceparent} names the gateway's span, so the upstream call stays in the gateway's
     * trace.
     */
    private static final class WithLimitHeaders implements Exchange {
        private final Exchange exchange;
        private final ResponseHeaders gateway;
        private final TraceContext trace;

        WithLimitHeaders(Exchange exchange, ResponseHeaders gateway, TraceContext trace) {
            this.exchange = exchange;
            this.gateway = gateway;
            this.trace = trace;
        }

        private static boolean limitHeader(String name) {
            return LIMIT_HEADERS.contains(name.toLowerCase(Locale.ROOT));
        }

        private static boolean traceHeader(String name) {
            return name.equalsIgnoreCase(TraceContext.TRACEPARENT)
                    || name.equalsIgnoreCase(TraceContext.TRACESTATE);
        }

        @Override
        public String method() {
            return exchange.method();
        }

        @Override
        public String rawPath() {
            return exchange.rawPath();
        }

        @Override
        public String query() {
            return exchange.query();
        }

        @Override
        public String header(String name) {
            if (limitHeader(name)) {
                return gateway.get(name);
            }
            if (name.equalsIgnoreCase(TraceContext.TRACEPARENT)) {
                return trace.traceparent();
            }
            if (name.equalsIgnoreCase(TraceContext.TRACESTATE)) {
                return trace.tracestate().isEmpty() ? null : trace.tracestate();
            }
            return exchange.header(name);
        }

        @Override
        public List<String> headerValues(String name) {
            if (limitHeader(name) || traceHeader(name)) {
                String value = header(name);
                return value == null ? List.of() : List.of(value);
            }
            return exchange.headerValues(name);
        }

        @Override
        public Iterable<String> headerNames() {
            List<String> names = new ArrayList<>();
            for (String name : exchange.headerNames()) {
                if (!limitHeader(name) && !traceHeader(name)) {
                    names.add(name);
                }
            }
            for (String name : List.of("X-RateLimit-Limit", "X-RateLimit-Remaining",
                    "X-RateLimit-Reset")) {
                if (gateway.get(name) != null) {
                    names.add(name);
                }
            }
            return names;
        }

        @Override
        public String remoteAddress() {
            return exchange.remoteAddress();
        }

        @Override
        public long contentLength() {
            return exchange.contentLength();
        }

        @Override
        public boolean bodyReady() {
            return exchange.bodyReady();
        }

        @Override
        public byte[] readBody(int maxBytes) throws IOException {
            return exchange.readBody(maxBytes);
        }
    }
}
