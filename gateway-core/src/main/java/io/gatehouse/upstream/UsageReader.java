package io.gatehouse.upstream;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.JsonMappers;
import java.util.Objects;
import java.util.function.Function;

/**
 * The settlement hook of a {@link Service}: reads a forwarded request's actual cost (e.g. the
 * LLM tokens it used) from what the upstream reported, so that cost-weighted limits are settled
 * with it instead of the route's estimate. The forwarder calls it once, when the response has
 * ended, and completes the grant with the result.
 *
 * <p>Implementations must be thread-safe and fast; they run on the I/O thread that finished the
 * response.
 */
@FunctionalInterface
public interface UsageReader {

    /**
     * The actual cost of a response, or {@code -1} when unknown (the estimate then stands).
     *
     * @param status        the upstream's status
     * @param header        the upstream's response headers (and trailers), by name
     *                      (case-insensitive), {@code null} when absent
     * @param lastEventData the {@code data} of the last Server-Sent Event of a
     *                      {@code text/event-stream} response (lines joined with {@code \n}),
     *                      or {@code null}; only collected when {@link #readsEvents()} is true
     */
    long actualCost(int status, Function<String, String> header, String lastEventData);

    /** Whether {@link #actualCost} wants the last SSE event; collecting it costs a little. */
    default boolean readsEvents() {
        return false;
    }

    /** Never reports a cost: the estimate stands. */
    static UsageReader none() {
        return (status, header, lastEventData) -> -1;
    }

    /** The whole number in response header (or trailer) {@code name}, e.g. {@code X-Usage}. */
    static UsageReader header(String name) {
        Objects.requireNonNull(name, "name");
        return (status, header, lastEventData) -> parse(header.apply(name));
    }

    /**
     * The whole number at JSON Pointer {@code pointer} (e.g. {@code /usage/total_tokens}) in the
     * last SSE event whose data is JSON holding it, as OpenAI-style streams report usage.
     *
     * @throws IllegalArgumentException naming the pointer when it is not a JSON Pointer
     */
    static UsageReader lastEventField(String pointer) {
        JsonPointer path;
        try {
            path = JsonPointer.compile(Objects.requireNonNull(pointer, "pointer"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + pointer + "' is not a JSON Pointer "
                    + "(e.g. /usage/total_tokens)", e);
        }
        ObjectMapper json = JsonMappers.newMapper();
        return new UsageReader() {
            @Override
            public long actualCost(int status, Function<String, String> header,
                    String lastEventData) {
                if (lastEventData == null) {
                    return -1;
                }
                try {
                    JsonNode value = json.readTree(lastEventData).at(path);
                    return value.canConvertToLong() && value.isIntegralNumber()
                            && value.longValue() >= 0 ? value.longValue() : -1;
                } catch (java.io.IOException e) {
                    return -1;
                }
            }

            @Override
            public boolean readsEvents() {
                return true;
            }
        };
    }

    private static long parse(String text) {
        if (text == null) {
            return -1;
        }
        try {
            long value = Long.parseLong(text.strip());
            return value >= 0 ? value : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
