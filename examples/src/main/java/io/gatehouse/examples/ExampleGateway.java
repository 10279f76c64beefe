package io.gatehouse.examples;

import io.gatehouse.servlet.GatewayFilter;
import jakarta.servlet.DispatcherType;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Properties;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The runnable example: embedded Jetty 12 with {@link GatewayFilter} in front of a small,
 * deterministic demo agent ({@code POST /invocations}, {@code GET /health}).
 *
 * <p>From the command line: {@code java -jar gateway-examples.jar [--host HOST] [--port PORT]
 * [--keys-file FILE | --redis-url URL]}, or {@code java -jar gateway-examples.jar keys ...} to
 * manage API keys ({@link KeysCommand}).
 * From code (tests, other examples): {@link #start(String, int)}, which returns a handle with the
 * bound port.
 *
 * <p>Thread-safe (stateless); each started gateway is independent of the others.
 */
public final class ExampleGateway {

    /** The exit code for a bad command line. */
    static final int EXIT_USAGE = 2;
    /** The exit code when the gateway cannot start, e.g. the port is taken. */
    static final int EXIT_FAILED = 1;

    private ExampleGateway() {
    }

    /** Starts the example from the command line and serves until the process is stopped. */
    public static void main(String[] args) throws InterruptedException {
        if (args.length > 0 && args[0].equals(KeysCommand.NAME)) {
            System.exit(KeysCommand.run(Arrays.copyOfRange(args, 1, args.length),
                    System.out, System.err));
            return;
        }
        Options options = Options.parse(args);
        if (options instanceof Options.Help) {
            System.out.print(Options.USAGE);
            return;
        }
        if (options instanceof Options.Bad bad) {
            System.err.println("gateway-examples: " + bad.message());
            System.err.print(Options.USAGE);
            System.exit(EXIT_USAGE);
            return;
        }
        Options.Run run = (Options.Run) options;
        Running running;
        try {
            KeySource keys = KeySource.open(run.keysFile(), run.redisUrl());
            running = keys == null ? start(run.host(), run.port())
                    : start(run.host(), run.port(), ExampleSetup.systemClocks(), keys);
        } catch (KeySource.Unavailable e) {
            System.err.println("gateway-examples: " + e.getMessage());
            System.exit(EXIT_FAILED);
            return;
        } catch (IOException e) {
            System.err.println("gateway-examples: cannot listen on " + run.host() + ":" + run.port()
                    + ": " + e.getMessage());
            System.exit(EXIT_FAILED);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(running::close, "gateway-shutdown"));
        printBanner(running, System.out);
        running.join();
    }

    /**
     * Starts the example gateway in this JVM, listening on {@code host}:{@code port}.
     *
     * @param port the port, or 0 for any free one (see {@link Running#port()})
     * @return the running gateway; the caller must {@link Running#close() close} it
     * @throws IOException when the server cannot bind or start
     */
    public static Running start(String host, int port) throws IOException {
        return start(host, port, ExampleSetup.systemClocks());
    }

    static Running start(String host, int port, ExampleSetup.Clocks clocks) throws IOException {
        return start(host, port, clocks, null);
    }

    /**
     * As {@link #start(String, int)} on {@code clocks}, with the API keys in {@code keys}
     * (nullable: in memory); the running gateway holds them until it is closed.
     */
    static Running start(String host, int port, ExampleSetup.Clocks clocks, KeySource keys)
            throws IOException {
        Objects.requireNonNull(host, "host");
        ExampleSetup setup;
        try {
            setup = keys == null ? ExampleSetup.create(clocks)
                    : ExampleSetup.create(clocks, keys.store(), true, keys.redis());
        } catch (RuntimeException e) {
            // E.g. Redis unreachable while the demo tenants' keys are stored.
            closeQuietly(keys);
            throw new KeySource.Unavailable("the API key store failed: " + e.getMessage(), e);
        }
        Server server = new Server(new QueuedThreadPool(64, 4, 60_000));
        HttpConfiguration http = new HttpConfiguration();
        // A gateway should not advertise what runs behind it.
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        server.setStopAtShutdown(false);
        server.setErrorHandler(new ProblemErrorHandler());

        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        FilterHolder gateway = new FilterHolder(new GatewayFilter(setup.gateway()));
        gateway.setName("gatehouse");
        gateway.setAsyncSupported(true);
        context.addFilter(gateway, "/*",
                EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        ServletHolder agent = new ServletHolder("demo-agent",
                new DemoAgentServlet(clocks.wallClock(), version(),
                        setup.usesRedis() ? setup::redisStatus : null));
        agent.setAsyncSupported(true);
        context.addServlet(agent, "/");
        setup.admin().mount(context);
        server.setHandler(context);
        if (keys != null) {
            server.addBean(keys);
        }
        try {
            server.start();
        } catch (IOException e) {
            stopQuietly(server);
            closeQuietly(keys);
            throw e;
        } catch (Exception e) {
            stopQuietly(server);
            closeQuietly(keys);
            throw new IOException("the server did not start: " + e.getMessage(), e);
        }
        return new Running(server, host, connector.getLocalPort(), setup.devApiKey(),
                setup.admin().adminApiKey());
    }

    /** Prints what a person needs to start calling the example. */
    static void printBanner(Running running, PrintStream out) {
        out.println("Gatehouse example gateway listening on " + running.uri()
                + (isWildcard(running.host()) ? " (bound to " + running.host() + ")" : ""));
        out.println("Try: curl " + running.uri().resolve("/health"));
        out.println("Dev API key: " + running.devApiKey());
        out.println("Admin API key: " + running.adminApiKey());
    }

    /** The version of this build, as Maven stamped it into the jar. */
    static String version() {
        Properties properties = new Properties();
        try (InputStream in = ExampleGateway.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("version.properties is unreadable", e);
        }
        return properties.getProperty("version", "unknown");
    }

    /** Whether {@code host} means "every interface", which a client cannot call as such. */
    static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }

    private static void closeQuietly(KeySource keys) {
        if (keys == null) {
            return;
        }
        try {
            keys.close();
        } catch (IOException | RuntimeException ignored) {
            // Already failing to start; the original failure is the one worth reporting.
        }
    }

    private static void stopQuietly(Server server) {
        try {
            server.stop();
        } catch (Exception ignored) {
            // Already failing to start; the original failure is the one worth reporting.
        }
    }

    /**
     * A started example gateway.
     *
     * <p>Thread-safe.
     */
    public static final class Running implements AutoCloseable {
        private final Server server;
        private final String host;
        private final int port;
        private final String devApiKey;
        private final String adminApiKey;

        private Running(Server server, String host, int port, String devApiKey,
                String adminApiKey) {
            this.server = server;
            this.host = host;
            this.port = port;
            this.devApiKey = devApiKey;
            this.adminApiKey = adminApiKey;
        }

        /** The address the server is bound to, as given to {@link #start(String, int)}. */
        public String host() {
            return host;
        }

        /** The port the server actually listens on. */
        public int port() {
            return port;
        }

        /**
         * The base URI to call: the bound host, or {@code localhost} when bound to every
         * interface.
         */
        public URI uri() {
            String callable = isWildcard(host) ? "localhost"
                    : host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
            return URI.create("http://" + callable + ":" + port);
        }

        /** The development API key (premium tier) generated for this run. Shown, never logged. */
        public String devApiKey() {
            return devApiKey;
        }

        /**
         * The admin API key (role admin) generated for this run, for {@code /admin/keys}.
         * Shown, never logged.
         */
        public String adminApiKey() {
            return adminApiKey;
        }

        /** Waits until the server stops. */
        public void join() throws InterruptedException {
            server.join();
        }

        /** Stops the server and waits for it; idempotent. */
        @Override
        public void close() {
            try {
                server.stop();
            } catch (Exception e) {
                throw new IllegalStateException("the example gateway did not stop cleanly", e);
            }
        }
    }
}
