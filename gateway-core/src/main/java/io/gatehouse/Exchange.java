package io.gatehouse;

import java.io.IOException;
import java.util.List;

/**
 * The container-neutral view of one HTTP request, as an adapter (servlet filter, test harness,
 * embedding code) hands it to {@link Gateway#admit(Exchange)}.
 *
 * <p>An exchange exposes what arrived on the wire and nothing derived: the gateway computes the
 * normalized path, the client address and the request id itself (see {@link GatewayRequest}).
 *
 * <p>Not thread-safe; confine to one request.
 */
public interface Exchange {

    /** The request method in upper case, e.g. {@code POST}. */
    String method();

    /** The request path as received, still percent-encoded, without the query string. */
    String rawPath();

    /** The raw query string without the leading {@code ?}, or the empty string if none. */
    String query();

    /** The first value of the named header (case-insensitive), or {@code null} if absent. */
    String header(String name);

    /** Every value of the named header (case-insensitive), in arrival order; empty if absent. */
    List<String> headerValues(String name);

    /** The names of all headers present, each once. */
    Iterable<String> headerNames();

    /**
     * The scheme the client used, {@code http} or {@code https}; {@code http} unless the
     * adapter knows better.
     */
    default String scheme() {
        return "http";
    }

    /** The address of the connected peer (an IP literal), before any proxy headers are applied. */
    String remoteAddress();

    /**
     * The body length as the request frames it: 0 when it has no body (for HTTP/1.x, neither
     * {@code Content-Length} nor {@code Transfer-Encoding}), or {@code -1} when unknown (chunked,
     * or a protocol that sends a body without declaring its length).
     */
    long contentLength();

    /**
     * Whether {@link #readBody} can answer without waiting for the client. {@code false} means
     * the adapter has not buffered the body yet: the gateway then answers
     * {@link Admission.BodyNeeded} instead of reading, and the adapter buffers the body without
     * holding a thread before it calls {@link Admission.BodyNeeded#resume()}. The default,
     * {@code true}, suits adapters that read synchronously: they never see {@code BodyNeeded}.
     */
    default boolean bodyReady() {
        return true;
    }

    /**
     * Reads the request body, but never more than {@code maxBytes + 1} bytes, so that a caller can
     * tell "exactly at the limit" from "over the limit" without buffering an oversized body.
     * Adapters must keep what was read available to the application behind the gateway.
     *
     * @return the bytes read; empty when there is no body
     * @throws IOException when the body cannot be read from the connection
     */
    byte[] readBody(int maxBytes) throws IOException;
}
