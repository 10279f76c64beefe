package io.gatehouse.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** CORS over real HTTP, in embedded Jetty and Tomcat, with the gateway's filter in front. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(30)
class CorsFilterTest {

    private static final String APP = "https://app.example.org";

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final Map<String, ServletContainer.Running> servers = new LinkedHashMap<>();
    private final Map<String, AppServlet> apps = new LinkedHashMap<>();

    List<ServletContainer> containers() {
        return ServletContainer.all();
    }

    @BeforeAll
    void startContainers() throws Exception {
        for (ServletContainer container : containers()) {
            AppServlet app = new AppServlet();
            servers.put(container.toString(), container.start(ServletContainer.Deployment.of(
                    "/app", new GatewayFilter(CorsGateways.gateway(APP)), app)));
            apps.put(container.toString(), app);
        }
    }

    @AfterAll
    void stopContainers() throws Exception {
        for (ServletContainer.Running running : servers.values()) {
            running.close();
        }
    }

    @BeforeEach
    void resetApps() {
        apps.values().forEach(AppServlet::reset);
    }

    private HttpResponse<String> send(ServletContainer container, String method, String path,
            String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                servers.get(container.toString()).uri(path))
                .timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody());
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest
    @MethodSource("containers")
    void preflightIsAnsweredWith204WithoutCredentialsAndNeverReachesTheApp(
            ServletContainer container) throws Exception {
        HttpResponse<String> response = send(container, "OPTIONS", "/echo", "Origin", APP,
                "Access-Control-Request-Method", "POST",
                "Access-Control-Request-Headers", "content-type,x-api-key");

        assertThat(response.statusCode()).isEqualTo(204);
        assertThat(response.body()).isEmpty();
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).hasValue(APP);
        assertThat(response.headers().firstValue("Access-Control-Allow-Methods"))
                .hasValue("GET, POST");
        assertThat(response.headers().firstValue("Access-Control-Allow-Headers"))
                .hasValue("content-type,x-api-key");
        assertThat(response.headers().firstValue("Access-Control-Max-Age")).hasValue("600");
        assertThat(response.headers().firstValue("X-Request-ID")).isPresent();
        assertThat(apps.get(container.toString()).invocations).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("containers")
    void preflightFromAnotherOriginGetsNoCorsHeaders(ServletContainer container)
            throws Exception {
        HttpResponse<String> response = send(container, "OPTIONS", "/echo",
                "Origin", "https://evil.example.net", "Access-Control-Request-Method", "POST");

        assertThat(response.statusCode()).isEqualTo(204);
        assertThat(response.headers().map().keySet())
                .noneMatch(name -> name.toLowerCase().startsWith("access-control-"));
        assertThat(apps.get(container.toString()).invocations).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("containers")
    void unauthenticatedAndRateLimitedRejectionsCarryCorsHeaders(ServletContainer container)
            throws Exception {
        HttpResponse<String> unauthorized = send(container, "POST", "/echo", "Origin", APP);
        HttpResponse<String> limited = send(container, "GET", "/cost", "Origin", APP);

        assertThat(unauthorized.statusCode()).isEqualTo(401);
        assertThat(unauthorized.headers().firstValue("Access-Control-Allow-Origin"))
                .hasValue(APP);
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Access-Control-Allow-Origin")).hasValue(APP);
        assertThat(limited.headers().firstValue("Access-Control-Expose-Headers").orElseThrow())
                .contains("Retry-After", "RateLimit", "X-Request-ID");
        assertThat(limited.headers().firstValue("Retry-After")).hasValue("60");
        assertThat(apps.get(container.toString()).invocations).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("containers")
    void admittedResponseOfAnAllowedOriginCarriesCorsHeaders(ServletContainer container)
            throws Exception {
        HttpResponse<String> response = send(container, "POST", "/echo", "Origin", APP,
                "X-API-Key", "good");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).hasValue(APP);
        assertThat(response.headers().firstValue("Vary")).hasValue("Origin");
        assertThat(apps.get(container.toString()).invocations.get("/echo")).hasValue(1);
    }

    @ParameterizedTest
    @MethodSource("containers")
    void routePolicyAllowsItsOwnOriginOnly(ServletContainer container) throws Exception {
        HttpResponse<String> partner = send(container, "GET", "/stream",
                "Origin", CorsGateways.PARTNER);
        HttpResponse<String> app = send(container, "GET", "/stream", "Origin", APP);

        assertThat(partner.headers().firstValue("Access-Control-Allow-Origin"))
                .hasValue(CorsGateways.PARTNER);
        assertThat(app.statusCode()).isEqualTo(200);
        assertThat(app.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }
}
