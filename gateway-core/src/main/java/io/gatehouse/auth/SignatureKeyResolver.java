package io.gatehouse.auth;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the {@link SignatureKey} a {@code keyid} names. Unknown key ids must yield empty, never
 * a default key.
 *
 * <p>Implementations must be thread-safe and fast: they are called on the request path.
 */
@FunctionalInterface
public interface SignatureKeyResolver {

    /** The key named {@code keyId}, or empty. */
    Optional<SignatureKey> find(String keyId);

    /**
     * A resolver over a fixed set of keys.
     *
     * @throws IllegalArgumentException when two keys share a key id
     */
    static SignatureKeyResolver of(SignatureKey... keys) {
        Map<String, SignatureKey> byId = new HashMap<>();
        for (SignatureKey key : keys) {
            if (byId.put(key.keyId(), key) != null) {
                throw new IllegalArgumentException("signature key id " + key.keyId()
                        + " is used twice");
            }
        }
        Map<String, SignatureKey> fixed = Map.copyOf(byId);
        return keyId -> Optional.ofNullable(fixed.get(keyId));
    }
}
