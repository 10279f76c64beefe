package io.gatehouse.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The example gateway's admin API: the per-run admin key may manage keys, the development key
 * and the demo tenants may not, and the banner shows both keys on lines of their own.
 */
class ExampleAdminTest {

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient client = HttpClient.newHttpClient();
    private ExampleGateway.Running gateway;

    @BeforeEach
    void start() throws IOException {
        gateway = ExampleGateway.start("127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        gateway.close();
    }

    private HttpResponse<String> call(String method, String path, String key, String body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(gateway.uri().resolve(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (key != null) {
            request.header("X-API-Key", key);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void bannerShowsTheDevKeyAndTheAdminKeyOnLinesOfTheirOwn() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExampleGateway.printBanner(gateway, new PrintStream(out, true, StandardCharsets.UTF_8));

        assertThat(out.toString(StandardCharsets.UTF_8).lines()).contains(
                "Dev API key: " + gateway.devApiKey(),
                "Admin API key: " + gateway.adminApiKey());
        assertThat(gateway.adminApiKey()).matches("sk_dev_[0-9A-Za-z]{30}")
                .isNotEqualTo(gateway.devApiKey());
    }

    @Test
    void adminKeyCreatesAKeyThatWorksAtOnceAndRevokesIt() throws Exception {
        HttpResponse<String> created = call("POST", "/admin/keys", gateway.adminApiKey(),
                "{\"owner\": \"dana\", \"tier\": \"premium\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode key = json.readTree(created.body());
        String plaintext = key.get("api_key").asText();
        assertThat(plaintext).startsWith("sk_dev_");

        HttpResponse<String> invoked = call("POST", "/invocations", plaintext,
                "{\"prompt\": \"hi\"}");
        assertThat(invoked.statusCode()).isEqualTo(200);
        assertThat(invoked.headers().firstValue("X-RateLimit-Limit")).hasValue("100");

        HttpResponse<String> listed = call("GET", "/admin/keys", gateway.adminApiKey(), null);
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(json.readTree(listed.body()).get("keys")).hasSize(6);
        assertThat(listed.body()).doesNotContain(plaintext)
                .doesNotContain(gateway.devApiKey()).doesNotContain(gateway.adminApiKey());

        assertThat(call("DELETE", "/admin/keys/" + key.get("id").asText(),
                gateway.adminApiKey(), null).statusCode()).isEqualTo(204);
        assertThat(call("POST", "/invocations", plaintext, "{\"prompt\": \"hi\"}")
                .statusCode()).isEqualTo(401);
    }

    @Test
    void devKeyAndDemoTenantsAreForbiddenAndAnonymousCallersUnauthorized() throws Exception {
        String body = "{\"owner\": \"mallory\", \"roles\": [\"admin\"]}";
        for (String key : new String[] {gateway.devApiKey(), "key_789"}) {
            HttpResponse<String> refused = call("POST", "/admin/keys", key, body);
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(json.readTree(refused.body()).get("code").asText())
                    .isEqualTo("FORBIDDEN");
            assertThat(call("GET", "/admin/keys", key, null).statusCode()).isEqualTo(403);
        }
        HttpResponse<String> anonymous = call("POST", "/api/auth/api-key", null, body);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(json.readTree(anonymous.body()).get("code").asText())
                .isEqualTo("MISSING_CREDENTIALS");
        assertThat(json.readTree(call("GET", "/admin/keys", gateway.adminApiKey(), null)
                .body()).get("keys")).hasSize(5);
    }
}
