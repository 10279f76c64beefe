package io.gatehouse.examples.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 10, points 6 and 7, against the real example process: aborted uploads and malformed
 * chunked bodies are the client's fault (400 or nothing, never 500, never an error logged), and
 * a refusal sent before the body arrived leaves the connection usable for the next request.
 */
@Timeout(120)
class ClientFaultsReliabilityTest {

    private static final String INVOKE = "POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "X-API-Key: " + ExampleProcess.ENTERPRISE_KEY + "\r\n"
            + "Content-Type: application/json\r\n";

    @Test
    void abortedUploadsAndMalformedChunksAre400OrNothingAndLogNoErrors() throws Exception {
        try (ExampleProcess example = ExampleProcess.start()) {
            int linesBefore = example.output().size();
            Map<String, Integer> aborted = new TreeMap<>();
            for (int i = 0; i < 200; i++) {
                try (RawClient client = new RawClient(example.port(), "127.0.0.1")) {
                    client.send(INVOKE + "Content-Length: 5000\r\n\r\n{\"prompt\":\"half");
                    client.shutdownOutput();
                    aborted.merge(outcome(client), 1, Integer::sum);
                }
            }
            Map<String, Integer> malformed = new TreeMap<>();
            for (int i = 0; i < 50; i++) {
                try (RawClient client = new RawClient(example.port(), "127.0.0.1")) {
                    client.send(INVOKE + "Transfer-Encoding: chunked\r\n\r\n"
                            + "4\r\n{\"pr\r\nnot-a-chunk-size\r\n\r\n");
                    malformed.merge(outcome(client), 1, Integer::sum);
                }
            }
            int linesAdded = example.output().size() - linesBefore;

            System.out.printf("[reliability] 200 aborted uploads: %s; 50 malformed chunked"
                    + " bodies: %s; %d log lines for 250 faulty requests%n", aborted, malformed,
                    linesAdded);
            assertThat(aborted.keySet()).allMatch(outcome -> outcome.equals("400")
                    || outcome.equals("closed"));
            assertThat(malformed).containsOnlyKeys("400");
            assertThat(malformed.get("400")).isEqualTo(50);
            // At most one line (the access log's) per request, and no error or stack trace.
            assertThat(linesAdded).isLessThanOrEqualTo(250);
            assertThat(example.linesContaining("ERROR")).isZero();
            assertThat(example.linesContaining("Exception")).isZero();
        }
    }

    @Test
    void everyConnectionStaysUsableAfterARefusalSentBeforeItsBody() throws Exception {
        String body = "{\"prompt\":\"" + "x".repeat(1_987) + "\"}";
        try (ExampleProcess example = ExampleProcess.start()) {
            Map<String, Integer> refusals = new TreeMap<>();
            Map<String, Integer> next = new TreeMap<>();
            for (int i = 0; i < 100; i++) {
                try (RawClient client = new RawClient(example.port(), "127.0.0.1")) {
                    // No credentials: refused before the gateway reads the 2 KB body.
                    client.send("POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + "Content-Type: application/json\r\nContent-Length: "
                            + body.length() + "\r\n\r\n" + body);
                    refusals.merge(outcome(client), 1, Integer::sum);
                    client.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
                    next.merge(outcome(client), 1, Integer::sum);
                }
            }

            System.out.printf("[reliability] 100 connections, a refusal then a second request"
                    + " on each: refusals %s, second requests %s%n", refusals, next);
            assertThat(refusals).containsExactly(Map.entry("401", 100));
            assertThat(next).containsExactly(Map.entry("200", 100));
        }
    }

    private static String outcome(RawClient client) {
        try {
            RawClient.Response response = client.read();
            return response == null ? "closed" : Integer.toString(response.status());
        } catch (IOException e) {
            return "closed";
        }
    }
}
