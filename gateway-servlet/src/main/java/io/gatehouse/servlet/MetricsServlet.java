package io.gatehouse.servlet;

import io.gatehouse.Admission;
import io.gatehouse.Cidr;
import io.gatehouse.ErrorCode;
import io.gatehouse.Problem;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Objects;

/**
 * Serves a {@link PrometheusMeterRegistry} for scraping: the OpenMetrics text format when the
 * scraper's {@code Accept} asks for {@code application/openmetrics-text}, else the Prometheus
 * text format 0.0.4.
 *
 * <p>Only callers that pass one of the configured checks get the metrics; others get 403
 * {@code application/problem+json}: a client address inside {@link Builder#allowAddresses} (the
 * address the gateway resolved, or the peer when no gateway admitted the request), or an
 * admitted principal holding {@link Builder#requireRole}. At least one check must be configured.
 * Mount it behind {@link GatewayFilter} on a route that matches these rules (public with an
 * address allow-list, or requiring the role):
 * <pre>{@code
 * context.addServlet(new ServletHolder("metrics", MetricsServlet.builder(registry)
 *         .allowAddresses(List.of("10.0.0.0/8", "127.0.0.1")).build()), "/metrics");
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class MetricsServlet extends HttpServlet {

    /** The content type of the Prometheus text format. */
    public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    /** The content type of the OpenMetrics text format. */
    public static final String OPENMETRICS_TEXT =
            "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private static final long serialVersionUID = 1L;

    private final transient PrometheusMeterRegistry registry;
    private final transient List<Cidr> allowedAddresses;
    private final String requiredRole;

    private MetricsServlet(Builder builder) {
        this.registry = builder.registry;
        this.allowedAddresses = builder.allowedAddresses;
        this.requiredRole = builder.requiredRole;
    }

    /** Starts a servlet serving {@code registry}. */
    public static Builder builder(PrometheusMeterRegistry registry) {
        return new Builder(registry);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        Admission.Admitted admitted = ProblemResponses.admission(request);
        if (!permitted(request, admitted)) {
            Problem problem = Problem.of(ErrorCode.FORBIDDEN,
                    "metrics are not served to this caller",
                    admitted == null ? "" : admitted.requestId());
            byte[] body = problem.toJson();
            response.setStatus(problem.status());
            response.setContentType(Problem.MEDIA_TYPE);
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
            return;
        }
        String accept = request.getHeader("Accept");
        String contentType = accept != null && accept.contains("application/openmetrics-text")
                ? OPENMETRICS_TEXT : PROMETHEUS_TEXT;
        response.setStatus(HttpServletResponse.SC_OK);
        response.setHeader("Cache-Control", "no-store");
        response.setContentType(contentType);
        registry.scrape(response.getOutputStream(), contentType);
    }

    private boolean permitted(HttpServletRequest request, Admission.Admitted admitted) {
        if (!allowedAddresses.isEmpty()) {
            String address = admitted != null ? admitted.request().clientAddress()
                    : request.getRemoteAddr();
            if (address != null && Cidr.anyContains(allowedAddresses, address)) {
                return true;
            }
        }
        return requiredRole != null && admitted != null
                && admitted.principal().roles().contains(requiredRole);
    }

    /** Collects the servlet's access rules. Not thread-safe. */
    public static final class Builder {
        private final PrometheusMeterRegistry registry;
        private List<Cidr> allowedAddresses = List.of();
        private String requiredRole;

        private Builder(PrometheusMeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
        }

        /**
         * Serves callers from these addresses, as IP addresses or CIDR blocks.
         *
         * @throws IllegalArgumentException naming an entry that is not an address or block
         */
        public Builder allowAddresses(List<String> addresses) {
            this.allowedAddresses = Cidr.parseAll(addresses);
            return this;
        }

        /** Serves callers the gateway admitted with this role, e.g. {@code metrics}. */
        public Builder requireRole(String role) {
            this.requiredRole = Objects.requireNonNull(role, "role");
            return this;
        }

        /**
         * Builds the servlet.
         *
         * @throws IllegalStateException when neither addresses nor a role were configured
         */
        public MetricsServlet build() {
            if (allowedAddresses.isEmpty() && requiredRole == null) {
                throw new IllegalStateException("MetricsServlet needs allowAddresses or "
                        + "requireRole: metrics are never served to everyone by default");
            }
            return new MetricsServlet(this);
        }
    }
}
