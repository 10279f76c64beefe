package io.gatehouse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An {@link Exchange} built by hand, for tests that drive the core without a container.
 *
 * <p>Not thread-safe; confine to one test.
 */
public final class TestExchange implements Exchange {

    private final String method;
    private final String rawPath;
    private final String query;
    private final Map<String, List<String>> headers = new LinkedHashMap<>();
    private String remoteAddress = "127.0.0.1";
    private byte[] body = new byte[0];
    private long contentLength = 0;
    private int bodyReads;
    private boolean bodyPending;

    private TestExchange(String method, String rawPath) {
        this.method = method;
        int question = rawPath.indexOf('?');
        this.rawPath = question < 0 ? rawPath : rawPath.substring(0, question);
        this.query = question < 0 ? "" : rawPath.substring(question + 1);
    }

    /** A request with {@code method} for {@code target} (path and optional query). */
    public static TestExchange request(String method, String target) {
        return new TestExchange(method, target);
    }

    /** Adds a header value. */
    public TestExchange header(String name, String value) {
        headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), key -> new ArrayList<>()).add(value);
        return this;
    }

    /** Sets a UTF-8 body with a matching Content-Length. */
    public TestExchange body(String text) {
        return body(text.getBytes(StandardCharsets.UTF_8), true);
    }

    /** Sets the body; with {@code declareLength} false it behaves as chunked (length -1). */
    public TestExchange body(byte[] bytes, boolean declareLength) {
        this.body = bytes.clone();
        this.contentLength = declareLength ? bytes.length : -1;
        return this;
    }

    /** Sets the connected peer's address. */
    public TestExchange from(String address) {
        this.remoteAddress = address;
        return this;
    }

    /**
     * Makes the body not ready ({@link #bodyReady()} is false) until {@link #bodyArrived()}, as
     * for an adapter that buffers it asynchronously; reading a body (not an empty one) before
     * then fails the test.
     */
    public TestExchange bodyPending() {
        this.bodyPending = true;
        return this;
    }

    /** The adapter has buffered the body: {@link #bodyReady()} is true from now on. */
    public TestExchange bodyArrived() {
        this.bodyPending = false;
        return this;
    }

    /** How often the body was read. */
    public int bodyReads() {
        return bodyReads;
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
        return headers.keySet();
    }

    @Override
    public String remoteAddress() {
        return remoteAddress;
    }

    @Override
    public long contentLength() {
        return contentLength;
    }

    @Override
    public boolean bodyReady() {
        return !bodyPending;
    }

    @Override
    public byte[] readBody(int maxBytes) {
        if (bodyPending && contentLength != 0) {
            throw new AssertionError("the body was read before it was ready");
        }
        bodyReads++;
        return Arrays.copyOf(body, Math.min(body.length, maxBytes + 1));
    }
}
