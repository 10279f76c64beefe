package io.gatehouse.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.validate.prompt.PromptGuard;
import java.util.List;
import java.util.Set;

/**
 * Reads a route's {@code validate: prompt:} mapping into a {@link PromptGuard}, as
 * {@link PromptGuard#builder} would build it.
 *
 * <p>Thread-safe (stateless).
 */
final class PromptSection {

    private static final Set<String> KEYS = Set.of("fields", "min_chars", "max_chars",
            "min_tokens", "max_tokens", "forbidden", "injection", "max_depth");
    private static final Set<String> INJECTION_KEYS = Set.of("threshold", "action");

    private PromptSection() {
    }

    static PromptGuard guard(ConfigReader reader, JsonNode node, String where) {
        ConfigReader.requireMapping(node, where, KEYS);
        if (!node.has("fields")) {
            throw new GatewayConfigException(where + ".fields: is required (JSON Pointers such "
                    + "as /prompt)");
        }
        List<String> fields = reader.strings(node.get("fields"), where + ".fields");
        PromptGuard.Builder guard;
        try {
            guard = PromptGuard.builder(fields.toArray(new String[0]));
            guard.chars(bound(reader, node, "min_chars", 0, where),
                    bound(reader, node, "max_chars", Integer.MAX_VALUE, where));
            guard.tokens(bound(reader, node, "min_tokens", 0, where),
                    bound(reader, node, "max_tokens", Integer.MAX_VALUE, where));
            if (node.has("forbidden")) {
                for (String regex : reader.strings(node.get("forbidden"), where + ".forbidden")) {
                    guard.forbid(regex);
                }
            }
            if (node.has("max_depth")) {
                guard.maxDepth(bound(reader, node, "max_depth", 32, where));
            }
        } catch (IllegalArgumentException e) {
            throw new GatewayConfigException(where + ": " + e.getMessage(), e);
        }
        JsonNode injection = node.get("injection");
        if (injection != null && !injection.isNull()) {
            String injectionWhere = where + ".injection";
            if (injection.isValueNode()) {
                if (!reader.bool(injection, injectionWhere)) {
                    guard.injectionThreshold(0);
                }
            } else {
                ConfigReader.requireMapping(injection, injectionWhere, INJECTION_KEYS);
                if (injection.has("threshold")) {
                    guard.injectionThreshold((int) reader.integer(injection.get("threshold"),
                            injectionWhere + ".threshold", 0, 1000));
                }
                if (injection.has("action")) {
                    guard.action(reader.choice(injection.get("action"),
                            injectionWhere + ".action", Set.of(PromptGuard.Action.values())));
                }
            }
        }
        return guard.build();
    }

    private static int bound(ConfigReader reader, JsonNode node, String key, int otherwise,
            String where) {
        return node.has(key)
                ? (int) reader.integer(node.get(key), where + "." + key, 0, Integer.MAX_VALUE)
                : otherwise;
    }
}
