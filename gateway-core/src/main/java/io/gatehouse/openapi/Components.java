package io.gatehouse.openapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.ErrorCode;
import io.gatehouse.auth.Credential;

/** The reusable parts of the document: the problem schema, headers and security schemes. */
final class Components {

    static final String PROBLEM = "Problem";
    static final String PROBLEM_REF = "#/components/schemas/" + PROBLEM;
    static final String RATE_LIMIT = "RateLimit";
    static final String RATE_LIMIT_POLICY = "RateLimit-Policy";
    static final String RETRY_AFTER = "Retry-After";
    static final String REQUEST_ID = "X-Request-ID";
    static final String WWW_AUTHENTICATE = "WWW-Authenticate";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private Components() {
    }

    /** The name of the security scheme for {@code credential}. */
    static String schemeName(Credential credential) {
        return switch (credential) {
            case API_KEY -> "ApiKey";
            case BEARER_JWT -> "BearerJwt";
            case HTTP_SIGNATURE -> "HttpSignature";
        };
    }

    /** The security scheme object for {@code credential}. */
    static ObjectNode securityScheme(Credential credential) {
        ObjectNode scheme = JSON.objectNode();
        switch (credential) {
            case API_KEY -> scheme.put("type", "apiKey").put("in", "header")
                    .put("name", "X-API-Key")
                    .put("description", "An API key issued by the gateway. It is also accepted "
                            + "as `Authorization: Bearer <key>`.");
            case BEARER_JWT -> scheme.put("type", "http").put("scheme", "bearer")
                    .put("bearerFormat", "JWT")
                    .put("description", "A JSON Web Token from one of the gateway's configured "
                            + "issuers, as `Authorization: Bearer <token>`.");
            case HTTP_SIGNATURE -> scheme.put("type", "apiKey").put("in", "header")
                    .put("name", "Signature")
                    .put("description", "An HTTP message signature (RFC 9421): the request "
                            + "carries `Signature-Input` and `Signature`, and `Content-Digest` "
                            + "when it has a body. OpenAPI has no scheme type for it; the "
                            + "`Signature` header stands for the pair.");
            default -> throw new IllegalStateException("unknown credential " + credential);
        }
        return scheme;
    }

    /** The RFC 9457 problem details object, with the gateway's extension members. */
    static ObjectNode problemSchema() {
        ObjectNode schema = JSON.objectNode();
        schema.put("type", "object");
        schema.put("description", "An RFC 9457 problem details object, sent as "
                + "`application/problem+json`. Switch on `code`: it never changes once "
                + "released.");
        ObjectNode properties = schema.putObject("properties");
        properties.set("type", string("A URI naming the problem type: "
                + "`urn:gatehouse:problem:` and the code, lower case, dashes for underscores.")
                .put("format", "uri-reference"));
        properties.set("title", string("A short summary that is the same for every "
                + "occurrence of the code."));
        properties.putObject("status").put("type", "integer").put("minimum", 400)
                .put("maximum", 599).put("description", "The HTTP status code.");
        properties.set("detail", string("What went wrong with this request."));
        ObjectNode code = string("The stable, machine-readable error code.");
        ArrayNode codes = code.putArray("enum");
        for (ErrorCode errorCode : ErrorCode.values()) {
            codes.add(errorCode.name());
        }
        properties.set("code", code);
        properties.set("request_id", string("The request's id, also sent as `X-Request-ID`."));
        properties.set("trace_id", string("The W3C trace id of the request."));
        properties.putObject("retry_after").put("type", "integer").put("minimum", 0)
                .put("description", "Seconds to wait before retrying (limits, throttling).");
        properties.putObject("limit").put("type", "integer").put("minimum", 0)
                .put("description", "The quota of the limit that refused the request.");
        properties.set("limit_type", string("The name of the limit that refused the request."));
        ObjectNode errors = properties.putObject("errors");
        errors.put("type", "array");
        errors.put("description", "Field-level validation errors.");
        ObjectNode item = errors.putObject("items");
        item.put("type", "object");
        ObjectNode itemProperties = item.putObject("properties");
        itemProperties.set("field", string("A JSON Pointer to the offending value; empty for "
                + "the whole body."));
        itemProperties.set("message", string("What is wrong with it."));
        item.putArray("required").add("field").add("message");
        schema.putArray("required").add("type").add("title").add("status").add("code")
                .add("request_id");
        return schema;
    }

    /** The response headers the gateway sets, by name. */
    static ObjectNode headers() {
        ObjectNode headers = JSON.objectNode();
        headers.set(RATE_LIMIT, header("The state of the limit closest to refusing "
                + "(IETF RateLimit header fields): `\"<limit>\";r=<remaining>;t=<seconds to "
                + "reset>`."));
        headers.set(RATE_LIMIT_POLICY, header("The limits that apply to this request "
                + "(IETF RateLimit header fields): `\"<limit>\";q=<quota>;w=<window seconds>`, "
                + "one per limit."));
        ObjectNode retryAfter = JSON.objectNode();
        retryAfter.put("description", "Seconds to wait before retrying.");
        retryAfter.putObject("schema").put("type", "integer").put("minimum", 0);
        headers.set(RETRY_AFTER, retryAfter);
        headers.set(REQUEST_ID, header("The request's id: the caller's when it sent a "
                + "well-formed one, otherwise a new one."));
        headers.set(WWW_AUTHENTICATE, header("The authentication challenge of a 401."));
        return headers;
    }

    /** A reference to the header component {@code name}. */
    static ObjectNode headerRef(String name) {
        return JSON.objectNode().put("$ref", "#/components/headers/" + name);
    }

    private static ObjectNode header(String description) {
        ObjectNode header = JSON.objectNode();
        header.put("description", description);
        header.putObject("schema").put("type", "string");
        return header;
    }

    private static ObjectNode string(String description) {
        return JSON.objectNode().put("type", "string").put("description", description);
    }
}
