package io.gatehouse.proxy;

import static io.gatehouse.proxy.AsyncTaskHarness.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.redis.RedisConnections;
import io.gatehouse.redis.RedisTaskStore;
import io.gatehouse.route.Route;
import io.gatehouse.task.AsyncMode;
import io.gatehouse.upstream.PathRewrite;
import io.gatehouse.upstream.Service;
import io.gatehouse.upstream.Target;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;

/**
 * Two gateway instances (real Jetty each) sharing tasks through one real Redis: a task started
 * on one is read and cancelled on the other, and the one that runs it settles its grant.
 */
class SharedTaskStoreTest {

    private LocalRedis redis;
    private Upstream upstream;
    private AsyncTaskHarness first;
    private AsyncTaskHarness second;
    private UnifiedJedis firstJedis;
    private UnifiedJedis secondJedis;
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch arrived = new CountDownLatch(1);
    private final CountDownLatch handled = new CountDownLatch(1);

    private void start() throws Exception {
        redis = LocalRedis.start();
        upstream = new Upstream().on("/execute", exchange -> {
            upstream.record(exchange);
            arrived.countDown();
            release.await(30, TimeUnit.SECONDS);
            exchange.getResponseHeaders().set("X-Usage-Tokens", "7");
            try {
                Upstream.respond(exchange, 201, "application/json", "{\"done\":true}");
            } finally {
                handled.countDown();
            }
        });
        Service agent = Service.builder("agent").endpoint(upstream.url())
                .usage(io.gatehouse.upstream.UsageReader.header("X-Usage-Tokens")).build();
        Route execute = Route.builder("execute", "/agent/execute").methods("POST")
                .target(Target.upstream("agent", PathRewrite.stripPrefix("/agent")))
                .async(AsyncMode.builder("/agent/status").bodyFlag("/async_execution")
                        .build()).build();
        Route status = Route.builder("status", "/agent/status/{task_id}")
                .methods("GET", "DELETE").target(Target.taskStatus()).build();
        firstJedis = RedisConnections.parse(redis.url()).build();
        secondJedis = RedisConnections.parse(redis.url()).build();
        first = new AsyncTaskHarness(new ServletContainer.Jetty(),
                RedisTaskStore.builder(firstJedis).build(), List.of(agent), execute, status);
        second = new AsyncTaskHarness(new ServletContainer.Jetty(),
                RedisTaskStore.builder(secondJedis).build(), List.of(agent), execute, status);
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        for (AutoCloseable closeable : new AutoCloseable[] {first, second, firstJedis,
                secondJedis, upstream, redis}) {
            if (closeable != null) {
                closeable.close();
            }
        }
    }

    @Test
    void aTaskStartedOnOneInstanceIsAnsweredByTheOther() throws Exception {
        start();
        HttpResponse<String> accepted = first.post("/agent/execute", "alice",
                "{\"async_execution\":true}");
        assertThat(accepted.statusCode()).isEqualTo(202);
        String location = accepted.headers().firstValue("Location").orElseThrow();
        assertThat(arrived.await(20, TimeUnit.SECONDS)).isTrue();

        await().atMost(Duration.ofSeconds(10)).until(() ->
                json(second.get(location, "alice")).path("status").asText().equals("running"));
        assertThat(second.get(location, "bob").statusCode()).isEqualTo(404);

        release.countDown();
        await().atMost(Duration.ofSeconds(20)).until(() ->
                json(second.get(location, "alice")).path("status").asText()
                        .equals("completed"));
        JsonNode done = json(second.get(location, "alice"));
        assertThat(done.get("result").get("status").asInt()).isEqualTo(201);
        assertThat(done.get("result").get("body").get("done").asBoolean()).isTrue();
        // The instance that ran the task settled it with the reported usage; the other
        // settled only its own status reads (at the estimate).
        await().atMost(Duration.ofSeconds(10)).until(() -> first.settled.contains(7L));
        assertThat(first.settled).containsExactly(7L);
        assertThat(second.settled).doesNotContain(7L).containsOnly(-1L);
        assertThat(upstream.hits("/execute")).isEqualTo(1);
    }

    @Test
    void aCancelOnTheOtherInstanceWinsOverTheLaterCompletion() throws Exception {
        start();
        HttpResponse<String> accepted = first.post("/agent/execute", "alice",
                "{\"async_execution\":true}");
        String location = accepted.headers().firstValue("Location").orElseThrow();
        assertThat(arrived.await(20, TimeUnit.SECONDS)).isTrue();

        HttpResponse<String> cancelled = second.delete(location, "alice");
        assertThat(cancelled.statusCode()).isEqualTo(200);
        assertThat(json(cancelled).get("status").asText()).isEqualTo("cancelled");

        release.countDown();
        assertThat(handled.await(20, TimeUnit.SECONDS)).isTrue();
        // The running instance still settles the work the upstream did.
        await().atMost(Duration.ofSeconds(10)).until(() -> first.settled.contains(7L));
        JsonNode after = json(first.get(location, "alice"));
        assertThat(after.get("status").asText()).isEqualTo("cancelled");
        assertThat(after.has("result")).isFalse();
        assertThat(second.delete(location, "alice").statusCode()).isEqualTo(409);
    }
}
