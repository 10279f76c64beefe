package io.gatehouse.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.observe.HealthReport;
import io.gatehouse.upstream.ServicePool;
import io.gatehouse.upstream.Upstreams;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import io.gatehouse.route.Route;
import io.gatehouse.upstream.Target;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * {@code GET /}: the gateway's information and status, for people and dashboards:
 * {@code {"name", "version", "status", "ready", "services": {name: {"endpoints",
 * "healthy_endpoints", "circuit"}}, "endpoints": [{"id", "path", "methods", "public",
 * "service"}]}} (the routes of the configuration file). Public; it shows no keys or
 * credentials, only the services' addresses as configured.
 *
 * <p>Thread-safe.
 */
final class GatewayInfoServlet extends HttpServlet {

    /** The name reported in {@code name}. */
    static final String NAME = "Gatehouse example gateway";

    private static final long serialVersionUID = 1L;

    private final transient ObjectMapper json = new ObjectMapper();
    private final String version;
    private final transient Supplier<HealthReport> health;
    private final transient Upstreams upstreams;
    private final transient List<Route> routes;

    GatewayInfoServlet(String version, Supplier<HealthReport> health, Upstreams upstreams,
            List<Route> routes) {
        this.routes = List.copyOf(routes);
        this.version = Objects.requireNonNull(version, "version");
        this.health = Objects.requireNonNull(health, "health");
        this.upstreams = Objects.requireNonNull(upstreams, "upstreams");
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        HealthReport report = health.get();
        ObjectNode body = json.createObjectNode();
        body.put("name", NAME);
        body.put("version", version);
        body.put("status", switch (report.status()) {
            case UP -> "healthy";
            case DEGRADED -> "degraded";
            case DOWN -> "unhealthy";
        });
        body.put("ready", report.ready());
        ObjectNode services = body.putObject("services");
        for (ServicePool pool : upstreams.pools()) {
            ObjectNode service = services.putObject(pool.service().name());
            var endpoints = service.putArray("endpoints");
            pool.service().endpoints().forEach(endpoint -> endpoints.add(endpoint.url("", "")));
            service.put("healthy_endpoints", pool.healthyEndpoints().size());
            service.put("circuit", pool.circuitState().toLowerCase(Locale.ROOT));
        }
        var endpoints = body.putArray("endpoints");
        for (Route route : routes) {
            ObjectNode entry = endpoints.addObject();
            entry.put("id", route.id());
            entry.put("path", route.pattern().template());
            var methods = entry.putArray("methods");
            new TreeSet<>(route.methods()).forEach(methods::add);
            entry.put("public", route.publicAccess());
            if (route.target() instanceof Target.Upstream upstream) {
                entry.put("service", upstream.service());
            }
        }
        byte[] bytes = json.writeValueAsBytes(body);
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType("application/json");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }
}
