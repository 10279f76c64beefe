package io.gatehouse.limit;

import io.gatehouse.Exchange;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A hand-built request for driving a {@link io.gatehouse.Gateway} in tests. Not thread-safe. */
final class TestExchange implements Exchange {
    private final String method;
    private final String path;
    private final Map<String, List<String>> headers = new LinkedHashMap<>();
    private String remoteAddress = "192.0.2.10";
    private byte[] body = new byte[0];

    private TestExchange(String method, String path) {
        this.method = method;
        this.path = path;
    }

    static TestExchange get(String path) {
        return new TestExchange("GET", path);
    }

    static TestExchange post(String path, String json) {
        TestExchange exchange = new TestExchange("POST", path);
        exchange.body = json.getBytes(StandardCharsets.UTF_8);
        return exchange.header("Content-Type", "application/json");
    }

    TestExchange header(String name, String value) {
        headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>()).add(value);
        return this;
    }

    TestExchange from(String address) {
        this.remoteAddress = address;
        return this;
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String rawPath() {
        return path;
    }

    @Override
    public String query() {
        return "";
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
        return body.length;
    }

    @Override
    public byte[] readBody(int maxBytes) {
        return Arrays.copyOf(body, Math.min(body.length, maxBytes + 1));
    }
}
