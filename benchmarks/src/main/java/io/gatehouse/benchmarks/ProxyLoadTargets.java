package io.gatehouse.benchmarks;

import io.gatehouse.Gateway;
import io.gatehouse.auth.ApiKeyManager;
import io.gatehouse.auth.ApiKeySpec;
import io.gatehouse.auth.InMemoryApiKeyStore;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.LimitStores;
import io.gatehouse.limit.Tier;
import io.gatehouse.limit.TieredRateLimiter;
import io.gatehouse.proxy.ProxyForwarder;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import io.gatehouse.servlet.GatewayFilter;
import io.gatehouse.upstream.Service;
import io.gatehouse.upstream.Target;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.ee10.proxy.ProxyServlet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * One process under test of the proxy load benchmark ({@code proxy-load.sh}), on a free loopback
 * port, one per JVM so that the CPU each one uses can be read from {@code /proc}:
 * <ul>
 *   <li>{@code upstream}: the service itself ({@link LoadUpstream}), the direct case;</li>
 *   <li>{@code gatehouse UPSTREAM_PORT}: {@link GatewayFilter} with a {@link ProxyForwarder}
 *       (defaults) forwarding one public route {@code GET /v1/**} to the upstream service;</li>
 *   <li>{@code gatehouse-limited UPSTREAM_PORT}: the same route behind an API key (hashed, in
 *       memory) and a tier of three token buckets (second, minute, hour) on the in-memory
 *       store, limits large enough that every request is admitted (as in
 *       {@link HttpLoadTargets});</li>
 *   <li>{@code jetty-proxy UPSTREAM_PORT}: Jetty 12's own {@code ProxyServlet.Transparent}
 *       (ee10) in front of it, with its defaults: the Java peer.</li>
 * </ul>
 * Prints {@code key=KEY} where the target wants an API key, then {@code port=PORT}, then serves
 * until its standard input closes. Every target runs in a default Jetty 12 {@link Server}
 * (the same thread pool and connector settings). No SLF4J binding is on the benchmark class path,
 * so no target logs per request.
 */
public final class ProxyLoadTargets {

    private ProxyLoadTargets() {
    }

    /** What one target serves, and the API key its clients must send ({@code null}: none). */
    private record Served(Handler handler, String apiKey) {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: ProxyLoadTargets upstream | "
                    + "(jetty-proxy | gatehouse | gatehouse-limited) UPSTREAM_PORT");
        }
        String mode = args[0].toLowerCase(Locale.ROOT);
        Served served = switch (mode) {
            case "upstream" -> new Served(new LoadUpstream(), null);
            case "jetty-proxy" -> new Served(jettyProxy(upstream(args)), null);
            case "gatehouse" -> gatehouse(upstream(args), false);
            case "gatehouse-limited" -> gatehouse(upstream(args), true);
            default -> throw new IllegalArgumentException("unknown target: " + args[0]);
        };
        Server server = start(served.handler());
        if (served.apiKey() != null) {
            System.out.println("key=" + served.apiKey());
        }
        System.out.println("port=" + ((ServerConnector) server.getConnectors()[0]).getLocalPort());
        System.out.flush();
        try {
            while (System.in.read() >= 0) {
                // Serve until the driver closes standard input.
            }
        } finally {
            server.stop();
        }
    }

    private static String upstream(String[] args) {
        if (args.length < 2) {
            throw new IllegalArgumentException(args[0] + " needs the upstream's port");
        }
        return "http://127.0.0.1:" + Integer.parseInt(args[1]);
    }

    /** Jetty's transparent proxy servlet, everything left at its defaults but the target. */
    private static Handler jettyProxy(String upstream) {
        ServletContextHandler context = new ServletContextHandler("/");
        ServletHolder proxy = new ServletHolder(new ProxyServlet.Transparent());
        proxy.setInitParameter("proxyTo", upstream);
        proxy.setAsyncSupported(true);
        context.addServlet(proxy, "/*");
        return context;
    }

    /**
     * Gatehouse forwarding: {@link GatewayFilter} with a {@link ProxyForwarder} (defaults) and
     * one route {@code GET /v1/**} to the upstream service; public, or behind an API key and
     * three limits.
     */
    private static Served gatehouse(String upstream, boolean limited) {
        Service service = Service.builder("upstream").endpoint(upstream).build();
        Route.Builder route = Route.builder("proxied", "/v1/**").methods("GET")
                .target(Target.upstream("upstream"));
        Gateway gateway;
        String key = null;
        if (limited) {
            ApiKeyManager keys = ApiKeyManager.builder(new InMemoryApiKeyStore()).build();
            key = keys.create("sk_test_", ApiKeySpec.of("bench", "load")).plaintext();
            Tier tier = Tier.of("load",
                    LimitRule.tokenBucket("per-second", 1_000_000_000L, Duration.ofSeconds(1)),
                    LimitRule.tokenBucket("per-minute", 6_000_000_000L, Duration.ofMinutes(1)),
                    LimitRule.tokenBucket("per-hour", 7_200_000_000L, Duration.ofHours(1)));
            gateway = Gateway.builder(Router.of(List.of(route.build())))
                    .authenticator(keys.authenticator())
                    .rateLimiter(TieredRateLimiter.builder(LimitStores.inMemory()).tier(tier)
                            .build())
                    .build();
        } else {
            gateway = Gateway.builder(Router.of(List.of(route.publicAccess().build()))).build();
        }
        ProxyForwarder forwarder = ProxyForwarder.builder(List.of(service)).build();
        ServletContextHandler context = new ServletContextHandler("/");
        FilterHolder filter = new FilterHolder(new GatewayFilter(gateway, forwarder));
        filter.setAsyncSupported(true);
        context.addFilter(filter, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        // Only requests the filter does not forward reach it: they get the servlet's 405/404.
        context.addServlet(new ServletHolder(new HttpServlet() { }), "/*");
        return new Served(context, key);
    }

    private static Server start(Handler handler) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(handler);
        server.start();
        return server;
    }
}
