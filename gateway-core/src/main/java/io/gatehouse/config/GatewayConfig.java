package io.gatehouse.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.gatehouse.Gateway;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import io.gatehouse.validate.ContentTypeValidator;
import io.gatehouse.validate.JsonBodyValidator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The YAML front door to the gateway: reads a configuration file into the same core objects the
 * Java builders make ({@link Route}, {@link Router}, {@link Gateway.Builder}).
 *
 * <pre>{@code
 * trusted_proxies: ["10.0.0.0/8"]
 * routes:
 *   - id: invocations
 *     methods: [POST]
 *     path: /invocations
 *     public: false                 # default: credentials required
 *     roles: [agent-user]           # all required, else 403
 *     permissions: [invocations:write]
 *     max_body_bytes: ${MAX_BODY:-1048576}
 *     cost: 1
 *     validate:
 *       content_types: [application/json]
 *       json:
 *         max_depth: 32
 *         required: {prompt: string, context: object}
 *   - id: health
 *     methods: [GET]
 *     path: /health
 *     public: true
 * }</pre>
 *
 * <p>Every scalar value may use {@code ${NAME}} or {@code ${NAME:-default}} (environment
 * variables; the default applies when unset or empty; {@code $${} is a literal {@code ${}).
 * Inside flow collections ({@code [...]}, <code>{...}</code>) quote the value, as YAML reads braces
 * there as structure: {@code roles: ["${ROLE}"]}. Variables are expanded after parsing, so a
 * variable's value is always one scalar and can never add keys or entries.
 * Unknown keys inside a route are errors. Top-level sections other than {@code routes} and
 * {@code trusted_proxies} (for instance {@code tiers} or {@code api_keys}) are not interpreted
 * here: they are kept, variables expanded, as plain maps, lists and strings in
 * {@link #section(String)}, for the part of Gatehouse that owns them to read. Authentication and
 * rate limiting are therefore not configured by this class: add them to
 * {@link #gatewayBuilder()}.
 *
 * <p>Immutable.
 */
public final class GatewayConfig {

    private static final Set<String> ROUTE_KEYS = Set.of("id", "methods", "path", "public",
            "roles", "permissions", "max_body_bytes", "cost", "validate");
    private static final Set<String> VALIDATE_KEYS = Set.of("content_types", "json");
    private static final Set<String> JSON_KEYS = Set.of("required", "max_depth");
    private static final Set<String> INTERPRETED = Set.of("routes", "trusted_proxies");

    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build());

    private final List<Route> routes;
    private final List<String> trustedProxies;
    private final Map<String, Object> sections;

    private GatewayConfig(List<Route> routes, List<String> trustedProxies,
            Map<String, Object> sections) {
        this.routes = List.copyOf(routes);
        this.trustedProxies = List.copyOf(trustedProxies);
        this.sections = java.util.Collections.unmodifiableMap(sections);
    }

    /**
     * Reads {@code file}, expanding variables from the process environment.
     *
     * @throws GatewayConfigException naming the file and location of the first problem
     */
    public static GatewayConfig load(Path file) {
        return load(file, System::getenv);
    }

    /**
     * Reads {@code file}, expanding variables with {@code environment} (name to value, or
     * {@code null} when unset).
     *
     * @throws GatewayConfigException naming the file and location of the first problem
     */
    public static GatewayConfig load(Path file, Function<String, String> environment) {
        String yaml;
        try {
            yaml = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new GatewayConfigException("cannot read gateway configuration " + file + ": "
                    + e.getMessage(), e);
        }
        try {
            return parse(yaml, environment);
        } catch (GatewayConfigException e) {
            throw new GatewayConfigException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses configuration text.
     *
     * @throws GatewayConfigException naming the location of the first problem
     */
    public static GatewayConfig parse(String yaml, Function<String, String> environment) {
        Objects.requireNonNull(environment, "environment");
        JsonNode root;
        try (JsonParser parser = YAML.createParser(yaml)) {
            root = YAML.readTree(parser);
        } catch (JsonProcessingException e) {
            throw new GatewayConfigException("not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr()
                            + ", column " + e.getLocation().getColumnNr() + ")"), e);
        } catch (IOException e) {
            throw new GatewayConfigException("cannot parse configuration: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new GatewayConfigException("the configuration must be a mapping with 'routes'");
        }
        Reader reader = new Reader(environment);
        JsonNode routeNodes = root.get("routes");
        if (routeNodes == null || !routeNodes.isArray() || routeNodes.isEmpty()) {
            throw new GatewayConfigException("routes: a non-empty list of routes is required");
        }
        List<Route> routes = new ArrayList<>();
        Set<String> ids = new java.util.HashSet<>();
        for (int i = 0; i < routeNodes.size(); i++) {
            Route route = reader.route(routeNodes.get(i), "routes[" + i + "]");
            if (!ids.add(route.id())) {
                throw new GatewayConfigException("routes[" + i + "].id: '" + route.id()
                        + "' is used by an earlier route");
            }
            routes.add(route);
        }
        List<String> proxies = root.has("trusted_proxies")
                ? reader.strings(root.get("trusted_proxies"), "trusted_proxies") : List.of();
        Map<String, Object> sections = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = root.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!INTERPRETED.contains(field.getKey())) {
                sections.put(field.getKey(), reader.plain(field.getValue(), field.getKey()));
            }
        }
        return new GatewayConfig(routes, proxies, sections);
    }

    /** The routes, in file order. */
    public List<Route> routes() {
        return routes;
    }

    /** A router over {@link #routes()}. */
    public Router router() {
        return Router.of(routes);
    }

    /** Proxies whose forwarding headers are believed (IPs or CIDR blocks); may be empty. */
    public List<String> trustedProxies() {
        return trustedProxies;
    }

    /**
     * A top-level section this class does not interpret (e.g. {@code tiers}), with variables
     * expanded, as unmodifiable maps, lists, strings, numbers, booleans and nulls.
     */
    public Optional<Object> section(String name) {
        return Optional.ofNullable(sections.get(name));
    }

    /** The names of the sections available through {@link #section(String)}. */
    public Set<String> sectionNames() {
        return sections.keySet();
    }

    /**
     * A gateway builder with this configuration's router and trusted proxies; add the
     * authenticator and rate limiter, then build.
     */
    public Gateway.Builder gatewayBuilder() {
        return Gateway.builder(router()).trustedProxies(trustedProxies);
    }

    /** Reads nodes with variable expansion and location-naming errors. Not thread-safe. */
    private static final class Reader {
        private final Function<String, String> environment;

        Reader(Function<String, String> environment) {
            this.environment = environment;
        }

        Route route(JsonNode node, String where) {
            requireMapping(node, where, ROUTE_KEYS);
            String id = requiredText(node, "id", where);
            String path = requiredText(node, "path", where);
            Route.Builder route;
            try {
                route = Route.builder(id, path);
            } catch (IllegalArgumentException e) {
                throw new GatewayConfigException(where + ".path: " + e.getMessage(), e);
            }
            if (node.has("methods")) {
                for (String method : strings(node.get("methods"), where + ".methods")) {
                    if (!method.chars().allMatch(c -> c >= 'A' && c <= 'Z'
                            || c >= 'a' && c <= 'z')) {
                        throw new GatewayConfigException(where + ".methods: '" + method
                                + "' is not an HTTP method");
                    }
                    route.methods(method);
                }
            }
            if (node.has("public") && bool(node.get("public"), where + ".public")) {
                route.publicAccess();
            }
            if (node.has("roles")) {
                route.requireRoles(strings(node.get("roles"), where + ".roles")
                        .toArray(new String[0]));
            }
            if (node.has("permissions")) {
                route.requirePermissions(strings(node.get("permissions"), where + ".permissions")
                        .toArray(new String[0]));
            }
            try {
                if (node.has("max_body_bytes")) {
                    route.maxBodyBytes((int) integer(node.get("max_body_bytes"),
                            where + ".max_body_bytes", 0, Integer.MAX_VALUE - 1));
                }
                if (node.has("cost")) {
                    route.cost(integer(node.get("cost"), where + ".cost", 1, Long.MAX_VALUE));
                }
            } catch (IllegalArgumentException e) {
                throw new GatewayConfigException(where + ": " + e.getMessage(), e);
            }
            if (node.has("validate")) {
                validators(node.get("validate"), where + ".validate", route);
            }
            return route.build();
        }

        private void validators(JsonNode node, String where, Route.Builder route) {
            requireMapping(node, where, VALIDATE_KEYS);
            if (node.has("content_types")) {
                List<String> types = strings(node.get("content_types"), where + ".content_types");
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
                    return;
                }
                requireMapping(json, jsonWhere, JSON_KEYS);
                JsonBodyValidator.Builder validator = JsonBodyValidator.builder();
                if (json.has("max_depth")) {
                    validator.maxDepth((int) integer(json.get("max_depth"),
                            jsonWhere + ".max_depth", 1, 1000));
                }
                if (json.has("required")) {
                    required(json.get("required"), jsonWhere + ".required", validator);
                }
                route.validator(validator.build());
            }
        }

        private void required(JsonNode node, String where, JsonBodyValidator.Builder validator) {
            if (node.isArray()) {
                for (String field : strings(node, where)) {
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
                String type = text(field.getValue(), typeWhere).toUpperCase(Locale.ROOT);
                try {
                    validator.require(field.getKey(), JsonBodyValidator.JsonType.valueOf(type));
                } catch (IllegalArgumentException e) {
                    throw new GatewayConfigException(typeWhere + ": '" + type.toLowerCase(
                            Locale.ROOT) + "' is not one of string, number, boolean, object, "
                            + "array, any", e);
                }
            }
        }

        private static void requireMapping(JsonNode node, String where, Set<String> allowed) {
            if (node == null || !node.isObject()) {
                throw new GatewayConfigException(where + ": a mapping is required");
            }
            for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!allowed.contains(name)) {
                    throw new GatewayConfigException(where + "." + name + ": unknown key; "
                            + "known keys are " + new java.util.TreeSet<>(allowed));
                }
            }
        }

        private String requiredText(JsonNode node, String key, String where) {
            JsonNode value = node.get(key);
            if (value == null || value.isNull()) {
                throw new GatewayConfigException(where + "." + key + ": is required");
            }
            String text = text(value, where + "." + key);
            if (text.isBlank()) {
                throw new GatewayConfigException(where + "." + key + ": must not be empty");
            }
            return text;
        }

        String text(JsonNode node, String where) {
            if (node == null || !node.isValueNode() || node.isNull()) {
                throw new GatewayConfigException(where + ": a single value is required");
            }
            return Substitution.expand(node.asText(), environment, where);
        }

        List<String> strings(JsonNode node, String where) {
            if (node.isValueNode() && !node.isNull()) {
                return List.of(text(node, where));
            }
            if (!node.isArray()) {
                throw new GatewayConfigException(where + ": a list of values is required");
            }
            List<String> values = new ArrayList<>(node.size());
            for (int i = 0; i < node.size(); i++) {
                values.add(text(node.get(i), where + "[" + i + "]"));
            }
            return values;
        }

        boolean bool(JsonNode node, String where) {
            String text = text(node, where).strip().toLowerCase(Locale.ROOT);
            return switch (text) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new GatewayConfigException(where + ": must be true or false, was '"
                        + text + "'");
            };
        }

        long integer(JsonNode node, String where, long min, long max) {
            String text = text(node, where).strip().replace("_", "");
            long value;
            try {
                value = Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new GatewayConfigException(where + ": must be a whole number, was '" + text
                        + "'", e);
            }
            if (value < min || value > max) {
                throw new GatewayConfigException(where + ": must be between " + min + " and "
                        + max + ", was " + value);
            }
            return value;
        }

        /** The node as plain, unmodifiable Java values with every string expanded. */
        Object plain(JsonNode node, String where) {
            if (node.isObject()) {
                Map<String, Object> map = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
                        fields.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    map.put(field.getKey(), plain(field.getValue(), where + "." + field.getKey()));
                }
                return java.util.Collections.unmodifiableMap(map);
            }
            if (node.isArray()) {
                List<Object> list = new ArrayList<>(node.size());
                for (int i = 0; i < node.size(); i++) {
                    list.add(plain(node.get(i), where + "[" + i + "]"));
                }
                return java.util.Collections.unmodifiableList(list);
            }
            if (node.isNull()) {
                return null;
            }
            if (node.isTextual()) {
                return Substitution.expand(node.textValue(), environment, where);
            }
            if (node.isBoolean()) {
                return node.booleanValue();
            }
            if (node.isIntegralNumber()) {
                return node.canConvertToLong() ? (Object) node.longValue() : node.bigIntegerValue();
            }
            if (node.isNumber()) {
                return node.decimalValue();
            }
            return node.asText();
        }
    }
}
