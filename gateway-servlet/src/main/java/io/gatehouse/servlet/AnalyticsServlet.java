package io.gatehouse.servlet;

import static io.gatehouse.servlet.ProblemResponses.refuse;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.Admission;
import io.gatehouse.ErrorCode;
import io.gatehouse.Problem;
import io.gatehouse.ResponseHeaders;
import io.gatehouse.observe.Analytics;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code GET /admin/analytics}: the {@link Analytics} report as JSON, to callers the gateway
 * admitted with the admin role. {@code ?top=N} (1 to 1,000, default 10) bounds both lists.
 *
 * <p>Answers, always {@code Cache-Control: no-store}: 200 with the report; 401
 * {@code MISSING_CREDENTIALS} without an authenticated principal; 403 {@code FORBIDDEN} without
 * the role; 400 {@code VALIDATION_ERROR} for a malformed {@code top}.
 *
 * <pre>{@code
 * context.addServlet(new ServletHolder("analytics", new AnalyticsServlet(analytics, "admin")),
 *         "/admin/analytics");
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class AnalyticsServlet extends HttpServlet {

    /** The largest {@code top} accepted. */
    static final int MAX_TOP = 1_000;

    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final transient Analytics analytics;
    private final String adminRole;

    /** Serves {@code analytics} to callers holding {@code adminRole}. */
    public AnalyticsServlet(Analytics analytics, String adminRole) {
        this.analytics = Objects.requireNonNull(analytics, "analytics");
        this.adminRole = Objects.requireNonNull(adminRole, "adminRole");
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        response.setHeader("Cache-Control", "no-store");
        Admission.Admitted admitted = ProblemResponses.authenticated(request, response,
                "analytics are served to authenticated administrators only");
        if (admitted == null) {
            return;
        }
        String requestId = admitted.requestId();
        if (!admitted.principal().roles().contains(adminRole)) {
            refuse(response, Problem.of(ErrorCode.FORBIDDEN,
                    "analytics are served to administrators only", requestId),
                    ResponseHeaders.empty());
            return;
        }
        int top = 10;
        String asked = request.getParameter("top");
        if (asked != null) {
            try {
                top = Integer.parseInt(asked);
            } catch (NumberFormatException e) {
                top = -1;
            }
            if (top < 1 || top > MAX_TOP) {
                refuse(response, Problem.of(ErrorCode.VALIDATION_ERROR,
                        "top must be a whole number from 1 to " + MAX_TOP, requestId),
                        ResponseHeaders.empty());
                return;
            }
        }
        byte[] body = JSON.writeValueAsBytes(json(analytics.report(top)));
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType("application/json");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    private static Map<String, Object> json(Analytics.Report report) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("from", report.from().toString());
        json.put("to", report.to().toString());
        json.put("total_requests", report.totalRequests());
        json.put("total_rejections", codes(report.totalRejections()));
        json.put("entries", report.entries());
        json.put("maximum_entries", report.maximumEntries());
        json.put("evicted_entries", report.evictedEntries());
        List<Map<String, Object>> top = new ArrayList<>();
        for (Analytics.EntryReport entry : report.top()) {
            Map<String, Object> member = new LinkedHashMap<>();
            member.put("principal", entry.principal());
            member.put("tier", entry.tier());
            member.put("route", entry.route());
            member.put("requests", entry.requests());
            member.put("rejections", codes(entry.rejections()));
            member.put("cost", entry.cost());
            Map<String, Object> latency = new LinkedHashMap<>();
            latency.put("p50", entry.p50Micros() / 1_000.0);
            latency.put("p90", entry.p90Micros() / 1_000.0);
            latency.put("p99", entry.p99Micros() / 1_000.0);
            latency.put("max", entry.maxMicros() / 1_000.0);
            member.put("latency_ms", latency);
            top.add(member);
        }
        json.put("top", top);
        List<Map<String, Object>> consumers = new ArrayList<>();
        for (Analytics.Consumer consumer : report.topConsumers()) {
            Map<String, Object> member = new LinkedHashMap<>();
            member.put("principal", consumer.principal());
            member.put("requests", consumer.requests());
            member.put("cost", consumer.cost());
            consumers.add(member);
        }
        json.put("top_consumers", consumers);
        return json;
    }

    private static Map<String, Long> codes(Map<ErrorCode, Long> byCode) {
        Map<String, Long> named = new LinkedHashMap<>();
        byCode.forEach((code, count) -> named.put(code.name(), count));
        return named;
    }
}
