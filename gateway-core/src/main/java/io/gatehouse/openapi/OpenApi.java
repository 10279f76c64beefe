package io.gatehouse.openapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.ErrorCode;
import io.gatehouse.Gateway;
import io.gatehouse.auth.Authenticator;
import io.gatehouse.auth.Credential;
import io.gatehouse.route.Route;
import io.gatehouse.upstream.Target;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Describes a gateway's routes as an OpenAPI 3.1 document: one operation per route and method,
 * the security schemes its authenticators accept, request body schemas from its validators, the
 * problem responses (RFC 9457) with the stable codes each route can answer with, and the
 * rate-limit headers.
 *
 * <p>Path patterns become OpenAPI path templates: {@code {name}} stays, and a final {@code **}
 * becomes one more path parameter, {@code {path}}, that stands for the rest of the path. A route
 * that takes any method is documented for GET, PUT, POST, DELETE, PATCH and HEAD. When two
 * routes have the same pattern and method, the first listed is documented, as it is the one
 * the router chooses.
 *
 * <p>Immutable.
 */
public final class OpenApi {

    /** The OpenAPI version of the documents. */
    public static final String VERSION = "3.1.0";

    /** Methods documented for a route that takes any. */
    static final List<String> ANY_METHOD = List.of("GET", "PUT", "POST", "DELETE", "PATCH",
            "HEAD");

    /** Methods OpenAPI 3.1 has an operation for, in the order of a path item. */
    private static final List<String> OPERATIONS = List.of("GET", "PUT", "POST", "DELETE",
            "OPTIONS", "HEAD", "PATCH", "TRACE");

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT);

    private final String title;
    private final String version;
    private final String description;
    private final List<String> servers;

    private OpenApi(Builder builder) {
        this.title = builder.title;
        this.version = builder.version;
        this.description = builder.description;
        this.servers = List.copyOf(builder.servers);
    }

    /** Starts a description; title {@code Gatehouse API} and version {@code 1.0.0} by default. */
    public static Builder builder() {
        return new Builder();
    }

    /** The document for {@code gateway}'s routes, as a tree the caller may change. */
    public ObjectNode document(Gateway gateway) {
        Objects.requireNonNull(gateway, "gateway");
        ObjectNode document = JSON.objectNode();
        document.put("openapi", VERSION);
        ObjectNode info = document.putObject("info");
        info.put("title", title);
        info.put("version", version);
        if (description != null) {
            info.put("description", description);
        }
        if (!servers.isEmpty()) {
            ArrayNode serverList = document.putArray("servers");
            servers.forEach(url -> serverList.addObject().put("url", url));
        }
        ObjectNode paths = document.putObject("paths");
        ObjectNode components = JSON.objectNode();
        ObjectNode schemas = components.putObject("schemas");
        schemas.set(Components.PROBLEM, Components.problemSchema());
        components.set("headers", Components.headers());
        Set<Credential> used = new TreeSet<>();
        Set<String> operationIds = new HashSet<>();
        for (Route route : gateway.routes()) {
            Authenticator authenticator = route.authenticator().orElse(gateway.authenticator());
            used.addAll(authenticator.credentials());
            String template = template(route);
            ObjectNode pathItem = paths.has(template) ? (ObjectNode) paths.get(template)
                    : paths.putObject(template);
            List<String> methods = documentedMethods(route);
            for (String method : methods) {
                String key = method.toLowerCase(Locale.ROOT);
                if (pathItem.has(key)) {
                    continue;
                }
                String operationId = unique(methods.size() == 1 ? route.id()
                        : route.id() + "_" + key, operationIds);
                pathItem.set(key, operation(route, method, operationId, authenticator,
                        gateway.limitsRequests(), schemas));
            }
            if (pathItem.isEmpty()) {
                paths.remove(template);
            } else {
                sortOperations(pathItem);
            }
        }
        ObjectNode schemes = components.putObject("securitySchemes");
        for (Credential credential : used) {
            schemes.set(Components.schemeName(credential), Components.securityScheme(credential));
        }
        document.set("components", components);
        return document;
    }

    /** The document for {@code gateway}'s routes as indented JSON text. */
    public String json(Gateway gateway) {
        try {
            return MAPPER.writeValueAsString(document(gateway));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The OpenAPI path template of {@code route}'s pattern. */
    static String template(Route route) {
        String pattern = route.pattern().template();
        if (!pattern.endsWith("/**") && !pattern.equals("/**")) {
            return pattern;
        }
        String prefix = pattern.substring(0, pattern.length() - 2);
        return prefix + "{" + tailName(pattern) + "}";
    }

    /** The name of the parameter standing for a {@code **} tail: {@code path}, unless taken. */
    static String tailName(String pattern) {
        String name = "path";
        while (pattern.contains("{" + name + "}")) {
            name = "_" + name;
        }
        return name;
    }

    private static List<String> documentedMethods(Route route) {
        if (route.methods().isEmpty()) {
            return ANY_METHOD;
        }
        List<String> methods = new ArrayList<>();
        for (String method : OPERATIONS) {
            if (route.methods().contains(method)) {
                methods.add(method);
            }
        }
        return methods;
    }

    private static String unique(String wanted, Set<String> taken) {
        String candidate = wanted;
        for (int suffix = 2; !taken.add(candidate); suffix++) {
            candidate = wanted + "_" + suffix;
        }
        return candidate;
    }

    private static void sortOperations(ObjectNode pathItem) {
        Map<Integer, Map.Entry<String, JsonNode>> ordered = new TreeMap<>();
        pathItem.properties().forEach(entry -> ordered.put(
                OPERATIONS.indexOf(entry.getKey().toUpperCase(Locale.ROOT)), entry));
        ObjectNode sorted = JSON.objectNode();
        ordered.values().forEach(entry -> sorted.set(entry.getKey(), entry.getValue()));
        pathItem.removeAll();
        pathItem.setAll(sorted);
    }

    private static ObjectNode operation(Route route, String method, String operationId,
            Authenticator authenticator, boolean limited, ObjectNode schemas) {
        ObjectNode operation = JSON.objectNode();
        operation.put("operationId", operationId);
        operation.put("summary", "Route " + route.id());
        operation.put("description", Operations.description(route));
        List<ObjectNode> parameters = Operations.pathParameters(route);
        if (!parameters.isEmpty()) {
            operation.putArray("parameters").addAll(parameters);
        }
        ArrayNode security = security(route, authenticator.credentials());
        if (security != null) {
            operation.set("security", security);
        }
        ObjectNode body = RequestBodies.of(route, method, schemas);
        if (body != null) {
            operation.set("requestBody", body);
        }
        operation.set("responses", responses(route, authenticator, limited));
        operation.put("x-gatehouse-route", route.id());
        operation.put("x-gatehouse-pattern", route.pattern().template());
        return operation;
    }

    /**
     * The operation's security requirements: one alternative per credential its authenticator
     * reads, each listing the route's required roles and permissions; a public route adds the
     * empty requirement (no credentials). Null for a route whose authenticator says nothing.
     */
    private static ArrayNode security(Route route, List<Credential> credentials) {
        ArrayNode security = JSON.arrayNode();
        if (route.publicAccess() && credentials.isEmpty()) {
            return security;
        }
        if (credentials.isEmpty()) {
            return null;
        }
        Set<String> grants = new TreeSet<>(route.requiredRoles());
        grants.addAll(route.requiredPermissions());
        for (Credential credential : credentials) {
            ArrayNode needed = security.addObject().putArray(Components.schemeName(credential));
            grants.forEach(needed::add);
        }
        if (route.publicAccess()) {
            security.addObject();
        }
        return security;
    }

    private static ObjectNode responses(Route route, Authenticator authenticator,
            boolean limited) {
        ObjectNode responses = JSON.objectNode();
        ObjectNode success = responses.putObject("2XX");
        success.put("description", route.target() instanceof Target.Upstream upstream
                ? "Answered by upstream service " + upstream.service() + "."
                : "Answered by the application behind the gateway.");
        ObjectNode successHeaders = success.putObject("headers");
        successHeaders.set(Components.REQUEST_ID, Components.headerRef(Components.REQUEST_ID));
        if (limited) {
            successHeaders.set(Components.RATE_LIMIT, Components.headerRef(Components.RATE_LIMIT));
            successHeaders.set(Components.RATE_LIMIT_POLICY,
                    Components.headerRef(Components.RATE_LIMIT_POLICY));
        }
        Map<Integer, Set<ErrorCode>> byStatus = new TreeMap<>();
        for (ErrorCode code : RouteErrors.of(route, authenticator, limited)) {
            byStatus.computeIfAbsent(code.status(), status -> new LinkedHashSet<>()).add(code);
        }
        byStatus.forEach((status, codes) -> responses.set(Integer.toString(status),
                Operations.problemResponse(status, codes, limited)));
        return responses;
    }

    /** Collects the document's info. Not thread-safe. */
    public static final class Builder {
        private String title = "Gatehouse API";
        private String version = "1.0.0";
        private String description;
        private final List<String> servers = new ArrayList<>();

        private Builder() {
        }

        /** The API's title ({@code info.title}). */
        public Builder title(String title) {
            this.title = requireText(title, "title");
            return this;
        }

        /** The API's version ({@code info.version}), not the gateway's or OpenAPI's. */
        public Builder version(String version) {
            this.version = requireText(version, "version");
            return this;
        }

        /** A description of the API in CommonMark ({@code info.description}). */
        public Builder description(String description) {
            this.description = requireText(description, "description");
            return this;
        }

        /** A base URL the API is served at, e.g. {@code https://api.example.com}. */
        public Builder server(String url) {
            servers.add(requireText(url, "server url"));
            return this;
        }

        public OpenApi build() {
            return new OpenApi(this);
        }

        private static String requireText(String value, String what) {
            Objects.requireNonNull(value, what);
            if (value.isBlank()) {
                throw new IllegalArgumentException(what + " must not be blank");
            }
            return value;
        }
    }
}
