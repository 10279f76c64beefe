package io.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatehouse.route.Route;
import io.gatehouse.upstream.Balancing;
import io.gatehouse.upstream.BreakerSettings;
import io.gatehouse.upstream.Endpoint;
import io.gatehouse.upstream.HealthCheck;
import io.gatehouse.upstream.RetryPolicy;
import io.gatehouse.upstream.Service;
import io.gatehouse.upstream.ServicePool;
import io.gatehouse.upstream.Target;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Balancing, ejection and recovery, counted on the upstream side; no thread leak. */
class ProxyBalancingTest {

    static List<ServletContainer> containers() {
        return ServletContainer.all();
    }

    private static Route route() {
        return Route.builder("lb", "/lb").publicAccess().target(Target.upstream("svc")).build();
    }

    @ParameterizedTest
    @MethodSource("containers")
    void roundRobinAndWeightedSpreadExactlyAsConfigured(ServletContainer container)
            throws Exception {
        try (Upstream a = new Upstream(); Upstream b = new Upstream();
                Upstream c = new Upstream()) {
            Service roundRobin = Service.builder("svc").balancing(Balancing.ROUND_ROBIN)
                    .endpoint(a.url()).endpoint(b.url()).endpoint(c.url()).build();
            try (ProxyHarness proxy = new ProxyHarness(container, List.of(roundRobin), route())) {
                for (int i = 0; i < 300; i++) {
                    assertThat(get(proxy, "/lb").statusCode()).isEqualTo(200);
                }
            }
            assertThat(List.of(a.hits("/lb"), b.hits("/lb"), c.hits("/lb")))
                    .containsExactly(100, 100, 100);

            Service weighted = Service.builder("svc").balancing(Balancing.WEIGHTED)
                    .endpoint(a.url(), 3).endpoint(b.url(), 1).build();
            try (ProxyHarness proxy = new ProxyHarness(container, List.of(weighted), route())) {
                for (int i = 0; i < 400; i++) {
                    assertThat(get(proxy, "/lb").statusCode()).isEqualTo(200);
                }
            }
            assertThat(List.of(a.hits("/lb") - 100, b.hits("/lb") - 100))
                    .containsExactly(300, 100);
        }
    }

    @ParameterizedTest
    @MethodSource("containers")
    void aKilledEndpointIsEjectedWithoutClientErrorsAndReturnsAfterRecovery(
            ServletContainer container) throws Exception {
        try (Upstream a = new Upstream(); Upstream b = new Upstream();
                Upstream c = new Upstream()) {
            Service svc = Service.builder("svc").endpoint(a.url()).endpoint(b.url())
                    .endpoint(c.url()).circuitBreaker(BreakerSettings.DISABLED)
                    .health(HealthCheck.DEFAULTS.withEjection(1, Duration.ofMillis(300)))
                    .retry(RetryPolicy.DEFAULTS.withMaxAttempts(3).withBudget(1.0, 1000))
                    .build();
            try (ProxyHarness proxy = new ProxyHarness(container, List.of(svc), route())) {
                ExecutorService clients = Executors.newFixedThreadPool(8);
                AtomicInteger errors = new AtomicInteger();
                AtomicInteger sent = new AtomicInteger();
                List<Future<?>> load = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    load.add(clients.submit(() -> {
                        for (int i = 0; i < 60; i++) {
                            if (sent.incrementAndGet() == 160) {
                                b.stop();
                            }
                            try {
                                if (get(proxy, "/lb").statusCode() != 200) {
                                    errors.incrementAndGet();
                                }
                            } catch (Exception e) {
                                errors.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> future : load) {
                    future.get(60, TimeUnit.SECONDS);
                }
                clients.shutdown();
                assertThat(errors).hasValue(0);
                // A request cut on the killed endpoint is retried elsewhere: at most one per
                // client thread reached two endpoints.
                assertThat(a.hits("/lb") + b.hits("/lb") + c.hits("/lb")).isBetween(480, 488);

                ServicePool pool = proxy.forwarder.upstreams().pool("svc").orElseThrow();
                Endpoint killed = Endpoint.parse(b.url());
                int beforeRecovery = b.hits("/lb");
                b.restart();
                // Re-admitted once its ejection ends; requests then reach it again.
                await().untilAsserted(() -> {
                    assertThat(get(proxy, "/lb").statusCode()).isEqualTo(200);
                    assertThat(b.hits("/lb")).isGreaterThan(beforeRecovery);
                });
                assertThat(pool.healthy(killed)).isTrue();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("containers")
    void tenThousandRequestsTwoThirdsAbortedLeakNoThreadsAndCompleteEveryGrant(
            ServletContainer container) throws Exception {
        try (Upstream upstream = new Upstream()) {
            upstream.on("/lb", exchange -> {
                upstream.record(exchange);
                Upstream.respond(exchange, 200, "text/plain", "x".repeat(20_000));
            });
            Service svc = Service.builder("svc").endpoint(upstream.url()).build();
            try (ProxyHarness proxy = new ProxyHarness(container, List.of(svc), route())) {
                ExecutorService clients = Executors.newFixedThreadPool(8);
                // The warm-up grows the container's and the client's thread pools to their
                // working size under this load, so what the measured run adds is what leaks:
                // one thread per aborted request would be hundreds, not a pool's growth.
                AtomicInteger aborted = new AtomicInteger();
                runRequests(proxy, clients, 1_000, aborted);
                await().untilAsserted(() -> assertThat(proxy.completed.get())
                        .isEqualTo(proxy.acquired.get()));
                int baseline = Thread.activeCount();

                runRequests(proxy, clients, 9_000, aborted);
                clients.shutdown();
                assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
                // Every grant handed out was completed exactly once: nothing is left in flight.
                await().untilAsserted(() -> assertThat(proxy.completed.get())
                        .isEqualTo(proxy.acquired.get()));
                // A request aborted before the gateway read it may never be admitted; every
                // other one was, and reached the upstream at most once (no retry for a client
                // that left).
                assertThat(proxy.acquired.get()).isBetween(10_000 - aborted.get(), 10_000);
                assertThat(upstream.seen.size()).isLessThanOrEqualTo(proxy.acquired.get());
                assertThat(aborted.get()).isBetween(6_000, 7_300);
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                        assertThat(Thread.activeCount()).isLessThanOrEqualTo(baseline + 16));
            }
        }
    }

    /**
     * {@code count} requests on 8 threads; about two thirds are dropped by the client (half of
     * them right after sending, half after the first bytes of the response), counted in
     * {@code aborted}.
     */
    private static void runRequests(ProxyHarness proxy, ExecutorService clients, int count,
            AtomicInteger aborted) throws Exception {
        List<Future<?>> work = new ArrayList<>();
        AtomicInteger left = new AtomicInteger(count);
        for (int t = 0; t < 8; t++) {
            work.add(clients.submit(() -> {
                while (left.getAndDecrement() > 0) {
                    int mode = ThreadLocalRandom.current().nextInt(3);
                    try (Socket socket = new Socket()) {
                        socket.connect(new InetSocketAddress("127.0.0.1", proxy.port()));
                        socket.setSoTimeout(30_000);
                        socket.getOutputStream().write(("GET /lb HTTP/1.1\r\nHost: x\r\n"
                                + "Connection: close\r\n\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                        if (mode == 0) {
                            aborted.incrementAndGet();
                            socket.setSoLinger(true, 0);
                            continue;
                        }
                        byte[] buffer = new byte[8192];
                        int read = socket.getInputStream().read(buffer);
                        if (mode == 1 && read > 0) {
                            aborted.incrementAndGet();
                            socket.setSoLinger(true, 0);
                            continue;
                        }
                        while (read >= 0) {
                            read = socket.getInputStream().read(buffer);
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> future : work) {
            future.get(120, TimeUnit.SECONDS);
        }
    }

    private static HttpResponse<String> get(ProxyHarness proxy, String path) throws Exception {
        return proxy.client.send(HttpRequest.newBuilder(proxy.uri(path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
