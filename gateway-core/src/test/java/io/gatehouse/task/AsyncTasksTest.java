package io.gatehouse.task;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.Admission;
import io.gatehouse.Gateway;
import io.gatehouse.PlainExchange;
import io.gatehouse.ResponseHeaders;
import io.gatehouse.auth.AuthResult;
import io.gatehouse.auth.Principal;
import io.gatehouse.limit.LimitDecision;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import io.gatehouse.upstream.Target;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The task engine in core, driven through {@link Gateway#admit} with plain exchanges. */
class AsyncTasksTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final AtomicLong millis = new AtomicLong(1_000_000);
    private final List<Long> settled = new CopyOnWriteArrayList<>();

    private Gateway gateway(TaskStore store) {
        Route execute = Route.builder("execute", "/agent/execute").methods("POST")
                .target(Target.upstream("agent"))
                .async(AsyncMode.builder("/agent/status").bodyFlag("/options/async")
                        .preferRespondAsync().build()).build();
        Route status = Route.builder("status", "/agent/status/{task_id}")
                .methods("GET", "DELETE").target(Target.taskStatus()).build();
        return Gateway.builder(Router.of(List.of(execute, status)))
                .authenticator(request -> new AuthResult.Authenticated(new Principal(
                        request.header("X-User"), "t", Set.of(), Set.of(), "k")))
                .rateLimiter((request, principal, route) -> new LimitDecision.Allowed(
                        ResponseHeaders.empty(), settled::add))
                .taskStore(store).epochMillis(millis::get).build();
    }

    private static Admission.Admitted admit(Gateway gateway, String method, String path,
            String body, String... headers) {
        PlainExchange.Builder exchange = PlainExchange.builder(method,
                URI.create("http://localhost" + path)).header("X-User", "alice");
        for (int i = 0; i < headers.length; i += 2) {
            exchange.header(headers[i], headers[i + 1]);
        }
        if (body != null) {
            exchange.body(body.getBytes(StandardCharsets.UTF_8));
        }
        return (Admission.Admitted) gateway.admit(exchange.build());
    }

    @Test
    void onlyATrueFlagOrAPreferRespondAsyncAsksForATask() {
        Gateway gateway = gateway(TaskStore.inMemory(10));
        Map<String, Boolean> bodies = Map.of(
                "{\"options\":{\"async\":true}}", true,
                "{\"options\":{\"async\":\"true\"}}", false,
                "{\"options\":{\"async\":1}}", false,
                "{\"options\":{}}", false,
                "{\"options\":{\"async\":true", false,
                "[true]", false);
        bodies.forEach((body, expected) -> {
            Admission.Admitted admitted = admit(gateway, "POST", "/agent/execute", body);
            assertThat(gateway.tasks().wantsAsync(admitted,
                    body.getBytes(StandardCharsets.UTF_8))).as(body).isEqualTo(expected);
        });
        assertThat(AsyncTasks.prefersAsync(List.of("wait=10, respond-async"))).isTrue();
        assertThat(AsyncTasks.prefersAsync(List.of("Respond-Async; x=1"))).isTrue();
        assertThat(AsyncTasks.prefersAsync(List.of("respond-asynchronously", "return=minimal")))
                .isFalse();
    }

    @Test
    void aFullStoreAnswers503AndReleasesTheGrantWithoutCallingTheRunner() throws Exception {
        Gateway gateway = gateway(TaskStore.inMemory(1));
        CompletableFuture<TaskOutcome> never = new CompletableFuture<>();
        List<String> calls = new CopyOnWriteArrayList<>();
        TaskRunner runner = (admitted, body, max, sent) -> {
            calls.add(admitted.requestId());
            return never;
        };
        TaskReply first = gateway.tasks().start(admit(gateway, "POST", "/agent/execute", "{}"),
                new byte[0], runner);
        assertThat(first.status()).isEqualTo(202);

        TaskReply second = gateway.tasks().start(admit(gateway, "POST", "/agent/execute",
                "{}"), new byte[0], runner);

        assertThat(second.status()).isEqualTo(503);
        assertThat(second.headers().get("Retry-After")).isEqualTo("1");
        assertThat(JSON.readTree(second.body()).get("code").asText())
                .isEqualTo("SERVICE_UNAVAILABLE");
        assertThat(calls).hasSize(1);
        assertThat(settled).containsExactly(-1L);
    }

    @Test
    void aResultIsShownAsJsonTextOrBase64AndTheOutcomeSettlesTheGrant() throws Exception {
        Gateway gateway = gateway(TaskStore.inMemory(10));
        String[] bodies = {"{\"a\":[1,2]}", "plain text", null};
        String[] types = {"application/json", "text/plain", "application/octet-stream"};
        for (int i = 0; i < bodies.length; i++) {
            byte[] bytes = bodies[i] == null ? new byte[] {(byte) 0xff, 0, 1}
                    : bodies[i].getBytes(StandardCharsets.UTF_8);
            TaskResult result = new TaskResult(200, List.of(Map.entry("Content-Type",
                    types[i])), bytes);
            long cost = 10 + i;
            TaskReply accepted = gateway.tasks().start(admit(gateway, "POST",
                    "/agent/execute", "{}"), new byte[0], (admitted, body, max, sent) -> {
                        sent.run();
                        return CompletableFuture.completedFuture(
                                new TaskOutcome(result, false, cost));
                    });
            String id = JSON.readTree(accepted.body()).get("task_id").asText();
            millis.addAndGet(1_000);

            TaskReply status = gateway.tasks().answer(admit(gateway, "GET",
                    "/agent/status/" + id, null));

            JsonNode document = JSON.readTree(status.body());
            assertThat(document.get("status").asText()).isEqualTo("completed");
            assertThat(status.headers().get("Retry-After")).isNull();
            JsonNode shown = document.get("result");
            if (i == 0) {
                assertThat(shown.get("body").get("a").get(1).asInt()).isEqualTo(2);
            } else if (i == 1) {
                assertThat(shown.get("body_text").asText()).isEqualTo("plain text");
            } else {
                assertThat(shown.get("body_base64").asText()).isEqualTo("/wAB");
            }
        }
        // Each task settled with its reported cost (the status reads' grants are the
        // adapter's to complete).
        assertThat(settled).containsExactly(10L, 11L, 12L);
    }
}
