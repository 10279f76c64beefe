package io.gatehouse.auth;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The API key lifecycle over an {@link ApiKeyStore}: create (the plaintext is returned once),
 * import, list, revoke, expire and rotate with a grace period. The admin HTTP API and the
 * command line call this; the request path uses the {@link #authenticator()} it hands out, which
 * shares its store, hasher, format and clock.
 *
 * <p>Every change is idempotent: revoking a revoked key keeps the first revocation, expiring
 * never extends an earlier expiry, importing a stored key returns the stored record, rotating a
 * rotated key reports {@link ApiKeyRotation.AlreadyRotated}. Revocation and expiry take effect
 * on the next request that the authenticator sees. Changes are published as
 * {@link SecurityEvent}s.
 *
 * <p>Thread-safe. Changes are serialized within this manager; several managers (JVMs) sharing
 * one store may interleave, so run administrative changes through one of them.
 */
public final class ApiKeyManager {

    private final ApiKeyStore store;
    private final ApiKeyGenerator generator;
    private final ApiKeyFormat format;
    private final Clock clock;
    private final SecurityEvents events;
    private final String defaultPrefix;
    private final ApiKeyAuthenticator authenticator;

    private ApiKeyManager(Builder builder) {
        this.store = builder.store;
        this.clock = builder.clock;
        this.format = builder.format;
        this.events = builder.events;
        this.defaultPrefix = builder.format.prefix(builder.defaultPrefix);
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

    public ApiKeyFormat format() {
        return format;
    }

    /** {@link #create(String, ApiKeySpec, AdminContext)} by the system itself. */
    public NewApiKey create(String prefix, ApiKeySpec spec) {
        return create(prefix, spec, AdminContext.system());
    }

    /**
     * Creates and stores a new key with {@code prefix} (e.g. {@code sk_live_} or {@code sk_test}).
     *
     * @return the plaintext, which the caller must hand over now: it is not kept anywhere
     * @throws IllegalArgumentException when the prefix is unknown
     */
    public NewApiKey create(String prefix, ApiKeySpec spec, AdminContext context) {
        NewApiKey key = generator.generate(prefix, spec);
        synchronized (this) {
            store.save(key.record());
        }
        publish(SecurityEvent.Type.KEY_CREATED, context, key.record(),
                "created for " + spec.principalId() + " on tier " + spec.tier());
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
        }
        publish(SecurityEvent.Type.KEY_IMPORTED, AdminContext.system(), record,
                "imported for " + spec.principalId() + " on tier " + spec.tier());
        return record;
    }

    /** The record of key {@code keyId}. */
    public Optional<ApiKeyRecord> find(String keyId) {
        return store.findById(keyId);
    }

    /** Every key, in key id order. */
    public List<ApiKeyRecord> list() {
        return store.list();
    }

    /** {@link #revoke(String, AdminContext)} by the system itself. */
    public Optional<ApiKeyRecord> revoke(String keyId) {
        return revoke(keyId, AdminContext.system());
    }

    /**
     * Revokes key {@code keyId} at once. Revoking a revoked key keeps the first revocation time.
     *
     * @return the revoked record, or empty when no such key exists
     */
    public Optional<ApiKeyRecord> revoke(String keyId, AdminContext context) {
        ApiKeyRecord revoked;
        synchronized (this) {
            Optional<ApiKeyRecord> found = store.findById(keyId);
            if (found.isEmpty() || found.get().revoked()) {
                return found;
            }
            revoked = found.get().withRevokedAt(clock.instant());
            store.save(revoked);
        }
        publish(SecurityEvent.Type.KEY_REVOKED, context, revoked, "revoked by "
                + context.actor());
        return Optional.of(revoked);
    }

    /**
     * Makes key {@code keyId} expire at {@code at} (now or later), unless it already expires
     * earlier: expiring never extends a key's life.
     *
     * @return the record as now stored, or empty when no such key exists
     */
    public Optional<ApiKeyRecord> expire(String keyId, Instant at, AdminContext context) {
        ApiKeyRecord expiring;
        synchronized (this) {
            Optional<ApiKeyRecord> found = store.findById(keyId);
            if (found.isEmpty()) {
                return found;
            }
            ApiKeyRecord record = found.get();
            if (record.expiresAt() != null && !record.expiresAt().isAfter(at)) {
                return found;
            }
            expiring = record.withExpiresAt(at);
            store.save(expiring);
        }
        publish(SecurityEvent.Type.KEY_EXPIRED, context, expiring, "set to expire at " + at
                + " by " + context.actor());
        return Optional.of(expiring);
    }

    /**
     * Replaces key {@code keyId} by a new key with the same owner, tier, grants, address lists
     * and lifetime, and the same prefix (or the default prefix for imported keys). The old key
     * keeps working until {@code grace} has passed (or until its own earlier expiry); a zero
     * grace ends it at once.
     *
     * @return {@link ApiKeyRotation.Rotated} with the new plaintext, or why nothing changed
     */
    public ApiKeyRotation rotate(String keyId, Duration grace, AdminContext context) {
        if (grace.isNegative()) {
            throw new IllegalArgumentException("rotation grace period must not be negative, was "
                    + grace);
        }
        ApiKeyRotation.Rotated rotated;
        synchronized (this) {
            Optional<ApiKeyRecord> found = store.findById(keyId);
            if (found.isEmpty()) {
                return new ApiKeyRotation.NotFound(keyId);
            }
            ApiKeyRecord old = found.get();
            Instant now = clock.instant();
            if (old.rotatedTo() != null) {
                return new ApiKeyRotation.AlreadyRotated(old);
            }
            if (old.revoked()) {
                return new ApiKeyRotation.NotRotatable(old, "the key is revoked");
            }
            if (old.expiredAt(now)) {
                return new ApiKeyRotation.NotRotatable(old, "the key has expired");
            }
            Duration lifetime = old.expiresAt() == null ? null
                    : Duration.between(old.createdAt(), old.expiresAt());
            ApiKeySpec spec = new ApiKeySpec(old.principalId(), old.tier(), old.roles(),
                    old.permissions(), lifetime, old.allowFrom(), old.denyFrom());
            String prefix = format.prefixOf(old.hint());
            NewApiKey successor = generator.generate(prefix == null ? defaultPrefix : prefix,
                    spec);
            Instant graceEnd = now.plus(grace);
            Instant oldExpiry = old.expiresAt() != null && old.expiresAt().isBefore(graceEnd)
                    ? old.expiresAt() : graceEnd;
            // The successor is stored first: a failure in between leaves the old key intact.
            store.save(successor.record());
            ApiKeyRecord retiring = old.withExpiresAt(oldExpiry)
                    .withRotatedTo(successor.keyId());
            store.save(retiring);
            rotated = new ApiKeyRotation.Rotated(successor, retiring);
        }
        publish(SecurityEvent.Type.KEY_ROTATED, context, rotated.previous(), "rotated to "
                + rotated.successor().keyId() + ", old key valid until "
                + rotated.previous().expiresAt() + ", by " + context.actor());
        return rotated;
    }

    private void publish(SecurityEvent.Type type, AdminContext context, ApiKeyRecord record,
            String detail) {
        events.publish(new SecurityEvent(type, clock.instant(), context.requestId(),
                context.clientAddress(), record.keyId(), detail));
    }

    /** Collects a manager's parts. Not thread-safe. */
    public static final class Builder {
        private final ApiKeyStore store;
        private KeyHasher hasher = KeyHasher.sha256();
        private ApiKeyFormat format = ApiKeyFormat.defaults();
        private Clock clock = Clock.systemUTC();
        private SecureRandom random;
        private SecurityEvents events = SecurityEvents.logging();
        private String defaultPrefix = "sk_live_";

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

        /** Where key changes are reported; {@link SecurityEvents#logging()} by default. */
        public Builder events(SecurityEvents events) {
            this.events = Objects.requireNonNull(events, "events");
            return this;
        }

        /** The prefix of successors of imported (prefix-less) keys; {@code sk_live_} by default. */
        public Builder defaultPrefix(String prefix) {
            this.defaultPrefix = Objects.requireNonNull(prefix, "prefix");
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
