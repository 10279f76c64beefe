package io.gatehouse.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 10, point 5, inside Jetty 12 and Tomcat 11 with a pool of only 16 threads: 100
 * connections trickle their headers and 100 trickle bodies the gateway must check, one byte at
 * a time, while another client's requests keep being answered. A filter that read bodies on
 * container threads would have all 16 pinned by the slow bodies.
 */
@Timeout(90)
class SlowClientsStarvationTest {

    private static final int THREADS = 16;
    private static final int SLOW_HEADERS = 100;
    private static final int SLOW_BODIES = 100;
    private static final String VALID = "{\"prompt\":\"still served\"}";

    static List<ServletContainer> containers() {
        return ServletContainer.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void slowConnectionsNeverStarveOtherClients(ServletContainer container) throws Exception {
        TestGateways gateways = new TestGateways();
        try (ServletContainer.Running running = container.start(new ServletContainer.Deployment(
                "", new GatewayFilter(gateways.gateway()),
                Map.of(GatewayFilter.BODY_DEADLINE_PARAMETER, "60000"), Map.of(),
                new AppServlet()), THREADS)) {
            List<RawConnection> slow = new ArrayList<>();
            try {
                for (int i = 0; i < SLOW_HEADERS + SLOW_BODIES; i++) {
                    RawConnection connection = new RawConnection(running.port());
                    slow.add(connection);
                    connection.send(i < SLOW_HEADERS ? "POST /json HTTP/1.1\r\nHost: a\r\n"
                            : "POST /json HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n"
                                    + "X-API-Key: " + TestGateways.GOOD_KEY + "\r\n\r\n{");
                }
                HttpClient client = HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5)).build();
                long[] micros = new long[20];
                int answered = 0;
                for (int i = 0; i < micros.length; i++) {
                    // Keep every slow connection sending, so none of them is idle.
                    for (int s = 0; s < slow.size(); s++) {
                        slow.get(s).send(s < SLOW_HEADERS ? "X-Slow-" + i + ": 1\r\n" : " ");
                    }
                    long started = System.nanoTime();
                    HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                            running.uri("/json")).timeout(Duration.ofSeconds(10))
                            .header("X-API-Key", TestGateways.GOOD_KEY)
                            .POST(HttpRequest.BodyPublishers.ofString(VALID)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    micros[i] = (System.nanoTime() - started) / 1_000;
                    if (response.statusCode() == 200 && response.body().equals(VALID)) {
                        answered++;
                    }
                }
                Arrays.sort(micros);
                System.out.printf("[reliability] %s, %d threads, %d slow headers + %d slow"
                        + " bodies: %d of %d other requests answered, latency p50 %d us, max"
                        + " %d us%n", container, THREADS, SLOW_HEADERS, SLOW_BODIES, answered,
                        micros.length, micros[micros.length / 2], micros[micros.length - 1]);
                assertThat(answered).isEqualTo(micros.length);
                // The slow bodies are still being read: nothing of theirs was admitted yet.
                assertThat(gateways.acquired("json")).isEqualTo(micros.length);
            } finally {
                for (RawConnection connection : slow) {
                    try {
                        connection.close();
                    } catch (IOException ignored) {
                        // Closing is best effort; the container closes its side too.
                    }
                }
            }
        }
    }
}
