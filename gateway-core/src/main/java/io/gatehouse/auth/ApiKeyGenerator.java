package io.gatehouse.auth;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;

/**
 * Mints API keys and the records that stand for them. {@link #generate(String, ApiKeySpec)}
 * returns the only copy of the plaintext; {@link #importRecord(String, ApiKeySpec)} turns a key
 * that exists elsewhere (a demo tenant, a migrated key) into a record holding only its hash.
 *
 * <p>Neither method stores anything; see {@link ApiKeyManager} for the stored lifecycle.
 *
 * <p>Thread-safe.
 */
public final class ApiKeyGenerator {

    /** Prefix of key ids, which are public. */
    public static final String KEY_ID_PREFIX = "kid_";

    private final ApiKeyFormat format;
    private final KeyHasher hasher;
    private final SecureRandom random;
    private final Clock clock;

    public ApiKeyGenerator(ApiKeyFormat format, KeyHasher hasher, SecureRandom random,
            Clock clock) {
        this.format = Objects.requireNonNull(format, "format");
        this.hasher = Objects.requireNonNull(hasher, "hasher");
        this.random = Objects.requireNonNull(random, "random");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A generator with the default format, a new {@link SecureRandom} and {@code clock}. */
    public static ApiKeyGenerator create(KeyHasher hasher, Clock clock) {
        return new ApiKeyGenerator(ApiKeyFormat.defaults(), hasher, new SecureRandom(), clock);
    }

    public ApiKeyFormat format() {
        return format;
    }

    public KeyHasher hasher() {
        return hasher;
    }

    /**
     * Generates a key with {@code prefix} (e.g. {@code sk_live_} or {@code sk_test}) granting
     * {@code spec}.
     *
     * @throws IllegalArgumentException when the prefix is not one of the format's
     */
    public NewApiKey generate(String prefix, ApiKeySpec spec) {
        String plaintext = format.generate(prefix, random);
        return new NewApiKey(plaintext, recordFor(plaintext, spec));
    }

    /**
     * The record for an existing plaintext key: its hash, never the key.
     *
     * @throws IllegalArgumentException when the key is blank, too long, not printable ASCII, or
     *     has a known prefix without being well formed (such a key could never authenticate)
     */
    public ApiKeyRecord importRecord(String plaintext, ApiKeySpec spec) {
        if (!ApiKeyAuthenticator.plausibleKey(plaintext)) {
            throw new IllegalArgumentException("an imported API key must be 1.."
                    + ApiKeyFormat.MAX_KEY_LENGTH + " printable ASCII characters");
        }
        if (format.classify(plaintext) == ApiKeyFormat.Shape.MALFORMED) {
            throw new IllegalArgumentException("an imported key with prefix "
                    + format.prefixOf(plaintext) + " must carry a valid checksum");
        }
        return recordFor(plaintext, spec);
    }

    /** A new random key id, e.g. {@code kid_3hV9kQ0pXr2LmZ8a}. */
    public String newKeyId() {
        return KEY_ID_PREFIX + ApiKeyFormat.randomBase62(random, 16);
    }

    private ApiKeyRecord recordFor(String plaintext, ApiKeySpec spec) {
        Instant now = clock.instant();
        Instant expires = spec.lifetime() == null ? null : now.plus(spec.lifetime());
        return new ApiKeyRecord(newKeyId(), hasher.hash(plaintext), format.hint(plaintext),
                spec.principalId(), spec.tier(), spec.roles(), spec.permissions(), now, expires,
                null, null, null, spec.allowFrom(), spec.denyFrom());
    }
}
