package io.gatehouse;

import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A ready {@link Exchange} for embedding the gateway without a servlet container: built from a
 * method, a URI, headers and a body already in memory, e.g. from a Netty, Vert.x or JDK
 * {@code HttpServer} request.
 *
 * <pre>{@code
 * Admission admission = gateway.admit(PlainExchange.builder("POST", URI.create("/invocations"))
 *         .header("X-API-Key", key)
 *         .header("Content-Type", "application/json")
 *         .body(bytes)
 *         .remoteAddress("203.0.113.7")
 *         .build());
 * }</pre>
 *
 * <p>Immutable.
 */
public final class PlainExchange implements Exchange {

    private final String method;
    private final String rawPath;
    private final String query;
    private final Map<String, List<String>> headers;
    private final List<String> headerNames;
    private final String remoteAddress;
    private final byte[] body;

    private PlainExchange(Builder builder) {
        this.method = builder.method;
        this.rawPath = builder.rawPath;
        this.query = builder.query;
        Map<String, List<String>> copy = new LinkedHashMap<>();
        builder.headers.forEach((name, values) -> copy.put(name, List.copyOf(values)));
        this.headers = Map.copyOf(copy);
        this.headerNames = List.copyOf(builder.headerNames);
        this.remoteAddress = builder.remoteAddress;
        this.body = builder.body;
    }

    /**
     * Starts an exchange for {@code method} (upper-cased) on {@code uri}; only the URI's raw
     * path and raw query are used, so {@code URI.create("/v1/chat?x=1")} is enough.
     *
     * @throws IllegalArgumentException when the URI has no path
     */
    public static Builder builder(String method, URI uri) {
        return new Builder(method, uri);
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String rawPath() {
        return rawPath;
    }

    @Override
    public String query() {
        return query;
    }

    @Override
    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null ? null : values.get(0);
    }

    @Override
    public List<String> headerValues(String name) {
        return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    @Override
    public Iterable<String> headerNames() {
        return headerNames;
    }

    @Override
    public String remoteAddress() {
        return remoteAddress;
    }

    /** The body's length: 0 without a body. */
    @Override
    public long contentLength() {
        return body.length;
    }

    @Override
    public byte[] readBody(int maxBytes) {
        return Arrays.copyOf(body, (int) Math.min(body.length, (long) maxBytes + 1));
    }

    /** Collects an exchange's parts. Not thread-safe. */
    public static final class Builder {
        private final String method;
        private final String rawPath;
        private final String query;
        private final Map<String, List<String>> headers = new LinkedHashMap<>();
        private final List<String> headerNames = new ArrayList<>();
        private String remoteAddress = "127.0.0.1";
        private byte[] body = new byte[0];

        private Builder(String method, URI uri) {
            this.method = Objects.requireNonNull(method, "method").toUpperCase(Locale.ROOT);
            Objects.requireNonNull(uri, "uri");
            if (uri.getRawPath() == null || uri.getRawPath().isEmpty()) {
                throw new IllegalArgumentException("the URI has no path: " + uri);
            }
            this.rawPath = uri.getRawPath();
            this.query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
        }

        /** Adds a value of header {@code name}; names are matched without regard to case. */
        public Builder header(String name, String value) {
            Objects.requireNonNull(value, "value");
            String key = Objects.requireNonNull(name, "name").toLowerCase(Locale.ROOT);
            if (!headers.containsKey(key)) {
                headerNames.add(name);
            }
            headers.computeIfAbsent(key, ignored -> new ArrayList<>()).add(value);
            return this;
        }

        /** The complete body (copied); none by default. */
        public Builder body(byte[] body) {
            this.body = Objects.requireNonNull(body, "body").clone();
            return this;
        }

        /** The connected peer's IP literal; {@code 127.0.0.1} by default. */
        public Builder remoteAddress(String remoteAddress) {
            this.remoteAddress = Objects.requireNonNull(remoteAddress, "remoteAddress");
            return this;
        }

        public PlainExchange build() {
            return new PlainExchange(this);
        }
    }
}
