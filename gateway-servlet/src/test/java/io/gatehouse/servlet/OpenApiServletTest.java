package io.gatehouse.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import jakarta.servlet.Filter;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link OpenApiServlet} and {@link SwaggerUiServlet} on real Jetty 12 and Tomcat 11: the
 * served document passes an OpenAPI parser with no message, Swagger UI's files come with their
 * content types, and no path under {@code /docs} reaches any other resource.
 */
@Timeout(120)
class OpenApiServletTest {

    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    /** A file on the class path beside Swagger UI's, that a traversal would aim at. */
    private static final String SECRET_MARKER = "groupId=org.webjars";

    static List<ServletContainer> containers() {
        return ServletContainer.all();
    }

    private static HttpResponse<byte[]> get(ServletContainer.Running running, String path)
            throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(running.uri(path)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void theServedDocumentIsValidOpenApiAndDescribesTheLiveRoutes(ServletContainer container)
            throws Exception {
        DocsGateway docs = new DocsGateway();
        try (ServletContainer.Running running = container.start(docs.deployment())) {
            HttpResponse<byte[]> response = get(running, "/openapi.json");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type").orElseThrow())
                    .startsWith("application/json");
            String text = new String(response.body(), StandardCharsets.UTF_8);
            assertThat(text).isEqualTo(docs.openApi().json(docs.gateway));

            ParseOptions options = new ParseOptions();
            options.setResolve(true);
            SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(text, null, options);
            assertThat(parsed.getMessages()).isEmpty();
            // The parser does check: the same document without its info is refused.
            assertThat(new OpenAPIV3Parser().readContents(text.replaceFirst("\"info\"",
                    "\"about\""), null, options).getMessages()).isNotEmpty();
            OpenAPI openApi = parsed.getOpenAPI();
            assertThat(openApi.getOpenapi()).isEqualTo("3.1.0");
            assertThat(openApi.getInfo().getTitle()).isEqualTo("Demo inference API");
            assertThat(openApi.getPaths().keySet())
                    .containsExactly("/invocations", "/openapi.json", "/docs/{path}");
            Operation invoke = openApi.getPaths().get("/invocations").getPost();
            assertThat(invoke.getSecurity()).hasSize(1);
            assertThat(invoke.getSecurity().get(0)).containsOnlyKeys("ApiKey");
            assertThat(invoke.getRequestBody().getContent().get("application/json").getSchema()
                    .get$ref()).isEqualTo("#/components/schemas/invocationsRequest");
            assertThat(openApi.getComponents().getSchemas().get("invocationsRequest")
                    .getRequired()).containsExactly("prompt");
            assertThat(invoke.getResponses().keySet()).containsExactly("2XX", "400", "401",
                    "403", "408", "413", "415", "429", "500", "503");
            assertThat(invoke.getResponses().get("429").getHeaders().keySet())
                    .containsExactly("X-Request-ID", "RateLimit", "RateLimit-Policy",
                            "Retry-After");
            assertThat(openApi.getComponents().getSecuritySchemes().get("ApiKey").getName())
                    .isEqualTo("X-API-Key");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void docsServeSwaggerUiPointedAtTheDocument(ServletContainer container) throws Exception {
        DocsGateway docs = new DocsGateway();
        try (ServletContainer.Running running = container.start(docs.deployment())) {
            HttpResponse<byte[]> redirect = get(running, "/docs");
            assertThat(redirect.statusCode()).isEqualTo(301);
            assertThat(redirect.headers().firstValue("Location").orElseThrow())
                    .endsWith("/docs/");

            HttpResponse<byte[]> index = get(running, "/docs/");
            assertThat(index.statusCode()).isEqualTo(200);
            assertThat(index.headers().firstValue("Content-Type").orElseThrow())
                    .isEqualToIgnoringCase("text/html;charset=utf-8");
            assertThat(new String(index.body(), StandardCharsets.UTF_8))
                    .contains("url: \"/openapi.json\"", "<script src=\"swagger-ui-bundle.js\">");

            String version = SwaggerUiServlet.webjarVersion();
            for (String[] file : new String[][] {
                    {"swagger-ui.css", "text/css;charset=utf-8"},
                    {"swagger-ui-bundle.js", "text/javascript;charset=utf-8"},
                    {"swagger-ui-standalone-preset.js", "text/javascript;charset=utf-8"},
                    {"favicon-32x32.png", "image/png"}}) {
                HttpResponse<byte[]> response = get(running, "/docs/" + file[0]);
                assertThat(response.statusCode()).as(file[0]).isEqualTo(200);
                assertThat(response.headers().firstValue("Content-Type").orElseThrow()
                        .replace(" ", "")).as(file[0]).isEqualToIgnoringCase(file[1]);
                assertThat(response.headers().firstValue("X-Content-Type-Options"))
                        .contains("nosniff");
                try (InputStream original = getClass().getClassLoader().getResourceAsStream(
                        "META-INF/resources/webjars/swagger-ui/" + version + "/" + file[0])) {
                    assertThat(response.body()).as(file[0])
                            .isEqualTo(original.readAllBytes());
                }
            }
            HttpResponse<byte[]> other = get(running, "/docs/swagger-initializer.js");
            assertThat(other.statusCode()).isEqualTo(404);
            assertThat(other.headers().firstValue("Content-Type").orElseThrow())
                    .startsWith("application/problem+json");
        }
    }

    private static final List<String> ATTACKS = List.of(
                "/docs/../../../../maven/org.webjars/swagger-ui/pom.properties",
                "/docs/swagger-ui.css/../../../../../maven/org.webjars/swagger-ui/pom.properties",
                "/docs/%2e%2e/%2e%2e/%2e%2e/%2e%2e/maven/org.webjars/swagger-ui/pom.properties",
                "/docs/%2E%2E/%2E%2E/%2E%2E/%2E%2E/maven/org.webjars/swagger-ui/pom.properties",
                "/docs/..%2f..%2f..%2f..%2fmaven%2forg.webjars%2fswagger-ui%2fpom.properties",
                "/docs/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fmaven/org.webjars/swagger-ui/"
                        + "pom.properties",
                "/docs/%252e%252e/%252e%252e/%252e%252e/%252e%252e/maven/org.webjars/"
                        + "swagger-ui/pom.properties",
                "/docs/..\\..\\..\\..\\maven\\org.webjars\\swagger-ui\\pom.properties",
                "/docs/..%5c..%5c..%5c..%5cmaven%5corg.webjars%5cswagger-ui%5cpom.properties",
                "/docs/.%2e/.%2e/.%2e/.%2e/maven/org.webjars/swagger-ui/pom.properties",
                "/docs/..;/..;/..;/..;/maven/org.webjars/swagger-ui/pom.properties",
                "/docs//../../../../maven/org.webjars/swagger-ui/pom.properties",
                "/docs/%c0%ae%c0%ae/%c0%ae%c0%ae/maven/org.webjars/swagger-ui/pom.properties");

    static Stream<Arguments> deployments() {
        return containers().stream().flatMap(container -> Stream.of(true, false)
                .map(behindGateway -> Arguments.of(container, behindGateway)));
    }

    /**
     * Each path aims at the webjar's {@code pom.properties}, four directories above Swagger UI's
     * files, spelled so that a servlet resolving names itself would get there. Behind the
     * gateway and bare (a no-op filter), the answer is a refusal that does not contain it.
     */
    @ParameterizedTest(name = "{0} behind the gateway: {1}")
    @MethodSource("deployments")
    void pathTraversalUnderDocsReachesNothingElse(ServletContainer container,
            boolean behindGateway) throws Exception {
        DocsGateway docs = new DocsGateway();
        ServletContainer.Deployment deployment = docs.deployment();
        if (!behindGateway) {
            Filter passThrough = (request, response, chain) -> chain.doFilter(request, response);
            deployment = new ServletContainer.Deployment("", passThrough, deployment
                    .initParameters(), deployment.contextAttributes(), deployment.servlet(),
                    deployment.servlets());
        }
        try (ServletContainer.Running running = container.start(deployment)) {
            // The target exists, and the same connection code would read it if served.
            assertThat(new String(getClass().getClassLoader().getResourceAsStream(
                    "META-INF/maven/org.webjars/swagger-ui/pom.properties").readAllBytes(),
                    StandardCharsets.UTF_8)).contains(SECRET_MARKER);
            SoftAssertions softly = new SoftAssertions();
            for (String path : ATTACKS) {
                String raw = rawGet(running.port(), path);
                int status = Integer.parseInt(raw.substring(9, 12));
                softly.assertThat(status).as(path).isIn(400, 404, 405);
                softly.assertThat(raw).as(path).doesNotContain(SECRET_MARKER)
                        .doesNotContain("Manifest-Version");
            }
            softly.assertAll();
            // The page itself is still there.
            assertThat(rawGet(running.port(), "/docs/swagger-ui.css")).startsWith("HTTP/1.1 200");
        }
    }

    /** Sends {@code path} exactly as written and returns the whole response. */
    private static String rawGet(int port, String path) throws Exception {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theVersionBuiltAgainstIsTheWebjarOnTheClassPath() throws Exception {
        java.util.Properties builtAgainst = new java.util.Properties();
        try (InputStream in = getClass().getClassLoader()
                .getResourceAsStream("io/gatehouse/servlet/swagger-ui.properties")) {
            builtAgainst.load(in);
        }
        assertThat(builtAgainst.getProperty("version")).matches("[0-9]+\\.[0-9]+\\.[0-9]+")
                .isEqualTo(SwaggerUiServlet.webjarVersion());
    }

    @Test
    void aDocumentPathThatNeedsQuotingIsRefused() {
        assertThatThrownBy(
                () -> new SwaggerUiServlet("/x\";alert(1);\""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("documentPath must be a path");
        assertThat(new String(SwaggerUiServlet.indexPage("/api/openapi.json"),
                StandardCharsets.UTF_8)).contains("url: \"/api/openapi.json\"");
        assertThat(URI.create("http://x/docs/").resolve("swagger-ui.css").getPath())
                .isEqualTo("/docs/swagger-ui.css");
    }
}
