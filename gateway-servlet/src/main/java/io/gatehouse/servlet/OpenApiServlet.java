package io.gatehouse.servlet;

import io.gatehouse.Gateway;
import io.gatehouse.openapi.OpenApi;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Serves the OpenAPI 3.1 document of a gateway's routes ({@link OpenApi}) as JSON, usually at
 * {@code /openapi.json}; {@link SwaggerUiServlet} shows it at {@code /docs}.
 *
 * <pre>{@code
 * context.addServlet(new ServletHolder("openapi", new OpenApiServlet(gateway,
 *         OpenApi.builder().title("Inference API").version("1.4.0").build())), "/openapi.json");
 * }</pre>
 *
 * <p>The document is generated once, when the servlet is made: a gateway's routes do not change
 * while it runs. Behind {@link GatewayFilter}, give the path a public route (or let unmatched
 * paths pass through).
 *
 * <p>Thread-safe.
 */
public final class OpenApiServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private final byte[] document;

    /** Serves the document of {@code gateway}'s routes with the default title and version. */
    public OpenApiServlet(Gateway gateway) {
        this(gateway, OpenApi.builder().build());
    }

    /** Serves {@code openApi}'s document of {@code gateway}'s routes. */
    public OpenApiServlet(Gateway gateway, OpenApi openApi) {
        Objects.requireNonNull(gateway, "gateway");
        this.document = openApi.json(gateway).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setContentLength(document.length);
        response.getOutputStream().write(document);
    }
}
