package io.gatehouse.auth;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where API key records live: in memory, in a file, in Redis. A store holds hashes, never keys;
 * the semantics (hashing, expiry, revocation, rotation) belong to {@link ApiKeyManager} and
 * {@link ApiKeyAuthenticator}, so every store behaves alike.
 *
 * <p>Implementations must be thread-safe. {@link #findByHash(String)} is on the request path and
 * must be fast; the other methods are administrative.
 */
public interface ApiKeyStore {

    /**
     * The record whose {@link ApiKeyRecord#hash()} is {@code hash}, whatever its state (revoked
     * and expired records are returned too, so callers can say why a key is refused).
     */
    Optional<ApiKeyRecord> findByHash(String hash);

    /** The record with key id {@code keyId}. */
    Optional<ApiKeyRecord> findById(String keyId);

    /**
     * Inserts {@code record}, or replaces the record with the same key id. After it returns,
     * {@link #findByHash(String)} and {@link #findById(String)} see the new record.
     *
     * @throws IllegalStateException when another key id already has the same hash
     * @throws ApiKeyStoreException  when the backend fails
     */
    void save(ApiKeyRecord record);

    /** Every record, in key id order. */
    List<ApiKeyRecord> list();

    /**
     * Notes that key {@code keyId} authenticated a request at {@code at}. Called on the request
     * path, so a store may keep it in memory and persist it lazily; losing it is harmless.
     */
    void recordUse(String keyId, Instant at);
}
