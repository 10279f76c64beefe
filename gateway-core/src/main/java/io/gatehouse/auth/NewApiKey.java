package io.gatehouse.auth;

import java.util.Objects;

/**
 * A freshly generated API key: the plaintext, to hand to its owner exactly once, and the record
 * that was (or is to be) stored. The plaintext exists nowhere else; once this value is dropped
 * the key can only be verified, never recovered.
 *
 * <p>Immutable. {@link #toString()} omits the plaintext so it cannot leak into logs.
 *
 * @param plaintext the key to give to its owner
 * @param record    what the store keeps: the hash and metadata
 */
public record NewApiKey(String plaintext, ApiKeyRecord record) {

    public NewApiKey {
        Objects.requireNonNull(plaintext, "plaintext");
        Objects.requireNonNull(record, "record");
    }

    /** The public id of the new key. */
    public String keyId() {
        return record.keyId();
    }

    @Override
    public String toString() {
        return "NewApiKey[keyId=" + record.keyId() + ", hint=" + record.hint() + "]";
    }
}
