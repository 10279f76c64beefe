package io.gatehouse.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;

/**
 * A {@link NonceStore} in this JVM's memory. Each nonce is forgotten once its time has passed
 * (by then the signature's {@code created} window refuses it anyway). The store is bounded;
 * when full, the nonces closest to expiry are dropped first, so size it above the number of
 * signed requests accepted within one window.
 *
 * <p>Thread-safe.
 */
public final class InMemoryNonceStore implements NonceStore {

    private final Clock clock;
    private final Cache<String, Instant> nonces;

    /** A store bounded to {@code maximumNonces}, timed by {@code clock}. */
    public InMemoryNonceStore(long maximumNonces, Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.nonces = Caffeine.newBuilder()
                .maximumSize(maximumNonces)
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
        return nonces.asMap().putIfAbsent(key, until) == null;
    }
}
