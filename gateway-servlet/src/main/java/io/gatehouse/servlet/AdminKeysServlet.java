package io.gatehouse.servlet;

import io.gatehouse.Admission;
import io.gatehouse.auth.AdminContext;
import io.gatehouse.auth.KeyAdministration;
import io.gatehouse.auth.Principal;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * The admin HTTP API for API keys ({@code POST/GET /admin/keys},
 * {@code DELETE /admin/keys/{id}}, {@code POST /admin/keys/{id}/rotate} and the alias
 * {@code POST /api/auth/api-key}), as a servlet that only translates: every rule is in
 * {@link KeyAdministration}, which describes the requests and answers.
 *
 * <p>Mount it behind {@link GatewayFilter} at {@code /admin/keys}, {@code /admin/keys/*} and
 * {@code /api/auth/api-key}, and add {@link KeyAdministration#routes()} to the gateway's router:
 * the gateway then refuses anonymous callers (401) and callers without the admin role (403)
 * before this servlet runs. The servlet takes the caller from the gateway's admission
 * ({@link GatewayFilter#ADMISSION_ATTRIBUTE}); a request that reaches it without one (the filter
 * not mapped) is treated as anonymous and refused.
 * <pre>{@code
 * ServletHolder admin = new ServletHolder("admin-keys", new AdminKeysServlet(administration));
 * context.addServlet(admin, "/admin/keys");
 * context.addServlet(admin, "/admin/keys/*");
 * context.addServlet(admin, "/api/auth/api-key");
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class AdminKeysServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final transient KeyAdministration administration;

    /** A servlet serving {@code administration}. */
    public AdminKeysServlet(KeyAdministration administration) {
        this.administration = Objects.requireNonNull(administration, "administration");
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        Principal principal = Principal.anonymous();
        // Unadmitted (the filter is not mapped): refused as anonymous whatever the path.
        String path = request.getRequestURI();
        String requestId = "";
        String clientAddress = request.getRemoteAddr() == null ? "" : request.getRemoteAddr();
        if (request.getAttribute(GatewayFilter.ADMISSION_ATTRIBUTE)
                instanceof Admission.Admitted admitted) {
            principal = admitted.principal();
            path = admitted.request().path();
            requestId = admitted.requestId();
            clientAddress = admitted.request().clientAddress();
        }
        KeyAdministration.Reply reply = administration.handle(new KeyAdministration.Call(
                request.getMethod(), path, request.getContentType(), readBody(request),
                principal, new AdminContext(requestId, clientAddress, principal.id()),
                request.getHeader("Idempotency-Key")));
        response.setStatus(reply.status());
        reply.headers().forEach(response::setHeader);
        if (reply.body().length > 0) {
            response.setContentLength(reply.body().length);
            response.getOutputStream().write(reply.body());
        }
    }

    /** At most one byte more than the API accepts, so an oversized body is known as such. */
    private static byte[] readBody(HttpServletRequest request) throws IOException {
        try (InputStream in = request.getInputStream()) {
            return in.readNBytes(KeyAdministration.MAX_BODY_BYTES + 1);
        }
    }
}
