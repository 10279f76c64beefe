package io.gatehouse.benchmarks;

import io.gatehouse.Gateway;
import io.gatehouse.auth.ApiKeyManager;
import io.gatehouse.auth.ApiKeySpec;
import io.gatehouse.auth.InMemoryApiKeyStore;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.LimitStores;
import io.gatehouse.limit.Tier;
import io.gatehouse.limit.TieredRateLimiter;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import io.gatehouse.servlet.GatewayFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Three embedded Jetty 12 servers on free loopback ports, in one JVM, for HTTP load tools
 * ({@code http-load.sh} drives them with {@code wrk}): the same small JSON servlet on
 * {@code GET /v1/echo}
 * <ul>
 *   <li>{@code bare}: alone, the baseline;</li>
 *   <li>{@code empty}: behind {@link GatewayFilter} with a public route and nothing else (request
 *       id, routing, access headers);</li>
 *   <li>{@code limited}: behind the filter with an API key (hashed, in memory) and a tier of three
 *       token buckets (second, minute, hour) on the in-memory store, limits large enough that
 *       every request is admitted.</li>
 *   <li>{@code metered}: {@code limited} with a {@link PrometheusMeterRegistry} given to the
 *       gateway, so every meter of the observability guide is recorded; same key, same
 *       limits, its own store.</li>
 * </ul>
 * Prints one line {@code bare=PORT empty=PORT limited=PORT metered=PORT key=KEY} and serves
 * until its
 * standard input closes. No SLF4J binding is on the benchmark class path: the access log is off.
 */
public final class HttpLoadTargets {

    private HttpLoadTargets() {
    }

    /** The endpoint every server answers. */
    static final class Echo extends HttpServlet {
        private static final byte[] BODY = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);

        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response)
                throws IOException {
            response.setContentType("application/json");
            response.setContentLength(BODY.length);
            response.getOutputStream().write(BODY);
        }
    }

    public static void main(String[] args) throws Exception {
        Route.Builder echo = Route.builder("echo", "/v1/echo").methods("GET");
        Gateway empty = Gateway.builder(Router.of(List.of(echo.publicAccess().build()))).build();

        ApiKeyManager keys = ApiKeyManager.builder(new InMemoryApiKeyStore()).build();
        String key = keys.create("sk_test_", ApiKeySpec.of("bench", "load")).plaintext();
        Tier tier = Tier.of("load",
                LimitRule.tokenBucket("per-second", 1_000_000_000L, Duration.ofSeconds(1)),
                LimitRule.tokenBucket("per-minute", 6_000_000_000L, Duration.ofMinutes(1)),
                LimitRule.tokenBucket("per-hour", 7_200_000_000L, Duration.ofHours(1)));
        Gateway limited = Gateway.builder(Router.of(List.of(
                        Route.builder("echo", "/v1/echo").methods("GET").build())))
                .authenticator(keys.authenticator())
                .rateLimiter(TieredRateLimiter.builder(LimitStores.inMemory()).tier(tier).build())
                .build();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Gateway metered = Gateway.builder(Router.of(List.of(
                        Route.builder("echo", "/v1/echo").methods("GET").build())))
                .authenticator(keys.authenticator())
                .rateLimiter(TieredRateLimiter.builder(LimitStores.inMemory()).tier(tier).build())
                .meterRegistry(registry)
                .build();

        Server bare = start(null);
        Server withEmpty = start(empty);
        Server withLimits = start(limited);
        Server withMeters = start(metered);
        System.out.println("bare=" + port(bare) + " empty=" + port(withEmpty) + " limited="
                + port(withLimits) + " metered=" + port(withMeters) + " key=" + key);
        System.out.flush();
        try {
            while (System.in.read() >= 0) {
                // Serve until the driver closes standard input.
            }
        } finally {
            bare.stop();
            withEmpty.stop();
            withLimits.stop();
            withMeters.stop();
            // The scrape proves the meters were recorded, not merely registered.
            System.err.println(registry.scrape().lines()
                    .filter(line -> line.startsWith("gateway_requests_total")).toList());
        }
    }

    private static Server start(Gateway gateway) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        if (gateway != null) {
            FilterHolder gatehouse = new FilterHolder(new GatewayFilter(gateway));
            gatehouse.setAsyncSupported(true);
            context.addFilter(gatehouse, "/*",
                    EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        }
        context.addServlet(new ServletHolder(new Echo()), "/*");
        server.setHandler(context);
        server.start();
        return server;
    }

    private static int port(Server server) {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }
}
