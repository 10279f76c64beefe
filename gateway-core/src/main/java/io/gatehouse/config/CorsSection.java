package io.gatehouse.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.cors.CorsPolicy;
import java.util.Set;

/**
 * Reads a {@code cors:} mapping (top level or in a route) into a {@link CorsPolicy}, as
 * {@link CorsPolicy#builder()} would build it.
 *
 * <p>Thread-safe (stateless).
 */
final class CorsSection {

    private static final Set<String> KEYS = Set.of("allowed_origins", "allowed_methods",
            "allowed_headers", "exposed_headers", "allow_credentials", "max_age");

    private CorsSection() {
    }

    static CorsPolicy policy(ConfigReader reader, JsonNode node, String where) {
        ConfigReader.requireMapping(node, where, KEYS);
        if (!node.has("allowed_origins")) {
            throw new GatewayConfigException(where + ".allowed_origins: is required (exact "
                    + "origins, patterns like https://*.example.com, or '*')");
        }
        CorsPolicy.Builder policy = CorsPolicy.builder();
        try {
            policy.allowOrigins(array(reader, node, "allowed_origins", where));
            if (node.has("allowed_methods")) {
                policy.allowMethods(array(reader, node, "allowed_methods", where));
            }
            if (node.has("allowed_headers")) {
                policy.allowHeaders(array(reader, node, "allowed_headers", where));
            }
            if (node.has("exposed_headers")) {
                policy.exposeHeaders(array(reader, node, "exposed_headers", where));
            }
        } catch (IllegalArgumentException e) {
            throw new GatewayConfigException(where + ": " + e.getMessage(), e);
        }
        if (node.has("allow_credentials")) {
            policy.allowCredentials(reader.bool(node.get("allow_credentials"),
                    where + ".allow_credentials"));
        }
        if (node.has("max_age")) {
            policy.maxAge(reader.duration(node.get("max_age"), where + ".max_age"));
        }
        try {
            return policy.build();
        } catch (IllegalStateException e) {
            throw new GatewayConfigException(where + ": " + e.getMessage(), e);
        }
    }

    private static String[] array(ConfigReader reader, JsonNode node, String key, String where) {
        return reader.strings(node.get(key), where + "." + key).toArray(new String[0]);
    }
}
