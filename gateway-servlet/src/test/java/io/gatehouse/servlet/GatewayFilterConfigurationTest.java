package io.gatehouse.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.gatehouse.Gateway;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The container instantiates the filter and configures it from init parameters or context. */
@Timeout(30)
class GatewayFilterConfigurationTest {

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).build();

    static List<ServletContainer> containers() {
        return ServletContainer.all();
    }

    /** Answers 200 "hello" to anything that gets past the gateway. */
    static final class HelloServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response)
                throws IOException {
            response.setContentType("text/plain");
            response.getWriter().write("hello");
        }
    }

    private HttpResponse<String> get(ServletContainer.Running running, String path)
            throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(running.uri(path))
                .timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String fullTrace(Throwable failure) {
        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        return trace.toString();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void factoryNamedInInitParameterBuildsTheGatewayWithAllInitParameters(
            ServletContainer container) throws Exception {
        var deployment = ServletContainer.Deployment.byClass(Map.of(
                "gatehouse.factory", GreetingGatewayFactory.class.getName(),
                "greeting.path", "/hello"), Map.of(), new HelloServlet());

        try (var running = container.start(deployment)) {
            HttpResponse<String> admitted = get(running, "/hello");
            HttpResponse<String> refused = get(running, "/elsewhere");

            assertThat(admitted.statusCode()).isEqualTo(200);
            assertThat(admitted.body()).isEqualTo("hello");
            assertThat(admitted.headers().firstValue("X-Request-ID")).isPresent();
            assertThat(refused.statusCode()).isEqualTo(404);
            assertThat(refused.headers().firstValue("Content-Type"))
                    .hasValue("application/problem+json");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void gatewayInServletContextAttributeIsUsedWithoutFactoryAndPassesUnlistedPathsThrough(
            ServletContainer container)
            throws Exception {
        Gateway gateway = Gateway.builder(Router.of(List.of(
                Route.builder("open", "/open").publicAccess().build()))).build();
        var deployment = ServletContainer.Deployment.byClass(Map.of(),
                Map.of(GatewayFilter.GATEWAY_ATTRIBUTE, gateway), new HelloServlet());

        try (var running = container.start(deployment)) {
            assertThat(get(running, "/open").statusCode()).isEqualTo(200);
            // Built in Java without unmatchedPaths(...): the application serves unlisted paths.
            HttpResponse<String> unlisted = get(running, "/closed");
            assertThat(unlisted.statusCode()).isEqualTo(200);
            assertThat(unlisted.body()).isEqualTo("hello");
            assertThat(unlisted.headers().firstValue("X-Request-ID")).isEmpty();
        }
    }

    private static final String YAML = """
            unmatched_paths: not_found
            routes:
              - id: hello
                methods: [GET]
                path: ${HELLO_PATH_IS_UNSET:-/hello}
                public: true
              - id: private
                methods: [GET]
                path: /private
            """;

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void yamlFileNamedInInitParameterConfiguresTheRoutes(ServletContainer container,
            @TempDir Path directory) throws Exception {
        Path file = Files.writeString(directory.resolve("gateway.yaml"), YAML);
        var deployment = ServletContainer.Deployment.byClass(
                Map.of("gatehouse.config", file.toString()), Map.of(), new HelloServlet());

        try (var running = container.start(deployment)) {
            assertThat(get(running, "/hello").body()).isEqualTo("hello");
            // The file configures no authenticator, so protected routes stay closed.
            assertThat(get(running, "/private").statusCode()).isEqualTo(401);
            assertThat(get(running, "/elsewhere").statusCode()).isEqualTo(404);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void yamlOnTheWebAppsClassPathIsReadWithAClasspathLocation(ServletContainer container)
            throws Exception {
        var deployment = ServletContainer.Deployment.byClass(Map.of("gatehouse.config",
                "classpath:io/gatehouse/servlet/classpath-gateway.yaml"), Map.of(),
                new HelloServlet());

        try (var running = container.start(deployment)) {
            assertThat(get(running, "/hello").body()).isEqualTo("hello");
            assertThat(get(running, "/elsewhere").statusCode()).isEqualTo(404);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void aMissingClasspathConfigurationFailsTheFilterNamingIt(ServletContainer container) {
        var deployment = ServletContainer.Deployment.byClass(Map.of("gatehouse.config",
                "classpath:no/such/gatehouse.yaml"), Map.of(), new HelloServlet());

        Throwable failure = catchThrowable(() -> container.start(deployment).close());

        assertThat(failure).isNotNull();
        assertThat(fullTrace(failure)).contains("init parameter gatehouse.config="
                + "'classpath:no/such/gatehouse.yaml': no such resource");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void yamlFileNamedInSystemPropertyIsTheLastResort(ServletContainer container,
            @TempDir Path directory) throws Exception {
        Path file = Files.writeString(directory.resolve("gateway.yaml"), YAML);
        var deployment = ServletContainer.Deployment.byClass(Map.of(), Map.of(),
                new HelloServlet());
        System.setProperty("gatehouse.config", file.toString());
        try (var running = container.start(deployment)) {
            assertThat(get(running, "/hello").statusCode()).isEqualTo(200);
            assertThat(get(running, "/elsewhere").statusCode()).isEqualTo(404);
        } finally {
            System.clearProperty("gatehouse.config");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void invalidYamlFileFailsStartupNamingTheParameterAndTheBadValue(ServletContainer container,
            @TempDir Path directory) throws Exception {
        Path file = Files.writeString(directory.resolve("gateway.yaml"),
                "routes: [{id: r, path: /r, cost: free}]\n");
        var deployment = ServletContainer.Deployment.byClass(
                Map.of("gatehouse.config", file.toString()), Map.of(), new HelloServlet());

        Throwable failure = catchThrowable(() -> container.start(deployment).close());

        assertThat(failure).isNotNull();
        assertThat(fullTrace(failure)).contains("init parameter gatehouse.config='" + file
                + "': " + file + ": routes[0].cost: must be a whole number, was 'free'");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void unknownFactoryClassFailsStartupNamingTheParameter(ServletContainer container) {
        var deployment = ServletContainer.Deployment.byClass(
                Map.of("gatehouse.factory", "com.example.NoSuchFactory"), Map.of(),
                new HelloServlet());

        Throwable failure = catchThrowable(() -> container.start(deployment).close());

        assertThat(failure).isNotNull();
        assertThat(fullTrace(failure)).contains(
                "init parameter gatehouse.factory='com.example.NoSuchFactory': class not found");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void classThatIsNotAFactoryFailsStartup(ServletContainer container) {
        var deployment = ServletContainer.Deployment.byClass(
                Map.of("gatehouse.factory", NotAFactory.class.getName()), Map.of(),
                new HelloServlet());

        Throwable failure = catchThrowable(() -> container.start(deployment).close());

        assertThat(failure).isNotNull();
        assertThat(fullTrace(failure)).contains("init parameter gatehouse.factory='"
                + NotAFactory.class.getName()
                + "': class does not implement io.gatehouse.servlet.GatewayFactory");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void failingFactoryFailsStartupWithItsReason(ServletContainer container) {
        var deployment = ServletContainer.Deployment.byClass(
                Map.of("gatehouse.factory", GreetingGatewayFactory.class.getName()), Map.of(),
                new HelloServlet());

        Throwable failure = catchThrowable(() -> container.start(deployment).close());

        assertThat(failure).isNotNull();
        assertThat(fullTrace(failure)).contains("the factory failed: "
                + "init parameter greeting.path is required");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void missingConfigurationFailsStartupNamingBothWaysToConfigure(ServletContainer container) {
        var deployment = ServletContainer.Deployment.byClass(Map.of(), Map.of(),
                new HelloServlet());

        Throwable failure = catchThrowable(() -> container.start(deployment).close());

        assertThat(failure).isNotNull();
        assertThat(fullTrace(failure)).contains("set init parameter gatehouse.factory")
                .contains("servlet-context attribute io.gatehouse.Gateway");
    }
}
