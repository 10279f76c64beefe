package io.gatehouse.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.ErrorCode;
import io.gatehouse.Gateway;
import io.gatehouse.auth.AuthResult;
import io.gatehouse.auth.Authenticator;
import io.gatehouse.auth.Principal;
import io.gatehouse.observe.Analytics;
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

/** {@link AnalyticsServlet} behind the filter in real Jetty 12 and Tomcat 11. */
@Timeout(120)
class AnalyticsServletTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ALICE_KEY = "sk_live_aliceSecretValue123";
    private static final String ADMIN_KEY = "sk_live_adminSecretValue789";

    private static final Authenticator KEYS = request -> {
        String key = request.header("X-API-Key");
        if (key == null) {
            return AuthResult.noCredentials();
        }
        return switch (key) {
            case ALICE_KEY -> new AuthResult.Authenticated(
                    new Principal("alice", "free", Set.of(), Set.of(), "k_alice"));
            case ADMIN_KEY -> new AuthResult.Authenticated(
                    new Principal("ops", "staff", Set.of("admin"), Set.of(), "k_ops"));
            default -> new AuthResult.Rejected(ErrorCode.INVALID_API_KEY, "unknown API key");
        };
    };

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private ServletContainer.Running running;

    static List<ServletContainer> containers() {
        return ServletContainer.all();
    }

    @AfterEach
    void stop() throws Exception {
        if (running != null) {
            running.close();
        }
    }

    private HttpResponse<String> get(String path, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(running.uri(path))
                .timeout(Duration.ofSeconds(10)).GET();
        if (key != null) {
            request.header("X-API-Key", key);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest
    @MethodSource("containers")
    void administratorsReadTheReportAndOthersAreRefused(ServletContainer container)
            throws Exception {
        Analytics analytics = Analytics.builder().build();
        Gateway gateway = Gateway.builder(Router.of(List.of(
                        Route.builder("items", "/items").cost(3).build(),
                        Route.builder("analytics", "/admin/analytics").build())))
                .authenticator(KEYS)
                .analytics(analytics)
                .build();
        running = container.start(ServletContainer.Deployment.of("", new GatewayFilter(gateway),
                new Paths(Map.of("/admin/analytics", new AnalyticsServlet(analytics, "admin"),
                        "/items", new AppServlet()))));
        for (int i = 0; i < 3; i++) {
            get("/items", ALICE_KEY);
        }
        get("/items", "sk_live_guessed");

        HttpResponse<String> byAlice = get("/admin/analytics", ALICE_KEY);
        HttpResponse<String> anonymous = get("/admin/analytics", null);
        HttpResponse<String> badTop = get("/admin/analytics?top=0", ADMIN_KEY);
        HttpResponse<String> report = get("/admin/analytics?top=5", ADMIN_KEY);

        assertThat(byAlice.statusCode()).isEqualTo(403);
        assertThat(JSON.readTree(byAlice.body()).get("code").asText()).isEqualTo("FORBIDDEN");
        assertThat(byAlice.body()).doesNotContain("top_consumers");
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(badTop.statusCode()).isEqualTo(400);
        assertThat(report.statusCode()).isEqualTo(200);
        assertThat(report.headers().firstValue("Cache-Control")).hasValue("no-store");
        JsonNode json = JSON.readTree(report.body());
        // 3 items, 1 refused key, alice's refused analytics call, the anonymous and bad-top
        // calls refused by the servlet (admitted by the gateway, so completed with 4xx).
        assertThat(json.get("total_rejections").get("INVALID_API_KEY").asLong()).isEqualTo(1);
        JsonNode alice = null;
        for (JsonNode entry : json.get("top")) {
            if (entry.get("principal").asText().equals("alice")
                    && entry.get("route").asText().equals("items")) {
                alice = entry;
            }
        }
        assertThat(alice).isNotNull();
        assertThat(alice.get("requests").asLong()).isEqualTo(3);
        assertThat(alice.get("cost").asLong()).isEqualTo(9);
        assertThat(alice.get("tier").asText()).isEqualTo("free");
        assertThat(alice.get("latency_ms").get("p99").asDouble()).isPositive();
        assertThat(json.get("top_consumers").get(0).get("principal").asText())
                .isEqualTo("alice");
        assertThat(json.get("maximum_entries").asLong()).isEqualTo(10_000);
        assertThat(report.body()).doesNotContain(ALICE_KEY).doesNotContain("k_alice");
    }
}
