package io.gatehouse.examples.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Issue 10, point 9: SIGTERM drains the real example process and it exits 0. */
@Timeout(120)
class ShutdownReliabilityTest {

    private static final String PROMPT = "{\"prompt\":\"finish me while the gateway stops\"}";

    private static boolean acceptsConnections(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    @Test
    void sigtermLetsAnInFlightUploadFinishRefusesNewConnectionsAndExitsZero() throws Exception {
        try (ExampleProcess example = ExampleProcess.start("--drain-seconds", "15");
                RawClient upload = new RawClient(example.port(), "127.0.0.1")) {
            upload.send("POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: "
                    + ExampleProcess.ENTERPRISE_KEY + "\r\nContent-Type: application/json\r\n"
                    + "Expect: 100-continue\r\nContent-Length: " + PROMPT.length() + "\r\n\r\n");
            // 100 Continue: the gateway is reading this body, so the request is in flight.
            RawClient.Response proceed = upload.read();
            assertThat(proceed.status()).isEqualTo(100);
            upload.send(PROMPT.substring(0, 12));

            long terminated = System.nanoTime();
            example.terminate();
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> !acceptsConnections(example.port()));
            long refusingAfter = System.nanoTime() - terminated;
            upload.send(PROMPT.substring(12));
            RawClient.Response response = upload.read();
            int exitCode = example.awaitExit(Duration.ofSeconds(30));
            long exitedAfter = System.nanoTime() - terminated;

            System.out.printf("[reliability] SIGTERM with one upload in flight: status %d, new"
                    + " connections refused after %d ms, exit code %d after %d ms%n",
                    response.status(), refusingAfter / 1_000_000, exitCode,
                    exitedAfter / 1_000_000);
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.body()).contains("\"response\"");
            assertThat(exitCode).isZero();
            await().atMost(Duration.ofSeconds(5)).until(() ->
                    example.linesContaining("Gatehouse example gateway stopped") == 1);
            assertThat(example.linesContaining("ERROR")).isZero();
        }
    }

    @Test
    void sigtermUnderLoadCompletesWhatWasAdmittedAndExitsZero() throws Exception {
        try (ExampleProcess example = ExampleProcess.start("--drain-seconds", "15")) {
            HttpClient client = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
            AtomicInteger sent = new AtomicInteger();
            ExecutorService clients = Executors.newFixedThreadPool(8);
            List<Future<?>> loops = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                loops.add(clients.submit(() -> load(client, example.uri("/invocations"),
                        example, sent, outcomes)));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> count(outcomes, "200") >= 100);

            long terminated = System.nanoTime();
            example.terminate();
            int exitCode = example.awaitExit(Duration.ofSeconds(30));
            long exitedAfter = System.nanoTime() - terminated;
            for (Future<?> loop : loops) {
                loop.get(30, TimeUnit.SECONDS);
            }
            clients.shutdown();

            System.out.printf("[reliability] SIGTERM under load (8 clients): %d requests sent,"
                    + " outcomes %s, exit code %d after %d ms%n", sent.get(), outcomes,
                    exitCode, exitedAfter / 1_000_000);
            assertThat(exitCode).isZero();
            // Every response that arrived is a success or an orderly refusal while draining;
            // never a server error.
            assertThat(outcomes.keySet()).allMatch(outcome -> outcome.equals("200")
                    || outcome.equals("503") || outcome.startsWith("io:"));
            assertThat(example.linesContaining("ERROR")).isZero();
        }
    }

    private static void load(HttpClient client, URI uri, ExampleProcess example,
            AtomicInteger sent, Map<String, AtomicInteger> outcomes) {
        // Bounded: the enterprise tier allows 1,000 an hour; stop well before.
        while (example.isAlive() && sent.incrementAndGet() <= 900) {
            String outcome;
            try {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(20))
                        .header("X-API-Key", ExampleProcess.ENTERPRISE_KEY)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(PROMPT)).build(),
                        HttpResponse.BodyHandlers.ofString());
                outcome = Integer.toString(response.statusCode());
            } catch (ConnectException refused) {
                outcome = "io:refused";
            } catch (IOException e) {
                outcome = "io:" + e.getClass().getSimpleName();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            outcomes.computeIfAbsent(outcome, key -> new AtomicInteger()).incrementAndGet();
        }
    }

    private static int count(Map<String, AtomicInteger> outcomes, String outcome) {
        AtomicInteger count = outcomes.get(outcome);
        return count == null ? 0 : count.get();
    }
}
