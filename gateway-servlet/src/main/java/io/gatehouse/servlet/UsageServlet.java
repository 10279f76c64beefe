package io.gatehouse.servlet;

import static io.gatehouse.servlet.ProblemResponses.refuse;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.Admission;
import io.gatehouse.ErrorCode;
import io.gatehouse.Problem;
import io.gatehouse.ResponseHeaders;
import io.gatehouse.auth.Principal;
import io.gatehouse.limit.LimitQuota;
import io.gatehouse.limit.TieredRateLimiter;
import io.gatehouse.observe.Usage;
import io.gatehouse.observe.UsageQuery;
import io.gatehouse.observe.UsageWindow;
import io.gatehouse.observe.WindowedUsage;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /v1/usage}: what the calling principal used in the current UTC minute, hour, day
 * and month (requests and cost, from a {@link UsageQuery}), and what each limit of its tier has
 * left (from {@link TieredRateLimiter#quotas}), as JSON. A caller holding the
 * {@link Builder#adminRole admin role} may ask for any principal with {@code ?principal=ID}.
 *
 * <p>Answers, always {@code Cache-Control: no-store}:
 * <ul>
 *   <li>200 with the report;</li>
 *   <li>401 {@code MISSING_CREDENTIALS} when the gateway admitted no authenticated principal
 *       (mount it on a route that requires credentials, so the gateway refuses first);</li>
 *   <li>403 {@code FORBIDDEN} when a caller without the admin role names another principal (the
 *       answer does not depend on whether that principal exists);</li>
 *   <li>400 {@code VALIDATION_ERROR} for an empty or over-long {@code principal};</li>
 *   <li>503 {@code SERVICE_UNAVAILABLE} when usage or limits cannot be read (Redis down).</li>
 * </ul>
 * Another principal's limits are read for the tier of its last recorded request, without its
 * credential (so limits keyed by credential are left out); a principal with no recorded
 * request has no tier and no limits in the report.
 *
 * <pre>{@code
 * context.addServlet(new ServletHolder("usage", UsageServlet.builder(usageRecorder)
 *         .limits(limiter).adminRole("admin").build()), "/v1/usage");
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class UsageServlet extends HttpServlet {

    /** The longest principal id accepted in {@code ?principal=}. */
    static final int MAX_PRINCIPAL_LENGTH = 256;

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(UsageServlet.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final transient UsageQuery usage;
    private final transient TieredRateLimiter limits;
    private final String adminRole;

    private UsageServlet(Builder builder) {
        this.usage = builder.usage;
        this.limits = builder.limits;
        this.adminRole = builder.adminRole;
    }

    /** Starts a servlet reading usage from {@code usage}. */
    public static Builder builder(UsageQuery usage) {
        return new Builder(usage);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        Admission.Admitted admitted = ProblemResponses.authenticated(request, response,
                "usage is reported to authenticated callers only");
        if (admitted == null) {
            return;
        }
        String requestId = admitted.requestId();
        Principal caller = admitted.principal();
        String asked = request.getParameter("principal");
        if (asked != null && (asked.isEmpty() || asked.length() > MAX_PRINCIPAL_LENGTH)) {
            refuse(response, Problem.of(ErrorCode.VALIDATION_ERROR, "principal must be 1 to "
                    + MAX_PRINCIPAL_LENGTH + " characters", requestId), ResponseHeaders.empty());
            return;
        }
        boolean self = asked == null || asked.equals(caller.id());
        if (!self && (adminRole == null || !caller.roles().contains(adminRole))) {
            refuse(response, Problem.of(ErrorCode.FORBIDDEN, "only administrators may read "
                    + "another principal's usage", requestId), ResponseHeaders.empty());
            return;
        }
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(report(self ? caller : null, self ? caller.id() : asked));
        } catch (RuntimeException e) {
            // The store is down or refused the read: the caller may try again shortly.
            LOG.warn("request {}: usage could not be read: {}", requestId, e.toString());
            refuse(response, Problem.of(ErrorCode.SERVICE_UNAVAILABLE,
                    "usage cannot be read right now", requestId).with("retry_after", 1),
                    ResponseHeaders.builder().add("Retry-After", "1").build());
            return;
        }
        response.setStatus(HttpServletResponse.SC_OK);
        response.setHeader("Cache-Control", "no-store");
        response.setContentType("application/json");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    /** The report of {@code principalId}; {@code caller} is its principal when it asked itself. */
    private Map<String, Object> report(Principal caller, String principalId) {
        WindowedUsage windowed = usage.windowed(principalId);
        String tier = caller != null ? caller.tier() : windowed.tier();
        Instant at = windowed.at();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("principal", principalId);
        report.put("tier", tier);
        report.put("at", at.toString());
        Map<String, Object> windows = new LinkedHashMap<>();
        for (UsageWindow window : UsageWindow.values()) {
            Usage used = windowed.usage(window);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("start", Instant.ofEpochMilli(window.startMillis(at.toEpochMilli()))
                    .toString());
            entry.put("end", Instant.ofEpochMilli(window.endMillis(at.toEpochMilli())).toString());
            entry.put("requests", used.requests());
            entry.put("cost", used.cost());
            windows.put(window.label(), entry);
        }
        report.put("windows", windows);
        List<Map<String, Object>> limitEntries = new ArrayList<>();
        if (limits != null && tier != null) {
            Principal subject = caller != null ? caller
                    : new Principal(principalId, tier, Set.of(), Set.of(), "");
            for (LimitQuota quota : limits.quotas(subject)) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("name", quota.rule().name());
                entry.put("algorithm", quota.rule().algorithm().name().toLowerCase(Locale.ROOT));
                entry.put("scope", quota.rule().scope().name().toLowerCase(Locale.ROOT));
                entry.put("quota", quota.quota());
                entry.put("period_seconds", quota.rule().period().toSeconds());
                entry.put("remaining", quota.remaining());
                long resetSeconds = (quota.resetMicros() + 999_999) / 1_000_000;
                entry.put("reset_seconds", resetSeconds);
                entry.put("reset_at", at.plusSeconds(resetSeconds).toString());
                entry.put("shadow", quota.rule().shadow());
                limitEntries.add(entry);
            }
        }
        report.put("limits", limitEntries);
        return report;
    }


    /** Collects the servlet's settings. Not thread-safe. */
    public static final class Builder {
        private final UsageQuery usage;
        private TieredRateLimiter limits;
        private String adminRole;

        private Builder(UsageQuery usage) {
            this.usage = Objects.requireNonNull(usage, "usage");
        }

        /** Reports the remaining quota of each limit of the principal's tier. */
        public Builder limits(TieredRateLimiter limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** Callers holding {@code role} may read any principal's usage; none by default. */
        public Builder adminRole(String role) {
            this.adminRole = Objects.requireNonNull(role, "role");
            return this;
        }

        public UsageServlet build() {
            return new UsageServlet(this);
        }
    }
}
