package io.gatehouse.examples;

import jakarta.servlet.http.HttpServlet;
import java.io.IOException;
import java.net.URI;
import java.util.Objects;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * One demo backend service: its own embedded Jetty server on its own port, serving one servlet
 * at every path. The example gateway reaches it over HTTP only, like any upstream.
 *
 * <p>Thread-safe.
 */
final class DemoServer implements AutoCloseable {

    private final Server server;
    private final String name;
    private final URI uri;

    private DemoServer(Server server, String name, URI uri) {
        this.server = server;
        this.name = name;
        this.uri = uri;
    }

    /**
     * Starts {@code servlet} on {@code host}:{@code port} (0: any free port).
     *
     * @throws IOException when the port cannot be bound or the server does not start
     */
    static DemoServer start(String name, String host, int port, HttpServlet servlet)
            throws IOException {
        Objects.requireNonNull(servlet, "servlet");
        QueuedThreadPool threads = new QueuedThreadPool(32, 2, 60_000);
        threads.setName("demo-" + name);
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        ServletHolder holder = new ServletHolder(name, servlet);
        holder.setAsyncSupported(true);
        context.addServlet(holder, "/");
        server.setHandler(context);
        server.setStopTimeout(2_000);
        try {
            server.start();
        } catch (IOException e) {
            stopQuietly(server);
            throw e;
        } catch (Exception e) {
            stopQuietly(server);
            throw new IOException("the " + name + " did not start: " + e.getMessage(), e);
        }
        String callable = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1"
                : host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
        return new DemoServer(server, name,
                URI.create("http://" + callable + ":" + connector.getLocalPort()));
    }

    /** The name given at start, e.g. {@code agent-service}. */
    String name() {
        return name;
    }

    /** The base URI to call, e.g. {@code http://127.0.0.1:9001}. */
    URI uri() {
        return uri;
    }

    /** Waits until the server stops. */
    void join() throws InterruptedException {
        server.join();
    }

    /** Stops the server; idempotent. */
    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("the " + name + " did not stop cleanly", e);
        }
    }

    private static void stopQuietly(Server server) {
        try {
            server.stop();
        } catch (Exception ignored) {
            // Already failing to start; the original failure is the one worth reporting.
        }
    }
}
