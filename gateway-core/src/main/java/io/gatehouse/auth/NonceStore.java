package io.gatehouse.auth;

import java.time.Instant;

/**
 * Remembers the nonces of accepted request signatures so that a captured request cannot be
 * replayed. The in-memory implementation serves one gateway; a shared one (Redis) serves many.
 *
 * <p>Implementations must be thread-safe and atomic: of two concurrent calls with the same
 * scope and nonce, exactly one may return {@code true}.
 */
@FunctionalInterface
public interface NonceStore {

    /**
     * Records {@code nonce} within {@code scope} (the key id) until {@code until}.
     *
     * @return {@code true} if it was not already recorded (first use), {@code false} on replay
     * @throws RuntimeException when a shared backend cannot record it; the signature
     *     authenticator then refuses the request with 503, never accepting it unrecorded
     */
    boolean firstUse(String scope, String nonce, Instant until);
}
