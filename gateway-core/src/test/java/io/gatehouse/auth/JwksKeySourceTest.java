package io.gatehouse.auth;

import static io.gatehouse.auth.JwtFixtures.EC256;
import static io.gatehouse.auth.JwtFixtures.HMAC;
import static io.gatehouse.auth.JwtFixtures.NOW;
import static io.gatehouse.auth.JwtFixtures.RSA;
import static io.gatehouse.auth.JwtFixtures.RSA_OTHER;
import static io.gatehouse.auth.JwtFixtures.bearer;
import static io.gatehouse.auth.JwtFixtures.sign;
import static io.gatehouse.auth.JwtFixtures.validClaims;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.sun.net.httpserver.HttpServer;
import io.gatehouse.ErrorCode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** JWKS fetching against a real HTTP server on loopback. */
class JwksKeySourceTest {

    private final MutableClock clock = new MutableClock(NOW);
    private final AtomicReference<String> served = new AtomicReference<>();
    private final AtomicInteger status = new AtomicInteger(200);
    private final AtomicInteger requests = new AtomicInteger();
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile boolean hang;
    private HttpServer server;
    private URI jwksUri;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/jwks.json", exchange -> {
            requests.incrementAndGet();
            if (hang) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] body = served.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/jwk-set+json");
            exchange.sendResponseHeaders(status.get(), body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        jwksUri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json");
    }

    @AfterEach
    void stopServer() {
        release.countDown();
        server.stop(0);
        ((ExecutorService) server.getExecutor()).shutdownNow();
    }

    private void serve(JWK... keys) {
        served.set(new JWKSet(List.of(keys)).toString(false));
    }

    private JwtAuthenticator authenticator() {
        // Generous: on a loaded machine a loopback fetch can take longer than a tight budget, and
        // these tests are about refresh behaviour, not timeouts.
        return authenticator(Duration.ofSeconds(5));
    }

    private JwtAuthenticator authenticator(Duration timeout) {
        return JwtAuthenticator.builder().clock(clock).issuer(JwtIssuer
                        .builder("https://issuer.example").audiences("gatehouse")
                        .algorithms("RS256", "ES256", "HS256")
                        .jwksUri(jwksUri)
                        .jwksTtl(Duration.ofMinutes(10))
                        .jwksMinRefreshInterval(Duration.ofSeconds(30))
                        .timeouts(timeout, timeout)
                        .build())
                .build();
    }

    private static String rsaToken() {
        return sign(JWSAlgorithm.RS256, RSA, validClaims().build());
    }

    @Test
    void keysAreFetchedOnceAndCached() {
        serve(RSA.toPublicJWK(), EC256.toPublicJWK());
        JwtAuthenticator jwt = authenticator();

        for (int i = 0; i < 20; i++) {
            assertThat(jwt.authenticate(bearer(rsaToken())))
                    .isInstanceOf(AuthResult.Authenticated.class);
        }
        assertThat(jwt.authenticate(bearer(sign(JWSAlgorithm.ES256, EC256, validClaims().build()))))
                .isInstanceOf(AuthResult.Authenticated.class);
        assertThat(requests).hasValue(1);
    }

    @Test
    void rotatedKeyIsPickedUpByRefreshingOnItsUnknownKeyId() {
        serve(RSA.toPublicJWK());
        JwtAuthenticator jwt = authenticator();
        assertThat(jwt.authenticate(bearer(rsaToken())))
                .isInstanceOf(AuthResult.Authenticated.class);

        serve(RSA_OTHER.toPublicJWK());
        clock.advance(Duration.ofSeconds(31));
        String rotated = sign(JWSAlgorithm.RS256, RSA_OTHER, validClaims().build());

        assertThat(jwt.authenticate(bearer(rotated))).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(requests).hasValue(2);
        // The retired key is gone from the issuer's set and no longer verifies.
        clock.advance(Duration.ofSeconds(31));
        assertThat(jwt.authenticate(bearer(rsaToken())))
                .isEqualTo(AuthResult.Rejected.withSecurityDetail(ErrorCode.INVALID_TOKEN,
                        "the token's signature is not valid",
                        "no key of the issuer matches the token"));
    }

    @Test
    void unknownKeyIdsCannotMakeTheGatewayFetchMoreOftenThanTheMinimumInterval() {
        serve(RSA.toPublicJWK());
        JwtAuthenticator jwt = authenticator();
        jwt.authenticate(bearer(rsaToken()));
        clock.advance(Duration.ofSeconds(31));

        for (int i = 0; i < 100; i++) {
            String token = sign(JWSAlgorithm.RS256, RSA_OTHER, validClaims().build(),
                    header -> header.keyID("made-up-" + Math.random()));
            assertThat(jwt.authenticate(bearer(token))).isInstanceOf(AuthResult.Rejected.class);
        }

        assertThat(requests).hasValue(2);
    }

    @Test
    void concurrentRefreshesShareOneFetch() throws Exception {
        serve(RSA.toPublicJWK());
        JwtAuthenticator jwt = authenticator();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<AuthResult>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 32; i++) {
                results.add(pool.submit(() -> jwt.authenticate(bearer(rsaToken()))));
            }
            for (Future<AuthResult> result : results) {
                assertThat(result.get(5, TimeUnit.SECONDS))
                        .isInstanceOf(AuthResult.Authenticated.class);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(requests).hasValue(1);
    }

    @Test
    void keysAreFetchedAgainAfterTheirTimeToLive() {
        serve(RSA.toPublicJWK());
        JwtAuthenticator jwt = authenticator();
        jwt.authenticate(bearer(rsaToken()));

        clock.advance(Duration.ofMinutes(10));
        jwt.authenticate(bearer(rsaToken()));

        assertThat(requests).hasValue(2);
    }

    @Test
    void failingEndpointKeepsTheLastGoodKeys() {
        serve(RSA.toPublicJWK());
        JwtAuthenticator jwt = authenticator();
        String longLived = sign(JWSAlgorithm.RS256, RSA, validClaims()
                .expirationTime(java.util.Date.from(NOW.plus(Duration.ofHours(1)))).build());
        jwt.authenticate(bearer(longLived));
        status.set(500);
        clock.advance(Duration.ofMinutes(11));

        assertThat(jwt.authenticate(bearer(longLived)))
                .isInstanceOf(AuthResult.Authenticated.class);
        assertThat(requests).hasValue(2);
    }

    @Test
    void unreachableKeysAreServiceUnavailableNotAuthentication() {
        serve(RSA.toPublicJWK());
        status.set(503);
        JwtAuthenticator jwt = authenticator();

        assertThat(jwt.authenticate(bearer(rsaToken()))).isEqualTo(new AuthResult.Rejected(
                ErrorCode.SERVICE_UNAVAILABLE, "the keys of the token's issuer are not available"));
    }

    @Test
    void slowEndpointIsCutOffByTheReadTimeout() {
        serve(RSA.toPublicJWK());
        hang = true;
        JwtAuthenticator jwt = authenticator(Duration.ofMillis(300));

        AuthResult result = jwt.authenticate(bearer(rsaToken()));

        assertThat(result).isEqualTo(new AuthResult.Rejected(ErrorCode.SERVICE_UNAVAILABLE,
                "the keys of the token's issuer are not available"));
    }

    @Test
    void symmetricKeysPublishedInAJwksAreIgnored() {
        serve(HMAC);
        JwtAuthenticator jwt = authenticator();

        assertThat(jwt.authenticate(bearer(sign(JWSAlgorithm.HS256, HMAC, validClaims().build()))))
                .isEqualTo(AuthResult.Rejected.withSecurityDetail(ErrorCode.INVALID_TOKEN,
                        "the token's signature is not valid",
                        "no key of the issuer matches the token"));
    }
}
