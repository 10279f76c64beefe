package io.gatehouse.benchmarks;

import java.util.Locale;
import org.eclipse.jetty.ee10.proxy.ProxyServlet;
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
                    + "jetty-proxy UPSTREAM_PORT");
        }
        String mode = args[0].toLowerCase(Locale.ROOT);
        Served served = switch (mode) {
            case "upstream" -> new Served(new LoadUpstream(), null);
            case "jetty-proxy" -> new Served(jettyProxy(upstream(args)), null);
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
