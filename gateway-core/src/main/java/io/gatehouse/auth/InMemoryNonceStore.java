package io.gatehouse.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;

/**
 * A {@link NonceStore} in this JVM's memory. Each nonce is forgotten once its time has passed
 * (by then the signature's {@code created} window refuses it anyway), and never before: a
 * nonce still within its window is never dropped to make room, since it could then be replayed.
 * The store is bounded instead by refusing: when it holds {@code maximumNonces} nonces still
 * within their window, {@link #firstUse} throws {@link IllegalStateException}, which the
 * signature authenticator answers with 503 and {@code Retry-After}, until nonces expire. Size it
 * above the number of signed requests accepted within one window. (Concurrent calls may
 * overshoot the bound by at most the number of calling threads.)
 *
 * <p>Thread-safe.
 */
public final class InMemoryNonceStore implements NonceStore {

    private final Clock clock;
    private final long maximumNonces;
    private final Cache<String, Instant> nonces;

    /** A store bounded to {@code maximumNonces}, timed by {@code clock}. */
    public InMemoryNonceStore(long maximumNonces, Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maximumNonces < 1) {
            throw new IllegalArgumentException("maximumNonces must be positive, was "
                    + maximumNonces);
        }
        this.maximumNonces = maximumNonces;
        // No maximumSize: size eviction would drop nonces still within their window.
        this.nonces = Caffeine.newBuilder()
                .ticker(() -> clock.millis() * 1_000_000L)
                .expireAfter(new Expiry<String, Instant>() {
                    @Override
                    public long expireAfterCreate(String key, Instant until, long now) {
                        return Math.max(0, until.toEpochMilli() - clock.millis()) * 1_000_000L;
                    }

                    @Override
                    public long expireAfterUpdate(String key, Instant until, long now,
                            long remaining) {
                        return remaining;
                    }

                    @Override
                    public long expireAfterRead(String key, Instant until, long now,
                            long remaining) {
                        return remaining;
                    }
                })
                .build();
    }

    @Override
    public boolean firstUse(String scope, String nonce, Instant until) {
        if (!until.isAfter(clock.instant())) {
            // Already outside its window: nothing to remember, and nothing to accept either.
            return false;
        }
        String key = scope.length() + ":" + scope + ":" + nonce;
        if (nonces.estimatedSize() >= maximumNonces) {
            nonces.cleanUp();
            if (nonces.estimatedSize() >= maximumNonces
                    && nonces.getIfPresent(key) == null) {
                throw new IllegalStateException("the nonce store holds " + maximumNonces
                        + " unexpired nonces; new signed requests are refused until some expire");
            }
        }
        return nonces.asMap().putIfAbsent(key, until) == null;
    }
}
