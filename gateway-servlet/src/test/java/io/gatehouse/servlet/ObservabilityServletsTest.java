package io.gatehouse.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.ErrorCode;
import io.gatehouse.Gateway;
import io.gatehouse.auth.AuthResult;
import io.gatehouse.auth.Authenticator;
import io.gatehouse.auth.Principal;
import io.gatehouse.limit.LimitAlgorithm;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.LimitStores;
import io.gatehouse.limit.Tier;
import io.gatehouse.limit.TieredRateLimiter;
import io.gatehouse.observe.ComponentHealth;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link MetricsServlet} and {@link HealthServlet} behind the filter in real Jetty 12 and
 * Tomcat 11; the exposition is checked by Prometheus' own {@code promtool}.
 */
@Timeout(120)
class ObservabilityServletsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GOOD_KEY = "sk_live_goodSecretValue123";
    private static final String BAD_KEY = "sk_live_guessedSecretValue456";
    private static final String SCRAPER_KEY = "sk_live_scraperSecretValue789";

    private static final Authenticator KEYS = request -> {
        String key = request.header("X-API-Key");
        if (key == null) {
            return AuthResult.noCredentials();
        }
        return switch (key) {
            case GOOD_KEY -> new AuthResult.Authenticated(
                    new Principal("alice", "premium", Set.of(), Set.of(), "k_alice"));
            case SCRAPER_KEY -> new AuthResult.Authenticated(
                    new Principal("prometheus", "premium", Set.of("metrics"), Set.of(), "k_prom"));
            default -> new AuthResult.Rejected(ErrorCode.INVALID_API_KEY, "unknown API key");
        };
    };

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final PrometheusMeterRegistry registry =
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicReference<ComponentHealth> limitStore =
            new AtomicReference<>(ComponentHealth.up("in memory"));
    private Gateway gateway;
    private ServletContainer.Running running;

    static List<ServletContainer> containers() {
        return ServletContainer.all();
    }

    private void start(ServletContainer container) throws Exception {
        Route open = Route.builder("x", "/x").publicAccess().build();
        gateway = Gateway.builder(Router.of(List.of(
                        Route.builder("invocations", "/invocations").methods("GET", "POST")
                                .build(),
                        Route.builder("metrics", "/metrics").methods("GET").publicAccess()
                                .build(),
                        Route.builder("metrics-local", "/metrics-local").methods("GET")
                                .publicAccess().build(),
                        Route.builder("metrics-remote", "/metrics-remote").methods("GET")
                                .publicAccess().build(),
                        Route.builder("live", "/health/live").methods("GET").publicAccess()
                                .build(),
                        Route.builder("ready", "/health/ready").methods("GET").publicAccess()
                                .build(),
                        open)))
                .authenticator(KEYS)
                .rateLimiter(TieredRateLimiter.builder(LimitStores.inMemory())
                        .tier(Tier.of("premium", LimitRule.builder("per-minute",
                                LimitAlgorithm.SLIDING_WINDOW).limit(1_000, Duration.ofMinutes(1))
                                .build()))
                        .build())
                .meterRegistry(registry)
                .healthCheck("limit_store", true, limitStore::get)
                .build();
        HealthServlet health = new HealthServlet(gateway);
        running = container.start(ServletContainer.Deployment.of("", new GatewayFilter(gateway),
                new Paths(Map.of(
                        "/metrics", MetricsServlet.builder(registry).requireRole("metrics")
                                .build(),
                        "/metrics-local", MetricsServlet.builder(registry)
                                .allowAddresses(List.of("127.0.0.1", "::1")).build(),
                        "/metrics-remote", MetricsServlet.builder(registry)
                                .allowAddresses(List.of("10.0.0.0/8")).build(),
                        "/health/live", health,
                        "/health/ready", health,
                        "/x", new EchoTraceparent()))));
    }

    @AfterEach
    void stop() throws Exception {
        if (running != null) {
            running.close();
        }
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(running.uri(path))
                .timeout(Duration.ofSeconds(10)).GET();
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest
    @MethodSource("containers")
    void metricsByRoleRefuseAnonymousCallersAndServeTheRole(ServletContainer container)
            throws Exception {
        start(container);

        HttpResponse<String> anonymous = get("/metrics");
        HttpResponse<String> withoutRole = get("/metrics", "X-API-Key", GOOD_KEY);
        HttpResponse<String> scraper = get("/metrics", "X-API-Key", SCRAPER_KEY);

        assertThat(anonymous.statusCode()).isEqualTo(403);
        assertThat(anonymous.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(JSON.readTree(anonymous.body()).get("code").asText()).isEqualTo("FORBIDDEN");
        assertThat(anonymous.body()).doesNotContain("gateway_");
        assertThat(withoutRole.statusCode()).isEqualTo(403);
        assertThat(scraper.statusCode()).isEqualTo(200);
        assertThat(scraper.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain").contains("version=0.0.4"));
        assertThat(scraper.body()).contains("gateway_requests_in_flight");
    }

    @ParameterizedTest
    @MethodSource("containers")
    void addressAllowListServesOnlyListedAddresses(ServletContainer container) throws Exception {
        start(container);

        assertThat(get("/metrics-local").statusCode()).isEqualTo(200);
        assertThat(get("/metrics-remote").statusCode()).isEqualTo(403);
    }

    @Test
    void acceptChoosesOpenMetrics() throws Exception {
        start(new ServletContainer.Jetty());

        HttpResponse<String> open = get("/metrics-local",
                "Accept", "application/openmetrics-text; version=1.0.0,text/plain;q=0.5");

        assertThat(open.statusCode()).isEqualTo(200);
        assertThat(open.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/openmetrics-text"));
        assertThat(open.body()).contains("# TYPE gateway_requests_in_flight gauge")
                .endsWith("# EOF\n");
    }

    @Test
    void promtoolAcceptsTheExpositionAndItHoldsNoSecret() throws Exception {
        Path promtool = Promtool.require();
        start(new ServletContainer.TomcatContainer());
        for (String key : new String[] {GOOD_KEY, GOOD_KEY, BAD_KEY, SCRAPER_KEY}) {
            get("/invocations", "X-API-Key", key);
        }
        get("/invocations");
        get("/no/such/path/alice");
        get("/x");

        HttpResponse<String> scrape = get("/metrics-local");

        assertThat(scrape.statusCode()).isEqualTo(200);
        String text = scrape.body();
        assertThat(text)
                .contains("gateway_requests_total{method=\"GET\",route=\"invocations\","
                        + "status_class=\"2xx\"} 3.0")
                .contains("gateway_decisions_total{code=\"INVALID_API_KEY\",outcome=\"rejected\","
                        + "route=\"invocations\"} 1.0")
                .contains("gateway_request_duration_seconds_bucket{")
                .contains("gateway_limit_decisions_total{limit=\"per-minute\",mode=\"enforced\","
                        + "verdict=\"allowed\"} 3.0")
                .doesNotContain(GOOD_KEY).doesNotContain(BAD_KEY).doesNotContain(SCRAPER_KEY)
                .doesNotContain("alice").doesNotContain("k_prom").doesNotContain("/no/such");
        assertThat(Promtool.checkMetrics(promtool, text)).isEqualTo("0:");
    }

    /** Answers the traceparent the gateway handed the application. */
    static final class EchoTraceparent extends jakarta.servlet.http.HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(jakarta.servlet.http.HttpServletRequest request,
                jakarta.servlet.http.HttpServletResponse response) throws java.io.IOException {
            response.setContentType("text/plain");
            response.getWriter().write(String.valueOf(
                    request.getAttribute(GatewayFilter.TRACEPARENT_ATTRIBUTE)));
        }
    }

    @ParameterizedTest
    @MethodSource("containers")
    void traceContextReachesTheApplicationAndTheProblemBody(ServletContainer container)
            throws Exception {
        start(container);
        String parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

        HttpResponse<String> admitted = get("/x", "traceparent", parent);
        HttpResponse<String> refused = get("/invocations", "traceparent", parent,
                "X-API-Key", BAD_KEY);
        HttpResponse<String> started = get("/x");

        assertThat(admitted.body()).matches(
                "00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01")
                .doesNotContain("00f067aa0ba902b7");
        assertThat(JSON.readTree(refused.body()).get("trace_id").asText())
                .isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(started.body()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01")
                .doesNotContain("4bf92f3577b34da6a3ce929d0e0e4736");
    }

    @ParameterizedTest
    @MethodSource("containers")
    void readinessFollowsRequiredComponentsAndDrainingWhileLivenessStaysUp(
            ServletContainer container) throws Exception {
        start(container);

        HttpResponse<String> ready = get("/health/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(ready.body());
        assertThat(body.get("status").asText()).isEqualTo("up");
        assertThat(body.get("ready").asBoolean()).isTrue();
        assertThat(body.at("/components/limit_store/status").asText()).isEqualTo("up");
        assertThat(body.at("/components/limit_store/required").asBoolean()).isTrue();

        limitStore.set(ComponentHealth.down("connection refused"));
        HttpResponse<String> down = get("/health/ready");
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(down.body()).at("/components/limit_store/detail").asText())
                .isEqualTo("connection refused");
        assertThat(get("/health/live").statusCode()).isEqualTo(200);

        limitStore.set(ComponentHealth.up("in memory"));
        assertThat(get("/health/ready").statusCode()).isEqualTo(200);
        gateway.drain();
        HttpResponse<String> draining = get("/health/ready");
        assertThat(draining.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(draining.body()).get("draining").asBoolean()).isTrue();
        HttpResponse<String> live = get("/health/live");
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.body()).isEqualTo("{\"status\":\"up\"}");
    }
}
