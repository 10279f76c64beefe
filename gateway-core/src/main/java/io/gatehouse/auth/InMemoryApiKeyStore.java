package io.gatehouse.auth;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An {@link ApiKeyStore} in this JVM's memory: lookups are lock-free map reads, writes are
 * serialized. Keys are lost on restart; use {@link FileApiKeyStore} to keep them.
 *
 * <p>Thread-safe.
 */
public final class InMemoryApiKeyStore implements ApiKeyStore {

    private final Map<String, ApiKeyRecord> byId = new ConcurrentHashMap<>();
    private final Map<String, String> idByHash = new ConcurrentHashMap<>();

    @Override
    public Optional<ApiKeyRecord> findByHash(String hash) {
        String keyId = idByHash.get(hash);
        return keyId == null ? Optional.empty() : Optional.ofNullable(byId.get(keyId));
    }

    @Override
    public Optional<ApiKeyRecord> findById(String keyId) {
        return Optional.ofNullable(byId.get(keyId));
    }

    @Override
    public synchronized void save(ApiKeyRecord record) {
        String owner = idByHash.get(record.hash());
        if (owner != null && !owner.equals(record.keyId())) {
            throw new IllegalStateException(
                    "key " + owner + " already has the hash of key " + record.keyId());
        }
        ApiKeyRecord previous = byId.put(record.keyId(), record);
        if (previous != null && !previous.hash().equals(record.hash())) {
            idByHash.remove(previous.hash());
        }
        idByHash.put(record.hash(), record.keyId());
    }

    @Override
    public List<ApiKeyRecord> list() {
        List<ApiKeyRecord> records = new ArrayList<>(byId.values());
        records.sort(Comparator.comparing(ApiKeyRecord::keyId));
        return records;
    }

    @Override
    public void recordUse(String keyId, Instant at) {
        byId.computeIfPresent(keyId, (id, record) -> record.withLastUsedAt(at));
    }
}
