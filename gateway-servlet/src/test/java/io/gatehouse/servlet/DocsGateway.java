package io.gatehouse.servlet;

import io.gatehouse.Gateway;
import io.gatehouse.auth.ApiKeyManager;
import io.gatehouse.auth.ApiKeySpec;
import io.gatehouse.auth.InMemoryApiKeyStore;
import io.gatehouse.auth.SecurityEvents;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.LimitStores;
import io.gatehouse.limit.Tier;
import io.gatehouse.limit.TieredRateLimiter;
import io.gatehouse.openapi.OpenApi;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import io.gatehouse.validate.ContentTypeValidator;
import io.gatehouse.validate.JsonSchemaValidator;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A gateway with the documentation mounted: a demo {@code POST /invocations} behind an API key,
 * a JSON Schema and a rate limit, and public routes for {@code /openapi.json} and
 * {@code /docs/**}.
 */
final class DocsGateway {

    static final String INVOCATION_SCHEMA = """
            {"type": "object", "required": ["prompt"],
             "properties": {"prompt": {"type": "string", "minLength": 1, "examples": ["hi"]},
                            "max_tokens": {"type": "integer", "minimum": 1}},
             "additionalProperties": false}
            """;

    final String demoKey;
    final Gateway gateway;
    final Invocations invocations = new Invocations();

    DocsGateway() {
        ApiKeyManager keys = ApiKeyManager.builder(new InMemoryApiKeyStore())
                .events(SecurityEvents.none()).build();
        demoKey = keys.create("sk_test_", ApiKeySpec.of("demo-user", "demo")).plaintext();
        gateway = Gateway.builder(Router.of(List.of(
                        Route.builder("invocations", "/invocations").methods("POST")
                                .maxBodyBytes(8192)
                                .validator(ContentTypeValidator.accepting("application/json"))
                                .validator(JsonSchemaValidator.of(INVOCATION_SCHEMA, 16))
                                .build(),
                        Route.builder("openapi", "/openapi.json").methods("GET").publicAccess()
                                .build(),
                        Route.builder("docs", "/docs/**").methods("GET").publicAccess().build())))
                .authenticator(keys.authenticator())
                .rateLimiter(TieredRateLimiter.builder(LimitStores.inMemory())
                        .tier(Tier.of("demo",
                                LimitRule.tokenBucket("per-minute", 600, Duration.ofMinutes(1))))
                        .build())
                .build();
    }

    OpenApi openApi() {
        return OpenApi.builder().title("Demo inference API").version("0.1.0").build();
    }

    /** The gateway's filter, the demo servlet at {@code /*} and the two documentation servlets. */
    ServletContainer.Deployment deployment() {
        return ServletContainer.Deployment.of("", new GatewayFilter(gateway), invocations)
                .withServlet("/openapi.json", new OpenApiServlet(gateway, openApi()))
                .withServlet("/docs/*", new SwaggerUiServlet());
    }

    /** The demo service: answers an invocation with a completion, counting them. */
    static final class Invocations extends HttpServlet {
        private static final long serialVersionUID = 1L;

        final transient AtomicInteger served = new AtomicInteger();

        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response)
                throws IOException {
            served.incrementAndGet();
            byte[] body = "{\"completion\":\"hello from the demo model\"}"
                    .getBytes(StandardCharsets.UTF_8);
            response.setStatus(200);
            response.setContentType("application/json");
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
        }
    }
}
