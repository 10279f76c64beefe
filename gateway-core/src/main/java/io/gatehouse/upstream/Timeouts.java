package io.gatehouse.upstream;

import java.time.Duration;
import java.util.Objects;

/**
 * How long forwarding may take. A zero duration means no limit. When one expires before any byte
 * reached the client, the client gets 504 {@code UPSTREAM_TIMEOUT}; after, its connection is cut
 * so the truncation cannot pass for a complete response.
 *
 * <p>Immutable.
 *
 * @param connect         to open the connection to an endpoint
 * @param responseHeaders from the request being sent to the upstream's response headers
 * @param idle            between two chunks of the response (and of the request body)
 * @param total           from the first attempt to the end of the response
 */
public record Timeouts(Duration connect, Duration responseHeaders, Duration idle,
        Duration total) {

    /** Connect 2s, response headers 30s, idle 60s, no total limit (streams may be long). */
    public static final Timeouts DEFAULTS = new Timeouts(Duration.ofSeconds(2),
            Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ZERO);

    public Timeouts {
        check(connect, "connect");
        check(responseHeaders, "response_headers");
        check(idle, "idle");
        check(total, "total");
    }

    private static void check(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative()) {
            throw new IllegalArgumentException("timeout " + name + " must not be negative, was "
                    + value);
        }
    }

    public Timeouts withConnect(Duration value) {
        return new Timeouts(value, responseHeaders, idle, total);
    }

    public Timeouts withResponseHeaders(Duration value) {
        return new Timeouts(connect, value, idle, total);
    }

    public Timeouts withIdle(Duration value) {
        return new Timeouts(connect, responseHeaders, value, total);
    }

    public Timeouts withTotal(Duration value) {
        return new Timeouts(connect, responseHeaders, idle, value);
    }
}
