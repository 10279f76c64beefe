package io.gatehouse.auth;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The API key lifecycle over an {@link ApiKeyStore}: create (the plaintext is returned once),
 * import, list, revoke. The admin HTTP API and the command line call this; the request path uses
 * the {@link #authenticator()} it hands out, which shares its hasher, format and clock.
 *
 * <p>Every operation is idempotent where the word applies: revoking a revoked key changes
 * nothing, importing a key that is already stored returns the stored record.
 *
 * <p>Thread-safe.
 */
public final class ApiKeyManager {

    private final ApiKeyStore store;
    private final ApiKeyGenerator generator;
    private final Clock clock;
    private final ApiKeyAuthenticator authenticator;

    private ApiKeyManager(Builder builder) {
        this.store = builder.store;
        this.clock = builder.clock;
        this.generator = new ApiKeyGenerator(builder.format, builder.hasher, builder.random,
                builder.clock);
        this.authenticator = ApiKeyAuthenticator.builder(builder.store)
                .hasher(builder.hasher)
                .format(builder.format)
                .clock(builder.clock)
                .build();
    }

    /** Starts a manager over {@code store}. */
    public static Builder builder(ApiKeyStore store) {
        return new Builder(store);
    }

    /** The authenticator for keys of this manager's store. */
    public ApiKeyAuthenticator authenticator() {
        return authenticator;
    }

    public ApiKeyStore store() {
        return store;
    }

    /**
     * Creates and stores a new key with {@code prefix} (e.g. {@code sk_live_} or {@code sk_test}).
     *
     * @return the plaintext, which the caller must hand over now: it is not kept anywhere
     * @throws IllegalArgumentException when the prefix is unknown
     */
    public NewApiKey create(String prefix, ApiKeySpec spec) {
        NewApiKey key = generator.generate(prefix, spec);
        store.save(key.record());
        return key;
    }

    /**
     * Stores the hash of an existing plaintext key (a demo tenant such as {@code key_123}, or a
     * key migrated from another system). If the key is already stored, nothing changes and the
     * stored record is returned.
     *
     * @throws IllegalArgumentException when the key could never authenticate (see
     *     {@link ApiKeyGenerator#importRecord(String, ApiKeySpec)})
     */
    public ApiKeyRecord importKey(String plaintext, ApiKeySpec spec) {
        ApiKeyRecord record = generator.importRecord(plaintext, spec);
        synchronized (this) {
            Optional<ApiKeyRecord> existing = store.findByHash(record.hash());
            if (existing.isPresent()) {
                return existing.get();
            }
            store.save(record);
            return record;
        }
    }

    /** The record of key {@code keyId}. */
    public Optional<ApiKeyRecord> find(String keyId) {
        return store.findById(keyId);
    }

    /** Every key, in key id order. */
    public List<ApiKeyRecord> list() {
        return store.list();
    }

    /**
     * Revokes key {@code keyId} at once. Revoking a revoked key keeps the first revocation time.
     *
     * @return the revoked record, or empty when no such key exists
     */
    public synchronized Optional<ApiKeyRecord> revoke(String keyId) {
        Optional<ApiKeyRecord> found = store.findById(keyId);
        if (found.isEmpty()) {
            return found;
        }
        ApiKeyRecord revoked = found.get().withRevokedAt(clock.instant());
        if (revoked != found.get()) {
            store.save(revoked);
        }
        return Optional.of(revoked);
    }

    /** Collects a manager's parts. Not thread-safe. */
    public static final class Builder {
        private final ApiKeyStore store;
        private KeyHasher hasher = KeyHasher.sha256();
        private ApiKeyFormat format = ApiKeyFormat.defaults();
        private Clock clock = Clock.systemUTC();
        private SecureRandom random;

        private Builder(ApiKeyStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /** How keys are hashed; unpeppered SHA-256 by default, prefer a pepper in production. */
        public Builder hasher(KeyHasher hasher) {
            this.hasher = Objects.requireNonNull(hasher, "hasher");
            return this;
        }

        public Builder format(ApiKeyFormat format) {
            this.format = Objects.requireNonNull(format, "format");
            return this;
        }

        /** The clock for creation, expiry and revocation times; system UTC by default. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** The randomness for keys and ids; a new {@link SecureRandom} by default. */
        public Builder random(SecureRandom random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        public ApiKeyManager build() {
            if (random == null) {
                random = new SecureRandom();
            }
            return new ApiKeyManager(this);
        }
    }
}
