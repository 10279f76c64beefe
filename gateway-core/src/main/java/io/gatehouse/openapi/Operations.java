package io.gatehouse.openapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.ErrorCode;
import io.gatehouse.route.Route;
import io.gatehouse.upstream.Target;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** The parts of an operation that are read off a route: text, parameters, problem responses. */
final class Operations {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private Operations() {
    }

    /** A description of what the gateway does with the route's requests, in CommonMark. */
    static String description(Route route) {
        List<String> lines = new ArrayList<>();
        String pattern = route.pattern().template();
        lines.add("Gateway route `" + route.id() + "` for `" + pattern + "`"
                + (route.methods().isEmpty() ? ", any method." : "."));
        if (pattern.endsWith("**")) {
            lines.add("The last parameter stands for the rest of the path, `/` included; the "
                    + "route also answers the path without it.");
        }
        lines.add(route.publicAccess() ? "Public: callers without credentials are served."
                : "Requires credentials.");
        if (!route.requiredRoles().isEmpty()) {
            lines.add("Required roles: " + String.join(", ", new TreeSet<>(route.requiredRoles()))
                    + ".");
        }
        if (!route.requiredPermissions().isEmpty()) {
            lines.add("Required permissions: "
                    + String.join(", ", new TreeSet<>(route.requiredPermissions())) + ".");
        }
        lines.add("Request bodies up to " + route.maxBodyBytes() + " bytes.");
        if (route.target() instanceof Target.Upstream upstream) {
            lines.add("Forwarded to upstream service `" + upstream.service() + "`.");
        }
        return String.join(" ", lines);
    }

    /** One required string parameter per {@code {name}} of the pattern, and one for a tail. */
    static List<ObjectNode> pathParameters(Route route) {
        String pattern = route.pattern().template();
        List<ObjectNode> parameters = new ArrayList<>();
        for (String segment : pattern.split("/")) {
            if (segment.startsWith("{") && segment.endsWith("}")) {
                ObjectNode parameter = parameter(segment.substring(1, segment.length() - 1));
                parameter.put("description", "One path segment.");
                parameters.add(parameter);
            }
        }
        if (pattern.endsWith("**")) {
            ObjectNode parameter = parameter(OpenApi.tailName(pattern));
            parameter.put("description", "The rest of the path: one or more segments.");
            parameters.add(parameter);
        }
        return parameters;
    }

    private static ObjectNode parameter(String name) {
        ObjectNode parameter = JSON.objectNode();
        parameter.put("name", name);
        parameter.put("in", "path");
        parameter.put("required", true);
        parameter.putObject("schema").put("type", "string");
        return parameter;
    }

    /**
     * The response for {@code status}: a problem whose {@code code} is one of {@code codes},
     * with the headers that go with them.
     */
    static ObjectNode problemResponse(int status, Set<ErrorCode> codes, boolean limited) {
        ObjectNode response = JSON.objectNode();
        List<String> names = codes.stream().map(ErrorCode::name).toList();
        response.put("description", codes.iterator().next().title() + ": "
                + String.join(", ", names) + ".");
        ObjectNode headers = response.putObject("headers");
        headers.set(Components.REQUEST_ID, Components.headerRef(Components.REQUEST_ID));
        if (status == 401) {
            headers.set(Components.WWW_AUTHENTICATE,
                    Components.headerRef(Components.WWW_AUTHENTICATE));
        }
        if (codes.contains(ErrorCode.RATE_LIMIT_EXCEEDED) && limited) {
            headers.set(Components.RATE_LIMIT, Components.headerRef(Components.RATE_LIMIT));
            headers.set(Components.RATE_LIMIT_POLICY,
                    Components.headerRef(Components.RATE_LIMIT_POLICY));
        }
        if (status == 429 || status == 503) {
            headers.set(Components.RETRY_AFTER, Components.headerRef(Components.RETRY_AFTER));
        }
        ObjectNode media = response.putObject("content").putObject("application/problem+json");
        ObjectNode schema = media.putObject("schema");
        ArrayNode allOf = schema.putArray("allOf");
        allOf.addObject().put("$ref", Components.PROBLEM_REF);
        ObjectNode narrowed = allOf.addObject().putObject("properties");
        ArrayNode codeEnum = narrowed.putObject("code").putArray("enum");
        names.forEach(codeEnum::add);
        narrowed.putObject("status").put("const", status);
        ObjectNode examples = media.putObject("examples");
        for (ErrorCode code : codes) {
            ObjectNode value = examples.putObject(code.name()).put("summary", code.title())
                    .putObject("value");
            value.put("type", code.typeUri());
            value.put("title", code.title());
            value.put("status", code.status());
            value.put("detail", "what went wrong with this request");
            value.put("code", code.name());
            value.put("request_id", "0b7c1f4e9a2d4c8e");
        }
        return response;
    }
}
