package io.gatehouse.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.ErrorCode;
import io.gatehouse.Gateway;
import io.gatehouse.auth.AuthResult;
import io.gatehouse.auth.Authenticator;
import io.gatehouse.auth.Principal;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.LimitStores;
import io.gatehouse.limit.Tier;
import io.gatehouse.limit.TieredRateLimiter;
import io.gatehouse.observe.InMemoryUsageRecorder;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link UsageServlet} behind the filter in real Jetty 12 and Tomcat 11. */
@Timeout(120)
class UsageServletTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ALICE_KEY = "sk_live_aliceSecretValue123";
    private static final String BOB_KEY = "sk_live_bobSecretValue456";
    private static final String ADMIN_KEY = "sk_live_adminSecretValue789";

    private static final Authenticator KEYS = request -> {
        String key = request.header("X-API-Key");
        if (key == null) {
            return AuthResult.noCredentials();
        }
        return switch (key) {
            case ALICE_KEY -> new AuthResult.Authenticated(
                    new Principal("alice", "premium", Set.of(), Set.of(), "k_alice"));
            case BOB_KEY -> new AuthResult.Authenticated(
                    new Principal("bob", "free", Set.of(), Set.of(), "k_bob"));
            case ADMIN_KEY -> new AuthResult.Authenticated(
                    new Principal("ops", "premium", Set.of("admin"), Set.of(), "k_ops"));
            default -> new AuthResult.Rejected(ErrorCode.INVALID_API_KEY, "unknown API key");
        };
    };

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final InMemoryUsageRecorder usage = new InMemoryUsageRecorder();
    private ServletContainer.Running running;

    static List<ServletContainer> containers() {
        return ServletContainer.all();
    }

    private void start(ServletContainer container) throws Exception {
        TieredRateLimiter limiter = TieredRateLimiter.builder(LimitStores.inMemory())
                .tier(Tier.of("premium",
                        LimitRule.fixedWindow("per-minute", 100, Duration.ofMinutes(1)),
                        LimitRule.tokenBucket("per-day", 1_000, Duration.ofDays(1))))
                .tier(Tier.of("free",
                        LimitRule.fixedWindow("per-minute", 10, Duration.ofMinutes(1))))
                .build();
        Gateway gateway = Gateway.builder(Router.of(List.of(
                        Route.builder("invocations", "/invocations").methods("POST").cost(7)
                                .build(),
                        Route.builder("usage", "/v1/usage").methods("GET").build(),
                        Route.builder("usage-open", "/usage-open").methods("GET").publicAccess()
                                .build())))
                .authenticator(KEYS)
                .rateLimiter(limiter)
                .usage(usage)
                .build();
        UsageServlet servlet = UsageServlet.builder(usage).limits(limiter).adminRole("admin")
                .build();
        running = container.start(ServletContainer.Deployment.of("", new GatewayFilter(gateway),
                new Paths(Map.of("/v1/usage", servlet, "/usage-open", servlet))));
    }

    @AfterEach
    void stop() throws Exception {
        if (running != null) {
            running.close();
        }
    }

    private HttpResponse<String> send(String method, String path, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(running.uri(path))
                .timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (key != null) {
            request.header("X-API-Key", key);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest
    @MethodSource("containers")
    void aCallerReadsItsOwnWindowsAndRemainingQuota(ServletContainer container)
            throws Exception {
        start(container);
        for (int i = 0; i < 3; i++) {
            assertThat(send("POST", "/invocations", ALICE_KEY).statusCode()).isEqualTo(200);
        }
        send("POST", "/invocations", BOB_KEY);

        HttpResponse<String> response = send("GET", "/v1/usage", ALICE_KEY);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
        JsonNode report = JSON.readTree(response.body());
        assertThat(report.get("principal").asText()).isEqualTo("alice");
        assertThat(report.get("tier").asText()).isEqualTo("premium");
        for (String window : new String[] {"minute", "hour", "day", "month"}) {
            JsonNode counted = report.get("windows").get(window);
            assertThat(counted.get("requests").asLong()).as(window).isEqualTo(3);
            assertThat(counted.get("cost").asLong()).as(window).isEqualTo(21);
        }
        assertThat(report.get("windows").get("minute").get("start").asText()).endsWith(":00Z");
        JsonNode limits = report.get("limits");
        assertThat(limits).hasSize(2);
        // Three invocations of cost 7, and this usage call itself (cost 1), were admitted.
        assertThat(limits.get(0).get("name").asText()).isEqualTo("per-minute");
        assertThat(limits.get(0).get("quota").asLong()).isEqualTo(100);
        assertThat(limits.get(0).get("remaining").asLong()).isEqualTo(100 - 22);
        assertThat(limits.get(1).get("name").asText()).isEqualTo("per-day");
        assertThat(limits.get(1).get("remaining").asLong()).isEqualTo(1_000 - 22);
        assertThat(limits.get(1).get("algorithm").asText()).isEqualTo("token_bucket");
        assertThat(response.body()).doesNotContain(ALICE_KEY).doesNotContain("k_alice");
    }

    @ParameterizedTest
    @MethodSource("containers")
    void anAdminReadsAnyPrincipalAndOthersAreRefused(ServletContainer container)
            throws Exception {
        start(container);
        assertThat(send("POST", "/invocations", BOB_KEY).statusCode()).isEqualTo(200);
        // Bob's tier allows 10 a minute: a second request of cost 7 is refused, not counted.
        assertThat(send("POST", "/invocations", BOB_KEY).statusCode()).isEqualTo(429);

        HttpResponse<String> byAdmin = send("GET", "/v1/usage?principal=bob", ADMIN_KEY);
        HttpResponse<String> byAlice = send("GET", "/v1/usage?principal=bob", ALICE_KEY);
        HttpResponse<String> unknownByAlice =
                send("GET", "/v1/usage?principal=nobody", ALICE_KEY);
        HttpResponse<String> empty = send("GET", "/v1/usage?principal=", ADMIN_KEY);

        assertThat(byAdmin.statusCode()).isEqualTo(200);
        JsonNode report = JSON.readTree(byAdmin.body());
        assertThat(report.get("principal").asText()).isEqualTo("bob");
        assertThat(report.get("tier").asText()).isEqualTo("free");
        assertThat(report.get("windows").get("day").get("requests").asLong()).isEqualTo(1);
        assertThat(report.get("windows").get("day").get("cost").asLong()).isEqualTo(7);
        assertThat(report.get("limits").get(0).get("remaining").asLong()).isEqualTo(3);
        for (HttpResponse<String> refused : List.of(byAlice, unknownByAlice)) {
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("application/problem+json"));
            assertThat(JSON.readTree(refused.body()).get("code").asText())
                    .isEqualTo("FORBIDDEN");
            assertThat(refused.body()).doesNotContain("windows");
        }
        // The same answer whether or not the principal exists: nothing to probe.
        assertThat(JSON.readTree(byAlice.body()).get("detail"))
                .isEqualTo(JSON.readTree(unknownByAlice.body()).get("detail"));
        assertThat(empty.statusCode()).isEqualTo(400);
    }

    @ParameterizedTest
    @MethodSource("containers")
    void unauthenticatedCallersGet401ProblemsFromTheGatewayAndFromTheServlet(
            ServletContainer container) throws Exception {
        start(container);

        HttpResponse<String> noKey = send("GET", "/v1/usage", null);
        HttpResponse<String> badKey = send("GET", "/v1/usage", "sk_live_guessed");
        HttpResponse<String> anonymous = send("GET", "/usage-open", null);

        for (HttpResponse<String> refused : List.of(noKey, badKey, anonymous)) {
            assertThat(refused.statusCode()).isEqualTo(401);
            assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("application/problem+json"));
            assertThat(refused.headers().firstValue("WWW-Authenticate")).isPresent();
            assertThat(refused.body()).doesNotContain("windows");
        }
        assertThat(JSON.readTree(anonymous.body()).get("code").asText())
                .isEqualTo("MISSING_CREDENTIALS");
    }
}
