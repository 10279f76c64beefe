package io.gatehouse.auth;

import java.util.Objects;

/**
 * The result of {@link ApiKeyManager#rotate(String, java.time.Duration, AdminContext)}.
 *
 * <p>Immutable.
 */
public sealed interface ApiKeyRotation {

    /**
     * A successor was created; the previous key keeps working until the grace period ends.
     *
     * @param successor the new key, with its plaintext: hand it over now, it is not kept
     * @param previous  the old key's record, now expiring at the end of the grace period
     */
    record Rotated(NewApiKey successor, ApiKeyRecord previous) implements ApiKeyRotation {
        public Rotated {
            Objects.requireNonNull(successor, "successor");
            Objects.requireNonNull(previous, "previous");
        }
    }

    /**
     * The key was rotated before; nothing changed. The successor's plaintext was shown at that
     * time and cannot be shown again; {@code previous.rotatedTo()} names the successor.
     */
    record AlreadyRotated(ApiKeyRecord previous) implements ApiKeyRotation {
        public AlreadyRotated {
            Objects.requireNonNull(previous, "previous");
        }
    }

    /** The key cannot be rotated because it is revoked or expired; nothing changed. */
    record NotRotatable(ApiKeyRecord record, String reason) implements ApiKeyRotation {
        public NotRotatable {
            Objects.requireNonNull(record, "record");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** No key has this id. */
    record NotFound(String keyId) implements ApiKeyRotation {
        public NotFound {
            Objects.requireNonNull(keyId, "keyId");
        }
    }
}
