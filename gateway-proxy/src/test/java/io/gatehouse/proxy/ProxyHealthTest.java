package io.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.Gateway;
import io.gatehouse.config.GatewayConfig;
import io.gatehouse.servlet.GatewayFilter;
import io.gatehouse.servlet.HealthServlet;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each upstream service is a component of the gateway's health, fed by the same pools the
 * forwarder uses: an endpoint killed under traffic shows as degraded, an open circuit as down,
 * and only a service marked {@code required} takes readiness with it.
 */
class ProxyHealthTest {

    static List<ServletContainer> containers() {
        return ServletContainer.all();
    }

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).build();

    @ParameterizedTest
    @MethodSource("containers")
    void healthShowsEjectedEndpointsAndOpenCircuitsOfTheLivePools(ServletContainer container)
            throws Exception {
        try (Upstream a = new Upstream(); Upstream b = new Upstream();
                Upstream c = new Upstream()) {
            c.on("/brittle", exchange -> Upstream.respond(exchange, 500, "text/plain", "boom"));
            GatewayConfig config = GatewayConfig.parse("""
                    services:
                      spread:
                        endpoints: [%s, %s]
                        balancing: round_robin
                        health: {consecutive_failures: 1, eject_for: 10m}
                      brittle:
                        endpoints: [%s]
                        health: {required: true, consecutive_failures: 1000}
                        retry: {attempts: 1}
                        circuit_breaker: {failure_rate: 50, window: 2, minimum_calls: 2,
                                          open_for: 10m}
                    routes:
                      - {id: spread, path: /spread, public: true, service: spread}
                      - {id: brittle, path: /brittle, public: true, service: brittle}
                      - {id: health, path: /health/ready, public: true}
                    """.formatted(a.url(), b.url(), c.url()), name -> null);
            Gateway gateway = config.gatewayBuilder().build();
            try (ProxyForwarder forwarder = ProxyForwarder.of(config);
                    ServletContainer.Running running = container.start(
                            ServletContainer.Deployment.of("", new GatewayFilter(gateway,
                                    forwarder), new HealthServlet(gateway)))) {
                assertThat(get(running.uri("/health/ready")).statusCode()).isEqualTo(200);
                assertThat(get(running.uri("/health/ready")).body()).isEqualTo(report("up", true,
                        component("spread", "up", false, 2, 2, "closed"),
                        component("brittle", "up", true, 1, 1, "closed")));

                // One endpoint dies under traffic: its attempt is retried on the other, the
                // endpoint is ejected, the service is degraded, readiness holds.
                b.stop();
                for (int i = 0; i < 4; i++) {
                    assertThat(get(running.uri("/spread")).statusCode()).isEqualTo(200);
                }
                assertThat(a.hits("/spread")).isEqualTo(4);
                HttpResponse<String> degraded = get(running.uri("/health/ready"));
                assertThat(degraded.statusCode()).isEqualTo(200);
                assertThat(degraded.body()).isEqualTo(report("degraded", true,
                        component("spread", "degraded", false, 1, 2, "closed"),
                        component("brittle", "up", true, 1, 1, "closed")));

                // Two 5xx in a window of two open the required service's circuit: down, and
                // the gateway is no longer ready.
                assertThat(get(running.uri("/brittle")).statusCode()).isEqualTo(500);
                assertThat(get(running.uri("/brittle")).statusCode()).isEqualTo(500);
                assertThat(get(running.uri("/brittle")).statusCode()).isEqualTo(503);
                assertThat(c.hits("/brittle")).isEqualTo(2);
                HttpResponse<String> down = get(running.uri("/health/ready"));
                assertThat(down.statusCode()).isEqualTo(503);
                assertThat(down.body()).isEqualTo(report("down", false,
                        component("spread", "degraded", false, 1, 2, "closed"),
                        component("brittle", "down", true, 1, 1, "open")));

                // The last endpoint of the optional service dies too: down, but still ready
                // as far as that service goes (the required one keeps it not ready here);
                // its attempt was refused, the endpoint ejected, and no other one is left.
                a.stop();
                assertThat(get(running.uri("/spread")).statusCode()).isEqualTo(503);
                assertThat(get(running.uri("/health/ready")).body()).isEqualTo(report("down",
                        false, component("spread", "down", false, 0, 2, "closed"),
                        component("brittle", "down", true, 1, 1, "open")));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("containers")
    void anOptionalServiceDownLeavesTheGatewayReady(ServletContainer container)
            throws Exception {
        Upstream dead = new Upstream();
        dead.close();
        GatewayConfig config = GatewayConfig.parse("""
                services:
                  gone:
                    endpoints: [%s]
                    health: {consecutive_failures: 1, eject_for: 10m}
                routes:
                  - {id: gone, path: /gone, public: true, service: gone}
                  - {id: health, path: /health/ready, public: true}
                """.formatted(dead.url()), name -> null);
        Gateway gateway = config.gatewayBuilder().build();
        try (ProxyForwarder forwarder = ProxyForwarder.of(config);
                ServletContainer.Running running = container.start(
                        ServletContainer.Deployment.of("", new GatewayFilter(gateway,
                                forwarder), new HealthServlet(gateway)))) {
            assertThat(get(running.uri("/gone")).statusCode()).isEqualTo(503);
            HttpResponse<String> health = get(running.uri("/health/ready"));
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo(report("degraded", true,
                    component("gone", "down", false, 0, 1, "closed")));
        }
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        return client.send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String component(String service, String status, boolean required,
            int healthy, int total, String circuit) {
        return "\"upstream_" + service + "\":{\"status\":\"" + status + "\",\"required\":"
                + required + ",\"detail\":\"" + healthy + "/" + total
                + " endpoints healthy, circuit " + circuit + "\"}";
    }

    private static String report(String status, boolean ready, String... components) {
        return "{\"status\":\"" + status + "\",\"ready\":" + ready + ",\"draining\":false,"
                + "\"components\":{" + String.join(",", components) + "}}";
    }
}
