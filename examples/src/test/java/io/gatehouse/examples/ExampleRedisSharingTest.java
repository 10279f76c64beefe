package io.gatehouse.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import io.gatehouse.redis.RedisConnections;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.JedisPooled;

/**
 * Two example gateways started with one Redis URL act as one: one limit per principal, one key
 * store (a revocation through one is refused by the other within a second), one usage count,
 * and {@code /health} reports Redis.
 */
class ExampleRedisSharingTest {

    private static final String BOB = "key_456";

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient client = HttpClient.newHttpClient();

    @TempDir
    Path directory;

    private HttpResponse<String> call(ExampleGateway.Running gateway, String method, String path,
            String key, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(gateway.uri().resolve(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (key != null) {
            request.header("X-API-Key", key);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private int invoke(ExampleGateway.Running gateway, String key) throws Exception {
        return call(gateway, "POST", "/invocations", key, "{\"prompt\": \"hi\"}").statusCode();
    }

    private static ExampleGateway.Running start(RedisProcess redis) throws Exception {
        // Generous timeouts: this test is about sharing, not a busy machine's latency.
        return ExampleGateway.start("127.0.0.1", 0, ExampleSetup.systemClocks(),
                KeySource.redis(RedisConnections.parse(redis.url())
                        .commandTimeout(Duration.ofSeconds(2))));
    }

    @Test
    void twoGatewaysOnOneRedisEnforceOneLimitShareKeysAndCountUsageTogether() throws Exception {
        try (RedisProcess redis = RedisProcess.start(directory.resolve("redis"));
                ExampleGateway.Running one = start(redis);
                ExampleGateway.Running two = start(redis)) {
            // Bob's free tier: 10 per hour, in total across both gateways.
            int admitted = 0;
            for (int i = 0; i < 10; i++) {
                int status = invoke(i % 2 == 0 ? one : two, BOB);
                assertThat(status).as("request %d", i + 1).isEqualTo(200);
                admitted++;
            }
            HttpResponse<String> eleventhOnOne = call(one, "POST", "/invocations", BOB,
                    "{\"prompt\": \"hi\"}");
            assertThat(eleventhOnOne.statusCode()).isEqualTo(429);
            assertThat(eleventhOnOne.headers().firstValue("Retry-After")).isPresent();
            assertThat(invoke(two, BOB)).isEqualTo(429);
            assertThat(admitted).isEqualTo(10);

            // A key created through one gateway's admin API works on the other at once, and
            // its revocation through the first is refused by the second within one second.
            HttpResponse<String> created = call(one, "POST", "/admin/keys", one.adminApiKey(),
                    "{\"owner\": \"dana\", \"tier\": \"premium\"}");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            JsonNode key = json.readTree(created.body());
            String plaintext = key.get("api_key").asText();
            assertThat(invoke(two, plaintext)).isEqualTo(200);
            assertThat(call(one, "DELETE", "/admin/keys/" + key.get("id").asText(),
                    one.adminApiKey(), null).statusCode()).isEqualTo(204);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            int status = invoke(two, plaintext);
            while (status == 200 && System.nanoTime() < deadline) {
                Thread.sleep(20);
                status = invoke(two, plaintext);
            }
            assertThat(status).isEqualTo(401);

            // Usage: bob's 10 admitted requests, counted by both gateways into one total.
            String usageKey = "gatehouse:usage:{bob}:" + LocalDate.now(ZoneOffset.UTC);
            try (JedisPooled jedis = new JedisPooled(redis.url())) {
                Map<String, String> usage = Map.of();
                long usageDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (!"10".equals(usage.get("requests"))
                        && System.nanoTime() < usageDeadline) {
                    Thread.sleep(50);
                    usage = jedis.hgetAll(usageKey);
                }
                assertThat(usage).containsEntry("requests", "10").containsEntry("cost", "10");
            }

            for (ExampleGateway.Running gateway : List.of(one, two)) {
                JsonNode health = json.readTree(call(gateway, "GET", "/health", null, null)
                        .body());
                assertThat(health.get("status").asText()).isEqualTo("healthy");
                assertThat(health.get("redis").asText()).isEqualTo("up");
                assertThat(health.has("uptime")).isTrue();
                assertThat(health.has("version")).isTrue();
            }

            assertThat(invoke(one, one.devApiKey())).isEqualTo(200);
            redis.close();
            // The dev key is cached on this gateway; its limit falls back to this gateway's
            // memory (LOCAL_FALLBACK), so it is still served while Redis is down.
            for (int i = 0; i < 4; i++) {
                assertThat(invoke(one, one.devApiKey())).isEqualTo(200);
            }
            // Redis is stopped: the stores are required, so health and readiness say so.
            // A health answer is reused for a second, so the outage shows within about one.
            await().atMost(Duration.ofSeconds(10)).until(
                    () -> call(one, "GET", "/health", null, null).statusCode() == 503);
            HttpResponse<String> down = call(one, "GET", "/health", null, null);
            assertThat(down.statusCode()).isEqualTo(503);
            JsonNode unhealthy = json.readTree(down.body());
            assertThat(unhealthy.get("redis").asText()).isEqualTo("down");
            assertThat(unhealthy.get("status").asText()).isEqualTo("unhealthy");
            assertThat(unhealthy.at("/components/limit_store/status").asText()).isEqualTo("down");
            assertThat(unhealthy.at("/components/key_store/status").asText()).isEqualTo("down");
            HttpResponse<String> ready = call(one, "GET", "/health/ready", null, null);
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(json.readTree(ready.body()).get("ready").asBoolean()).isFalse();
            assertThat(call(one, "GET", "/ready", null, null).statusCode()).isEqualTo(503);
            assertThat(call(one, "GET", "/health/live", null, null).statusCode()).isEqualTo(200);
            String metrics = call(one, "GET", "/metrics", null, null).body();
            assertThat(metrics).contains("gateway_store_breaker_state{")
                    .contains("gateway_limit_store_fallbacks_total{policy=\"LOCAL_FALLBACK\"}");
        }
    }
}
