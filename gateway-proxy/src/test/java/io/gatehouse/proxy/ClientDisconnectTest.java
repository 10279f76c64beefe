package io.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatehouse.route.Route;
import io.gatehouse.upstream.RetryPolicy;
import io.gatehouse.upstream.Service;
import io.gatehouse.upstream.Target;
import io.gatehouse.upstream.Timeouts;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A client that leaves before the upstream sent its response headers, while no I/O is pending
 * on either side. Jetty 12 lets the forwarder notice at once ({@link ClientWatch}); Tomcat 11
 * reports nothing to an asynchronous request until it reads or writes, so there the exchange
 * ends at the response-headers timeout (measured: the full timeout, whether the client closed
 * or reset the connection).
 */
class ClientDisconnectTest {

    static List<ServletContainer> containers() {
        return ServletContainer.all();
    }

    private static boolean watched(ServletContainer container) {
        return container instanceof ServletContainer.Jetty;
    }

    /** An upstream that reads a request head, never answers, and counts closed connections. */
    private static final class SilentUpstream implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final CountDownLatch requested = new CountDownLatch(1);
        final AtomicInteger closedByGateway = new AtomicInteger();
        private final Thread thread = new Thread(this::serve, "silent-upstream");

        SilentUpstream() throws IOException {
            thread.setDaemon(true);
            thread.start();
        }

        private void serve() {
            try (Socket socket = server.accept()) {
                InputStream in = socket.getInputStream();
                String head = "";
                byte[] buffer = new byte[4096];
                while (!head.contains("\r\n\r\n")) {
                    int read = in.read(buffer);
                    if (read < 0) {
                        return;
                    }
                    head += new String(buffer, 0, read, StandardCharsets.ISO_8859_1);
                }
                requested.countDown();
                try {
                    while (in.read(buffer) >= 0) {
                        // Nothing else is expected; wait for the end.
                    }
                } catch (IOException reset) {
                    // Reset by the gateway: closed as well.
                }
                closedByGateway.incrementAndGet();
            } catch (IOException e) {
                // The test ended first.
            }
        }

        String url() {
            return "http://127.0.0.1:" + server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    @ParameterizedTest
    @MethodSource("containers")
    void aClientLeavingBeforeTheResponseHeadersAbortsTheUpstreamAndCompletesTheGrant(
            ServletContainer container) throws Exception {
        for (boolean reset : new boolean[] {false, true}) {
            try (SilentUpstream upstream = new SilentUpstream()) {
                // Where the container lets the client be watched, the headers timeout is far
                // beyond the test's patience: only noticing the client can end the exchange.
                Duration headers = watched(container) ? Duration.ofMinutes(10)
                        : Duration.ofSeconds(1);
                Service svc = Service.builder("svc").endpoint(upstream.url())
                        .retry(RetryPolicy.DEFAULTS.withMaxAttempts(1))
                        .timeouts(Timeouts.DEFAULTS.withResponseHeaders(headers)).build();
                Route route = Route.builder("slow", "/slow").publicAccess()
                        .target(Target.upstream("svc")).build();
                try (ProxyHarness proxy = new ProxyHarness(container, List.of(svc), route)) {
                    try (Socket socket = new Socket()) {
                        socket.connect(new InetSocketAddress("127.0.0.1", proxy.port()));
                        socket.getOutputStream().write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
                                .getBytes(StandardCharsets.ISO_8859_1));
                        assertThat(upstream.requested.await(10, TimeUnit.SECONDS)).isTrue();
                        if (reset) {
                            socket.setSoLinger(true, 0);
                        }
                    }
                    await().untilAsserted(() -> assertThat(upstream.closedByGateway)
                            .hasValue(1));
                    await().untilAsserted(() -> assertThat(proxy.completed).hasValue(1));
                    assertThat(proxy.acquired).hasValue(1);
                    assertThat(proxy.localHits).hasValue(0);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("containers")
    void keepAliveAndPipelinedRequestsStillWorkWhileClientsAreWatched(
            ServletContainer container) throws Exception {
        try (Upstream upstream = new Upstream()) {
            upstream.on("/late", exchange -> {
                Thread.sleep(200);
                Upstream.respond(exchange, 200, "text/plain", "late");
            });
            Service svc = Service.builder("svc").endpoint(upstream.url()).build();
            Route route = Route.builder("late", "/late").publicAccess()
                    .target(Target.upstream("svc")).build();
            try (ProxyHarness proxy = new ProxyHarness(container, List.of(svc), route);
                    Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", proxy.port()));
                socket.setSoTimeout(20_000);
                OutputStream out = socket.getOutputStream();
                InputStream in = socket.getInputStream();
                String get = "GET /late HTTP/1.1\r\nHost: x\r\n\r\n";
                // One after the other on one connection, then two pipelined in one write.
                out.write(get.getBytes(StandardCharsets.ISO_8859_1));
                assertThat(readResponse(in)).startsWith("HTTP/1.1 200").endsWith("late");
                out.write(get.getBytes(StandardCharsets.ISO_8859_1));
                assertThat(readResponse(in)).startsWith("HTTP/1.1 200").endsWith("late");
                out.write((get + get).getBytes(StandardCharsets.ISO_8859_1));
                assertThat(readResponse(in)).startsWith("HTTP/1.1 200").endsWith("late");
                assertThat(readResponse(in)).startsWith("HTTP/1.1 200").endsWith("late");
                assertThat(upstream.hits("/late")).isEqualTo(4);
                await().untilAsserted(() -> assertThat(proxy.completed).hasValue(4));
            }
        }
    }

    /** One response with a Content-Length body, as text. */
    private static String readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.indexOf("\r\n\r\n") < 0) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed after: " + head);
            }
            head.append((char) c);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).strip());
            }
        }
        byte[] body = in.readNBytes(length);
        return head + new String(body, StandardCharsets.ISO_8859_1);
    }
}
