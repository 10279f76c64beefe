package io.gatehouse.servlet;

import io.gatehouse.ErrorCode;
import io.gatehouse.Gateway;
import io.gatehouse.Problem;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Swagger UI, from the {@code org.webjars:swagger-ui} jar on the class path, showing the
 * document that {@link OpenApiServlet} serves. Map it to a directory, usually {@code /docs/*}:
 *
 * <pre>{@code
 * context.addServlet(new ServletHolder("docs", new SwaggerUiServlet()), "/docs/*");
 * }</pre>
 *
 * <p>{@code /docs} redirects to {@code /docs/}, which is a page loading Swagger UI with the
 * document at {@code /openapi.json} of the same web application (or the path given to the
 * constructor). Only the files that page needs are served, by exact name, with their content
 * types; any other path under the directory is 404, so no path can reach another resource of
 * the class path.
 *
 * <p>Thread-safe.
 */
public final class SwaggerUiServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    private static final String WEBJAR = "META-INF/resources/webjars/swagger-ui/";
    private static final String WEBJAR_PROPERTIES =
            "META-INF/maven/org.webjars/swagger-ui/pom.properties";
    private static final String BUILT_AGAINST = "io/gatehouse/servlet/swagger-ui.properties";

    /** The files served, by name, with their content types. */
    private static final Map<String, String> FILES = Map.of(
            "swagger-ui.css", "text/css; charset=utf-8",
            "index.css", "text/css; charset=utf-8",
            "swagger-ui-bundle.js", "text/javascript; charset=utf-8",
            "swagger-ui-standalone-preset.js", "text/javascript; charset=utf-8",
            "oauth2-redirect.html", "text/html; charset=utf-8",
            "oauth2-redirect.js", "text/javascript; charset=utf-8",
            "favicon-16x16.png", "image/png",
            "favicon-32x32.png", "image/png");

    private final String documentPath;
    private final transient Map<String, byte[]> cache = new ConcurrentHashMap<>();
    private transient String webjarDirectory;

    /** Shows the document at {@code /openapi.json} of the web application. */
    public SwaggerUiServlet() {
        this("/openapi.json");
    }

    /**
     * Shows the document at {@code documentPath} of the web application, e.g.
     * {@code /api/openapi.json}.
     *
     * @throws IllegalArgumentException when the path does not start with {@code /} or holds a
     *     character that would need quoting in the page
     */
    public SwaggerUiServlet(String documentPath) {
        Objects.requireNonNull(documentPath, "documentPath");
        if (!documentPath.matches("/[A-Za-z0-9._~/-]*")) {
            throw new IllegalArgumentException("documentPath must be a path of letters, digits "
                    + "and ._~/- starting with '/', was '" + documentPath + "'");
        }
        this.documentPath = documentPath;
    }

    @Override
    public void init() {
        webjarDirectory = WEBJAR + webjarVersion() + "/";
    }

    /**
     * The version of the Swagger UI jar on the class path: from the jar's own
     * {@code pom.properties}, or, when a shaded jar dropped it, the version this module was built
     * against.
     */
    static String webjarVersion() {
        String version = property(WEBJAR_PROPERTIES);
        if (version == null) {
            version = property(BUILT_AGAINST);
        }
        if (version == null || !version.matches("[0-9A-Za-z.-]+")
                || SwaggerUiServlet.class.getClassLoader()
                        .getResource(WEBJAR + version + "/swagger-ui-bundle.js") == null) {
            throw new IllegalStateException("Swagger UI is not on the class path (version "
                    + version + "): add org.webjars:swagger-ui");
        }
        return version;
    }

    private static String property(String resource) {
        try (InputStream in = SwaggerUiServlet.class.getClassLoader()
                .getResourceAsStream(resource)) {
            if (in == null) {
                return null;
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        String pathInfo = request.getPathInfo();
        if (pathInfo == null) {
            // Without the slash the page's relative links would miss the directory.
            response.setStatus(HttpServletResponse.SC_MOVED_PERMANENTLY);
            response.setHeader("Location", request.getContextPath() + request.getServletPath()
                    + "/");
            return;
        }
        if (pathInfo.equals("/") || pathInfo.equals("/index.html")) {
            send(response, "text/html; charset=utf-8",
                    indexPage(request.getContextPath() + documentPath));
            return;
        }
        String name = pathInfo.substring(1);
        String contentType = FILES.get(name);
        if (contentType == null) {
            notFound(response);
            return;
        }
        byte[] file = cache.computeIfAbsent(name, this::read);
        response.setHeader("Cache-Control", "public, max-age=86400");
        send(response, contentType, file);
    }

    private byte[] read(String name) {
        try (InputStream in = SwaggerUiServlet.class.getClassLoader()
                .getResourceAsStream(webjarDirectory + name)) {
            if (in == null) {
                throw new IllegalStateException("Swagger UI jar lacks " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The page that starts Swagger UI on the document at {@code documentUrl}. */
    static byte[] indexPage(String documentUrl) {
        return ("""
                <!doctype html>
                <html lang="en">
                <head>
                  <meta charset="utf-8">
                  <title>API documentation</title>
                  <link rel="stylesheet" href="swagger-ui.css">
                  <link rel="stylesheet" href="index.css">
                  <link rel="icon" type="image/png" href="favicon-32x32.png" sizes="32x32">
                </head>
                <body>
                  <div id="swagger-ui"></div>
                  <script src="swagger-ui-bundle.js"></script>
                  <script src="swagger-ui-standalone-preset.js"></script>
                  <script>
                    window.ui = SwaggerUIBundle({
                      url: "%s",
                      dom_id: "#swagger-ui",
                      deepLinking: true,
                      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
                      plugins: [SwaggerUIBundle.plugins.DownloadUrl],
                      layout: "StandaloneLayout"
                    });
                  </script>
                </body>
                </html>
                """.formatted(documentUrl)).getBytes(StandardCharsets.UTF_8);
    }

    private static void send(HttpServletResponse response, String contentType, byte[] body)
            throws IOException {
        response.setStatus(HttpServletResponse.SC_OK);
        response.setContentType(contentType);
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    private static void notFound(HttpServletResponse response) throws IOException {
        String requestId = response.getHeader(Gateway.REQUEST_ID_HEADER);
        byte[] body = Problem.of(ErrorCode.NOT_FOUND, "no such documentation file",
                requestId != null ? requestId : UUID.randomUUID().toString()).toJson();
        response.setStatus(HttpServletResponse.SC_NOT_FOUND);
        response.setContentType(Problem.MEDIA_TYPE);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
