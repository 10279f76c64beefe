package io.gatehouse.examples;

import io.gatehouse.Gateway;
import io.gatehouse.auth.InMemoryApiKeyStore;
import io.gatehouse.config.GatewayConfigException;
import io.gatehouse.proxy.ProxyForwarder;
import java.util.function.Function;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import io.gatehouse.auth.KeyAdministration;
import io.gatehouse.openapi.OpenApi;
import io.gatehouse.servlet.AnalyticsServlet;
import io.gatehouse.servlet.OpenApiServlet;
import io.gatehouse.servlet.SwaggerUiServlet;
import io.gatehouse.servlet.UsageServlet;
import io.gatehouse.servlet.GatewayFilter;
import io.gatehouse.servlet.HealthServlet;
import io.gatehouse.servlet.MetricsServlet;
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
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.LoggerFactory;

/**
 * The runnable example: embedded Jetty 12 with {@link GatewayFilter} in front of the demo agent
 * and embedding services ({@link DemoServices}), which it reaches over HTTP through
 * {@code gateway-proxy}, with routes, services and tiers from {@code gatehouse.yaml}
 * ({@link ExampleConfig}); {@code GET /}, {@code /health} and the probes are answered by the
 * gateway itself.
 *
 * <p>From the command line: {@code java -jar gateway-examples.jar [--host HOST] [--port PORT]
 * [--keys-file FILE | --redis-url URL] [--drain-seconds N] [--log-format text|json] ...}
 * (see {@link Options#USAGE}), or {@code java -jar gateway-examples.jar keys ...} to manage
 * API keys ({@link KeysCommand}).
 * From code (tests, other examples): {@link #start(String, int)}, which returns a handle with the
 * bound port.
 *
 * <p>On SIGTERM (or SIGINT) the process shuts down gracefully: the gateway drains (readiness
 * reports not ready), the server stops accepting connections, requests in flight finish within
 * the drain time, limits are released and key stores closed, and the process exits 0.
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
        if (args.length > 0 && DemoServices.isCommand(args[0])) {
            int exit = DemoServices.run(args[0], Arrays.copyOfRange(args, 1, args.length),
                    System.getenv()::get, System.out, System.err);
            if (exit != 0) {
                System.exit(exit);
            }
            return;
        }
        Options options = Options.parse(System::getenv, args);
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
        if (run.jsonLogs()) {
            JsonLogs.install();
        }
        if (run.launch().logLevel() != null) {
            JsonLogs.rootLevel(run.launch().logLevel());
        }
        Running running;
        try {
            KeySource keys = KeySource.open(run.keysFile(), run.redisUrl());
            running = start(run.host(), run.port(), ExampleSetup.systemClocks(), keys,
                    run.http(), run.launch(), System::getenv);
        } catch (GatewayConfigException e) {
            System.err.println("gateway-examples: bad configuration: " + e.getMessage());
            System.exit(EXIT_USAGE);
            return;
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
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            boolean clean = running.shutdown();
            System.out.println("Gatehouse example gateway stopped"
                    + (clean ? "" : " (not cleanly, see the log)"));
            System.out.flush();
            // A JVM ended by a signal exits with 128 + the signal's number once its hooks are
            // done; a graceful stop is a success, so say so, as process managers expect.
            Runtime.getRuntime().halt(clean ? 0 : EXIT_FAILED);
        }, "gateway-shutdown"));
        printBanner(running, System.out, KeyOutput.forThisProcess());
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
        return start(host, port, clocks, keys, Options.Http.DEFAULTS);
    }

    /** As {@link #start(String, int, ExampleSetup.Clocks, KeySource)} with {@code http}. */
    static Running start(String host, int port, ExampleSetup.Clocks clocks, KeySource keys,
            Options.Http http) throws IOException {
        return start(host, port, clocks, keys, http, Options.Launch.DEFAULTS, System::getenv);
    }

    /**
     * As {@link #start(String, int, ExampleSetup.Clocks, KeySource, Options.Http)}, fronting
     * the services and reading the configuration {@code launch} names; the demo services it
     * does not name are started on free loopback ports and stopped with the gateway.
     * {@code environment} expands the file's {@code ${NAME}}s (after the services' URLs and
     * key, which the started services set).
     *
     * @throws GatewayConfigException when the configuration file is bad
     */
    static Running start(String host, int port, ExampleSetup.Clocks clocks, KeySource keys,
            Options.Http http, Options.Launch launch, Function<String, String> environment)
            throws IOException {
        Objects.requireNonNull(host, "host");
        DemoServices services;
        try {
            services = DemoServices.startMissing(launch, clocks.wallClock(), environment);
        } catch (IOException | RuntimeException e) {
            closeQuietly(keys);
            throw e;
        }
        Function<String, String> withServices = name -> {
            String value = services.environment().get(name);
            return value != null ? value : environment.apply(name);
        };
        ExampleSetup setup;
        try {
            ExampleConfig config = ExampleConfig.load(launch.config(), withServices,
                    launch.overrides(environment));
            try {
                setup = keys == null
                        ? ExampleSetup.create(clocks, new InMemoryApiKeyStore(), false, null,
                                config)
                        : ExampleSetup.create(clocks, keys.store(), true, keys.redis(), config);
            } catch (GatewayConfigException e) {
                throw e;
            } catch (RuntimeException e) {
                // E.g. Redis unreachable while the demo tenants' keys are stored.
                throw new KeySource.Unavailable("the API key store failed: " + e.getMessage(),
                        e);
            }
        } catch (RuntimeException e) {
            closeQuietly(keys);
            services.close();
            throw e;
        }
        Server server = new Server(new QueuedThreadPool(64, 4, 60_000));
        // Graceful stop: connectors stop accepting, requests in flight get this long to finish.
        server.setStopTimeout(TimeUnit.SECONDS.toMillis(http.drainSeconds()));
        HttpConfiguration httpConfig = new HttpConfiguration();
        // A gateway should not advertise what runs behind it.
        httpConfig.setSendServerVersion(false);
        httpConfig.setSendXPoweredBy(false);
        ServerConnector connector =
                new ServerConnector(server, new HttpConnectionFactory(httpConfig));
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        SlowClientGuard guard = new SlowClientGuard(http.maxConnectionsPerAddress(),
                http.headerTimeoutMillis());
        connector.addEventListener(guard);
        server.addBean(guard);
        server.setStopAtShutdown(false);
        server.setErrorHandler(new ProblemErrorHandler());

        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        // Upstream routes are forwarded over HTTP to the services; the agent learns the
        // caller's limit state from request headers the gateway sets.
        FilterHolder gateway = new FilterHolder(new GatewayFilter(setup.gateway(),
                new LimitStateForwarder(setup.forwarder())));
        gateway.setName("gatehouse");
        gateway.setAsyncSupported(true);
        gateway.setInitParameter(GatewayFilter.BODY_DEADLINE_PARAMETER,
                Long.toString(http.bodyTimeoutMillis()));
        gateway.setInitParameter(GatewayFilter.DRAIN_PARAMETER,
                Long.toString(Math.max(1, http.drainSeconds())));
        context.addFilter(gateway, "/*",
                EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        ServletHolder agent = new ServletHolder("demo-agent",
                new DemoAgentServlet(clocks.wallClock(), version(), setup.gateway()::health,
                        setup.usesRedis()));
        agent.setAsyncSupported(true);
        context.addServlet(agent, "/");
        setup.admin().mount(context);
        context.addServlet(new ServletHolder("info", new GatewayInfoServlet(version(),
                setup.gateway()::health, setup.forwarder().upstreams(), setup.routes())), "");
        ServletHolder health = new ServletHolder("health", new HealthServlet(setup.gateway()));
        context.addServlet(health, "/health/live");
        context.addServlet(health, "/health/ready");
        context.addServlet(health, "/ready");
        context.addServlet(new ServletHolder("metrics", MetricsServlet.builder(setup.meters())
                .allowAddresses(ExampleSetup.METRICS_ADDRESSES).build()), "/metrics");
        context.addServlet(new ServletHolder("usage", UsageServlet.builder(setup.usage())
                .limits(setup.limiter()).adminRole(KeyAdministration.ADMIN_ROLE).build()),
                "/v1/usage");
        context.addServlet(new ServletHolder("analytics", new AnalyticsServlet(
                setup.analytics(), KeyAdministration.ADMIN_ROLE)), "/admin/analytics");
        context.addServlet(new ServletHolder("openapi", new OpenApiServlet(setup.gateway(),
                OpenApi.builder().title("Gatehouse example gateway").version(version())
                        .build())), "/openapi.json");
        context.addServlet(new ServletHolder("docs", new SwaggerUiServlet()), "/docs/*");
        // Counts requests in flight so a graceful stop waits for them (and only for them).
        server.setHandler(new GracefulHandler(context));
        if (keys != null) {
            server.addBean(keys);
        }
        // Stopped after the server: requests in flight finish forwarding first.
        server.addBean(new Closer(setup.forwarder(), services));
        try {
            server.start();
        } catch (IOException e) {
            stopQuietly(server);
            closeQuietly(keys);
            setup.forwarder().close();
            services.close();
            throw e;
        } catch (Exception e) {
            stopQuietly(server);
            closeQuietly(keys);
            setup.forwarder().close();
            services.close();
            throw new IOException("the server did not start: " + e.getMessage(), e);
        }
        return new Running(server, setup.gateway(), host, connector.getLocalPort(),
                setup.devApiKey(), setup.admin().adminApiKey(), services);
    }

    /** Prints what a person needs to start calling the example, keys shown on a terminal. */
    static void printBanner(Running running, PrintStream out) {
        printBanner(running, out, KeyOutput.terminal());
    }

    /**
     * Prints what a person needs to start calling the example. The generated keys go to
     * {@code keys}: the terminal, or a file only the user can read when standard output is not
     * a terminal (a log collector would otherwise keep them). Never through the logging system.
     */
    static void printBanner(Running running, PrintStream out, KeyOutput keys) {
        out.println("Gatehouse example gateway listening on " + running.uri()
                + (isWildcard(running.host()) ? " (bound to " + running.host() + ")" : ""));
        running.services().started().forEach((name, uri) ->
                out.println("Started demo " + name + " on " + uri));
        out.println("Try: curl " + running.uri().resolve("/health"));
        keys.show(running.devApiKey(), running.adminApiKey(), out);
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

    /** Closes the forwarder and the started demo services when the server stops. */
    private static final class Closer extends AbstractLifeCycle {
        private final ProxyForwarder forwarder;
        private final DemoServices services;

        Closer(ProxyForwarder forwarder, DemoServices services) {
            this.forwarder = forwarder;
            this.services = services;
        }

        @Override
        protected void doStop() {
            forwarder.close();
            services.close();
        }
    }

    /**
     * A started example gateway.
     *
     * <p>Thread-safe.
     */
    public static final class Running implements AutoCloseable {
        private final Server server;
        private final Gateway gateway;
        private final String host;
        private final int port;
        private final String devApiKey;
        private final String adminApiKey;
        private final DemoServices services;

        private Running(Server server, Gateway gateway, String host, int port,
                String devApiKey, String adminApiKey, DemoServices services) {
            this.server = server;
            this.gateway = gateway;
            this.host = host;
            this.port = port;
            this.devApiKey = devApiKey;
            this.adminApiKey = adminApiKey;
            this.services = services;
        }

        /** The demo services this gateway started (none when given their URLs). */
        DemoServices services() {
            return services;
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

        /**
         * Stops gracefully: drains the gateway, stops accepting connections, lets requests in
         * flight finish within the drain time, then stops the server and its stores.
         *
         * @return whether everything stopped cleanly (failures are logged)
         */
        public boolean shutdown() {
            gateway.drain();
            try {
                server.stop();
                return true;
            } catch (Exception e) {
                LoggerFactory.getLogger(ExampleGateway.class)
                        .warn("the example gateway did not stop cleanly", e);
                return false;
            }
        }

        /** Stops the server (gracefully, as {@link #shutdown()}) and waits for it; idempotent. */
        @Override
        public void close() {
            gateway.drain();
            try {
                server.stop();
            } catch (Exception e) {
                throw new IllegalStateException("the example gateway did not stop cleanly", e);
            }
        }
    }
}
