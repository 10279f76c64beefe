package io.gatehouse;

import io.gatehouse.auth.ConsumedCredentials;
import io.gatehouse.observe.TraceContext;
import java.io.IOException;
import java.util.Objects;

/**
 * One request as the gateway sees it while admitting it: the adapter's {@link Exchange} plus what
 * the gateway derived from it (request id, normalized path, client address).
 *
 * <p>Not thread-safe; confine to one request.
 */
public final class GatewayRequest {

    private final Exchange exchange;
    private final String requestId;
    private final String path;
    private final String clientAddress;
    private byte[] body;
    private TraceContext trace;
    private ResponseHeaders responseHeaders = ResponseHeaders.empty();
    private ConsumedCredentials consumedCredentials = ConsumedCredentials.none();
    private boolean applicationSeesCredentials;

    /**
     * Creates the gateway's view of {@code exchange}.
     *
     * @param path          the normalized path (see {@link io.gatehouse.route.PathNormalizer})
     * @param clientAddress the caller's address after trusted-proxy resolution
     */
    public GatewayRequest(Exchange exchange, String requestId, String path, String clientAddress) {
        this.exchange = Objects.requireNonNull(exchange, "exchange");
        this.requestId = Objects.requireNonNull(requestId, "requestId");
        this.path = Objects.requireNonNull(path, "path");
        this.clientAddress = Objects.requireNonNull(clientAddress, "clientAddress");
    }

    /** The adapter's raw view of the request. */
    public Exchange exchange() {
        return exchange;
    }

    /** The id of this request, echoed in {@code X-Request-ID} and every problem. */
    public String requestId() {
        return requestId;
    }

    /** The request method in upper case. */
    public String method() {
        return exchange.method();
    }

    /** The normalized, percent-decoded path that routing matched against. */
    public String path() {
        return path;
    }

    /** The caller's address: the peer, or the client named by a trusted proxy. */
    public String clientAddress() {
        return clientAddress;
    }

    /**
     * The request's W3C trace context: the caller's trace continued with the gateway's own span,
     * or a trace started here. Pass {@link TraceContext#traceparent()} on to
     * the upstream or the local app.
     */
    public TraceContext trace() {
        if (trace == null) {
            trace = TraceContext.continueOrStart(
                    exchange.header(TraceContext.TRACEPARENT),
                    exchange.header(TraceContext.TRACESTATE));
        }
        return trace;
    }

    /** Sets the trace context the gateway decided under. */
    void trace(TraceContext trace) {
        this.trace = trace;
    }

    /**
     * The header fields authentication read this request's credential from; none before
     * authentication, for an anonymous caller, or for an authenticator that names none.
     */
    public ConsumedCredentials consumedCredentials() {
        return consumedCredentials;
    }

    /**
     * The header fields an adapter must hide from the local application: the
     * {@link #consumedCredentials()}, or none when the gateway is configured to pass client
     * credentials on ({@code forward_client_credentials}).
     */
    public ConsumedCredentials credentialsHiddenFromApplication() {
        return applicationSeesCredentials ? ConsumedCredentials.none() : consumedCredentials;
    }

    /** Records what authentication consumed and whether the application may still see it. */
    void consumedCredentials(ConsumedCredentials consumed, boolean applicationSeesThem) {
        this.consumedCredentials = Objects.requireNonNull(consumed, "consumed");
        this.applicationSeesCredentials = applicationSeesThem;
    }

    /** The first value of header {@code name}, or {@code null}. */
    public String header(String name) {
        return exchange.header(name);
    }

    /**
     * The request body, read once and shared by every later caller. The first call reads at most
     * {@code maxBytes + 1} bytes, so a result longer than {@code maxBytes} means the body is too
     * large and was not read to its end; later calls return the same bytes whatever they pass.
     */
    public byte[] body(int maxBytes) throws IOException {
        if (body == null) {
            body = exchange.readBody(maxBytes);
        }
        return body;
    }

    /**
     * Asks for a header on the response if this request is admitted, e.g. a validator that
     * flags a request without refusing it. Rejections do not carry it.
     */
    public void addResponseHeader(String name, String value) {
        responseHeaders = responseHeaders.with(
                ResponseHeaders.builder().add(name, value).build());
    }

    /** The headers asked for by {@link #addResponseHeader}, in order; usually none. */
    public ResponseHeaders responseHeaders() {
        return responseHeaders;
    }
}
