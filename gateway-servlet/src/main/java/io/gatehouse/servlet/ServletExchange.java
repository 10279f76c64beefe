package io.gatehouse.servlet;

import io.gatehouse.Exchange;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The {@link Exchange} over one {@link HttpServletRequest}. What the gateway reads of the body is
 * kept, so that {@link ReplayingRequest} can hand the application the whole body.
 *
 * <p>The raw path is the request URI <em>without</em> the context path, still percent-encoded:
 * the gateway routes on paths inside the web application, so the same route table works whatever
 * the application is deployed as.
 *
 * <p>Not thread-safe; confine to one request.
 */
final class ServletExchange implements Exchange {

    private static final byte[] NO_BYTES = new byte[0];

    private final HttpServletRequest request;
    private byte[] bodyPrefix;
    private boolean bodyComplete;
    private boolean streamOpened;
    /** Set once the request outlives its servlet exchange (an async task); then read only it. */
    private volatile Snapshot detached;

    /** What an exchange reads from its request, copied so it stays valid after the response. */
    private record Snapshot(String method, String rawPath, String query,
            Map<String, List<String>> headers, String remoteAddress, long contentLength,
            String scheme) {
    }

    ServletExchange(HttpServletRequest request) {
        this.request = request;
    }

    /**
     * Copies everything this exchange reads from the request, so that the gateway may keep
     * using it (background forwarding, completing the grant) after the container recycled the
     * request. Call on the request's thread, before the response completes.
     */
    void detach() {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String name : headerNames()) {
            headers.put(name, List.copyOf(headerValues(name)));
        }
        detached = new Snapshot(method(), rawPath(), query(), headers, remoteAddress(),
                contentLength(), scheme());
    }

    @Override
    public String scheme() {
        Snapshot snapshot = detached;
        return snapshot != null ? snapshot.scheme() : request.getScheme();
    }

    @Override
    public String method() {
        Snapshot snapshot = detached;
        if (snapshot != null) {
            return snapshot.method();
        }
        // Passed through unchanged: methods are case-sensitive, and a lower-case one must not
        // match a route declared for its upper-case namesake.
        return request.getMethod();
    }

    @Override
    public String rawPath() {
        Snapshot snapshot = detached;
        if (snapshot != null) {
            return snapshot.rawPath();
        }
        String uri = request.getRequestURI();
        String contextPath = request.getContextPath();
        if (contextPath.isEmpty()) {
            return uri;
        }
        if (uri.startsWith(contextPath)
                && (uri.length() == contextPath.length() || uri.charAt(contextPath.length()) == '/'
                        || uri.charAt(contextPath.length()) == ';')) {
            String path = uri.substring(contextPath.length());
            return path.isEmpty() ? "/" : path;
        }
        // The client spelled the context path differently from the container's canonical form
        // (e.g. percent-encoded letters). Routing on the whole URI then matches no route of the
        // application, so the request is refused rather than routed on a guess.
        return uri;
    }

    @Override
    public String query() {
        Snapshot snapshot = detached;
        if (snapshot != null) {
            return snapshot.query();
        }
        String query = request.getQueryString();
        return query == null ? "" : query;
    }

    @Override
    public String header(String name) {
        Snapshot snapshot = detached;
        if (snapshot != null) {
            List<String> values = snapshot.headers().get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }
        return request.getHeader(name);
    }

    @Override
    public List<String> headerValues(String name) {
        Snapshot snapshot = detached;
        if (snapshot != null) {
            return snapshot.headers().getOrDefault(name, List.of());
        }
        var values = request.getHeaders(name);
        return values == null ? List.of() : Collections.list(values);
    }

    @Override
    public Iterable<String> headerNames() {
        Snapshot snapshot = detached;
        if (snapshot != null) {
            return snapshot.headers().keySet();
        }
        Set<String> names = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        var all = request.getHeaderNames();
        if (all != null) {
            names.addAll(Collections.list(all));
        }
        return names;
    }

    @Override
    public String remoteAddress() {
        Snapshot snapshot = detached;
        if (snapshot != null) {
            return snapshot.remoteAddress();
        }
        return request.getRemoteAddr();
    }

    /**
     * The body's length as the request frames it: its {@code Content-Length} when sent; 0 for an
     * HTTP/1.x request with neither {@code Content-Length} nor {@code Transfer-Encoding}, which
     * has no body (RFC 9112, section 6.3), so a bodiless GET never opens the container's input
     * stream; otherwise -1 (chunked, or HTTP/2 and later, where data may follow without a length).
     */
    @Override
    public long contentLength() {
        Snapshot snapshot = detached;
        if (snapshot != null) {
            return snapshot.contentLength();
        }
        long declared = request.getContentLengthLong();
        if (declared < 0 && request.getHeader("Transfer-Encoding") == null
                && request.getProtocol().startsWith("HTTP/1.")) {
            return 0;
        }
        return declared;
    }

    /**
     * Whether the body is buffered (or there is none), so {@link #readBody} returns at once.
     * Until then the gateway answers {@link io.gatehouse.Admission.BodyNeeded} rather than
     * reading on a container thread.
     */
    @Override
    public boolean bodyReady() {
        return bodyPrefix != null || contentLength() == 0;
    }

    /**
     * Hands over the body read asynchronously: {@code body} is what arrived (at most the
     * gateway's limit plus one byte) and {@code complete} whether its end was seen.
     */
    void bodyArrived(byte[] body, boolean complete) {
        bodyPrefix = body;
        bodyComplete = complete;
        streamOpened = true;
    }

    /** Whether the whole body is consumed (or there is none): nothing is left unread. */
    boolean bodyFullyRead() {
        return contentLength() == 0 || (bodyPrefix != null && bodyComplete);
    }

    @Override
    public byte[] readBody(int maxBytes) throws IOException {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must not be negative, was " + maxBytes);
        }
        if (bodyPrefix != null) {
            return bodyPrefix;
        }
        int limit = maxBytes == Integer.MAX_VALUE ? maxBytes : maxBytes + 1;
        if (contentLength() == 0) {
            bodyPrefix = NO_BYTES;
            bodyComplete = true;
            return bodyPrefix;
        }
        streamOpened = true;
        // readNBytes grows its buffer as data arrives, so a large limit costs nothing up front.
        bodyPrefix = request.getInputStream().readNBytes(limit);
        bodyComplete = bodyPrefix.length < limit;
        return bodyPrefix;
    }

    /** Whether the gateway opened the body stream, so the application needs it replayed. */
    boolean bodyWasRead() {
        return streamOpened;
    }

    /** The bytes the gateway read, in order; the body continues in the request's stream. */
    byte[] bodyPrefix() {
        return bodyPrefix == null ? NO_BYTES : bodyPrefix;
    }

    /** Whether {@link #bodyPrefix()} is the whole body (the end of the stream was seen). */
    boolean bodyComplete() {
        return bodyComplete;
    }

    HttpServletRequest request() {
        return request;
    }
}
