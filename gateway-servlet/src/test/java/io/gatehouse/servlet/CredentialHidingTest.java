package io.gatehouse.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.gatehouse.Gateway;
import io.gatehouse.auth.ApiKeyManager;
import io.gatehouse.auth.ApiKeySpec;
import io.gatehouse.auth.Authenticator;
import io.gatehouse.auth.InMemoryApiKeyStore;
import io.gatehouse.auth.JwtAuthenticator;
import io.gatehouse.auth.JwtIssuer;
import io.gatehouse.auth.Principal;
import io.gatehouse.auth.RequestSigner;
import io.gatehouse.auth.SignatureAlgorithm;
import io.gatehouse.auth.SignatureAuthenticator;
import io.gatehouse.auth.SignatureKey;
import io.gatehouse.auth.SignatureKeyResolver;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The application behind the filter never sees the credential the gateway checked: not through
 * {@code getHeader}, {@code getHeaders}, {@code getHeaderNames}, nor the request an
 * {@code AsyncContext} hands out, nor an async dispatch. It learns the caller from the request
 * attributes instead. On real Jetty 12 and Tomcat 11.
 */
@Timeout(60)
class CredentialHidingTest {

    private static final String API_KEY = "key_carol_hiding_0123456789";
    private static final byte[] JWT_SECRET =
            "a JWT secret that is at least thirty-two bytes".getBytes(StandardCharsets.US_ASCII);
    private static final SecretKeySpec SIGNING_SECRET = new SecretKeySpec(
            "a signing secret that is at least 32 bytes".getBytes(StandardCharsets.US_ASCII),
            "HmacSHA256");

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).build();

    static List<ServletContainer> containers() {
        return ServletContainer.all();
    }

    /**
     * Writes every header the application can see, then who the gateway says is calling. On
     * {@code /async} it reads them from the {@code AsyncContext}'s request in another thread,
     * and on {@code /dispatch} from an async dispatch of the request.
     */
    static final class HeaderDumpServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response)
                throws IOException {
            String path = request.getRequestURI();
            if (path.endsWith("/async")) {
                AsyncContext async = request.startAsync();
                async.start(() -> {
                    try {
                        dump((HttpServletRequest) async.getRequest(),
                                (HttpServletResponse) async.getResponse());
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    async.complete();
                });
                return;
            }
            if (path.endsWith("/dispatch") && request.getAttribute("dispatched") == null) {
                request.setAttribute("dispatched", true);
                request.startAsync().dispatch();
                return;
            }
            dump(request, response);
        }

        private static void dump(HttpServletRequest request, HttpServletResponse response)
                throws IOException {
            Map<String, List<String>> seen = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String name : Collections.list(request.getHeaderNames())) {
                seen.put(name, Collections.list(request.getHeaders(name)));
            }
            StringBuilder out = new StringBuilder();
            seen.forEach((name, values) -> out.append(name).append(": ").append(values)
                    .append('\n'));
            for (String name : List.of("X-API-Key", "Authorization", "Signature",
                    "Signature-Input")) {
                out.append("get ").append(name).append(": ").append(request.getHeader(name))
                        .append(' ').append(request.getHeaders(name).hasMoreElements())
                        .append('\n');
            }
            Principal principal =
                    (Principal) request.getAttribute(GatewayFilter.PRINCIPAL_ATTRIBUTE);
            out.append("principal: ").append(principal == null ? "-" : principal.id());
            response.setContentType("text/plain");
            response.getWriter().write(out.toString());
        }
    }

    private static Gateway gateway(boolean forwardClientCredentials) {
        ApiKeyManager keys = ApiKeyManager.builder(new InMemoryApiKeyStore()).build();
        keys.importKey(API_KEY, ApiKeySpec.of("carol", "free"));
        JwtAuthenticator jwt = JwtAuthenticator.builder()
                .issuer(JwtIssuer.builder("https://issuer.test").audiences("gatehouse")
                        .algorithms("HS256").hmacSecret("jwt-1", JWT_SECRET).build())
                .build();
        SignatureAuthenticator signatures = SignatureAuthenticator.builder(SignatureKeyResolver
                .of(new SignatureKey("partner", SignatureAlgorithm.HMAC_SHA256, SIGNING_SECRET,
                        new Principal("partner", "free", Set.of(), Set.of(), "partner"))))
                .scheme("http").build();
        return Gateway.builder(Router.of(List.of(
                        Route.builder("who", "/who/**").build())))
                .authenticator(Authenticator.firstOf(List.of(keys.authenticator(), jwt,
                        signatures)))
                .forwardClientCredentials(forwardClientCredentials)
                .build();
    }

    private static String token() throws JOSEException {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("jwt-1")
                .build(), new JWTClaimsSet.Builder().issuer("https://issuer.test")
                .audience("gatehouse").subject("dave").jwtID("jti-hiding")
                .expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(5))))
                .build());
        jwt.sign(new MACSigner(JWT_SECRET));
        return jwt.serialize();
    }

    private HttpResponse<String> get(URI uri, Map<String, String> headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10));
        headers.forEach(request::header);
        return client.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Every way of asking the request for a credential field finds nothing. */
    private static void assertNoCredentialVisible(HttpResponse<String> response, String secret,
            String principal) {
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).doesNotContain(secret)
                .doesNotContainIgnoringCase("x-api-key: [")
                .doesNotContainIgnoringCase("authorization: [")
                .doesNotContainIgnoringCase("signature: [")
                .doesNotContainIgnoringCase("signature-input: [")
                .contains("get X-API-Key: null false", "get Authorization: null false",
                        "get Signature: null false", "get Signature-Input: null false")
                .endsWith("principal: " + principal);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void theApplicationNeverSeesTheApiKeyTokenOrSignatureTheGatewayChecked(
            ServletContainer container) throws Exception {
        var deployment = ServletContainer.Deployment.of("", new GatewayFilter(gateway(false)),
                new HeaderDumpServlet());
        try (var running = container.start(deployment)) {
            String jwt = token();
            for (String path : List.of("/who/sync", "/who/async", "/who/dispatch")) {
                URI uri = running.uri(path);
                assertNoCredentialVisible(get(uri, Map.of("X-API-Key", API_KEY)), API_KEY,
                        "carol");
                assertNoCredentialVisible(get(uri, Map.of("Authorization", "Bearer " + API_KEY)),
                        API_KEY, "carol");
                assertNoCredentialVisible(get(uri, Map.of("X-API-Key", API_KEY,
                        "Authorization", "Bearer " + API_KEY)), API_KEY, "carol");
                assertNoCredentialVisible(get(uri, Map.of("Authorization", "Bearer " + jwt)),
                        jwt.substring(jwt.lastIndexOf('.') + 1), "dave");

                Map<String, String> signed = RequestSigner.builder("partner",
                        SignatureAlgorithm.HMAC_SHA256, SIGNING_SECRET).build()
                        .sign("GET", uri, Map.of(), new byte[0]);
                HttpResponse<String> bySignature = get(uri, signed);
                String signature = signed.get("Signature");
                assertNoCredentialVisible(bySignature,
                        signature.substring(signature.indexOf(':') + 1), "partner");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("containers")
    void anOperatorWhoForwardsClientCredentialsLetsTheApplicationSeeThem(
            ServletContainer container) throws Exception {
        var deployment = ServletContainer.Deployment.of("", new GatewayFilter(gateway(true)),
                new HeaderDumpServlet());
        try (var running = container.start(deployment)) {
            HttpResponse<String> response = get(running.uri("/who/sync"),
                    Map.of("X-API-Key", API_KEY));

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("get X-API-Key: " + API_KEY + " true")
                    .endsWith("principal: carol");
        }
    }
}
