package io.gatehouse.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import jakarta.servlet.http.HttpServlet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the YAML example of docs/proxying.md as a filter configured only by its file, so the
 * forwarder is found through ServiceLoader, against a real upstream.
 */
class ProxyingGuideTest {

    @Test
    void theGuidesExampleForwardsWithTheForwarderFoundByServiceLoader(@TempDir Path dir)
            throws Exception {
        String guide = Files.readString(Path.of("..", "docs", "proxying.md"),
                StandardCharsets.UTF_8);
        String yaml = guide.substring(guide.indexOf("```yaml",
                guide.indexOf("<!-- proxying-example:start -->")) + "```yaml".length(),
                guide.indexOf("```", guide.indexOf("<!-- proxying-example:start -->") + 40));
        try (Upstream upstream = new Upstream()) {
            upstream.on("/models", exchange -> {
                upstream.record(exchange);
                exchange.getResponseHeaders().set("X-Usage-Tokens", "7");
                Upstream.respond(exchange, 200, "application/json", "{\"models\":[]}");
            });
            Path file = dir.resolve("gateway.yaml");
            Files.writeString(file, yaml.replace("127.0.0.1:9001", "127.0.0.1:"
                    + upstream.port()));
            try (ServletContainer.Running running = new ServletContainer.Jetty().start(
                    ServletContainer.Deployment.byClass(Map.of("gatehouse.config",
                            file.toString()), Map.of(), new HttpServlet() { }))) {
                HttpResponse<String> response = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(running.uri("/v1/models"))
                                .header("Authorization", "Bearer client-token").build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.body()).isEqualTo("{\"models\":[]}");
                assertThat(response.headers().firstValue("X-Request-ID")).isPresent();
                Upstream.Seen seen = upstream.seen.get(0);
                assertThat(seen.uri()).isEqualTo("/models");
                assertThat(seen.header("Authorization")).isEqualTo("Bearer dev-only-key");
            }
        }
    }
}
