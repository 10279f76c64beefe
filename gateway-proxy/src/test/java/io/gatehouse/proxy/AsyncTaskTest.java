package io.gatehouse.proxy;

import static io.gatehouse.proxy.AsyncTaskHarness.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.route.Route;
import io.gatehouse.task.AsyncMode;
import io.gatehouse.task.TaskStore;
import io.gatehouse.upstream.PathRewrite;
import io.gatehouse.upstream.Service;
import io.gatehouse.upstream.Target;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Async request-reply over HTTP in real Jetty 12 and Tomcat 11, forwarding to a real upstream on
 * loopback: 202 with Location, status by owner only, cancel, failures, bounds, and the limits a
 * task holds until it ends.
 */
class AsyncTaskTest {

    private static final String ASYNC_BODY = "{\"task\":\"summarize\",\"async_execution\":true}";

    private Upstream upstream;
    private AsyncTaskHarness gateway;
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch arrived = new CountDownLatch(1);
    private final CountDownLatch handled = new CountDownLatch(1);

    static List<ServletContainer> containers() {
        return ServletContainer.all();
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        if (gateway != null) {
            gateway.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    private void start(ServletContainer container, int maxResultBytes) throws Exception {
        upstream = new Upstream().on("/execute", exchange -> {
            long bytes = upstream.record(exchange);
            arrived.countDown();
            if (exchange.getRequestHeaders().getFirst("X-Wait") != null) {
                release.await(30, TimeUnit.SECONDS);
            }
            exchange.getResponseHeaders().set("X-Usage-Tokens", "30");
            exchange.getResponseHeaders().set("X-Agent", "a1");
            try {
                Upstream.respond(exchange, 200, "application/json",
                        "{\"answer\":42,\"received\":" + bytes + "}");
            } finally {
                handled.countDown();
            }
        }).on("/big", exchange -> {
            upstream.record(exchange);
            big(exchange);
        });
        Service agent = Service.builder("agent").endpoint(upstream.url())
                .usage(io.gatehouse.upstream.UsageReader.header("X-Usage-Tokens")).build();
        AsyncMode async = AsyncMode.builder("/agent/status").bodyFlag("/async_execution")
                .preferRespondAsync().maxResultBytes(maxResultBytes)
                .retryAfter(Duration.ofSeconds(2)).build();
        Route execute = Route.builder("execute", "/agent/execute").methods("POST")
                .cost(100).maxBodyBytes(4096)
                .limit(LimitRule.concurrency("in-flight", 1, Duration.ofMinutes(5)))
                .limit(LimitRule.fixedWindow("tokens", 1_000, Duration.ofHours(1)))
                .target(Target.upstream("agent", PathRewrite.stripPrefix("/agent")))
                .async(async).build();
        Route big = Route.builder("big", "/agent/big").methods("POST")
                .target(Target.upstream("agent", PathRewrite.stripPrefix("/agent")))
                .async(async).build();
        Route status = Route.builder("status", "/agent/status/{task_id}")
                .methods("GET", "DELETE").target(Target.taskStatus()).build();
        gateway = new AsyncTaskHarness(container, TaskStore.inMemory(100), List.of(agent),
                execute, big, status);
    }

    private static void big(HttpExchange exchange) throws java.io.IOException {
        byte[] bytes = new byte[2_000];
        java.util.Arrays.fill(bytes, (byte) 'x');
        exchange.getResponseHeaders().set("Content-Type", "text/plain");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private JsonNode awaitState(String location, String user, String state) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            last[0] = json(gateway.get(location, user));
            return last[0].path("status").asText().equals(state);
        });
        return last[0];
    }

    @ParameterizedTest
    @MethodSource("containers")
    void anAsyncRequestIsAcceptedThenCompletedAndReadableByItsOwnerOnly(
            ServletContainer container) throws Exception {
        start(container, 1 << 20);

        HttpResponse<String> accepted = gateway.post("/agent/execute", "alice", ASYNC_BODY,
                "X-Wait", "1");

        assertThat(accepted.statusCode()).isEqualTo(202);
        String taskId = json(accepted).get("task_id").asText();
        assertThat(taskId).matches("[0-9a-f]{32}");
        String location = "/agent/status/" + taskId;
        assertThat(accepted.headers().firstValue("Location")).hasValue(location);
        assertThat(accepted.headers().firstValue("Retry-After")).hasValue("2");
        assertThat(accepted.headers().firstValue("X-Request-ID")).isPresent();
        assertThat(json(accepted).get("status").asText()).isEqualTo("pending");
        assertThat(json(accepted).get("status_url").asText()).isEqualTo(location);

        assertThat(arrived.await(20, TimeUnit.SECONDS)).isTrue();
        JsonNode running = awaitState(location, "alice", "running");
        assertThat(running.has("result")).isFalse();
        assertThat(gateway.get(location, "alice").headers().firstValue("Retry-After"))
                .hasValue("2");

        HttpResponse<String> stranger = gateway.get(location, "bob");
        assertThat(stranger.statusCode()).isEqualTo(404);
        assertThat(json(stranger).get("code").asText()).isEqualTo("NOT_FOUND");
        HttpResponse<String> unknown = gateway.get("/agent/status/" + "0".repeat(32), "alice");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).get("detail").asText())
                .isEqualTo(json(stranger).get("detail").asText()
                        .replace(taskId, "0".repeat(32)));
        assertThat(gateway.delete(location, "bob").statusCode()).isEqualTo(404);
        assertThat(gateway.get(location, "root").statusCode()).isEqualTo(200);

        release.countDown();
        JsonNode done = awaitState(location, "alice", "completed");
        JsonNode result = done.get("result");
        assertThat(result.get("status").asInt()).isEqualTo(200);
        assertThat(result.get("body").get("answer").asInt()).isEqualTo(42);
        assertThat(result.get("body").get("received").asInt())
                .isEqualTo(ASYNC_BODY.getBytes(StandardCharsets.UTF_8).length);
        // The JDK server spells names its own way ("X-agent"); names are case-insensitive.
        java.util.Map<String, String> headers = new java.util.TreeMap<>(
                String.CASE_INSENSITIVE_ORDER);
        result.get("headers").fields().forEachRemaining(field ->
                headers.put(field.getKey(), field.getValue().get(0).asText()));
        assertThat(headers).containsEntry("X-Agent", "a1").containsEntry("X-Usage-Tokens", "30")
                .doesNotContainKeys("X-Request-ID", "Content-Length", "Transfer-Encoding");
        assertThat(done.get("route").asText()).isEqualTo("execute");
        assertThat(gateway.get(location, "alice").headers().firstValue("Retry-After"))
                .isEmpty();

        assertThat(upstream.hits("/execute")).isEqualTo(1);
        Upstream.Seen seen = upstream.seen.get(0);
        assertThat(seen.header("X-Request-ID"))
                .isEqualTo(accepted.headers().firstValue("X-Request-ID").orElseThrow());
        assertThat(seen.header("X-User")).isEqualTo("alice");
        assertThat(seen.header("Host")).isEqualTo("127.0.0.1:" + upstream.port());
    }

    @ParameterizedTest
    @MethodSource("containers")
    void theTaskHoldsItsLeaseAndReservationUntilItEndsAndSettlesTheReportedCost(
            ServletContainer container) throws Exception {
        start(container, 1 << 20);

        HttpResponse<String> accepted = gateway.post("/agent/execute", "alice", ASYNC_BODY,
                "X-Wait", "1");
        String location = accepted.headers().firstValue("Location").orElseThrow();
        assertThat(arrived.await(20, TimeUnit.SECONDS)).isTrue();

        // The 202 went out, but the lease did not: a second call of alice is refused.
        HttpResponse<String> second = gateway.post("/agent/execute", "alice", ASYNC_BODY);
        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(json(second).get("limit_type").asText()).isEqualTo("in-flight");
        assertThat(gateway.settled).isEmpty();

        release.countDown();
        awaitState(location, "alice", "completed");
        // 3 status reads (each cost its own grant, settled at the estimate: -1) come after.
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.settled.contains(30L));
        assertThat(gateway.settled).filteredOn(cost -> cost != -1L).containsExactly(30L);

        // The lease is free again, and the quota holds 1000 - 30 = 970 tokens: a synchronous
        // call reserves 100 and reports r=870.
        HttpResponse<String> third = gateway.post("/agent/execute", "alice", "{\"x\":1}");
        assertThat(third.statusCode()).isEqualTo(200);
        assertThat(third.headers().allValues("RateLimit").toString()).contains("r=870");
    }

    @ParameterizedTest
    @MethodSource("containers")
    void requestsWithoutTheFlagAreForwardedSynchronouslyAndPreferRespondAsyncIsHonoured(
            ServletContainer container) throws Exception {
        start(container, 1 << 20);

        HttpResponse<String> sync = gateway.post("/agent/execute", "alice",
                "{\"async_execution\":false}");
        assertThat(sync.statusCode()).isEqualTo(200);
        assertThat(json(sync).get("answer").asInt()).isEqualTo(42);
        HttpResponse<String> notJson = gateway.post("/agent/execute", "alice", "async");
        assertThat(notJson.statusCode()).isEqualTo(200);

        HttpResponse<String> preferred = gateway.post("/agent/execute", "alice", "{}",
                "Prefer", "wait=5, respond-async");
        assertThat(preferred.statusCode()).isEqualTo(202);
        assertThat(preferred.headers().firstValue("Preference-Applied"))
                .hasValue("respond-async");
        JsonNode done = awaitState(preferred.headers().firstValue("Location").orElseThrow(),
                "alice", "completed");
        assertThat(done.get("result").get("body").get("received").asInt()).isEqualTo(2);
        assertThat(upstream.hits("/execute")).isEqualTo(3);
    }

    @ParameterizedTest
    @MethodSource("containers")
    void deleteCancelsARunningTaskAbortsItsCallAndReleasesItsLease(ServletContainer container)
            throws Exception {
        start(container, 1 << 20);
        HttpResponse<String> accepted = gateway.post("/agent/execute", "alice", ASYNC_BODY,
                "X-Wait", "1");
        String location = accepted.headers().firstValue("Location").orElseThrow();
        assertThat(arrived.await(20, TimeUnit.SECONDS)).isTrue();

        HttpResponse<String> cancelled = gateway.delete(location, "alice");

        assertThat(cancelled.statusCode()).isEqualTo(200);
        assertThat(json(cancelled).get("status").asText()).isEqualTo("cancelled");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> gateway.gateway.tasks().runningHere() == 0);
        HttpResponse<String> next = gateway.post("/agent/execute", "alice", "{\"x\":1}");
        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(json(gateway.get(location, "alice")).get("status").asText())
                .isEqualTo("cancelled");
        HttpResponse<String> again = gateway.delete(location, "alice");
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(json(again).get("task_status").asText()).isEqualTo("cancelled");
        release.countDown();
        // The upstream finishing later changes nothing.
        assertThat(handled.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(json(gateway.get(location, "alice")).get("status").asText())
                .isEqualTo("cancelled");
    }

    @ParameterizedTest
    @MethodSource("containers")
    void anUnreachableUpstreamOrAnOversizedResultFailsTheTaskWithAProblem(
            ServletContainer container) throws Exception {
        start(container, 1_000);

        HttpResponse<String> big = gateway.post("/agent/big", "alice", ASYNC_BODY);
        JsonNode tooLarge = awaitState(big.headers().firstValue("Location").orElseThrow(),
                "alice", "failed");
        assertThat(tooLarge.get("result").get("status").asInt()).isEqualTo(502);
        assertThat(tooLarge.get("result").get("body").get("code").asText())
                .isEqualTo("RESULT_TOO_LARGE");

        HttpResponse<String> oversizedBody = gateway.post("/agent/execute", "alice",
                "{\"async_execution\":true,\"pad\":\"" + "p".repeat(5000) + "\"}");
        assertThat(oversizedBody.statusCode()).isEqualTo(413);
        assertThat(json(oversizedBody).get("code").asText()).isEqualTo("PAYLOAD_TOO_LARGE");

        upstream.stop();
        HttpResponse<String> down = gateway.post("/agent/execute", "alice", ASYNC_BODY);
        assertThat(down.statusCode()).isEqualTo(202);
        JsonNode failed = awaitState(down.headers().firstValue("Location").orElseThrow(),
                "alice", "failed");
        assertThat(failed.get("result").get("body").get("code").asText())
                .isEqualTo("UPSTREAM_UNAVAILABLE");
        assertThat(failed.get("result").get("status").asInt()).isEqualTo(502);
    }

    @ParameterizedTest
    @MethodSource("containers")
    void fortyTasksStartedFromEightThreadsEachRunOnceAndSettleOnce(ServletContainer container)
            throws Exception {
        start(container, 1 << 20);
        java.util.concurrent.ExecutorService threads =
                java.util.concurrent.Executors.newFixedThreadPool(8);
        List<java.util.concurrent.Future<String>> locations = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                String user = "user-" + i;
                locations.add(threads.submit(() -> {
                    HttpResponse<String> accepted = gateway.post("/agent/execute", user,
                            ASYNC_BODY);
                    assertThat(accepted.statusCode()).isEqualTo(202);
                    return accepted.headers().firstValue("Location").orElseThrow();
                }));
            }
            java.util.Set<String> distinct = new java.util.HashSet<>();
            for (int i = 0; i < 40; i++) {
                String location = locations.get(i).get(30, TimeUnit.SECONDS);
                distinct.add(location);
                JsonNode done = awaitState(location, "user-" + i, "completed");
                assertThat(done.get("result").get("body").get("answer").asInt()).isEqualTo(42);
            }
            assertThat(distinct).hasSize(40);
        } finally {
            threads.shutdownNow();
        }
        assertThat(upstream.hits("/execute")).isEqualTo(40);
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.settled.stream()
                .filter(cost -> cost == 30L).count() == 40);
        assertThat(gateway.settled).filteredOn(cost -> cost != -1L).hasSize(40)
                .containsOnly(30L);
        assertThat(gateway.gateway.tasks().runningHere()).isZero();
    }

    @ParameterizedTest
    @MethodSource("containers")
    void aMalformedOrForeignIdIsTheSame404AndAnonymousCallersAreRefused(
            ServletContainer container) throws Exception {
        start(container, 1 << 20);

        assertThat(gateway.get("/agent/status/not-an-id", "alice").statusCode()).isEqualTo(404);
        assertThat(gateway.get("/agent/status/" + "A".repeat(32), "alice").statusCode())
                .isEqualTo(404);
        HttpResponse<String> anonymous = gateway.client.send(java.net.http.HttpRequest
                .newBuilder(gateway.uri("/agent/status/" + "0".repeat(32))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
    }
}
