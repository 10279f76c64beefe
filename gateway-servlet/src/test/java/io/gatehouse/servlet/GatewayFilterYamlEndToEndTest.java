package io.gatehouse.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A filter configured only by {@code gatehouse.config}: the YAML file alone sets the routes, the
 * tiers and the API keys (by hash), and the gateway enforces them over real HTTP.
 */
@Timeout(60)
class GatewayFilterYamlEndToEndTest {

    private static final String BOB_KEY = "key_bob_e2e_0123456789";
    private static final String ALICE_KEY = "key_alice_e2e_0123456789";

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).build();

    static List<ServletContainer> containers() {
        return ServletContainer.all();
    }

    /** Echoes who the gateway let in. */
    static final class WhoServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response)
                throws IOException {
            var admitted = (io.gatehouse.Admission.Admitted) request.getAttribute(
                    GatewayFilter.ADMISSION_ATTRIBUTE);
            response.setContentType("text/plain");
            response.getWriter().write(admitted.principal().id());
        }
    }

    private static String sha256(String key) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(key.getBytes(StandardCharsets.UTF_8)));
    }

    private static String yaml() throws Exception {
        return """
                routes:
                  - id: invocations
                    methods: [POST]
                    path: /invocations
                    validate:
                      content_types: [application/json]
                      json: {required: {prompt: string}}
                  - id: health
                    methods: [GET]
                    path: /health
                    public: true
                tiers:
                  free: [{name: per-hour, algorithm: sliding_log, limit: 10, period: 1h}]
                  premium: [{name: per-hour, algorithm: sliding_log, limit: 100, period: 1h}]
                api_keys:
                  pepper: ${GATEHOUSE_TEST_PEPPER_NEVER_SET:-}
                  keys:
                    - {id: kid_bob, owner: bob, tier: free, hash: %s}
                    - {id: kid_alice, owner: alice, tier: premium, hash: %s}
                """.formatted(sha256(BOB_KEY), sha256(ALICE_KEY));
    }

    private HttpResponse<String> invoke(ServletContainer.Running running, String key)
            throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(running.uri("/invocations"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header("X-API-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"hi\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void eleventhRequestOfATenPerHourTierIsRefusedWithRetryAfterAndRateLimitHeaders(
            ServletContainer container, @TempDir Path directory) throws Exception {
        Path file = Files.writeString(directory.resolve("gatehouse.yaml"), yaml());
        var deployment = ServletContainer.Deployment.byClass(
                Map.of("gatehouse.config", file.toString()), Map.of(), new WhoServlet());

        try (var running = container.start(deployment)) {
            for (int i = 1; i <= 10; i++) {
                HttpResponse<String> admitted = invoke(running, BOB_KEY);
                assertThat(admitted.statusCode()).as("request %d", i).isEqualTo(200);
                assertThat(admitted.body()).isEqualTo("bob");
                String rateLimit = admitted.headers().firstValue("RateLimit").orElseThrow();
                assertThat(rateLimit).startsWith("\"per-hour\";r=" + (10 - i) + ";t=");
                // The window resets an hour after the first request, seen from a slow machine.
                assertThat(Long.parseLong(rateLimit.substring(rateLimit.indexOf(";t=") + 3)))
                        .isBetween(3590L, 3600L);
            }
            HttpResponse<String> refused = invoke(running, BOB_KEY);
            HttpResponse<String> otherTenant = invoke(running, ALICE_KEY);

            assertThat(refused.statusCode()).isEqualTo(429);
            long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After")
                    .orElseThrow());
            assertThat(retryAfter).isBetween(3590L, 3600L);
            assertThat(refused.headers().firstValue("RateLimit-Policy"))
                    .hasValue("\"per-hour\";q=10;w=3600");
            assertThat(refused.headers().firstValue("RateLimit").orElseThrow())
                    .startsWith("\"per-hour\";r=0;t=");
            assertThat(refused.headers().firstValue("X-RateLimit-Limit")).hasValue("10");
            assertThat(refused.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
            assertThat(refused.headers().firstValue("Content-Type"))
                    .hasValue("application/problem+json");
            assertThat(refused.body()).contains("\"code\":\"RATE_LIMIT_EXCEEDED\"")
                    .contains("\"limit_type\":\"per-hour\"").doesNotContain("bob\n");
            // Limits are per principal: another tenant of another tier is untouched.
            assertThat(otherTenant.statusCode()).isEqualTo(200);
            assertThat(otherTenant.body()).isEqualTo("alice");
            assertThat(otherTenant.headers().firstValue("RateLimit"))
                    .hasValue("\"per-hour\";r=99;t=3600");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void onlyKeysWhoseHashIsInTheFileGetIn(ServletContainer container, @TempDir Path directory)
            throws Exception {
        Path file = Files.writeString(directory.resolve("gatehouse.yaml"), yaml());
        var deployment = ServletContainer.Deployment.byClass(
                Map.of("gatehouse.config", file.toString()), Map.of(), new WhoServlet());

        try (var running = container.start(deployment)) {
            HttpResponse<String> unknown = invoke(running, "key_mallory_0123456789");
            // The hash itself is not a key.
            HttpResponse<String> hashAsKey = invoke(running, sha256(BOB_KEY));
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(
                    running.uri("/health")).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(unknown.statusCode()).isEqualTo(401);
            assertThat(unknown.body()).contains("\"code\":\"INVALID_API_KEY\"");
            assertThat(hashAsKey.statusCode()).isEqualTo(401);
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("anonymous");
            assertThat(invoke(running, ALICE_KEY).body()).isEqualTo("alice");
        }
    }

    /** An existing application's own page, which the gateway does not list. */
    static final class PageServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response)
                throws IOException {
            response.setContentType("text/plain");
            response.getWriter().write("page " + request.getRequestURI() + " admission="
                    + request.getAttribute(GatewayFilter.ADMISSION_ATTRIBUTE));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void pathsWithoutARoutePassThroughToTheApplicationUnlessConfiguredOtherwise(
            ServletContainer container, @TempDir Path directory) throws Exception {
        Path passing = Files.writeString(directory.resolve("passing.yaml"), yaml());
        Path owning = Files.writeString(directory.resolve("owning.yaml"),
                yaml() + "unmatched_paths: not_found\n");

        try (var running = container.start(ServletContainer.Deployment.byClass(
                Map.of("gatehouse.config", passing.toString()), Map.of(), new PageServlet()))) {
            HttpResponse<String> page = client.send(HttpRequest.newBuilder(
                    running.uri("/legacy/page")).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> guarded = client.send(HttpRequest.newBuilder(
                    running.uri("/invocations")).POST(HttpRequest.BodyPublishers.noBody())
                    .build(), HttpResponse.BodyHandlers.ofString());

            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).endsWith("/legacy/page admission=null");
            assertThat(page.headers().firstValue("X-Request-ID")).isEmpty();
            assertThat(guarded.statusCode()).isEqualTo(401);
        }
        try (var running = container.start(ServletContainer.Deployment.byClass(
                Map.of("gatehouse.config", owning.toString()), Map.of(), new PageServlet()))) {
            HttpResponse<String> page = client.send(HttpRequest.newBuilder(
                    running.uri("/legacy/page")).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(page.statusCode()).isEqualTo(404);
            assertThat(page.body()).contains("\"code\":\"NOT_FOUND\"");
        }
    }
}
