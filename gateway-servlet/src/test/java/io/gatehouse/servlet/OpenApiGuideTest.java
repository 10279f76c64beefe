package io.gatehouse.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.Gateway;
import io.gatehouse.UnmatchedPaths;
import io.gatehouse.config.GatewayConfig;
import io.gatehouse.openapi.OpenApi;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Keeps docs/openapi.md true: its routes, in a gateway that refuses unmatched paths, let the
 * document and Swagger UI through, and nothing else.
 */
@Timeout(120)
class OpenApiGuideTest {

    @Test
    void theGuidesRoutesMakeTheDocumentAndTheDocsPublic() throws Exception {
        String guide = Files.readString(Path.of("..", "docs", "openapi.md"),
                StandardCharsets.UTF_8);
        int start = guide.indexOf("```yaml", guide.indexOf("<!-- openapi-routes:start -->"))
                + "```yaml".length();
        String yaml = guide.substring(start, guide.indexOf("```", start));
        Gateway gateway = GatewayConfig.parse(yaml, name -> null).gatewayBuilder()
                .unmatchedPaths(UnmatchedPaths.NOT_FOUND).build();
        ServletContainer.Deployment deployment = ServletContainer.Deployment.of("",
                        new GatewayFilter(gateway), new DocsGateway.Invocations())
                .withServlet("/openapi.json", new OpenApiServlet(gateway,
                        OpenApi.builder().title("Inference API").version("1.4.0").build()))
                .withServlet("/docs/*", new SwaggerUiServlet());
        HttpClient client = HttpClient.newHttpClient();
        try (ServletContainer.Running running = new ServletContainer.Jetty().start(deployment)) {
            HttpResponse<String> document = client.send(HttpRequest.newBuilder(
                    running.uri("/openapi.json")).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> page = client.send(HttpRequest.newBuilder(
                    running.uri("/docs/")).build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> elsewhere = client.send(HttpRequest.newBuilder(
                    running.uri("/invocations")).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(document.statusCode()).isEqualTo(200);
            assertThat(document.body()).contains("\"title\" : \"Inference API\"",
                    "\"/docs/{path}\"", "\"/openapi.json\"");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("SwaggerUIBundle");
            assertThat(elsewhere.statusCode()).isEqualTo(404);
        }
    }
}
