package io.gatehouse.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.Gateway;
import io.gatehouse.ResponseHeaders;
import io.gatehouse.auth.ApiKeyManager;
import io.gatehouse.auth.ApiKeySpec;
import io.gatehouse.auth.InMemoryApiKeyStore;
import io.gatehouse.auth.KeyAdministration;
import io.gatehouse.auth.SecurityEvents;
import io.gatehouse.limit.LimitDecision;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/**
 * The admin HTTP API for API keys behind the gateway, in real Jetty 12 and Tomcat 11 over real
 * HTTP: the whole key lifecycle as a client sees it, the gateway's refusals of everybody but an
 * admin, and the plaintext appearing exactly once (never in a listing, never in a log).
 */
@Timeout(60)
class AdminKeysServletTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final List<AutoCloseable> running = new ArrayList<>();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final List<Logger> watched = new ArrayList<>();

    static List<ServletContainer> containers() {
        return ServletContainer.all();
    }

    /** One container with the admin API, a protected hello route and their keys. */
    final class Deployed {
        final AdminTestClock clock = new AdminTestClock(START);
        final ApiKeyManager keys = ApiKeyManager.builder(new InMemoryApiKeyStore())
                .clock(clock)
                .events(SecurityEvents.logging())
                .build();
        final KeyAdministration administration = KeyAdministration.builder(keys)
                .tiers(Set.of("free", "premium"))
                .defaultPrefix("sk_test_")
                .clock(clock)
                .build();
        final AtomicInteger adminCalls = new AtomicInteger();
        final List<String> plaintexts = new CopyOnWriteArrayList<>();
        final String adminKey;
        final String userKey;
        final ServletContainer.Running server;

        Deployed(ServletContainer container) throws Exception {
            adminKey = remember(keys.create("sk_test_", ApiKeySpec.of("root", "premium")
                    .withRoles("admin")).plaintext());
            userKey = remember(keys.create("sk_test_", ApiKeySpec.of("mallory", "premium")
                    .withRoles("reader")).plaintext());
            List<Route> routes = new ArrayList<>(administration.routes());
            routes.add(Route.builder("hello", "/hello").methods("GET").build());
            Gateway gateway = Gateway.builder(Router.of(routes))
                    .authenticator(keys.authenticator())
                    .rateLimiter((request, principal, route) ->
                            new LimitDecision.Allowed(ResponseHeaders.empty(), cost -> { }))
                    .build();
            AdminKeysServlet admin = new AdminKeysServlet(administration);
            HttpServlet app = new HttpServlet() {
                @Override
                protected void service(HttpServletRequest request, HttpServletResponse response)
                        throws ServletException, IOException {
                    String path = request.getRequestURI()
                            .substring(request.getContextPath().length());
                    if (path.startsWith("/admin/") || path.startsWith("/api/auth/")) {
                        adminCalls.incrementAndGet();
                        admin.service(request, response);
                        return;
                    }
                    io.gatehouse.Admission.Admitted admitted = (io.gatehouse.Admission.Admitted)
                            request.getAttribute(GatewayFilter.ADMISSION_ATTRIBUTE);
                    response.setContentType("text/plain");
                    response.getWriter().print("hello " + admitted.principal().id());
                }
            };
            server = container.start(ServletContainer.Deployment.of("/ctx",
                    new GatewayFilter(gateway), app));
            running.add(server);
        }

        String remember(String plaintext) {
            plaintexts.add(plaintext);
            return plaintext;
        }

        HttpResponse<String> call(String method, String path, String key, String body)
                throws IOException, InterruptedException {
            return call(method, path, key, body, null);
        }

        HttpResponse<String> call(String method, String path, String key, String body,
                String idempotencyKey) throws IOException, InterruptedException {
            HttpRequest.Builder request = HttpRequest.newBuilder(server.uri(path))
                    .timeout(Duration.ofSeconds(10))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(body));
            if (body != null) {
                request.header("Content-Type", "application/json");
            }
            if (key != null) {
                request.header("X-API-Key", key);
            }
            if (idempotencyKey != null) {
                request.header("Idempotency-Key", idempotencyKey);
            }
            return client.send(request.build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        }
    }

    private Deployed deploy(ServletContainer container) throws Exception {
        // The root logger (security events and everything else) and the access log, which
        // does not pass its lines on to the root.
        for (String name : List.of(Logger.ROOT_LOGGER_NAME, "io.gatehouse.access")) {
            Logger logger = (Logger) LoggerFactory.getLogger(name);
            logger.addAppender(logs);
            watched.add(logger);
        }
        ((Logger) LoggerFactory.getLogger(SecurityEvents.LOGGER_NAME)).setLevel(Level.INFO);
        logs.start();
        return new Deployed(container);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable server : running) {
            server.close();
        }
        watched.forEach(logger -> logger.detachAppender(logs));
        ((Logger) LoggerFactory.getLogger(SecurityEvents.LOGGER_NAME)).setLevel(null);
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
    }

    private static void assertProblem(HttpResponse<String> response, int status, String code)
            throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValue("application/problem+json");
        assertThat(json(response).get("code").asText()).isEqualTo(code);
        assertThat(json(response).get("status").asInt()).isEqualTo(status);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void keyLivesThroughCreateUseListRotateGraceAndRevoke(ServletContainer container)
            throws Exception {
        Deployed gate = deploy(container);

        HttpResponse<String> created = gate.call("POST", "/admin/keys", gate.adminKey, """
                {"owner": "carol", "tier": "premium", "roles": ["reader"],
                 "expires_in": "30d"}""");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(created.headers().firstValue("Cache-Control")).hasValue("no-store");
        JsonNode key = json(created);
        String plaintext = gate.remember(key.get("api_key").asText());
        String id = key.get("id").asText();
        assertThat(plaintext).matches("sk_test_[0-9A-Za-z]{30}");
        assertThat(id).startsWith("kid_");
        assertThat(key.get("owner").asText()).isEqualTo("carol");
        assertThat(key.get("tier").asText()).isEqualTo("premium");
        assertThat(key.get("roles").toString()).isEqualTo("[\"reader\"]");
        assertThat(key.get("status").asText()).isEqualTo("active");
        assertThat(key.get("masked_key").asText())
                .isEqualTo("sk_test_..." + plaintext.substring(plaintext.length() - 4));
        assertThat(key.get("created").asText()).isEqualTo("2030-01-01T00:00:00Z");
        assertThat(key.get("expires").asText()).isEqualTo("2030-01-31T00:00:00Z");
        assertThat(key.has("hash")).isFalse();

        HttpResponse<String> hello = gate.call("GET", "/hello", plaintext, null);
        assertThat(hello.statusCode()).isEqualTo(200);
        assertThat(hello.body()).isEqualTo("hello carol");

        HttpResponse<String> listed = gate.call("GET", "/admin/keys", gate.adminKey, null);
        assertThat(listed.statusCode()).isEqualTo(200);
        JsonNode entry = null;
        for (JsonNode candidate : json(listed).get("keys")) {
            if (candidate.get("id").asText().equals(id)) {
                entry = candidate;
            }
        }
        assertThat(entry).isNotNull();
        assertThat(json(listed).get("keys")).hasSize(3);
        assertThat(entry.get("masked_key").asText()).isEqualTo(key.get("masked_key").asText());
        assertThat(entry.get("last_used").asText()).isEqualTo("2030-01-01T00:00:00Z");
        assertThat(entry.get("revoked").isNull()).isTrue();
        assertThat(entry.has("api_key")).isFalse();
        for (String secret : gate.plaintexts) {
            assertThat(listed.body()).doesNotContain(secret)
                    .doesNotContain(secret.substring(8, 30));
        }
        for (var record : gate.keys.list()) {
            assertThat(listed.body()).doesNotContain(record.hash());
        }

        HttpResponse<String> rotated = gate.call("POST", "/admin/keys/" + id + "/rotate",
                gate.adminKey, "{\"grace_seconds\": 3600}");
        assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
        JsonNode rotation = json(rotated);
        String successor = gate.remember(rotation.get("api_key").asText());
        String successorId = rotation.get("id").asText();
        assertThat(successor).startsWith("sk_test_").isNotEqualTo(plaintext);
        assertThat(successorId).isNotEqualTo(id);
        assertThat(rotation.get("expires").asText()).isEqualTo("2030-01-31T00:00:00Z");
        assertThat(rotation.get("grace_seconds").asLong()).isEqualTo(3600);
        assertThat(rotation.get("previous").get("id").asText()).isEqualTo(id);
        assertThat(rotation.get("previous").get("expires").asText())
                .isEqualTo("2030-01-01T01:00:00Z");
        assertThat(rotation.get("previous").get("rotated_to").asText()).isEqualTo(successorId);

        assertThat(gate.call("GET", "/hello", plaintext, null).statusCode()).isEqualTo(200);
        assertThat(gate.call("GET", "/hello", successor, null).statusCode()).isEqualTo(200);

        gate.clock.advance(Duration.ofMinutes(59));
        assertThat(gate.call("GET", "/hello", plaintext, null).statusCode()).isEqualTo(200);
        gate.clock.advance(Duration.ofMinutes(1));
        assertProblem(gate.call("GET", "/hello", plaintext, null), 401, "INVALID_API_KEY");
        assertThat(gate.call("GET", "/hello", successor, null).statusCode()).isEqualTo(200);

        HttpResponse<String> revoked = gate.call("DELETE", "/admin/keys/" + successorId,
                gate.adminKey, null);
        assertThat(revoked.statusCode()).isEqualTo(204);
        assertThat(revoked.body()).isEmpty();
        assertProblem(gate.call("GET", "/hello", successor, null), 401, "INVALID_API_KEY");
        assertThat(gate.call("DELETE", "/admin/keys/" + successorId, gate.adminKey, null)
                .statusCode()).isEqualTo(204);
        assertProblem(gate.call("DELETE", "/admin/keys/kid_doesNotExist", gate.adminKey, null),
                404, "NOT_FOUND");

        JsonNode after = json(gate.call("GET", "/admin/keys", gate.adminKey, null));
        for (JsonNode candidate : after.get("keys")) {
            if (candidate.get("id").asText().equals(successorId)) {
                assertThat(candidate.get("status").asText()).isEqualTo("revoked");
                assertThat(candidate.get("revoked").asText()).isEqualTo("2030-01-01T01:00:00Z");
            }
            if (candidate.get("id").asText().equals(id)) {
                assertThat(candidate.get("status").asText()).isEqualTo("expired");
            }
        }

        List<String> events = logged().stream()
                .filter(event -> event.getLoggerName().equals(SecurityEvents.LOGGER_NAME))
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
        assertThat(events).anyMatch(line -> line.startsWith("event=key_created")
                && line.contains("subject=" + id));
        assertThat(events).anyMatch(line -> line.startsWith("event=key_rotated")
                && line.contains("subject=" + id) && line.contains("by root"));
        assertThat(events).anyMatch(line -> line.startsWith("event=key_revoked")
                && line.contains("subject=" + successorId) && line.contains("by root"));
        assertNoSecretLogged(gate);
    }

    /** What was logged so far; containers log from their own threads, under the appender's lock. */
    private List<ILoggingEvent> logged() {
        synchronized (logs) {
            return List.copyOf(logs.list);
        }
    }

    private void assertNoSecretLogged(Deployed gate) {
        List<ILoggingEvent> logged = logged();
        assertThat(logged).isNotEmpty();
        for (ILoggingEvent event : logged) {
            String everything = event.getFormattedMessage() + " " + event.getKeyValuePairs()
                    + " " + event.getMDCPropertyMap();
            for (String secret : gate.plaintexts) {
                assertThat(everything).doesNotContain(secret)
                        .doesNotContain(secret.substring(8, 30));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void nonAdminIsRefusedWith403ByTheGatewayBeforeTheEndpointRuns(ServletContainer container)
            throws Exception {
        Deployed gate = deploy(container);
        String body = "{\"owner\": \"mallory\", \"tier\": \"premium\", \"roles\": [\"admin\"]}";

        assertProblem(gate.call("POST", "/admin/keys", gate.userKey, body), 403, "FORBIDDEN");
        assertProblem(gate.call("POST", "/api/auth/api-key", gate.userKey, body), 403,
                "FORBIDDEN");
        assertProblem(gate.call("GET", "/admin/keys", gate.userKey, null), 403, "FORBIDDEN");
        String adminId = gate.keys.list().stream()
                .filter(record -> record.principalId().equals("root"))
                .findFirst().orElseThrow().keyId();
        assertProblem(gate.call("DELETE", "/admin/keys/" + adminId, gate.userKey, null), 403,
                "FORBIDDEN");
        assertProblem(gate.call("POST", "/admin/keys/" + adminId + "/rotate", gate.userKey,
                "{}"), 403, "FORBIDDEN");

        assertThat(gate.adminCalls).hasValue(0);
        assertThat(gate.keys.list()).hasSize(2);
        assertThat(gate.keys.find(adminId).orElseThrow().usableAt(gate.clock.instant())).isTrue();
        assertThat(gate.call("GET", "/hello", gate.adminKey, null).statusCode()).isEqualTo(200);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void anonymousAndUnknownKeysAreRefusedWith401(ServletContainer container) throws Exception {
        Deployed gate = deploy(container);
        String body = "{\"owner\": \"eve\", \"tier\": \"premium\"}";

        assertProblem(gate.call("POST", "/admin/keys", null, body), 401, "MISSING_CREDENTIALS");
        assertProblem(gate.call("GET", "/admin/keys", null, null), 401, "MISSING_CREDENTIALS");
        assertProblem(gate.call("POST", "/api/auth/api-key", null, body), 401,
                "MISSING_CREDENTIALS");
        assertProblem(gate.call("POST", "/admin/keys", "sk_test_guess", body), 401,
                "INVALID_API_KEY");

        assertThat(gate.adminCalls).hasValue(0);
        assertThat(gate.keys.list()).hasSize(2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void servletMountedWithoutTheGatewayInFrontRefusesEveryCall(ServletContainer container)
            throws Exception {
        Deployed gate = deploy(container);
        jakarta.servlet.Filter passThrough = (request, response, chain) ->
                chain.doFilter(request, response);
        ServletContainer.Running bare = container.start(ServletContainer.Deployment.of("",
                passThrough, new AdminKeysServlet(gate.administration)));
        running.add(bare);

        for (String method : List.of("GET", "POST")) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                                    bare.uri("/admin/keys"))
                            .header("X-API-Key", gate.adminKey)
                            .header("Content-Type", "application/json")
                            .method(method, HttpRequest.BodyPublishers.ofString(
                                    "{\"owner\": \"eve\", \"tier\": \"free\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertProblem(response, 401, "MISSING_CREDENTIALS");
            assertThat(response.body()).doesNotContain("api_key");
        }
        assertThat(gate.keys.list()).hasSize(2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void badRequestsAre400ProblemsNamingTheField(ServletContainer container) throws Exception {
        Deployed gate = deploy(container);

        assertProblem(gate.call("POST", "/admin/keys", gate.adminKey, "{\"owner\": "), 400,
                "VALIDATION_ERROR");
        HttpResponse<String> tier = gate.call("POST", "/admin/keys", gate.adminKey,
                "{\"owner\": \"carol\", \"tier\": \"platinum\"}");
        assertProblem(tier, 400, "VALIDATION_ERROR");
        assertThat(json(tier).get("errors").get(0).get("field").asText()).isEqualTo("/tier");
        assertThat(json(tier).get("errors").get(0).get("message").asText())
                .isEqualTo("unknown tier 'platinum'; known: [free, premium]");
        HttpResponse<String> duration = gate.call("POST", "/admin/keys", gate.adminKey,
                "{\"owner\": \"carol\", \"tier\": \"free\", \"expires_in\": \"soon\"}");
        assertProblem(duration, 400, "VALIDATION_ERROR");
        assertThat(json(duration).get("errors").get(0).get("field").asText())
                .isEqualTo("/expires_in");
        HttpResponse<String> typo = gate.call("POST", "/admin/keys", gate.adminKey,
                "{\"owner\": \"carol\", \"tier\": \"free\", \"expire_in\": \"30d\"}");
        assertProblem(typo, 400, "VALIDATION_ERROR");
        assertThat(json(typo).get("errors").get(0).get("field").asText())
                .isEqualTo("/expire_in");
        assertProblem(gate.call("POST", "/admin/keys", gate.adminKey,
                "{\"owner\": \"carol\", \"tier\": \"free\", \"tier\": \"premium\"}"), 400,
                "VALIDATION_ERROR");
        HttpResponse<String> grace = gate.call("POST", "/admin/keys/"
                + gate.keys.list().get(0).keyId() + "/rotate", gate.adminKey,
                "{\"grace_seconds\": -5}");
        assertProblem(grace, 400, "VALIDATION_ERROR");
        assertThat(json(grace).get("errors").get(0).get("field").asText())
                .isEqualTo("/grace_seconds");

        assertThat(gate.keys.list()).hasSize(2);
        assertThat(gate.keys.list()).allMatch(record -> record.rotatedTo() == null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void seedStyleAliasCreatesKeysAndRotatingTwiceIsAConflict(ServletContainer container)
            throws Exception {
        Deployed gate = deploy(container);

        HttpResponse<String> created = gate.call("POST", "/api/auth/api-key", gate.adminKey,
                "{\"principal\": \"dave\", \"tier\": \"free\", \"prefix\": \"sk_live\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String plaintext = gate.remember(json(created).get("api_key").asText());
        assertThat(plaintext).startsWith("sk_live_");
        assertThat(gate.call("GET", "/hello", plaintext, null).body()).isEqualTo("hello dave");

        String id = json(created).get("id").asText();
        HttpResponse<String> first = gate.call("POST", "/admin/keys/" + id + "/rotate",
                gate.adminKey, null);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(json(first).get("grace_seconds").asLong()).isEqualTo(3600);
        gate.remember(json(first).get("api_key").asText());
        HttpResponse<String> second = gate.call("POST", "/admin/keys/" + id + "/rotate",
                gate.adminKey, "{\"grace\": \"0\"}");
        assertProblem(second, 409, "CONFLICT");
        assertThat(second.body()).doesNotContain("api_key");
        assertProblem(gate.call("POST", "/admin/keys/kid_nope/rotate", gate.adminKey, "{}"),
                404, "NOT_FOUND");

        String order = "{\"owner\": \"erin\", \"tier\": \"free\"}";
        HttpResponse<String> once = gate.call("POST", "/admin/keys", gate.adminKey, order,
                "erin-1");
        assertThat(once.statusCode()).isEqualTo(201);
        gate.remember(json(once).get("api_key").asText());
        HttpResponse<String> retried = gate.call("POST", "/admin/keys", gate.adminKey, order,
                "erin-1");
        assertProblem(retried, 409, "CONFLICT");
        assertThat(json(retried).get("key_id").asText()).isEqualTo(json(once).get("id").asText());
        assertThat(gate.keys.list().stream().filter(k -> k.principalId().equals("erin")))
                .hasSize(1);
        assertNoSecretLogged(gate);
    }
}
