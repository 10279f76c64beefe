package io.gatehouse.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.task.AsyncMode;
import java.util.Set;

/**
 * Reads a route's {@code async:} mapping into an {@link AsyncMode}.
 *
 * <p>Thread-safe (stateless).
 */
final class AsyncSection {

    private static final Set<String> KEYS = Set.of("body_flag", "prefer", "status_path", "ttl",
            "max_result_bytes", "retry_after");

    private AsyncSection() {
    }

    static AsyncMode mode(ConfigReader reader, JsonNode node, String where) {
        ConfigReader.requireMapping(node, where, KEYS);
        AsyncMode.Builder mode = AsyncMode.builder(
                reader.requiredText(node, "status_path", where));
        if (node.has("body_flag")) {
            mode.bodyFlag(reader.text(node.get("body_flag"), where + ".body_flag"));
        }
        if (node.has("prefer") && reader.bool(node.get("prefer"), where + ".prefer")) {
            mode.preferRespondAsync();
        }
        if (node.has("ttl")) {
            mode.ttl(reader.duration(node.get("ttl"), where + ".ttl"));
        }
        if (node.has("max_result_bytes")) {
            mode.maxResultBytes((int) reader.integer(node.get("max_result_bytes"),
                    where + ".max_result_bytes", 0, Integer.MAX_VALUE - 1));
        }
        if (node.has("retry_after")) {
            mode.retryAfter(reader.duration(node.get("retry_after"), where + ".retry_after"));
        }
        try {
            return mode.build();
        } catch (IllegalArgumentException e) {
            throw new GatewayConfigException(where + ": " + e.getMessage(), e);
        }
    }
}
