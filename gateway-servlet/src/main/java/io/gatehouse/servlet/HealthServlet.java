package io.gatehouse.servlet;

import io.gatehouse.Gateway;
import io.gatehouse.observe.HealthReport;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Liveness and readiness probes over {@link Gateway#health()}, for Kubernetes and load
 * balancers.
 *
 * <ul>
 *   <li>a path ending in {@code /live} ({@code GET /health/live}): 200 {@code {"status":"up"}}
 *       while the process can answer at all; it never looks at dependencies, so an outage of
 *       Redis does not get the pod restarted;</li>
 *   <li>any other path ({@code GET /health/ready}, {@code GET /ready}): the whole
 *       {@link HealthReport} as JSON, 200 when ready, 503 when a required component is down or
 *       the gateway is draining.</li>
 * </ul>
 * Mount it behind {@link GatewayFilter} with public routes for those paths:
 * <pre>{@code
 * ServletHolder health = new ServletHolder("health", new HealthServlet(gateway));
 * context.addServlet(health, "/health/live");
 * context.addServlet(health, "/health/ready");
 * context.addServlet(health, "/ready");
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class HealthServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final byte[] LIVE = "{\"status\":\"up\"}".getBytes(StandardCharsets.UTF_8);

    private final transient Gateway gateway;

    /** Probes of {@code gateway}. */
    public HealthServlet(Gateway gateway) {
        this.gateway = Objects.requireNonNull(gateway, "gateway");
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        String path = request.getRequestURI();
        if (path.endsWith("/live")) {
            send(response, HttpServletResponse.SC_OK, LIVE);
            return;
        }
        HealthReport report = gateway.health();
        send(response, report.ready() ? HttpServletResponse.SC_OK
                : HttpServletResponse.SC_SERVICE_UNAVAILABLE, report.toJson());
    }

    private static void send(HttpServletResponse response, int status, byte[] body)
            throws IOException {
        response.setStatus(status);
        response.setHeader("Cache-Control", "no-store");
        response.setContentType("application/json");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
