package io.gatehouse.openapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import io.gatehouse.Gateway;
import io.gatehouse.auth.ApiKeyAuthenticator;
import io.gatehouse.auth.AuthFailureGuard;
import io.gatehouse.auth.AuthResult;
import io.gatehouse.auth.Authenticator;
import io.gatehouse.auth.Credential;
import io.gatehouse.auth.InMemoryApiKeyStore;
import io.gatehouse.auth.JwtAuthenticator;
import io.gatehouse.auth.JwtIssuer;
import io.gatehouse.auth.SignatureAuthenticator;
import io.gatehouse.auth.SignatureKeyResolver;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.LimitStores;
import io.gatehouse.limit.TieredRateLimiter;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import io.gatehouse.upstream.Target;
import io.gatehouse.validate.ContentTypeValidator;
import io.gatehouse.validate.JsonBodyValidator;
import io.gatehouse.validate.JsonSchemaValidator;
import io.gatehouse.validate.prompt.PromptGuard;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenApiTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String CHAT_SCHEMA = """
            {"$schema": "https://json-schema.org/draft/2020-12/schema",
             "type": "object", "required": ["messages"],
             "properties": {"messages": {"type": "array", "items": {"$ref": "#/$defs/message"}}},
             "default": {"messages": [], "$ref": "#/kept"},
             "$defs": {"message": {"type": "object", "required": ["role"],
                                   "properties": {"role": {"enum": ["user", "system"]}}}}}
            """;

    private final ApiKeyAuthenticator apiKeys =
            ApiKeyAuthenticator.builder(new InMemoryApiKeyStore()).build();
    private static final com.nimbusds.jose.jwk.RSAKey RSA = rsaKey();

    private final JwtAuthenticator jwt = JwtAuthenticator.builder()
            .issuer(JwtIssuer.builder("https://issuer.example").audiences("gatehouse")
                    .algorithms("RS256").key(RSA).build())
            .build();
    private final SignatureAuthenticator signatures =
            SignatureAuthenticator.builder(SignatureKeyResolver.of()).build();

    private static com.nimbusds.jose.jwk.RSAKey rsaKey() {
        try {
            return new RSAKeyGenerator(2048).keyID("k1").generate().toPublicJWK();
        } catch (com.nimbusds.jose.JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private Gateway gateway(boolean limited, Route... routes) {
        Gateway.Builder builder = Gateway.builder(Router.of(List.of(routes)))
                .authenticator(Authenticator.firstOf(List.of(apiKeys, jwt)));
        if (limited) {
            builder.rateLimiter(TieredRateLimiter.builder(LimitStores.inMemory()).build());
        }
        return builder.build();
    }

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text);
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void eachRouteAndMethodBecomesOneOperationUnderItsPathTemplate() {
        Gateway gateway = gateway(false,
                Route.builder("predict", "/v1/models/{model}/predict").methods("POST").build(),
                Route.builder("model", "/v1/models/{model}").methods("GET", "DELETE").build(),
                Route.builder("models", "/v1/models").methods("get").build(),
                Route.builder("static", "/static/**").methods("GET").build(),
                Route.builder("shadowed", "/v1/models").methods("GET", "PUT").build());

        JsonNode paths = OpenApi.builder().build().document(gateway).get("paths");

        assertThat(names(paths)).containsExactly("/v1/models/{model}/predict",
                "/v1/models/{model}", "/v1/models", "/static/{path}");
        assertThat(names(paths.get("/v1/models/{model}"))).containsExactly("get", "delete");
        assertThat(paths.at("/~1v1~1models~1{model}/get/operationId").asText())
                .isEqualTo("model_get");
        assertThat(paths.at("/~1v1~1models~1{model}~1predict/post/operationId").asText())
                .isEqualTo("predict");
        // The first route listed wins a tie, as in the router; the second adds only PUT.
        assertThat(names(paths.get("/v1/models"))).containsExactly("get", "put");
        assertThat(paths.at("/~1v1~1models/get/x-gatehouse-route").asText()).isEqualTo("models");
        assertThat(paths.at("/~1v1~1models/put/x-gatehouse-route").asText())
                .isEqualTo("shadowed");
        assertThat(paths.at("/~1v1~1models~1{model}~1predict/post/parameters")).isEqualTo(
                JSON.createArrayNode().add(JSON.createObjectNode().put("name", "model")
                        .put("in", "path").put("required", true)
                        .put("description", "One path segment.")
                        .set("schema", JSON.createObjectNode().put("type", "string"))));
    }

    @Test
    void aTailPatternIsDocumentedWithOneParameterForTheRestOfThePath() throws Exception {
        Gateway gateway = gateway(false,
                Route.builder("files", "/files/{path}/**").methods("GET").build(),
                Route.builder("everything", "/**").build());

        JsonNode paths = OpenApi.builder().build().document(gateway).get("paths");

        assertThat(names(paths)).containsExactly("/files/{path}/{_path}", "/{path}");
        assertThat(paths.at("/~1files~1{path}~1{_path}/get/parameters/1")).isEqualTo(json("""
                {"name": "_path", "in": "path", "required": true,
                 "description": "The rest of the path: one or more segments.",
                 "schema": {"type": "string"}}"""));
        assertThat(paths.at("/~1files~1{path}~1{_path}/get/x-gatehouse-pattern").asText())
                .isEqualTo("/files/{path}/**");
        // Any method: the usual six, each its own operation.
        assertThat(names(paths.get("/{path}")))
                .containsExactly("get", "put", "post", "delete", "head", "patch");
        assertThat(paths.at("/~1{path}/patch/operationId").asText()).isEqualTo("everything_patch");
    }

    @Test
    void securityRequirementsFollowEachRoutesAuthenticatorAndGrants() throws Exception {
        Gateway gateway = gateway(false,
                Route.builder("admin", "/admin").methods("POST").requireRoles("admin")
                        .requirePermissions("keys:write").build(),
                Route.builder("signed", "/signed").methods("POST")
                        .authenticator(signatures).build(),
                Route.builder("health", "/health").methods("GET").publicAccess()
                        .authenticator(Authenticator.none()).build(),
                Route.builder("catalog", "/catalog").methods("GET").publicAccess().build());

        JsonNode document = OpenApi.builder().build().document(gateway);

        assertThat(document.at("/paths/~1admin/post/security")).isEqualTo(json("""
                [{"ApiKey": ["admin", "keys:write"]}, {"BearerJwt": ["admin", "keys:write"]}]
                """));
        assertThat(document.at("/paths/~1signed/post/security"))
                .isEqualTo(json("[{\"HttpSignature\": []}]"));
        assertThat(document.at("/paths/~1health/get/security")).isEqualTo(json("[]"));
        assertThat(document.at("/paths/~1catalog/get/security"))
                .isEqualTo(json("[{\"ApiKey\": []}, {\"BearerJwt\": []}, {}]"));
        assertThat(document.at("/components/securitySchemes")).isEqualTo(json("""
                {"ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key",
                  "description": "An API key issued by the gateway. It is also accepted as \
                `Authorization: Bearer <key>`."},
                 "BearerJwt": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                  "description": "A JSON Web Token from one of the gateway's configured \
                issuers, as `Authorization: Bearer <token>`."},
                 "HttpSignature": {"type": "apiKey", "in": "header", "name": "Signature",
                  "description": "An HTTP message signature (RFC 9421): the request carries \
                `Signature-Input` and `Signature`, and `Content-Digest` when it has a body. \
                OpenAPI has no scheme type for it; the `Signature` header stands for the \
                pair."}}"""));
    }

    @Test
    void securitySchemesListOnlyTheCredentialsSomeRouteAccepts() {
        Gateway gateway = Gateway.builder(Router.of(List.of(
                        Route.builder("chat", "/chat").methods("POST").build())))
                .authenticator(AuthFailureGuard.builder(apiKeys).build())
                .build();

        JsonNode document = OpenApi.builder().build().document(gateway);

        assertThat(names(document.at("/components/securitySchemes"))).containsExactly("ApiKey");
        assertThat(document.at("/paths/~1chat/post/security"))
                .isEqualTo(JSON.createArrayNode().add(JSON.createObjectNode()
                        .set("ApiKey", JSON.createArrayNode())));
    }

    @Test
    void anAuthenticatorThatDescribesNothingLeavesTheOperationWithoutSecurity() {
        Authenticator handWritten = request -> AuthResult.noCredentials();
        Gateway gateway = Gateway.builder(Router.of(List.of(
                        Route.builder("chat", "/chat").methods("POST").build())))
                .authenticator(handWritten).build();

        JsonNode document = OpenApi.builder().build().document(gateway);

        assertThat(document.at("/paths/~1chat/post").has("security")).isFalse();
        assertThat(document.at("/components/securitySchemes").isEmpty()).isTrue();
        assertThat(names(document.at("/paths/~1chat/post/responses")))
                .containsExactly("2XX", "400", "401", "408", "413", "500");
    }

    @Test
    void credentialsOfTheBuiltInAuthenticatorsAndTheirCompositions() {
        assertThat(apiKeys.credentials()).containsExactly(Credential.API_KEY);
        assertThat(jwt.credentials()).containsExactly(Credential.BEARER_JWT);
        assertThat(signatures.credentials()).containsExactly(Credential.HTTP_SIGNATURE);
        assertThat(Authenticator.firstOf(List.of(signatures, apiKeys, signatures)).credentials())
                .containsExactly(Credential.HTTP_SIGNATURE, Credential.API_KEY);
        assertThat(AuthFailureGuard.builder(jwt).build().credentials())
                .containsExactly(Credential.BEARER_JWT);
        assertThat(Authenticator.none().credentials()).isEmpty();
    }

    @Test
    void theRequestBodyIsTheRoutesJsonSchemaWithItsReferencesRebased() throws Exception {
        Gateway gateway = gateway(false, Route.builder("chat", "/v1/chat").methods("POST")
                .maxBodyBytes(4096)
                .validator(ContentTypeValidator.accepting("application/json"))
                .validator(JsonSchemaValidator.of(CHAT_SCHEMA, 16)).build());

        JsonNode document = OpenApi.builder().build().document(gateway);

        assertThat(document.at("/paths/~1v1~1chat/post/requestBody")).isEqualTo(json("""
                {"description": "At most 4096 bytes; a longer body is refused with 413 \
                PAYLOAD_TOO_LARGE without being read.",
                 "required": true,
                 "content": {"application/json": {
                   "schema": {"$ref": "#/components/schemas/chatRequest"}}}}"""));
        assertThat(document.at("/components/schemas/chatRequest")).isEqualTo(json("""
                {"type": "object", "required": ["messages"],
                 "properties": {"messages": {"type": "array",
                   "items": {"$ref": "#/components/schemas/chatRequest/$defs/message"}}},
                 "default": {"messages": [], "$ref": "#/kept"},
                 "$defs": {"message": {"type": "object", "required": ["role"],
                   "properties": {"role": {"enum": ["user", "system"]}}}}}"""));
    }

    @Test
    void requiredFieldsAndAcceptedMediaTypesDescribeBodiesWithoutASchema() throws Exception {
        Gateway gateway = gateway(false,
                Route.builder("invocations", "/invocations").methods("POST", "GET")
                        .validator(JsonBodyValidator.builder()
                                .require("prompt", JsonBodyValidator.JsonType.STRING)
                                .require("extra", JsonBodyValidator.JsonType.ANY).build())
                        .build(),
                Route.builder("upload", "/upload").methods("PUT")
                        .validator(ContentTypeValidator.accepting("image/png", "text/plain"))
                        .build(),
                Route.builder("raw", "/raw").methods("PATCH").build());

        JsonNode paths = OpenApi.builder().build().document(gateway).get("paths");

        assertThat(paths.at("/~1invocations/post/requestBody/content")).isEqualTo(json("""
                {"application/json": {"schema": {"type": "object",
                  "properties": {"extra": {}, "prompt": {"type": "string"}},
                  "required": ["extra", "prompt"]}}}"""));
        assertThat(paths.at("/~1invocations/get").has("requestBody")).isFalse();
        assertThat(paths.at("/~1upload/put/requestBody/required").asBoolean()).isFalse();
        assertThat(paths.at("/~1upload/put/requestBody/content")).isEqualTo(json("""
                {"image/png": {"schema": {}}, "text/plain": {"schema": {}}}"""));
        assertThat(paths.at("/~1raw/patch/requestBody/content"))
                .isEqualTo(json("{\"*/*\": {\"schema\": {}}}"));
    }

    @Test
    void errorResponsesListExactlyTheCodesEachRouteCanAnswerWith() throws Exception {
        Gateway gateway = gateway(true,
                Route.builder("chat", "/chat").methods("POST").allowFrom("10.0.0.0/8")
                        .validator(ContentTypeValidator.accepting("application/json"))
                        .validator(PromptGuard.builder("/prompt").build())
                        .target(Target.upstream("llm")).build(),
                Route.builder("health", "/health").methods("GET").publicAccess()
                        .authenticator(Authenticator.none()).build());

        JsonNode paths = OpenApi.builder().build().document(gateway).get("paths");

        JsonNode chat = paths.at("/~1chat/post/responses");
        assertThat(names(chat)).containsExactly("2XX", "400", "401", "403", "408", "413", "415",
                "429", "500", "502", "503", "504");
        assertThat(chat.at("/400/content/application~1problem+json/schema/allOf/1/properties"))
                .isEqualTo(json("""
                        {"code": {"enum": ["VALIDATION_ERROR", "PROMPT_REJECTED"]},
                         "status": {"const": 400}}"""));
        assertThat(chat.at("/401/content/application~1problem+json/schema/allOf/1/properties"
                + "/code/enum")).isEqualTo(json("""
                        ["MISSING_CREDENTIALS", "INVALID_API_KEY", "INVALID_TOKEN"]"""));
        assertThat(chat.at("/503/description").asText()).isEqualTo(
                "Service unavailable: SERVICE_UNAVAILABLE, NO_HEALTHY_UPSTREAM, CIRCUIT_OPEN.");
        assertThat(chat.at("/429")).isEqualTo(json("""
                {"description": "Rate limit exceeded: RATE_LIMIT_EXCEEDED.",
                 "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"},
                             "RateLimit": {"$ref": "#/components/headers/RateLimit"},
                             "RateLimit-Policy": {"$ref": "#/components/headers/RateLimit-Policy"},
                             "Retry-After": {"$ref": "#/components/headers/Retry-After"}},
                 "content": {"application/problem+json": {
                   "schema": {"allOf": [{"$ref": "#/components/schemas/Problem"},
                     {"properties": {"code": {"enum": ["RATE_LIMIT_EXCEEDED"]},
                                     "status": {"const": 429}}}]},
                   "examples": {"RATE_LIMIT_EXCEEDED": {"summary": "Rate limit exceeded",
                     "value": {"type": "urn:gatehouse:problem:rate-limit-exceeded",
                               "title": "Rate limit exceeded", "status": 429,
                               "detail": "what went wrong with this request",
                               "code": "RATE_LIMIT_EXCEEDED",
                               "request_id": "0b7c1f4e9a2d4c8e"}}}}}}"""));
        assertThat(chat.at("/401/headers/WWW-Authenticate/$ref").asText())
                .isEqualTo("#/components/headers/WWW-Authenticate");
        assertThat(chat.at("/2XX")).isEqualTo(json("""
                {"description": "Answered by upstream service llm.",
                 "headers": {"X-Request-ID": {"$ref": "#/components/headers/X-Request-ID"},
                             "RateLimit": {"$ref": "#/components/headers/RateLimit"},
                             "RateLimit-Policy": {"$ref": "#/components/headers/RateLimit-Policy"}
                 }}"""));
        // Public, without authenticator: no 401, no 403; still limited.
        assertThat(names(paths.at("/~1health/get/responses")))
                .containsExactly("2XX", "400", "408", "413", "429", "500", "503");
    }

    @Test
    void withoutARateLimiterNoOperationMentionsLimits() {
        Gateway gateway = gateway(false, Route.builder("chat", "/chat").methods("POST").build());

        JsonNode operation = OpenApi.builder().build().document(gateway).at("/paths/~1chat/post");

        assertThat(names(operation.get("responses")))
                .containsExactly("2XX", "400", "401", "403", "408", "413", "500", "503");
        assertThat(names(operation.at("/responses/2XX/headers"))).containsExactly("X-Request-ID");
        assertThat(operation.toString()).doesNotContain("RateLimit", "429");
    }

    @Test
    void theProblemSchemaListsEveryStableCode() {
        JsonNode problem = OpenApi.builder().build()
                .document(gateway(false)).at("/components/schemas/Problem");

        assertThat(problem.at("/required")).hasToString(
                "[\"type\",\"title\",\"status\",\"code\",\"request_id\"]");
        List<String> codes = new ArrayList<>();
        problem.at("/properties/code/enum").forEach(code -> codes.add(code.asText()));
        assertThat(codes).containsExactly(java.util.Arrays.stream(io.gatehouse.ErrorCode.values())
                .map(Enum::name).toArray(String[]::new));
        assertThat(names(problem.get("properties"))).containsExactly("type", "title", "status",
                "detail", "code", "request_id", "trace_id", "retry_after", "limit", "limit_type",
                "errors");
    }

    @Test
    void infoAndServersAreConfigurable() throws Exception {
        JsonNode document = OpenApi.builder().title("Inference").version("2.3.0")
                .description("Models behind the gateway.").server("https://api.example.com")
                .build().document(gateway(false));

        assertThat(document.get("openapi").asText()).isEqualTo("3.1.0");
        assertThat(document.get("info")).isEqualTo(json("""
                {"title": "Inference", "version": "2.3.0",
                 "description": "Models behind the gateway."}"""));
        assertThat(document.get("servers"))
                .isEqualTo(json("[{\"url\": \"https://api.example.com\"}]"));
        JsonNode defaults = OpenApi.builder().build().document(gateway(false));
        assertThat(defaults.get("info"))
                .isEqualTo(json("{\"title\": \"Gatehouse API\", \"version\": \"1.0.0\"}"));
        assertThat(defaults.has("servers")).isFalse();
        assertThat(names(defaults)).containsExactly("openapi", "info", "paths", "components");
        assertThatThrownBy(() -> OpenApi.builder().title(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("title must not be blank");
    }

    @Test
    void theJsonTextParsesBackToTheSameDocument() throws Exception {
        Gateway gateway = gateway(true, Route.builder("chat", "/chat").methods("POST")
                .limit(LimitRule.tokenBucket("chat", 10, Duration.ofMinutes(1))).build());
        OpenApi openApi = OpenApi.builder().build();

        assertThat(JSON.readTree(openApi.json(gateway))).isEqualTo(openApi.document(gateway));
    }
}
