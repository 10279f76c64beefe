package io.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.gatehouse.route.Route;
import io.gatehouse.upstream.Service;
import io.gatehouse.upstream.Target;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bodies far larger than the heap stream through in both directions, and a client that leaves
 * stops the upstream. The module's tests run with a 96 MiB heap (see its pom, checked below),
 * so 1 GiB can only pass if nothing is buffered whole; the bytes are compared by SHA-256.
 */
class ProxyStreamingTest {

    private static final long SIZE = 1L << 30;

    static List<ServletContainer> containers() {
        return ServletContainer.all();
    }

    private static Route route(String id, String path) {
        return Route.builder(id, path).publicAccess().maxBodyBytes(Integer.MAX_VALUE - 1)
                .target(Target.upstream("svc")).build();
    }

    /** Byte {@code i} of the pattern is {@code i % 251}; this holds many periods of it. */
    private static final byte[] CYCLE = new byte[251 * 256];

    static {
        for (int i = 0; i < CYCLE.length; i++) {
            CYCLE[i] = (byte) (i % 251);
        }
    }

    /** {@code size} bytes of a repeating pattern, generated as read. */
    private static InputStream pattern(long size) {
        return new InputStream() {
            private long position;

            @Override
            public int read() {
                return position < size ? (int) (position++ % 251) : -1;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) {
                if (position >= size) {
                    return -1;
                }
                int count = (int) Math.min(length, size - position);
                for (int done = 0; done < count; ) {
                    int start = (int) (position % 251);
                    int copied = Math.min(count - done, CYCLE.length - start);
                    System.arraycopy(CYCLE, start, buffer, offset + done, copied);
                    done += copied;
                    position += copied;
                }
                return count;
            }
        };
    }

    @ParameterizedTest
    @MethodSource("containers")
    void a1GiBUploadAndDownloadStreamThroughASmallHeap(ServletContainer container)
            throws Exception {
        assertThat(Runtime.getRuntime().maxMemory()).isLessThanOrEqualTo(100L << 20);
        String expected = expectedDigest();
        try (Upstream upstream = new Upstream()) {
            upstream.on("/upload", exchange -> {
                Digest received;
                try (InputStream in = exchange.getRequestBody()) {
                    received = digest(in);
                }
                Upstream.respond(exchange, 200, "text/plain", received.count + " "
                        + received.hex);
            });
            upstream.on("/download", exchange -> {
                exchange.sendResponseHeaders(200, SIZE);
                try (OutputStream out = exchange.getResponseBody(); InputStream in =
                        pattern(SIZE)) {
                    in.transferTo(out);
                }
            });
            Service svc = Service.builder("svc").endpoint(upstream.url()).build();
            try (ProxyHarness proxy = new ProxyHarness(container, List.of(svc),
                    route("upload", "/upload"), route("download", "/download"))) {
                HttpResponse<String> uploaded = proxy.client.send(HttpRequest.newBuilder(
                        proxy.uri("/upload")).POST(HttpRequest.BodyPublishers.fromPublisher(
                                HttpRequest.BodyPublishers.ofInputStream(() -> pattern(SIZE)),
                                SIZE)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(uploaded.statusCode()).isEqualTo(200);
                assertThat(uploaded.body()).isEqualTo(SIZE + " " + expected);

                HttpResponse<InputStream> downloaded = proxy.client.send(HttpRequest.newBuilder(
                        proxy.uri("/download")).build(), HttpResponse.BodyHandlers.ofInputStream());
                assertThat(downloaded.statusCode()).isEqualTo(200);
                Digest received;
                try (InputStream in = downloaded.body()) {
                    received = digest(in);
                }
                assertThat(received.count).isEqualTo(SIZE);
                assertThat(received.hex).isEqualTo(expected);
                assertThat(upstream.hits("/upload")).isEqualTo(1);
                assertThat(upstream.hits("/download")).isEqualTo(1);
                await().untilAsserted(() -> assertThat(proxy.completed).hasValue(2));
            }
        }
    }

    private static String expectedDigest;

    /** The SHA-256 of the whole pattern, computed once for both containers. */
    private static synchronized String expectedDigest() throws IOException {
        if (expectedDigest == null) {
            expectedDigest = digest(pattern(SIZE)).hex;
        }
        return expectedDigest;
    }

    /** What {@link #digest} read: the byte count and the SHA-256 in hex. */
    private record Digest(long count, String hex) {
    }

    private static Digest digest(InputStream in) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buffer = new byte[64 * 1024];
        long count = 0;
        for (int read; (read = in.read(buffer)) >= 0; ) {
            sha.update(buffer, 0, read);
            count += read;
        }
        return new Digest(count, HexFormat.of().formatHex(sha.digest()));
    }

    @ParameterizedTest
    @MethodSource("containers")
    void aClientThatLeavesAbortsTheUpstreamAndReleasesItsGrant(ServletContainer container)
            throws Exception {
        AtomicInteger upstreamCut = new AtomicInteger();
        AtomicLong eventsWritten = new AtomicLong();
        try (Upstream upstream = new Upstream()) {
            upstream.on("/endless", exchange -> {
                exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
                exchange.sendResponseHeaders(200, 0);
                byte[] event = "data: tick\n\n".getBytes(StandardCharsets.UTF_8);
                try (OutputStream out = exchange.getResponseBody()) {
                    while (true) {
                        out.write(event);
                        out.flush();
                        eventsWritten.incrementAndGet();
                    }
                } catch (IOException e) {
                    upstreamCut.incrementAndGet();
                }
            });
            Service svc = Service.builder("svc").endpoint(upstream.url()).build();
            try (ProxyHarness proxy = new ProxyHarness(container, List.of(svc),
                    route("endless", "/endless"))) {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress("127.0.0.1", proxy.port()));
                    socket.getOutputStream().write("GET /endless HTTP/1.1\r\nHost: x\r\n\r\n"
                            .getBytes(StandardCharsets.ISO_8859_1));
                    InputStream in = socket.getInputStream();
                    String seen = "";
                    byte[] buffer = new byte[1024];
                    while (!seen.contains("data: tick")) {
                        int read = in.read(buffer);
                        assertThat(read).isPositive();
                        seen += new String(buffer, 0, read, StandardCharsets.ISO_8859_1);
                    }
                    socket.setSoLinger(true, 0);
                }
                await().untilAsserted(() -> assertThat(upstreamCut).hasValue(1));
                await().untilAsserted(() -> assertThat(proxy.completed).hasValue(1));
                assertThat(proxy.acquired).hasValue(1);
                long written = eventsWritten.get();
                assertThat(upstream.hits("/endless")).isEqualTo(1);
                assertThat(eventsWritten.get()).isEqualTo(written);
            }
        }
    }
}
