package io.gatehouse.auth;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys of one issuer, fetched from its JWKS URL and cached. The cache is refreshed when it
 * is older than its time to live, or early when a token names a key id it does not hold, but
 * never more often than the minimum refresh interval, so tokens with made-up key ids cannot make
 * the gateway hammer the issuer. Concurrent refreshes share one fetch; no lock is held while
 * fetching. Fetches have connect and read timeouts, follow no redirects, and read at most
 * {@value #MAX_JWKS_BYTES} bytes. Symmetric keys in a JWKS are ignored: a shared secret served
 * over HTTP would be no secret.
 *
 * <p>Thread-safe.
 */
final class JwksKeySource {

    static final int MAX_JWKS_BYTES = 512 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(JwksKeySource.class);

    /** Keys as last fetched, and when. */
    private record Snapshot(List<JWK> keys, long fetchedAtMillis) {
    }

    private final URI uri;
    private final HttpClient http;
    private final Duration readTimeout;
    private final long ttlMillis;
    private final long minRefreshMillis;
    private final Clock clock;
    private final AtomicReference<Snapshot> snapshot = new AtomicReference<>();
    private final AtomicReference<CompletableFuture<Snapshot>> inFlight = new AtomicReference<>();
    private final AtomicLong lastAttemptMillis = new AtomicLong(Long.MIN_VALUE / 2);
    private final AtomicLong fetches = new AtomicLong();

    JwksKeySource(JwtIssuer issuer, Clock clock) {
        this.uri = issuer.jwksUri();
        this.http = HttpClient.newBuilder()
                .connectTimeout(issuer.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.readTimeout = issuer.readTimeout();
        this.ttlMillis = issuer.jwksTtl().toMillis();
        this.minRefreshMillis = issuer.jwksMinRefreshInterval().toMillis();
        this.clock = clock;
    }

    /**
     * The cached keys, refreshed first when stale or when {@code unknownKeyId} says the caller
     * looked for a key id the cache lacks (both subject to the minimum refresh interval).
     *
     * @return the keys, or {@code null} when none could ever be fetched
     */
    List<JWK> keys(boolean unknownKeyId) {
        Snapshot current = snapshot.get();
        long now = clock.millis();
        boolean stale = current == null || now - current.fetchedAtMillis() >= ttlMillis;
        if (!stale && !unknownKeyId) {
            return current.keys();
        }
        Snapshot fresh = null;
        if (now - lastAttemptMillis.get() >= minRefreshMillis) {
            fresh = refresh(now);
        } else {
            // Too soon for a new fetch, but one may be under way: its keys are the newest.
            CompletableFuture<Snapshot> running = inFlight.get();
            if (running != null) {
                fresh = running.join();
            }
        }
        if (fresh != null) {
            return fresh.keys();
        }
        current = snapshot.get();
        return current == null ? null : current.keys();
    }

    /** How many fetches were started; for tests and metrics. */
    long fetches() {
        return fetches.get();
    }

    private Snapshot refresh(long now) {
        CompletableFuture<Snapshot> mine = new CompletableFuture<>();
        CompletableFuture<Snapshot> running = inFlight.compareAndExchange(null, mine);
        if (running != null) {
            return running.join();
        }
        try {
            // Re-checked under the in-flight claim, so two threads never fetch back to back.
            if (now - lastAttemptMillis.get() < minRefreshMillis) {
                mine.complete(null);
                return null;
            }
            lastAttemptMillis.set(now);
            fetches.incrementAndGet();
            Snapshot fetched = fetch(now);
            if (fetched != null) {
                snapshot.set(fetched);
            }
            mine.complete(fetched);
            return fetched;
        } catch (RuntimeException e) {
            mine.complete(null);
            throw e;
        } finally {
            inFlight.set(null);
        }
    }

    private Snapshot fetch(long now) {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(readTimeout)
                .header("Accept", "application/jwk-set+json, application/json")
                .GET()
                .build();
        try {
            HttpResponse<InputStream> response = http.send(request,
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                if (response.statusCode() != 200) {
                    LOG.warn("JWKS fetch from {} answered {}", uri, response.statusCode());
                    return null;
                }
                byte[] bytes = body.readNBytes(MAX_JWKS_BYTES + 1);
                if (bytes.length > MAX_JWKS_BYTES) {
                    LOG.warn("JWKS from {} exceeds {} bytes; ignored", uri, MAX_JWKS_BYTES);
                    return null;
                }
                return new Snapshot(usableKeys(JWKSet.parse(
                        new String(bytes, StandardCharsets.UTF_8))), now);
            }
        } catch (IOException | ParseException e) {
            LOG.warn("JWKS fetch from {} failed: {}", uri, e.toString());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private List<JWK> usableKeys(JWKSet set) {
        List<JWK> keys = new ArrayList<>();
        for (JWK key : set.getKeys()) {
            if (key instanceof OctetSequenceKey) {
                continue;
            }
            if (JwsKeys.unacceptable(key) == null) {
                keys.add(JwsKeys.publicPart(key));
            }
        }
        return List.copyOf(keys);
    }
}
