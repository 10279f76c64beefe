package io.gatehouse.auth;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wraps a store and counts hash lookups, to prove when a request never reached the store. Part
 * of core's test kit, so other stores' tests count the same way. Thread-safe if the delegate is.
 */
public class CountingApiKeyStore implements ApiKeyStore {

    final ApiKeyStore delegate;
    /** How many times {@link #findByHash} was asked. */
    public final AtomicInteger hashLookups = new AtomicInteger();
    final AtomicInteger recordedUses = new AtomicInteger();

    public CountingApiKeyStore(ApiKeyStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public Optional<ApiKeyRecord> findByHash(String hash) {
        hashLookups.incrementAndGet();
        return delegate.findByHash(hash);
    }

    @Override
    public Optional<ApiKeyRecord> findById(String keyId) {
        return delegate.findById(keyId);
    }

    @Override
    public void save(ApiKeyRecord record) {
        delegate.save(record);
    }

    @Override
    public List<ApiKeyRecord> list() {
        return delegate.list();
    }

    @Override
    public void recordUse(String keyId, Instant at) {
        recordedUses.incrementAndGet();
        delegate.recordUse(keyId, at);
    }
}
