package io.gatehouse.proxy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real upstream for the tests: the JDK's HTTP server on a free loopback port, counting the
 * requests each path received and keeping what they carried.
 */
final class Upstream implements AutoCloseable {

    /** One request as the upstream saw it. */
    record Seen(String method, String uri, Map<String, List<String>> headers, long bodyBytes) {
        String header(String name) {
            for (Map.Entry<String, List<String>> entry : headers.entrySet()) {
                if (entry.getKey().equalsIgnoreCase(name)) {
                    return String.join(", ", entry.getValue());
                }
            }
            return null;
        }
    }

    /** What a handler does with a request whose body it may read. */
    @FunctionalInterface
    interface Handler {
        void handle(HttpExchange exchange) throws Exception;
    }

    private final Map<String, Handler> handlers = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private HttpServer server;
    private int port;

    Upstream() throws IOException {
        start(0);
    }

    private void start(int wantedPort) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", wantedPort), 128);
        server.createContext("/", dispatcher());
        server.setExecutor(threads);
        server.start();
        port = server.getAddress().getPort();
    }

    private HttpHandler dispatcher() {
        return exchange -> {
            String path = exchange.getRequestURI().getPath();
            hits.computeIfAbsent(path, key -> new AtomicInteger()).incrementAndGet();
            Handler handler = handlers.get(path);
            try {
                if (handler == null) {
                    respond(exchange, 200, "text/plain", "upstream " + port + " " + path);
                } else {
                    handler.handle(exchange);
                }
            } catch (Exception e) {
                exchange.close();
            }
        };
    }

    Upstream on(String path, Handler handler) {
        handlers.put(path, handler);
        return this;
    }

    int port() {
        return port;
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    int hits(String path) {
        AtomicInteger count = hits.get(path);
        return count == null ? 0 : count.get();
    }

    /** Reads the body, counting its bytes, and records the request. */
    long record(HttpExchange exchange) throws IOException {
        long total = 0;
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = exchange.getRequestBody()) {
            for (int read; (read = in.read(buffer)) >= 0; ) {
                total += read;
            }
        }
        seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                Map.copyOf(exchange.getRequestHeaders()), total));
        return total;
    }

    static void respond(HttpExchange exchange, int status, String type, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Stops listening; the port stays free for {@link #restart()}. */
    void stop() {
        server.stop(0);
    }

    /** Listens again on the same port. */
    void restart() throws IOException {
        start(port);
    }

    @Override
    public void close() throws InterruptedException {
        server.stop(0);
        threads.shutdownNow();
        threads.awaitTermination(5, TimeUnit.SECONDS);
    }
}
