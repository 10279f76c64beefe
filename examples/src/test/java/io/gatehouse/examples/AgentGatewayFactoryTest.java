package io.gatehouse.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.auth.ApiKeyManager;
import io.gatehouse.auth.ApiKeySpec;
import io.gatehouse.auth.FileApiKeyStore;
import io.gatehouse.servlet.GatewayFilter;
import jakarta.servlet.DispatcherType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumSet;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web.xml deployment of docs/servlet.md, done the way a container does it: the container
 * creates the filter from its class name, and the filter builds its gateway from the factory
 * named in its init parameters.
 */
class AgentGatewayFactoryTest {

    @TempDir
    Path directory;

    @Test
    void filterConfiguredOnlyByInitParametersProtectsTheApp() throws Exception {
        Path keysFile = directory.resolve("keys.json");
        String key = ApiKeyManager.builder(FileApiKeyStore.open(keysFile)).build()
                .create("sk_live_", ApiKeySpec.of("acme", "basic")).plaintext();
        assertThat(Files.readString(keysFile)).doesNotContain(key);

        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/agent");
        // What <filter> with <init-param>s in web.xml amounts to.
        FilterHolder filter = context.addFilter(GatewayFilter.class, "/*",
                EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        filter.setAsyncSupported(true);
        filter.setInitParameter(GatewayFilter.FACTORY_PARAMETER,
                AgentGatewayFactory.class.getName());
        filter.setInitParameter(AgentGatewayFactory.KEYS_FILE_PARAMETER, keysFile.toString());
        context.addServlet(new ServletHolder(new DemoAgentServlet(Clock.systemUTC(), "test")), "/");
        server.setHandler(context);
        server.start();
        try {
            HttpClient client = HttpClient.newHttpClient();
            URI invocations = URI.create(
                    "http://127.0.0.1:" + connector.getLocalPort() + "/agent/invocations");
            HttpRequest.Builder request = HttpRequest.newBuilder(invocations)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"hi\"}"));

            HttpResponse<String> withKey = client.send(request.copy().header("X-API-Key", key)
                    .build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> withoutKey =
                    client.send(request.build(), HttpResponse.BodyHandlers.ofString());

            assertThat(withKey.statusCode()).isEqualTo(200);
            assertThat(withKey.body()).contains("\"response\":\"Demo agent received: hi\"");
            // The preset basic tier: every policy is announced.
            assertThat(withKey.headers().firstValue("RateLimit-Policy")).hasValue(
                    "\"per-minute\";q=60;w=60, \"per-hour\";q=1000;w=3600, "
                            + "\"per-day\";q=10000;w=86400, \"burst\";q=20;w=20, "
                            + "\"cost-per-hour\";q=100000;w=3600, \"concurrency\";q=5");
            assertThat(withoutKey.statusCode()).isEqualTo(401);
        } finally {
            server.stop();
        }
    }

    @Test
    void withoutAKeyFileTheFactoryRefusesToBuildAGateway() {
        assertThatThrownBy(() -> new AgentGatewayFactory().create(Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("init parameter keys.file must name the API key file");
    }
}
