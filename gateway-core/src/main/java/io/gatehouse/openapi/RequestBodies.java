package io.gatehouse.openapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.gatehouse.route.Route;
import io.gatehouse.validate.ContentTypeValidator;
import io.gatehouse.validate.JsonBodyValidator;
import io.gatehouse.validate.JsonSchemaValidator;
import io.gatehouse.validate.Validator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** The request body of an operation, from the route's validators. */
final class RequestBodies {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String DEFAULT_DIALECT = "https://json-schema.org/draft/2020-12/schema";
    private static final List<String> WITH_BODY = List.of("POST", "PUT", "PATCH");
    /** Keywords whose values are instance data, where a "$ref" member is not a reference. */
    private static final Set<String> DATA_KEYWORDS = Set.of("const", "enum", "default",
            "examples", "example");

    private RequestBodies() {
    }

    /**
     * The request body of {@code method} on {@code route}, or null for a method without one. A
     * JSON Schema the route validates with goes to {@code schemas}, named after the route.
     */
    static ObjectNode of(Route route, String method, ObjectNode schemas) {
        if (!WITH_BODY.contains(method)) {
            return null;
        }
        List<String> mediaTypes = new ArrayList<>();
        JsonNode jsonSchema = null;
        for (Validator validator : route.validators()) {
            if (validator instanceof ContentTypeValidator contentType && mediaTypes.isEmpty()) {
                mediaTypes.addAll(contentType.acceptedTypes());
            } else if (validator instanceof JsonSchemaValidator schema && jsonSchema == null) {
                String name = schemaName(route.id());
                if (!schemas.has(name)) {
                    schemas.set(name, embedded(schema.schemaText(), name));
                }
                jsonSchema = JSON.objectNode().put("$ref", "#/components/schemas/" + name);
            } else if (validator instanceof JsonBodyValidator body && jsonSchema == null) {
                jsonSchema = requiredFields(body.requiredFields());
            }
        }
        if (mediaTypes.isEmpty()) {
            mediaTypes.add(jsonSchema != null ? "application/json" : "*/*");
        }
        ObjectNode body = JSON.objectNode();
        body.put("description", "At most " + route.maxBodyBytes() + " bytes; a longer body is "
                + "refused with 413 PAYLOAD_TOO_LARGE without being read.");
        body.put("required", jsonSchema != null);
        ObjectNode content = body.putObject("content");
        for (String mediaType : mediaTypes) {
            boolean json = mediaType.equals("application/json") || mediaType.endsWith("+json");
            content.putObject(mediaType).set("schema",
                    json && jsonSchema != null ? jsonSchema.deepCopy() : JSON.objectNode());
        }
        return body;
    }

    /** A component name for the request schema of route {@code routeId}. */
    static String schemaName(String routeId) {
        StringBuilder name = new StringBuilder();
        for (char c : routeId.toCharArray()) {
            name.append(Character.isLetterOrDigit(c) && c < 128 || c == '.' || c == '-'
                    || c == '_' ? c : '_');
        }
        return name + "Request";
    }

    /**
     * The route's schema as a component: its local references ({@code #/$defs/...}) made to
     * point into the component, since inside the OpenAPI document {@code #} is the document.
     */
    static ObjectNode embedded(String schemaText, String name) {
        JsonNode parsed;
        try {
            parsed = MAPPER.readTree(schemaText);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a validated schema does not parse", e);
        }
        if (!parsed.isObject()) {
            // A boolean schema: true accepts anything, false nothing.
            return parsed.asBoolean() ? JSON.objectNode()
                    : JSON.objectNode().set("not", JSON.objectNode());
        }
        ObjectNode schema = (ObjectNode) parsed;
        if (DEFAULT_DIALECT.equals(schema.path("$schema").asText(null))) {
            schema.remove("$schema");
        }
        if (!schema.has("$id")) {
            rebase(schema, "#/components/schemas/" + name);
        }
        return schema;
    }

    private static void rebase(JsonNode node, String base) {
        if (node instanceof ObjectNode object) {
            JsonNode ref = object.get("$ref");
            if (ref != null && ref.isTextual() && ref.asText().startsWith("#")) {
                object.set("$ref", TextNode.valueOf(base + ref.asText().substring(1)));
            }
            object.properties().forEach(entry -> {
                if (!entry.getKey().equals("$ref") && !DATA_KEYWORDS.contains(entry.getKey())) {
                    rebase(entry.getValue(), base);
                }
            });
        } else if (node instanceof ArrayNode array) {
            array.forEach(element -> rebase(element, base));
        }
    }

    private static ObjectNode requiredFields(Map<String, JsonBodyValidator.JsonType> fields) {
        ObjectNode schema = JSON.objectNode();
        schema.put("type", "object");
        Map<String, JsonBodyValidator.JsonType> sorted = new TreeMap<>(fields);
        ObjectNode properties = schema.putObject("properties");
        sorted.forEach((field, type) -> {
            ObjectNode property = properties.putObject(field);
            if (type != JsonBodyValidator.JsonType.ANY) {
                property.put("type", type.name().toLowerCase(Locale.ROOT));
            }
        });
        if (!sorted.isEmpty()) {
            ArrayNode required = schema.putArray("required");
            sorted.keySet().forEach(required::add);
        }
        return schema;
    }
}
