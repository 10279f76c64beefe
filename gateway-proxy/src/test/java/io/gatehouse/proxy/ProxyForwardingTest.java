package io.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.gatehouse.route.Route;
import io.gatehouse.upstream.BreakerSettings;
import io.gatehouse.upstream.HealthCheck;
import io.gatehouse.upstream.PathRewrite;
import io.gatehouse.upstream.RetryPolicy;
import io.gatehouse.upstream.Service;
import io.gatehouse.upstream.Target;
import io.gatehouse.upstream.Timeouts;
import io.gatehouse.upstream.UpstreamCredential;
import io.gatehouse.upstream.UsageReader;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Forwarding through the filter, under Jetty 12 and Tomcat 11, to real upstreams. */
class ProxyForwardingTest {

    static List<ServletContainer> containers() {
        return ServletContainer.all();
    }

    private static Route route(String id, String path, Target target) {
        return Route.builder(id, path).publicAccess().target(target).build();
    }

    private static Service.Builder service(Upstream upstream) {
        return Service.builder("svc").endpoint(upstream.url());
    }

    @ParameterizedTest
    @MethodSource("containers")
    void forwardsWithRewrittenPathAndTheHeaderPolicy(ServletContainer container)
            throws Exception {
        try (Upstream upstream = new Upstream()) {
            upstream.on("/embed", exchange -> {
                long bytes = upstream.record(exchange);
                exchange.getResponseHeaders().add("Connection", "X-Upstream-Hop");
                exchange.getResponseHeaders().add("X-Upstream-Hop", "secret");
                exchange.getResponseHeaders().add("X-Request-ID", "upstream-id");
                exchange.getResponseHeaders().add("X-Model", "m1");
                Upstream.respond(exchange, 201, "application/json", "{\"bytes\":" + bytes + "}");
            });
            Service svc = service(upstream)
                    .credential(new UpstreamCredential("X-API-Key", "upstream-secret")).build();
            try (ProxyHarness proxy = new ProxyHarness(container, List.of(svc),
                    route("embed", "/v1/embed", Target.upstream("svc",
                            PathRewrite.stripPrefix("/v1"))))) {
                HttpResponse<String> response = proxy.client.send(HttpRequest.newBuilder(
                        proxy.uri("/v1/embed?model=a%20b"))
                        .header("X-API-Key", "client-key").header("Authorization", "Bearer t")
                        .header("X-Request-ID", "client-request-1")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"input\":\"hello\"}"))
                        .build(), HttpResponse.BodyHandlers.ofString());

                assertThat(response.statusCode()).isEqualTo(201);
                assertThat(response.body()).isEqualTo("{\"bytes\":17}");
                assertThat(response.headers().allValues("X-Request-ID"))
                        .containsExactly("client-request-1");
                assertThat(response.headers().firstValue("RateLimit")).isPresent();
                assertThat(response.headers().firstValue("X-Model")).contains("m1");
                assertThat(response.headers().firstValue("X-Upstream-Hop")).isEmpty();

                Upstream.Seen seen = upstream.seen.get(0);
                assertThat(seen.uri()).isEqualTo("/embed?model=a%20b");
                assertThat(seen.method()).isEqualTo("POST");
                assertThat(seen.header("X-API-Key")).isEqualTo("upstream-secret");
                assertThat(seen.header("Authorization")).isNull();
                assertThat(seen.header("X-Request-ID")).isEqualTo("client-request-1");
                assertThat(seen.header("X-Forwarded-For")).isEqualTo("127.0.0.1");
                assertThat(seen.header("X-Forwarded-Proto")).isEqualTo("http");
                assertThat(seen.header("Forwarded")).startsWith("for=127.0.0.1;proto=http");
                assertThat(seen.header("traceparent")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
                assertThat(seen.header("Host")).isEqualTo("127.0.0.1:" + upstream.port());
                assertThat(upstream.hits("/embed")).isEqualTo(1);
                assertThat(proxy.localHits).hasValue(0);
                await().untilAsserted(() -> assertThat(proxy.completed).hasValue(1));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("containers")
    void theGrantIsSettledBeforeTheClientSeesTheResponseEnd(ServletContainer container)
            throws Exception {
        try (Upstream upstream = new Upstream()) {
            upstream.on("/sized", exchange ->
                    Upstream.respond(exchange, 200, "text/plain", "x".repeat(10_000)));
            upstream.on("/empty", exchange -> {
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            });
            upstream.on("/chunked", exchange -> {
                exchange.getResponseHeaders().set("Content-Type", "text/plain");
                exchange.sendResponseHeaders(200, 0);
                try (OutputStream out = exchange.getResponseBody()) {
                    for (int i = 0; i < 5; i++) {
                        out.write("chunk ".getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                }
            });
            Service svc = service(upstream).build();
            try (ProxyHarness proxy = new ProxyHarness(container, List.of(svc),
                    route("all", "/**", Target.upstream("svc")))) {
                int sent = 0;
                for (int round = 0; round < 10; round++) {
                    for (String path : List.of("/sized", "/empty", "/chunked")) {
                        HttpResponse<String> response = proxy.client.send(
                                HttpRequest.newBuilder(proxy.uri(path)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        sent++;
                        assertThat(response.statusCode()).isIn(200, 204);
                        // No waiting: usage, metrics and limits of a response are settled by
                        // the time its client has read it to the end.
                        assertThat(proxy.completed).as("after %s, round %d", path, round)
                                .hasValue(sent);
                    }
                }
                assertThat(proxy.actualCosts).hasSize(30);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("containers")
    void aValidatedBodyIsReadWithoutAThreadThenForwardedWhole(ServletContainer container)
            throws Exception {
        try (Upstream upstream = new Upstream()) {
            upstream.on("/chat", exchange -> {
                long bytes = upstream.record(exchange);
                Upstream.respond(exchange, 200, "text/plain", "got " + bytes);
            });
            Service svc = service(upstream).build();
            Route chat = Route.builder("chat", "/chat").publicAccess()
                    .validator(io.gatehouse.validate.JsonBodyValidator.builder().build())
                    .target(Target.upstream("svc")).build();
            try (ProxyHarness proxy = new ProxyHarness(container, List.of(svc), chat)) {
                String json = "{\"prompt\":\"" + "p".repeat(5000) + "\"}";
                HttpResponse<String> ok = proxy.client.send(HttpRequest.newBuilder(
                        proxy.uri("/chat")).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(ok.statusCode()).isEqualTo(200);
                assertThat(ok.body()).isEqualTo("got " + json.length());
                HttpResponse<String> invalid = proxy.client.send(HttpRequest.newBuilder(
                        proxy.uri("/chat")).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{not json")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(invalid.statusCode()).isEqualTo(400);
                assertThat(upstream.hits("/chat")).isEqualTo(1);
                await().untilAsserted(() -> assertThat(proxy.completed).hasValue(2));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("containers")
    void serverSentEventsArriveOneByOneWithTheGatewayHeadersFirst(ServletContainer container)
            throws Exception {
        Semaphore sendNext = new Semaphore(0);
        try (Upstream upstream = new Upstream()) {
            upstream.on("/stream", exchange -> {
                upstream.record(exchange);
                exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
                exchange.sendResponseHeaders(200, 0);
                try (OutputStream out = exchange.getResponseBody()) {
                    for (int i = 1; i <= 3; i++) {
                        // Each event is sent only after the client confirmed the previous one.
                        if (!sendNext.tryAcquire(30, TimeUnit.SECONDS)) {
                            return;
                        }
                        out.write(("data: {\"n\":" + i + ",\"usage\":{\"total_tokens\":" + 10 * i
                                + "}}\n\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                }
            });
            Service svc = service(upstream)
                    .usage(UsageReader.lastEventField("/usage/total_tokens")).build();
            try (ProxyHarness proxy = new ProxyHarness(container, List.of(svc),
                    route("stream", "/stream", Target.upstream("svc")))) {
                HttpResponse<InputStream> response = proxy.client.send(HttpRequest.newBuilder(
                        proxy.uri("/stream")).build(), HttpResponse.BodyHandlers.ofInputStream());
                // The headers are here although the upstream has not sent a single event.
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.headers().firstValue("X-Request-ID")).isPresent();
                assertThat(response.headers().firstValue("RateLimit")).isPresent();
                assertThat(response.headers().firstValue("Content-Type"))
                        .contains("text/event-stream");
                try (BufferedReader lines = new BufferedReader(new InputStreamReader(
                        response.body(), StandardCharsets.UTF_8))) {
                    for (int i = 1; i <= 3; i++) {
                        sendNext.release();
                        assertThat(lines.readLine()).isEqualTo("data: {\"n\":" + i
                                + ",\"usage\":{\"total_tokens\":" + 10 * i + "}}");
                        assertThat(lines.readLine()).isEmpty();
                    }
                    assertThat(lines.readLine()).isNull();
                }
                await().untilAsserted(() -> assertThat(proxy.actualCosts).containsExactly(30L));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("containers")
    void slowResponseHeadersGive504AndTheUpstreamIsCalledOnceForPost(
            ServletContainer container) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (Upstream upstream = new Upstream()) {
            upstream.on("/slow", exchange -> {
                upstream.record(exchange);
                release.await(30, TimeUnit.SECONDS);
                Upstream.respond(exchange, 200, "text/plain", "late");
            });
            Service svc = service(upstream).timeouts(Timeouts.DEFAULTS
                    .withResponseHeaders(Duration.ofMillis(300))).build();
            try (ProxyHarness proxy = new ProxyHarness(container, List.of(svc),
                    route("slow", "/slow", Target.upstream("svc")))) {
                HttpResponse<String> response = proxy.client.send(HttpRequest.newBuilder(
                        proxy.uri("/slow")).POST(HttpRequest.BodyPublishers.ofString("x"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                release.countDown();
                assertThat(response.statusCode()).isEqualTo(504);
                assertThat(response.headers().firstValue("Content-Type"))
                        .contains("application/problem+json");
                assertThat(response.body()).contains("\"code\":\"UPSTREAM_TIMEOUT\"");
                assertThat(response.headers().firstValue("X-Request-ID")).isPresent();
                assertThat(upstream.hits("/slow")).isEqualTo(1);
                await().untilAsserted(() -> assertThat(proxy.completed).hasValue(1));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("containers")
    void aDeadPortGives502AfterTheAllowedRetries(ServletContainer container) throws Exception {
        int deadPort;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            deadPort = probe.getLocalPort();
        }
        Service svc = Service.builder("svc").endpoint("http://127.0.0.1:" + deadPort).build();
        try (ProxyHarness proxy = new ProxyHarness(container, List.of(svc),
                route("dead", "/dead", Target.upstream("svc")))) {
            HttpResponse<String> response = proxy.client.send(HttpRequest.newBuilder(
                    proxy.uri("/dead")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(502);
            assertThat(response.body()).contains("\"code\":\"UPSTREAM_UNAVAILABLE\"")
                    .doesNotContain("Exception");
            await().untilAsserted(() -> assertThat(proxy.completed).hasValue(1));
        }
    }

    @ParameterizedTest
    @MethodSource("containers")
    void repeatedFailuresOpenTheCircuitOrEjectEveryEndpoint(ServletContainer container)
            throws Exception {
        int deadPort;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            deadPort = probe.getLocalPort();
        }
        Service breaking = Service.builder("svc").endpoint("http://127.0.0.1:" + deadPort)
                .retry(RetryPolicy.NONE)
                .health(HealthCheck.DEFAULTS.withEjection(1000, Duration.ofSeconds(1)))
                .circuitBreaker(new BreakerSettings(true, 50, 2, 2, Duration.ofSeconds(30), 1))
                .build();
        Service ejecting = Service.builder("other").endpoint("http://127.0.0.1:" + deadPort)
                .retry(RetryPolicy.NONE).circuitBreaker(BreakerSettings.DISABLED)
                .health(HealthCheck.DEFAULTS.withEjection(1, Duration.ofSeconds(30))).build();
        try (ProxyHarness proxy = new ProxyHarness(container, List.of(breaking, ejecting),
                route("breaking", "/breaking", Target.upstream("svc")),
                route("ejecting", "/ejecting", Target.upstream("other")))) {
            for (int i = 0; i < 2; i++) {
                assertThat(send(proxy, "/breaking").statusCode()).isEqualTo(502);
            }
            HttpResponse<String> open = send(proxy, "/breaking");
            assertThat(open.statusCode()).isEqualTo(503);
            assertThat(open.body()).contains("\"code\":\"CIRCUIT_OPEN\"");
            assertThat(Long.parseLong(open.headers().firstValue("Retry-After").orElseThrow()))
                    .isBetween(1L, 30L);

            assertThat(send(proxy, "/ejecting").statusCode()).isEqualTo(502);
            HttpResponse<String> none = send(proxy, "/ejecting");
            assertThat(none.statusCode()).isEqualTo(503);
            assertThat(none.body()).contains("\"code\":\"NO_HEALTHY_UPSTREAM\"");
            assertThat(none.headers().firstValue("Retry-After")).contains("1");
            await().untilAsserted(() -> assertThat(proxy.completed).hasValue(5));
        }
    }

    @ParameterizedTest
    @MethodSource("containers")
    void theTotalTimeoutCutsAStreamThatHasStarted(ServletContainer container) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (Upstream upstream = new Upstream()) {
            upstream.on("/long", exchange -> {
                exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
                exchange.sendResponseHeaders(200, 0);
                OutputStream out = exchange.getResponseBody();
                out.write("data: first\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                release.await(30, TimeUnit.SECONDS);
                exchange.close();
            });
            Service svc = service(upstream).timeouts(Timeouts.DEFAULTS
                    .withTotal(Duration.ofMillis(1500))).build();
            try (ProxyHarness proxy = new ProxyHarness(container, List.of(svc),
                    route("long", "/long", Target.upstream("svc")))) {
                // Connection: close, so that even a slow run that answered 504 ends the read.
                String received = RawHttp.exchange(proxy.port(),
                        "GET /long HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                release.countDown();
                assertThat(received).startsWith("HTTP/1.1 200").contains("data: first");
                assertThat(received).doesNotContain("\r\n0\r\n\r\n");
                await().untilAsserted(() -> assertThat(proxy.completed).hasValue(1));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("containers")
    void activeProbesTakeAnEndpointOutAndBackIn(ServletContainer container) throws Exception {
        java.util.concurrent.atomic.AtomicBoolean healthy =
                new java.util.concurrent.atomic.AtomicBoolean(false);
        try (Upstream upstream = new Upstream()) {
            upstream.on("/health", exchange -> Upstream.respond(exchange,
                    healthy.get() ? 200 : 503, "text/plain", "probe"));
            Service svc = service(upstream).health(HealthCheck.DEFAULTS.withProbe("/health",
                    Duration.ofMillis(50), Duration.ofSeconds(1))).build();
            try (ProxyHarness proxy = new ProxyHarness(container, List.of(svc),
                    route("probed", "/probed", Target.upstream("svc")))) {
                await().untilAsserted(() -> assertThat(upstream.hits("/health")).isPositive());
                await().untilAsserted(() -> assertThat(send(proxy, "/probed").body())
                        .contains("\"code\":\"NO_HEALTHY_UPSTREAM\""));
                assertThat(upstream.hits("/probed")).isZero();
                healthy.set(true);
                await().untilAsserted(() -> assertThat(send(proxy, "/probed").statusCode())
                        .isEqualTo(200));
                assertThat(upstream.hits("/probed")).isPositive();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("containers")
    void aStreamedBodyOverTheRouteLimitGets413(ServletContainer container) throws Exception {
        try (Upstream upstream = new Upstream()) {
            upstream.on("/upload", exchange -> {
                upstream.record(exchange);
                Upstream.respond(exchange, 200, "text/plain", "stored");
            });
            Service svc = service(upstream).build();
            Route upload = Route.builder("upload", "/upload").publicAccess().maxBodyBytes(1000)
                    .target(Target.upstream("svc")).build();
            try (ProxyHarness proxy = new ProxyHarness(container, List.of(svc), upload)) {
                byte[] body = new byte[50_000];
                HttpResponse<String> response = proxy.client.send(HttpRequest.newBuilder(
                        proxy.uri("/upload")).POST(HttpRequest.BodyPublishers.fromPublisher(
                                HttpRequest.BodyPublishers.ofByteArray(body))).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).isEqualTo(413);
                assertThat(response.body()).contains("\"code\":\"PAYLOAD_TOO_LARGE\"");
                assertThat(upstream.seen).noneMatch(seen -> seen.bodyBytes() > 1000);
                await().untilAsserted(() -> assertThat(proxy.completed).hasValue(1));
            }
        }
    }

    private static HttpResponse<String> send(ProxyHarness proxy, String path) throws Exception {
        return proxy.client.send(HttpRequest.newBuilder(proxy.uri(path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest
    @MethodSource("containers")
    void aResponseResetMidBodyIsCutNeverCompleted(ServletContainer container) throws Exception {
        try (RawHttp.ResettingUpstream upstream = new RawHttp.ResettingUpstream(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n",
                "5\r\nhello\r\n")) {
            Service svc = Service.builder("svc").endpoint("http://127.0.0.1:" + upstream.port())
                    .build();
            try (ProxyHarness proxy = new ProxyHarness(container, List.of(svc),
                    route("reset", "/reset", Target.upstream("svc")))) {
                String received = RawHttp.exchange(proxy.port(),
                        "GET /reset HTTP/1.1\r\nHost: x\r\n\r\n");
                assertThat(received).startsWith("HTTP/1.1 200").contains("hello");
                assertThat(received).doesNotContain("\r\n0\r\n\r\n");
                assertThat(upstream.connections).hasValue(1);
                await().untilAsserted(() -> assertThat(proxy.completed).hasValue(1));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("containers")
    void aStalledBodyHitsTheIdleTimeoutAndIsCut(ServletContainer container) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (Upstream upstream = new Upstream()) {
            upstream.on("/stall", exchange -> {
                exchange.sendResponseHeaders(200, 100);
                OutputStream out = exchange.getResponseBody();
                out.write("partial".getBytes(StandardCharsets.UTF_8));
                out.flush();
                release.await(30, TimeUnit.SECONDS);
                exchange.close();
            });
            Service svc = service(upstream).timeouts(Timeouts.DEFAULTS
                    .withIdle(Duration.ofMillis(300))).build();
            try (ProxyHarness proxy = new ProxyHarness(container, List.of(svc),
                    route("stall", "/stall", Target.upstream("svc")))) {
                assertThatThrownBy(() -> proxy.client.send(HttpRequest.newBuilder(
                        proxy.uri("/stall")).build(), HttpResponse.BodyHandlers.ofString()))
                        .isInstanceOf(IOException.class);
                release.countDown();
                await().untilAsserted(() -> assertThat(proxy.completed).hasValue(1));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("containers")
    void a503IsRetriedOnceForGetButNeverForPost(ServletContainer container) throws Exception {
        try (Upstream first = new Upstream(); Upstream second = new Upstream()) {
            for (Upstream upstream : List.of(first, second)) {
                upstream.on("/flaky", exchange -> {
                    upstream.record(exchange);
                    Upstream.respond(exchange, upstream == first ? 503 : 200, "text/plain",
                            "from " + (upstream == first ? "first" : "second"));
                });
            }
            Service svc = Service.builder("svc").endpoint(first.url()).endpoint(second.url())
                    .balancing(io.gatehouse.upstream.Balancing.ROUND_ROBIN)
                    .circuitBreaker(BreakerSettings.DISABLED)
                    // Never ejected, so that the test sees where each attempt goes.
                    .health(HealthCheck.DEFAULTS.withEjection(1000, Duration.ofSeconds(1)))
                    .retry(RetryPolicy.DEFAULTS.withBudget(0.2, 100)).build();
            try (ProxyHarness proxy = new ProxyHarness(container, List.of(svc),
                    route("flaky", "/flaky", Target.upstream("svc")))) {
                for (int i = 0; i < 4; i++) {
                    HttpResponse<String> get = proxy.client.send(HttpRequest.newBuilder(
                            proxy.uri("/flaky")).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(get.statusCode()).isEqualTo(200);
                    assertThat(get.body()).isEqualTo("from second");
                }
                // Round robin: every GET tries the first endpoint, then retries on the second.
                assertThat(first.hits("/flaky")).isEqualTo(4);
                assertThat(second.hits("/flaky")).isEqualTo(4);

                int postsSeen = first.hits("/flaky") + second.hits("/flaky");
                AtomicInteger refused = new AtomicInteger();
                for (int i = 0; i < 4; i++) {
                    HttpResponse<String> post = proxy.client.send(HttpRequest.newBuilder(
                            proxy.uri("/flaky")).POST(HttpRequest.BodyPublishers.ofString("p"))
                            .build(), HttpResponse.BodyHandlers.ofString());
                    if (post.statusCode() == 503) {
                        refused.incrementAndGet();
                        assertThat(post.body()).isEqualTo("from first");
                    }
                }
                assertThat(first.hits("/flaky") + second.hits("/flaky") - postsSeen)
                        .as("each POST reached an upstream exactly once").isEqualTo(4);
                assertThat(refused).hasValue(2);
                await().untilAsserted(() -> assertThat(proxy.completed).hasValue(8));
            }
        }
    }
}
