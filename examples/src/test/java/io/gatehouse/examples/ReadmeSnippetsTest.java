package io.gatehouse.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.gatehouse.Admission;
import io.gatehouse.Exchange;
import io.gatehouse.Gateway;
import io.gatehouse.Grant;
import io.gatehouse.Outcome;
import io.gatehouse.Problem;
import io.gatehouse.auth.ApiKeyManager;
import io.gatehouse.auth.ApiKeySpec;
import io.gatehouse.auth.AuthFailureGuard;
import io.gatehouse.auth.Authenticator;
import io.gatehouse.auth.InMemoryApiKeyStore;
import io.gatehouse.auth.JwtAuthenticator;
import io.gatehouse.auth.JwtIssuer;
import io.gatehouse.auth.KeyHasher;
import io.gatehouse.auth.NewApiKey;
import io.gatehouse.auth.Principal;
import io.gatehouse.auth.RequestSigner;
import io.gatehouse.auth.SecurityEvent;
import io.gatehouse.auth.SecurityEvents;
import io.gatehouse.auth.SignatureAlgorithm;
import io.gatehouse.auth.SignatureAuthenticator;
import io.gatehouse.auth.SignatureKey;
import io.gatehouse.auth.SignatureKeyResolver;
import io.gatehouse.limit.LimitAlgorithm;
import io.gatehouse.limit.FailurePolicy;
import io.gatehouse.limit.KeyScope;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.LimitStores;
import io.gatehouse.limit.MicroClock;
import io.gatehouse.limit.Tier;
import io.gatehouse.limit.TieredRateLimiter;
import io.gatehouse.limit.Tiers;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import io.gatehouse.validate.ContentTypeValidator;
import io.gatehouse.validate.JsonBodyValidator;
import io.gatehouse.validate.JsonBodyValidator.JsonType;
import io.gatehouse.servlet.GatewayFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every Java snippet of the README and of the guides in {@code docs/}. The regions between
 * {@code // README:name} and {@code // README:end} appear verbatim (de-indented) in README.md or
 * in a {@code docs/*.md} file.
 */
class ReadmeSnippetsTest {

    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private final List<HttpServer> servers = new ArrayList<>();

    @AfterEach
    void stopServers() {
        servers.forEach(server -> server.stop(0));
    }

    // README:embed-exchange
    /** A request of the JDK's built-in HTTP server, as the gateway sees it. */
    static final class JdkExchange implements Exchange {
        private final HttpExchange http;
        private byte[] body;

        JdkExchange(HttpExchange http) {
            this.http = http;
        }

        @Override
        public String method() {
            return http.getRequestMethod();
        }

        @Override
        public String rawPath() {
            return http.getRequestURI().getRawPath();
        }

        @Override
        public String query() {
            String query = http.getRequestURI().getRawQuery();
            return query == null ? "" : query;
        }

        @Override
        public String header(String name) {
            return http.getRequestHeaders().getFirst(name);
        }

        @Override
        public List<String> headerValues(String name) {
            return http.getRequestHeaders().getOrDefault(name, List.of());
        }

        @Override
        public Iterable<String> headerNames() {
            return http.getRequestHeaders().keySet();
        }

        @Override
        public String remoteAddress() {
            return http.getRemoteAddress().getAddress().getHostAddress();
        }

        @Override
        public long contentLength() {
            String length = header("Content-Length");
            return length == null ? -1 : Long.parseLong(length);
        }

        @Override
        public byte[] readBody(int maxBytes) throws IOException {
            if (body == null) {
                body = http.getRequestBody().readNBytes(maxBytes + 1);
            }
            return body;
        }

        /** The body for the application: what the gateway read, else the whole stream. */
        byte[] body() throws IOException {
            return body != null ? body : http.getRequestBody().readAllBytes();
        }
    }
    // README:end

    // README:embed-handle
    static void handle(Gateway gateway, HttpExchange http) throws IOException {
        JdkExchange exchange = new JdkExchange(http);
        Admission admission = gateway.admit(exchange);
        admission.headers().forEach(http.getResponseHeaders()::add);
        if (admission instanceof Admission.Rejected rejected) {
            byte[] problem = rejected.problem().toJson();
            http.getResponseHeaders().set("Content-Type", Problem.MEDIA_TYPE);
            http.sendResponseHeaders(rejected.problem().status(), problem.length);
            http.getResponseBody().write(problem);
            http.close();
            return;
        }
        Grant grant = ((Admission.Admitted) admission).grant();
        int status = 0;
        try {
            byte[] answer = exchange.body(); // your application: here, an echo
            http.getResponseHeaders().set("Content-Type", "application/json");
            http.sendResponseHeaders(200, answer.length);
            status = 200;
            http.getResponseBody().write(answer);
        } finally {
            http.close();
            grant.complete(Outcome.status(status)); // releases the lease, logs the request
        }
    }
    // README:end

    @Test
    void embeddingExampleAdmitsTenRequestsAndRefusesTheEleventhWith429() throws Exception {
        // README:embed-build
        ApiKeyManager keys = ApiKeyManager.builder(new InMemoryApiKeyStore()).build();
        String apiKey = keys.create("sk_live_", ApiKeySpec.of("alice", "starter")).plaintext();

        Tier starter = Tier.of("starter",
                LimitRule.slidingWindow("per-minute", 10, Duration.ofMinutes(1)),
                LimitRule.concurrency("in-flight", 2, Duration.ofMinutes(5)));
        Router routes = Router.of(List.of(
                Route.builder("chat", "/v1/chat")
                        .methods("POST")
                        .validator(ContentTypeValidator.accepting("application/json"))
                        .validator(JsonBodyValidator.builder()
                                .require("prompt", JsonType.STRING)
                                .build())
                        .build()));
        Gateway gateway = Gateway.builder(routes)
                .authenticator(keys.authenticator())
                .rateLimiter(TieredRateLimiter.builder(LimitStores.inMemory())
                        .tier(starter)
                        .build())
                .build();

        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", http -> handle(gateway, http));
        server.start();
        // README:end
        servers.add(server);
        String base = "http://127.0.0.1:" + server.getAddress().getPort();

        HttpResponse<String> first = post(base + "/v1/chat", "{\"prompt\":\"hi\"}",
                "Content-Type", "application/json", "X-API-Key", apiKey);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).isEqualTo("{\"prompt\":\"hi\"}");
        // Admitted responses report the rate limit closest to exhaustion, never the concurrency
        // limit that this request's own lease drains; its reset depends on the wall clock.
        assertThat(first.headers().firstValue("RateLimit")).hasValueSatisfying(
                value -> assertThat(value).matches("\"per-minute\";r=9;t=\\d+"));
        assertThat(first.headers().firstValue("X-Request-ID")).isPresent();

        HttpResponse<String> invalid = post(base + "/v1/chat", "{\"prompt\":42}",
                "Content-Type", "application/json", "X-API-Key", apiKey);
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(invalid.body()).contains("\"field\":\"/prompt\"");

        HttpResponse<String> anonymous = post(base + "/v1/chat", "{\"prompt\":\"hi\"}",
                "Content-Type", "application/json");
        assertThat(anonymous.statusCode()).isEqualTo(401);

        // Requests 3 to 10 (the refused invalid one counted as the 2nd) are admitted: every
        // grant was completed, so the two concurrency leases never run out.
        for (int i = 3; i <= 10; i++) {
            assertThat(post(base + "/v1/chat", "{\"prompt\":\"hi\"}", "Content-Type",
                    "application/json", "X-API-Key", apiKey).statusCode()).isEqualTo(200);
        }
        HttpResponse<String> eleventh = post(base + "/v1/chat", "{\"prompt\":\"hi\"}",
                "Content-Type", "application/json", "X-API-Key", apiKey);
        assertThat(eleventh.statusCode()).isEqualTo(429);
        assertThat(eleventh.headers().firstValue("Content-Type"))
                .hasValue("application/problem+json");
        assertThat(eleventh.headers().firstValue("Retry-After")).isPresent();
        assertThat(eleventh.body()).contains("\"code\":\"RATE_LIMIT_EXCEEDED\"",
                "\"limit_type\":\"per-minute\"");
    }

    /** 2026-11-29T05:00:00Z, fixed, so that headers are the same on every run. */
    private static final long NOW_MICROS = Instant.parse("2026-11-29T05:00:00Z")
            .toEpochMilli() * 1_000;

    @Test
    void presetFreeTierSendsItsHeadersAndRefusesTheSixthInstantRequestByBurst() throws Exception {
        ApiKeyManager keys = ApiKeyManager.builder(new InMemoryApiKeyStore()).build();
        String apiKey = keys.create("sk_live_", ApiKeySpec.of("bob", Tiers.FREE)).plaintext();
        MicroClock clock = () -> NOW_MICROS;
        Gateway gateway = Gateway.builder(Router.of(List.of(
                        Route.builder("chat", "/v1/chat").methods("POST").build())))
                .authenticator(keys.authenticator())
                .rateLimiter(TieredRateLimiter.builder(LimitStores.inMemory(clock))
                        .clock(clock)
                        .tiers(Tiers.presets())
                        .build())
                .build();
        String base = serve(gateway);

        List<HttpResponse<String>> responses = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            responses.add(post(base + "/v1/chat", "", "X-API-Key", apiKey,
                    "X-Request-ID", "req-" + i,
                    "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
        }
        HttpResponse<String> first = responses.get(0);
        HttpResponse<String> sixth = responses.get(5);
        String policy = "\"per-minute\";q=10;w=60, \"per-hour\";q=100;w=3600, "
                + "\"per-day\";q=1000;w=86400, \"burst\";q=5;w=30, "
                + "\"cost-per-hour\";q=10000;w=3600, \"concurrency\";q=2";
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("RateLimit-Policy")).hasValue(policy);
        assertThat(first.headers().firstValue("RateLimit"))
                .hasValue("\"burst\";r=4;t=6");
        assertThat(first.headers().firstValue("X-RateLimit-Limit")).hasValue("5");
        assertThat(first.headers().firstValue("X-RateLimit-Remaining")).hasValue("4");
        assertThat(first.headers().firstValue("X-RateLimit-Reset")).hasValue("6");
        assertThat(first.headers().firstValue("Retry-After")).isEmpty();
        assertThat(responses.subList(0, 5)).allSatisfy(r -> assertThat(r.statusCode())
                .isEqualTo(200));
        assertThat(sixth.statusCode()).isEqualTo(429);
        assertThat(sixth.headers().firstValue("RateLimit")).hasValue("\"burst\";r=0;t=30");
        assertThat(sixth.headers().firstValue("Retry-After")).hasValue("6");
        assertThat(sixth.body()).isEqualTo(
                "{\"type\":\"urn:gatehouse:problem:rate-limit-exceeded\","
                + "\"title\":\"Rate limit exceeded\",\"status\":429,"
                + "\"detail\":\"limit 'burst' of 5 (refilled 10 per 60 s) is exhausted;"
                + " retry in 6 s\","
                + "\"code\":\"RATE_LIMIT_EXCEEDED\",\"request_id\":\"req-6\","
                + "\"limit\":5,\"limit_type\":\"burst\",\"retry_after\":6,"
                + "\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\"}");
    }

    @Test
    void ruleBuildersBuildTheDocumentedRules() {
        // README:limits-rules
        LimitRule perSecond = LimitRule.builder("per-second", LimitAlgorithm.TOKEN_BUCKET)
                .limit(5, Duration.ofSeconds(1))
                .burst(20)
                .countRequests()
                .build();
        LimitRule exact = LimitRule.builder("per-10s", LimitAlgorithm.SLIDING_LOG)
                .limit(20, Duration.ofSeconds(10))
                .countRequests()
                .build();
        LimitRule monthlyTokens = LimitRule.builder("tokens-per-month", LimitAlgorithm.FIXED_WINDOW)
                .calendar(2_000_000, ChronoUnit.MONTHS, ZoneId.of("Europe/Berlin"))
                .failurePolicy(FailurePolicy.FAIL_CLOSED)
                .build();
        LimitRule perAddress = LimitRule.builder("per-address", LimitAlgorithm.FIXED_WINDOW)
                .limit(100, Duration.ofMinutes(1))
                .scope(KeyScope.CLIENT_ADDRESS)
                .countRequests()
                .shadow(true)
                .build();
        Tier pro = Tier.of("pro", perSecond, exact, monthlyTokens);
        Route completions = Route.builder("completions", "/v1/completions")
                .methods("POST")
                .cost(1_000) // estimated tokens, reserved at admission
                .limit(perAddress)
                .build();
        // README:end
        assertThat(pro.limits()).extracting(LimitRule::name)
                .containsExactly("per-second", "per-10s", "tokens-per-month");
        assertThat(perSecond.burst()).isEqualTo(20);
        assertThat(monthlyTokens.countsRequests()).isFalse();
        assertThat(monthlyTokens.calendarAligned()).isTrue();
        // 2026-11-29 in Berlin: the month ends at 2026-12-01T00:00+01:00.
        assertThat(monthlyTokens.windowEndMicros(NOW_MICROS))
                .isEqualTo(Instant.parse("2026-11-30T23:00:00Z").toEpochMilli() * 1_000);
        assertThat(completions.limits()).containsExactly(perAddress);
        assertThat(perAddress.shadow()).isTrue();
    }

    @Test
    void actualCostIsSettledWhenTheGrantCompletes() throws Exception {
        MicroClock clock = () -> NOW_MICROS;
        ApiKeyManager keys = ApiKeyManager.builder(new InMemoryApiKeyStore()).build();
        String apiKey = keys.create("sk_live_", ApiKeySpec.of("carol", "metered")).plaintext();
        Gateway gateway = Gateway.builder(Router.of(List.of(
                        Route.builder("completions", "/v1/completions").cost(1_000).build())))
                .authenticator(keys.authenticator())
                .rateLimiter(TieredRateLimiter.builder(LimitStores.inMemory(clock))
                        .clock(clock)
                        .tier(Tier.of("metered", LimitRule.tokenBucket("tokens-per-hour",
                                10_000, Duration.ofHours(1))))
                        .build())
                .build();
        long tokensUsed = 200;
        JdkLessExchange exchange = new JdkLessExchange(apiKey);
        // README:limits-settle
        Admission admission = gateway.admit(exchange);
        if (admission instanceof Admission.Admitted admitted) {
            // ... forward the request, count the tokens the model really used ...
            admitted.grant().complete(new Outcome(200, tokensUsed));
        }
        // README:end
        assertThat(admission.headers().get("X-RateLimit-Remaining")).isEqualTo("9000");
        Admission next = gateway.admit(new JdkLessExchange(apiKey));
        // 10,000 - 200 settled - 1,000 reserved by this request
        assertThat(next.headers().get("X-RateLimit-Remaining")).isEqualTo("8800");
    }

    @Test
    void shadowRuleReportsButNeverRefuses() {
        MicroClock clock = () -> NOW_MICROS;
        ApiKeyManager keys = ApiKeyManager.builder(new InMemoryApiKeyStore()).build();
        String apiKey = keys.create("sk_live_", ApiKeySpec.of("dan", "trial")).plaintext();
        Gateway gateway = Gateway.builder(Router.of(List.of(
                        Route.builder("completions", "/v1/completions").build())))
                .authenticator(keys.authenticator())
                .rateLimiter(TieredRateLimiter.builder(LimitStores.inMemory(clock))
                        .clock(clock)
                        .tier(Tier.of("trial", LimitRule.builder("one", LimitAlgorithm.FIXED_WINDOW)
                                .limit(1, Duration.ofMinutes(1)).shadow(true).build()))
                        .build())
                .build();
        for (int i = 0; i < 3; i++) {
            Admission admission = gateway.admit(new JdkLessExchange(apiKey));
            assertThat(admission).isInstanceOf(Admission.Admitted.class);
            assertThat(admission.headers().get("RateLimit")).isNull();
        }
    }

    @Test
    void pepperedKeyIsStoredAsHmacAndBoundToItsAddressBlock() throws Exception {
        byte[] pepper = "a-secret-of-at-least-32-bytes-kept-outside".getBytes(UTF_8);
        // README:auth-keys
        ApiKeyManager keys = ApiKeyManager.builder(new InMemoryApiKeyStore())
                .hasher(KeyHasher.hmacSha256(pepper)) // keep the pepper out of the key store
                .build();
        NewApiKey key = keys.create("sk_live_", ApiKeySpec.of("acme", "premium")
                .withRoles("admin")
                .withPermissions("models:write")
                .withLifetime(Duration.ofDays(90))
                .withAddressLists(List.of("203.0.113.0/24"), List.of()));
        String plaintext = key.plaintext(); // give it to the caller now: it is not stored
        // README:end
        assertThat(plaintext).matches("sk_live_[0-9A-Za-z]{30}");
        assertThat(key.record().hash()).isEqualTo(KeyHasher.hmacSha256(pepper).hash(plaintext))
                .isNotEqualTo(KeyHasher.sha256().hash(plaintext));
        assertThat(key.record().hint()).isEqualTo("sk_live_..." + plaintext.substring(34));
        assertThat(key.record().expiresAt())
                .isEqualTo(key.record().createdAt().plus(Duration.ofDays(90)));

        Gateway gateway = Gateway.builder(Router.of(List.of(
                        Route.builder("admin", "/admin/**").requireRoles("admin").build())))
                .authenticator(keys.authenticator())
                .trustedProxies(List.of("127.0.0.1"))
                .build();
        String base = serve(gateway);
        assertThat(post(base + "/admin/keys", "", "X-API-Key", plaintext,
                "X-Forwarded-For", "203.0.113.7").statusCode()).isEqualTo(200);
        HttpResponse<String> elsewhere = post(base + "/admin/keys", "", "X-API-Key", plaintext,
                "X-Forwarded-For", "198.51.100.7");
        assertThat(elsewhere.statusCode()).isEqualTo(403);
        assertThat(elsewhere.body()).contains("may not be used from this address")
                .doesNotContain(plaintext);
        // Without the pepper the same key is unknown.
        Gateway unpeppered = Gateway.builder(Router.of(List.of(
                        Route.builder("admin", "/admin/**").build())))
                .authenticator(io.gatehouse.auth.ApiKeyAuthenticator
                        .builder(keys.store()).build())
                .build();
        assertThat(post(serve(unpeppered) + "/admin/keys", "", "X-API-Key", plaintext)
                .statusCode()).isEqualTo(401);
    }

    @Test
    void jwtFromAJwksEndpointMapsClaimsToThePrincipal() throws Exception {
        ECKey signingKey = new ECKeyGenerator(Curve.P_256).keyID("2026-11").generate();
        HttpServer jwksServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] jwks = new JWKSet(signingKey.toPublicJWK()).toString().getBytes(UTF_8);
        jwksServer.createContext("/jwks.json", http -> {
            http.sendResponseHeaders(200, jwks.length);
            http.getResponseBody().write(jwks);
            http.close();
        });
        jwksServer.start();
        servers.add(jwksServer);
        URI jwksUri = URI.create("http://127.0.0.1:" + jwksServer.getAddress().getPort()
                + "/jwks.json");
        // README:auth-jwt
        JwtIssuer issuer = JwtIssuer.builder("https://login.example.com/")
                .audiences("https://api.example.com")
                .algorithms("ES256", "RS256")
                .jwksUri(jwksUri) // https, or http to loopback only
                .claims("sub", "plan", "roles", "permissions", "scope")
                .defaultTier("free")
                .build();
        JwtAuthenticator jwt = JwtAuthenticator.builder()
                .issuer(issuer)
                .clockSkew(Duration.ofSeconds(30))
                .build();
        // README:end
        List<Principal> seen = new CopyOnWriteArrayList<>();
        Gateway gateway = Gateway.builder(Router.of(List.of(
                        Route.builder("models", "/v1/models").requirePermissions("models:read")
                                .build())))
                .authenticator(request -> {
                    var result = jwt.authenticate(request);
                    if (result instanceof io.gatehouse.auth.AuthResult.Authenticated ok) {
                        seen.add(ok.principal());
                    }
                    return result;
                })
                .build();
        String base = serve(gateway);
        Instant now = Instant.now();
        SignedJWT token = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256)
                .keyID("2026-11").type(JOSEObjectType.JWT).build(),
                new JWTClaimsSet.Builder().issuer("https://login.example.com/")
                        .audience("https://api.example.com").subject("user-42")
                        .claim("plan", "premium").claim("scope", "models:read models:write")
                        .expirationTime(Date.from(now.plusSeconds(300)))
                        .issueTime(Date.from(now)).build());
        token.sign(new ECDSASigner(signingKey));
        assertThat(post(base + "/v1/models", "", "Authorization",
                "Bearer " + token.serialize()).statusCode()).isEqualTo(200);
        assertThat(seen).singleElement().satisfies(principal -> {
            assertThat(principal.id()).isEqualTo("user-42");
            assertThat(principal.tier()).isEqualTo("premium");
            assertThat(principal.permissions()).containsExactlyInAnyOrder("models:read",
                    "models:write");
        });
        String tampered = token.serialize().substring(0, token.serialize().length() - 4) + "AAAA";
        HttpResponse<String> refused = post(base + "/v1/models", "", "Authorization",
                "Bearer " + tampered);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.body()).contains("\"code\":\"INVALID_TOKEN\"");
    }

    @Test
    void signedRequestIsAdmittedOnceAndItsReplayIsRefused() throws Exception {
        KeyPair clientKeys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        var clientPublicKey = clientKeys.getPublic();
        var clientPrivateKey = clientKeys.getPrivate();
        // README:auth-sig-server
        SignatureAuthenticator signatures = SignatureAuthenticator.builder(
                        SignatureKeyResolver.of(new SignatureKey("billing-1",
                                SignatureAlgorithm.ED25519, clientPublicKey,
                                new Principal("billing-service", "system", Set.of("service"),
                                        Set.of(), "billing-1"))))
                .maxAge(Duration.ofMinutes(2))
                .build();
        // README:end
        Gateway gateway = Gateway.builder(Router.of(List.of(
                        Route.builder("chat", "/v1/chat").requireRoles("service").build())))
                .authenticator(signatures)
                .build();
        String baseUrl = serve(gateway);
        // README:auth-sig-client
        RequestSigner signer = RequestSigner.builder("billing-1", SignatureAlgorithm.ED25519,
                clientPrivateKey).build();
        URI uri = URI.create(baseUrl + "/v1/chat");
        byte[] body = "{\"prompt\":\"hi\"}".getBytes(StandardCharsets.UTF_8);
        Map<String, String> signatureFields = signer.sign("POST", uri,
                Map.of("Content-Type", List.of("application/json")), body);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        signatureFields.forEach(request::header); // Content-Digest, Signature-Input, Signature
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(request.build(), HttpResponse.BodyHandlers.ofString());
        // README:end
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(signatureFields.keySet())
                .containsExactly("Content-Digest", "Signature-Input", "Signature");
        HttpResponse<String> replay = CLIENT.send(request.build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(replay.statusCode()).isEqualTo(401);
        assertThat(replay.body()).contains("\"code\":\"INVALID_SIGNATURE\"");
    }

    @Test
    void compositeGatewaySeparates401From403AndThrottlesGuessing() throws Exception {
        ApiKeyManager keys = ApiKeyManager.builder(new InMemoryApiKeyStore()).build();
        String userKey = keys.create("sk_live_", ApiKeySpec.of("erin", "free")).plaintext();
        String adminKey = keys.create("sk_live_", ApiKeySpec.of("ops", "free")
                .withRoles("admin")).plaintext();
        JwtAuthenticator jwt = JwtAuthenticator.builder()
                .issuer(JwtIssuer.builder("https://login.example.com/")
                        .audiences("https://api.example.com").algorithms("HS256")
                        .hmacSecret(null, new byte[32]).build())
                .build();
        SignatureAuthenticator signatures = SignatureAuthenticator.builder(
                SignatureKeyResolver.of()).build();
        // README:auth-composite
        List<SecurityEvent> audit = new CopyOnWriteArrayList<>();
        SecurityEvents events = audit::add; // or SecurityEvents.logging(), the default
        Authenticator authenticator = AuthFailureGuard.builder(
                        Authenticator.firstOf(List.of(keys.authenticator(), jwt, signatures)))
                .maxFailures(5, Duration.ofMinutes(1))
                .events(events)
                .build();
        Router routes = Router.of(List.of(
                Route.builder("chat", "/v1/chat").methods("POST").build(),
                Route.builder("admin", "/admin/**")
                        .requireRoles("admin")
                        .allowFrom("10.0.0.0/8")
                        .denyFrom("10.66.0.0/16")
                        .build()));
        Gateway gateway = Gateway.builder(routes)
                .authenticator(authenticator)
                .trustedProxies(List.of("127.0.0.1", "192.168.0.0/16"))
                .build();
        // README:end
        String base = serve(gateway);
        assertThat(post(base + "/admin/keys", "", "X-API-Key", adminKey,
                "X-Forwarded-For", "10.1.2.3").statusCode()).isEqualTo(200);
        HttpResponse<String> notAdmin = post(base + "/admin/keys", "", "X-API-Key", userKey,
                "X-Forwarded-For", "10.1.2.3");
        assertThat(notAdmin.statusCode()).isEqualTo(403);
        assertThat(notAdmin.body()).contains("the caller lacks roles [admin] required by route"
                + " admin");
        HttpResponse<String> noKey = post(base + "/admin/keys", "", "X-Forwarded-For",
                "10.1.2.3");
        assertThat(noKey.statusCode()).isEqualTo(401);
        assertThat(noKey.headers().firstValue("WWW-Authenticate"))
                .hasValue("Bearer realm=\"gatehouse\"");
        assertThat(post(base + "/admin/keys", "", "X-API-Key", adminKey,
                "X-Forwarded-For", "10.66.0.1").statusCode()).isEqualTo(403);
        assertThat(post(base + "/admin/keys", "", "X-API-Key", adminKey,
                "X-Forwarded-For", "198.51.100.1").statusCode()).isEqualTo(403);
        assertThat(post(base + "/admin/keys", "", "X-API-Key", adminKey,
                "X-Forwarded-For", "10.1.2.3, 192.168.1.1").statusCode()).isEqualTo(200);
        // The caller wrote the first entry itself; the untrusted hop before the proxy counts.
        assertThat(post(base + "/admin/keys", "", "X-API-Key", adminKey,
                "X-Forwarded-For", "10.1.2.3, 198.51.100.1").statusCode()).isEqualTo(403);

        for (int i = 0; i < 5; i++) {
            assertThat(post(base + "/v1/chat", "", "X-API-Key", "sk_live_guess" + i,
                    "X-Forwarded-For", "198.51.100.9").statusCode()).isEqualTo(401);
        }
        HttpResponse<String> throttled = post(base + "/v1/chat", "", "X-API-Key", userKey,
                "X-Forwarded-For", "198.51.100.9");
        assertThat(throttled.statusCode()).isEqualTo(429);
        assertThat(throttled.body()).contains("\"code\":\"TOO_MANY_AUTH_FAILURES\"");
        // 5 failures per minute refill one every 12 s; the guard runs on the system clock.
        assertThat(throttled.headers().firstValue("Retry-After")).hasValueSatisfying(
                retryAfter -> assertThat(Integer.parseInt(retryAfter)).isBetween(10, 12));
        assertThat(post(base + "/v1/chat", "", "X-API-Key", userKey,
                "X-Forwarded-For", "198.51.100.10").statusCode()).isEqualTo(200);
        assertThat(audit).extracting(SecurityEvent::type).containsExactly(
                SecurityEvent.Type.AUTH_FAILURE, SecurityEvent.Type.AUTH_FAILURE,
                SecurityEvent.Type.AUTH_FAILURE, SecurityEvent.Type.AUTH_FAILURE,
                SecurityEvent.Type.AUTH_FAILURE, SecurityEvent.Type.AUTH_THROTTLED);
    }

    /** A gateway with one public route, {@code /hello}, for the servlet container examples. */
    private static Gateway helloGateway() {
        return Gateway.builder(Router.of(List.of(
                Route.builder("hello", "/hello").methods("GET").publicAccess().build()))).build();
    }

    /** The application behind the filter. */
    private static final class HelloServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response)
                throws IOException {
            response.getWriter().write("hello");
        }
    }

    private static void assertFilterGuards(String base) throws Exception {
        HttpResponse<String> hello = CLIENT.send(HttpRequest.newBuilder(URI.create(
                base + "/hello")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(hello.statusCode()).isEqualTo(200);
        assertThat(hello.body()).isEqualTo("hello");
        assertThat(hello.headers().firstValue("X-Request-ID")).isPresent();
        HttpResponse<String> elsewhere = CLIENT.send(HttpRequest.newBuilder(URI.create(
                base + "/elsewhere")).build(), HttpResponse.BodyHandlers.ofString());
        // Paths without a route are the application's: the gateway passes them through.
        assertThat(elsewhere.statusCode()).isEqualTo(200);
        assertThat(elsewhere.body()).isEqualTo("hello");
        assertThat(elsewhere.headers().firstValue("X-Request-ID")).isEmpty();
    }

    @Test
    void embeddedJettyExampleGuardsTheApplication() throws Exception {
        Gateway gateway = helloGateway();
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        // README:servlet-jetty
        ServletContextHandler context = new ServletContextHandler("/");
        FilterHolder gatehouse = new FilterHolder(new GatewayFilter(gateway));
        gatehouse.setAsyncSupported(true);
        context.addFilter(gatehouse, "/*",
                EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        // README:end
        context.addServlet(new ServletHolder(new HelloServlet()), "/*");
        server.setHandler(context);
        server.start();
        try {
            assertFilterGuards("http://127.0.0.1:" + connector.getLocalPort());
        } finally {
            server.stop();
        }
    }

    @Test
    void programmaticRegistrationExampleGuardsTheApplication() throws Exception {
        Gateway gateway = helloGateway();
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler("/");
        context.addServletContainerInitializer((classes, servletContext) ->
                register(servletContext, gateway));
        context.addServlet(new ServletHolder(new HelloServlet()), "/*");
        server.setHandler(context);
        server.start();
        try {
            assertFilterGuards("http://127.0.0.1:" + connector.getLocalPort());
        } finally {
            server.stop();
        }
    }

    private static void register(ServletContext servletContext, Gateway gateway) {
        // README:servlet-programmatic
        FilterRegistration.Dynamic gatehouse =
                servletContext.addFilter("gatehouse", new GatewayFilter(gateway));
        gatehouse.setAsyncSupported(true);
        gatehouse.addMappingForUrlPatterns(
                EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC), false, "/*");
        // README:end
    }

    @Test
    void embeddedTomcatExampleGuardsTheApplication(@TempDir Path baseDir) throws Exception {
        Gateway gateway = helloGateway();
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toString());
        tomcat.setHostname("127.0.0.1");
        tomcat.setPort(0);
        tomcat.getConnector().setProperty("address", "127.0.0.1");
        // README:servlet-tomcat
        tomcat.getConnector().setProperty("continueResponseTiming", "onRead");
        Context context = tomcat.addContext("", null);
        FilterDef gatehouse = new FilterDef();
        gatehouse.setFilterName("gatehouse");
        gatehouse.setFilter(new GatewayFilter(gateway));
        gatehouse.setAsyncSupported("true");
        context.addFilterDef(gatehouse);
        FilterMap mapping = new FilterMap();
        mapping.setFilterName("gatehouse");
        mapping.addURLPattern("/*");
        mapping.setDispatcher("REQUEST");
        mapping.setDispatcher("ASYNC");
        context.addFilterMap(mapping);
        // README:end
        Tomcat.addServlet(context, "hello", new HelloServlet()).setAsyncSupported(true);
        context.addServletMappingDecoded("/*", "hello");
        tomcat.start();
        try {
            assertFilterGuards("http://127.0.0.1:" + tomcat.getConnector().getLocalPort());
        } finally {
            tomcat.stop();
            tomcat.destroy();
        }
    }

    /**
     * Java blocks of {@code docs/} that are not complete programs: fragments that name
     * variables of a surrounding program, or need a framework this build does not have (Spring
     * Boot). Keyed by file and first line. A new Java block in the README or in {@code docs/}
     * must be a region of this class (or the example's {@code AgentGatewayFactory}); only a
     * block that cannot run belongs here. An entry whose block is not (or no longer) in the
     * guides allows nothing.
     */
    private static final Set<String> FRAGMENTS_NOT_RUN = Set.of(
            "docs/agent-features.md: Route.builder(\"chat\", \"/v1/chat\").methods(\"POST\")",
            "docs/agent-features.md: Route.builder(\"chat\", \"/v1/chat\")",
            "docs/agent-features.md: Gateway.builder(router)",
            // Names the Jedis client of a surrounding program.
            "docs/agent-features.md: Route execute = Route.builder(\"agent-execute\", "
                    + "\"/agent/execute\").methods(\"POST\")",
            "docs/observability.md: PrometheusMeterRegistry registry = new PrometheusMeterRegistry("
                    + "PrometheusConfig.DEFAULT);",
            // Elide the builder's other calls ("...") and name a router and a servlet context.
            "docs/observability.md: InMemoryUsageRecorder usage = new InMemoryUsageRecorder();"
                    + "   // or redis.usageRecorder()",
            "docs/observability.md: Analytics analytics = Analytics.builder()",
            "docs/proxying.md: ServletContextHandler context = new ServletContextHandler(\"/\");",
            "docs/proxying.md: Service inference = Service.builder(\"inference\")",
            "docs/proxying.md: public interface UsageReader {",
            "docs/proxying.md: ProxyForwarder forwarder = ProxyForwarder.builder("
                    + "List.of(inference)).build();",
            "docs/openapi.md: Gateway gateway = GatewayConfig.load(Path.of(\"gatehouse.yaml\"))"
                    + ".gatewayBuilder().build();",
            "docs/security.md: Gateway gateway = Gateway.builder(routes)",
            "docs/servlet.md: @Bean",
            "docs/servlet.md: Admission admission = gateway.admit(PlainExchange.builder(method, "
                    + "URI.create(pathAndQuery))");

    /**
     * Keeps the README and the guides honest: each Java block of README.md and docs/*.md is a
     * region of this class, or the example's {@code AgentGatewayFactory} without its one-line
     * javadoc comments, or a listed fragment; and every region of this class is shown somewhere.
     */
    @Test
    void everyJavaBlockOfTheReadmeAndTheGuidesIsRunByThisTest() throws IOException {
        String self = Files.readString(Path.of("src", "test", "java", "io", "gatehouse",
                "examples", "ReadmeSnippetsTest.java"));
        String factory = Files.readString(Path.of("src", "main", "java", "io", "gatehouse",
                "examples", "AgentGatewayFactory.java")).replaceAll("(?m)^ */\\*\\*.*\\*/\\n", "");
        Map<String, String> regions = new java.util.LinkedHashMap<>();
        Matcher region = Pattern.compile("\\n( *)// README:([a-z-]+)\\n(.*?)\\n *// README:end",
                Pattern.DOTALL).matcher(self);
        while (region.find()) {
            regions.put(region.group(3).replaceAll("(?m)^" + region.group(1), ""),
                    region.group(2));
        }
        Set<String> shownRegions = new java.util.TreeSet<>();
        boolean factoryShown = false;
        for (Path document : MarkdownFiles.readmeAndDocs()) {
            String name = MarkdownFiles.displayName(document);
            Matcher block = Pattern.compile("```java\\n(.*?)\\n```", Pattern.DOTALL)
                    .matcher(Files.readString(document));
            while (block.find()) {
                String code = block.group(1);
                String fragment = name + ": " + code.lines().findFirst().orElse("");
                if (regions.containsKey(code)) {
                    shownRegions.add(regions.get(code));
                } else if (factory.contains(code)) {
                    factoryShown = true;
                } else {
                    assertThat(FRAGMENTS_NOT_RUN).as("Java block of %s is neither run by "
                            + "ReadmeSnippetsTest (a // README: region) nor a listed fragment:%n%s",
                            name, code).contains(fragment);
                }
            }
        }
        assertThat(shownRegions).as("regions of ReadmeSnippetsTest shown in README.md or docs/")
                .containsExactlyInAnyOrderElementsOf(regions.values());
        assertThat(factoryShown).as("AgentGatewayFactory is shown in README.md or docs/").isTrue();
    }

    /** A minimal exchange for tests that call {@link Gateway#admit} directly. */
    private record JdkLessExchange(String apiKey) implements Exchange {
        @Override
        public String method() {
            return "POST";
        }

        @Override
        public String rawPath() {
            return "/v1/completions";
        }

        @Override
        public String query() {
            return "";
        }

        @Override
        public String header(String name) {
            return name.equalsIgnoreCase("X-API-Key") ? apiKey : null;
        }

        @Override
        public List<String> headerValues(String name) {
            String value = header(name);
            return value == null ? List.of() : List.of(value);
        }

        @Override
        public Iterable<String> headerNames() {
            return List.of("X-API-Key");
        }

        @Override
        public String remoteAddress() {
            return "127.0.0.1";
        }

        @Override
        public long contentLength() {
            return 0;
        }

        @Override
        public byte[] readBody(int maxBytes) {
            return new byte[0];
        }
    }

    private static HttpResponse<String> post(String url, String body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String serve(Gateway gateway) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", http -> handle(gateway, http));
        server.start();
        servers.add(server);
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }
}
