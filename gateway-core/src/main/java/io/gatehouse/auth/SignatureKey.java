package io.gatehouse.auth;

import java.security.Key;
import java.util.Objects;

/**
 * A key that request signatures are verified with, and the principal a request signed by it
 * acts as.
 *
 * <p>Immutable.
 *
 * @param keyId     the {@code keyid} signers name
 * @param algorithm the only algorithm this key may be used with
 * @param key       the shared secret ({@link javax.crypto.SecretKey}) or the public key
 * @param principal who signs with this key; its credential id should be the key id
 */
public record SignatureKey(String keyId, SignatureAlgorithm algorithm, Key key,
        Principal principal) {

    public SignatureKey {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(principal, "principal");
        algorithm.checkKey(key);
    }

    @Override
    public String toString() {
        return "SignatureKey[" + keyId + ", " + algorithm.id() + ", " + principal.id() + "]";
    }
}
