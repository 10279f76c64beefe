package io.gatehouse.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.route.Route;
import io.gatehouse.upstream.Target;
import io.gatehouse.validate.ContentTypeValidator;
import io.gatehouse.validate.JsonBodyValidator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads one entry of {@code routes:} into a {@link Route}, as {@link Route#builder} would build
 * it.
 *
 * <p>Thread-safe (stateless).
 */
final class RouteSection {

    private static final Set<String> ROUTE_KEYS = Set.of("id", "methods", "path", "public",
            "roles", "permissions", "max_body_bytes", "cost", "validate", "limits",
            "allow_from", "deny_from", "service", "rewrite", "timeouts", "cors", "async",
            "task_status");
    private static final Set<String> VALIDATE_KEYS = Set.of("content_types", "json",
            "schema", "prompt");
    private static final Set<String> JSON_KEYS = Set.of("required", "max_depth");

    private RouteSection() {
    }

    static Route route(ConfigReader reader, JsonNode node, String where) {
        ConfigReader.requireMapping(node, where, ROUTE_KEYS);
        String id = reader.requiredText(node, "id", where);
        String path = reader.requiredText(node, "path", where);
        Route.Builder route;
        try {
            route = Route.builder(id, path);
        } catch (IllegalArgumentException e) {
            throw new GatewayConfigException(where + ".path: " + e.getMessage(), e);
        }
        if (node.has("methods")) {
            for (String method : reader.strings(node.get("methods"), where + ".methods")) {
                if (!method.chars().allMatch(c -> c >= 'A' && c <= 'Z'
                        || c >= 'a' && c <= 'z')) {
                    throw new GatewayConfigException(where + ".methods: '" + method
                            + "' is not an HTTP method");
                }
                route.methods(method);
            }
        }
        if (node.has("public") && reader.bool(node.get("public"), where + ".public")) {
            route.publicAccess();
        }
        if (node.has("roles")) {
            route.requireRoles(reader.strings(node.get("roles"), where + ".roles")
                    .toArray(new String[0]));
        }
        if (node.has("permissions")) {
            route.requirePermissions(reader.strings(node.get("permissions"),
                    where + ".permissions").toArray(new String[0]));
        }
        try {
            if (node.has("max_body_bytes")) {
                route.maxBodyBytes((int) reader.integer(node.get("max_body_bytes"),
                        where + ".max_body_bytes", 0, Integer.MAX_VALUE - 1));
            }
            if (node.has("cost")) {
                route.cost(reader.integer(node.get("cost"), where + ".cost", 1, Long.MAX_VALUE));
            }
        } catch (IllegalArgumentException e) {
            throw new GatewayConfigException(where + ": " + e.getMessage(), e);
        }
        if (node.has("limits")) {
            for (LimitRule rule : LimitSection.rules(reader, node.get("limits"), where + ".limits",
                    "route " + id)) {
                route.limit(rule);
            }
        }
        if (node.has("allow_from")) {
            String allowWhere = where + ".allow_from";
            List<String> blocks = reader.strings(node.get("allow_from"), allowWhere);
            try {
                route.allowFrom(blocks.toArray(new String[0]));
            } catch (IllegalArgumentException e) {
                throw new GatewayConfigException(allowWhere + ": " + e.getMessage(), e);
            }
        }
        if (node.has("deny_from")) {
            String denyWhere = where + ".deny_from";
            List<String> blocks = reader.strings(node.get("deny_from"), denyWhere);
            try {
                route.denyFrom(blocks.toArray(new String[0]));
            } catch (IllegalArgumentException e) {
                throw new GatewayConfigException(denyWhere + ": " + e.getMessage(), e);
            }
        }
        if (node.has("cors")) {
            route.cors(CorsSection.policy(reader, node.get("cors"), where + ".cors"));
        }
        if (node.has("validate")) {
            validators(reader, node.get("validate"), where + ".validate", route);
        }
        boolean taskStatus = node.has("task_status")
                && reader.bool(node.get("task_status"), where + ".task_status");
        if (taskStatus) {
            if (node.has("service") || node.has("async")) {
                throw new GatewayConfigException(where + ".task_status: a status route "
                        + "neither forwards (service) nor runs tasks (async)");
            }
            route.target(Target.taskStatus());
        } else {
            route.target(ServiceSection.target(reader, node, where));
        }
        if (node.has("async")) {
            if (!node.has("service")) {
                throw new GatewayConfigException(where + ".async: only for a route with a "
                        + "service");
            }
            route.async(AsyncSection.mode(reader, node.get("async"), where + ".async"));
        }
        return route.build();
    }

    private static void validators(ConfigReader reader, JsonNode node, String where,
            Route.Builder route) {
        ConfigReader.requireMapping(node, where, VALIDATE_KEYS);
        if (node.has("content_types")) {
            List<String> types = reader.strings(node.get("content_types"),
                    where + ".content_types");
            if (types.isEmpty()) {
                throw new GatewayConfigException(where
                        + ".content_types: list at least one media type");
            }
            route.validator(ContentTypeValidator.accepting(types.toArray(new String[0])));
        }
        if (node.has("json")) {
            JsonNode json = node.get("json");
            String jsonWhere = where + ".json";
            if (json.isNull() || json.isBoolean() && json.booleanValue()) {
                route.validator(JsonBodyValidator.builder().build());
            } else {
                jsonValidator(reader, json, jsonWhere, route);
            }
        }
        if (node.has("schema")) {
            route.validator(SchemaSection.validator(reader, node.get("schema"),
                    where + ".schema"));
        }
        if (node.has("prompt")) {
            route.validator(PromptSection.guard(reader, node.get("prompt"), where + ".prompt"));
        }
    }

    private static void jsonValidator(ConfigReader reader, JsonNode json, String jsonWhere,
            Route.Builder route) {
        {
            ConfigReader.requireMapping(json, jsonWhere, JSON_KEYS);
            JsonBodyValidator.Builder validator = JsonBodyValidator.builder();
            if (json.has("max_depth")) {
                validator.maxDepth((int) reader.integer(json.get("max_depth"),
                        jsonWhere + ".max_depth", 1, 1000));
            }
            if (json.has("required")) {
                required(reader, json.get("required"), jsonWhere + ".required", validator);
            }
            route.validator(validator.build());
        }
    }

    private static void required(ConfigReader reader, JsonNode node, String where,
            JsonBodyValidator.Builder validator) {
        if (node.isArray()) {
            for (String field : reader.strings(node, where)) {
                validator.require(field, JsonBodyValidator.JsonType.ANY);
            }
            return;
        }
        if (!node.isObject()) {
            throw new GatewayConfigException(where + ": a list of field names or a mapping "
                    + "of field name to type (string, number, boolean, object, array, any)");
        }
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            String typeWhere = where + "." + field.getKey();
            String type = reader.text(field.getValue(), typeWhere).toUpperCase(Locale.ROOT);
            try {
                validator.require(field.getKey(), JsonBodyValidator.JsonType.valueOf(type));
            } catch (IllegalArgumentException e) {
                throw new GatewayConfigException(typeWhere + ": '" + type.toLowerCase(
                        Locale.ROOT) + "' is not one of string, number, boolean, object, "
                        + "array, any", e);
            }
        }
    }
}
