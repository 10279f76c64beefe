package io.gatehouse.task;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The response an asynchronous task ended with: the upstream's, or the problem the gateway
 * would have sent had the request been synchronous.
 *
 * <p>Immutable (the body array is not copied; do not change it).
 *
 * @param status  the HTTP status
 * @param headers response header fields in order, each a name and a value
 * @param body    the response body, possibly empty
 */
public record TaskResult(int status, List<Map.Entry<String, String>> headers, byte[] body) {

    public TaskResult {
        headers = headers.stream().map(header -> Map.entry(header.getKey(), header.getValue()))
                .toList();
        Objects.requireNonNull(body, "body");
    }

    /** The first value of header {@code name} (case-insensitive), or {@code null}. */
    public String header(String name) {
        for (Map.Entry<String, String> header : headers) {
            if (header.getKey().equalsIgnoreCase(name)) {
                return header.getValue();
            }
        }
        return null;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TaskResult that && status == that.status
                && headers.equals(that.headers) && Arrays.equals(body, that.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, headers) * 31 + Arrays.hashCode(body);
    }

    @Override
    public String toString() {
        return "TaskResult[status=" + status + ", headers=" + headers + ", body=" + body.length
                + " bytes]";
    }
}
