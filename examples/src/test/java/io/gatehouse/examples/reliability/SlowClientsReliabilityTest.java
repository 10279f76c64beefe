package io.gatehouse.examples.reliability;

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
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 10, point 5, against the real example process: 300 connections from five other client
 * addresses send headers or bodies one byte at a time, while a well-behaved client keeps
 * calling {@code /health} and {@code /invocations}. The slow connections beyond the per-address
 * cap are closed at once, the rest get 408 when their deadline passes, and the other client
 * sees every request answered.
 */
@Timeout(120)
class SlowClientsReliabilityTest {

    private static final int ADDRESSES = 5;
    private static final int PER_ADDRESS = 60;
    private static final int CAP = 40;
    private static final String[] HEAD = {
        "GET /health HTTP/1.1\r\n", "Host: 127.0.0.1\r\n", "X-Slow: ", "a", "b", "c", "d", "e"};

    @Test
    void slowHeadersAndBodiesNeitherStarveOtherClientsNorOutliveTheirDeadlines()
            throws Exception {
        try (ExampleProcess example = ExampleProcess.start("--max-connections-per-address",
                Integer.toString(CAP), "--header-timeout-ms", "1500", "--body-timeout-ms",
                "1500")) {
            List<RawClient> slow = new ArrayList<>();
            long attackStarted = System.nanoTime();
            for (int address = 0; address < ADDRESSES; address++) {
                for (int i = 0; i < PER_ADDRESS; i++) {
                    RawClient client = new RawClient(example.port(), "127.0.0." + (address + 2));
                    slow.add(client);
                    if (i % 2 == 1) {
                        // Headers complete, then a body that trickles in.
                        trySend(client, "POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                + "Content-Type: application/json\r\nContent-Length: 1000\r\n"
                                + "\r\n{");
                    }
                }
            }
            AtomicBoolean trickling = new AtomicBoolean(true);
            ExecutorService trickler = Executors.newSingleThreadExecutor();
            boolean[] broken = new boolean[slow.size()];
            CompletableFuture<Void> trickle = CompletableFuture.runAsync(() -> {
                for (int round = 0; trickling.get() && round < 40; round++) {
                    for (int i = 0; i < slow.size(); i++) {
                        if (!broken[i]) {
                            String piece = i % 2 == 1 ? " " : HEAD[Math.min(round, 7)];
                            broken[i] = !trySend(slow.get(i), piece);
                        }
                    }
                    pause(100);
                }
            }, trickler);

            // The well-behaved client, from 127.0.0.1, while the slow ones hold their sockets.
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            long[] micros = new long[40];
            int answered = 0;
            for (int i = 0; i < 40; i++) {
                HttpRequest request = i % 2 == 0
                        ? HttpRequest.newBuilder(example.uri("/health"))
                                .timeout(Duration.ofSeconds(10)).GET().build()
                        : HttpRequest.newBuilder(example.uri("/invocations"))
                                .timeout(Duration.ofSeconds(10))
                                .header("X-API-Key", ExampleProcess.ENTERPRISE_KEY)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"hi\"}"))
                                .build();
                long started = System.nanoTime();
                HttpResponse<String> response =
                        client.send(request, HttpResponse.BodyHandlers.ofString());
                micros[i] = (System.nanoTime() - started) / 1_000;
                if (response.statusCode() == 200) {
                    answered++;
                }
            }

            Map<String, Integer> slowOutcomes = new TreeMap<>();
            for (RawClient connection : slow) {
                RawClient.Response response;
                try {
                    response = connection.read();
                } catch (IOException e) {
                    response = null;
                }
                slowOutcomes.merge(response == null ? "closed" : Integer.toString(
                        response.status()), 1, Integer::sum);
            }
            long clearedMillis = (System.nanoTime() - attackStarted) / 1_000_000;
            trickling.set(false);
            trickle.get(30, TimeUnit.SECONDS);
            trickler.shutdown();
            for (RawClient connection : slow) {
                connection.close();
            }

            Arrays.sort(micros);
            System.out.printf("[reliability] %d slow connections from %d addresses (cap %d per"
                    + " address): outcomes %s, all answered or closed after %d ms; other client:"
                    + " %d of 40 answered 200, latency p50 %d us, max %d us%n", slow.size(),
                    ADDRESSES, CAP, slowOutcomes, clearedMillis, answered, micros[20],
                    micros[39]);
            assertThat(answered).isEqualTo(40);
            assertThat(slowOutcomes).containsOnlyKeys("408", "closed");
            assertThat(slowOutcomes.get("408")).isEqualTo(ADDRESSES * CAP);
            assertThat(slowOutcomes.get("closed")).isEqualTo(ADDRESSES * (PER_ADDRESS - CAP));
            assertThat(example.linesContaining("ERROR")).isZero();
        }
    }

    private static boolean trySend(RawClient client, String text) {
        try {
            client.send(text);
            return true;
        } catch (IOException closed) {
            return false;
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
