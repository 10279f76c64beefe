package io.gatehouse.auth;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store contract, with every read made on a fresh open of the file, so whatever the
 * contract checks must also have reached the disk.
 */
class FileApiKeyStoreContractTest extends ApiKeyStoreContract {

    @TempDir
    Path directory;

    @Override
    protected ApiKeyStore newStore() {
        Path file = directory.resolve("keys.json");
        FileApiKeyStore writer = FileApiKeyStore.open(file);
        return new ApiKeyStore() {
            @Override
            public Optional<ApiKeyRecord> findByHash(String hash) {
                return FileApiKeyStore.open(file).findByHash(hash);
            }

            @Override
            public Optional<ApiKeyRecord> findById(String keyId) {
                return FileApiKeyStore.open(file).findById(keyId);
            }

            @Override
            public void save(ApiKeyRecord record) {
                writer.save(record);
            }

            @Override
            public List<ApiKeyRecord> list() {
                return FileApiKeyStore.open(file).list();
            }

            @Override
            public void recordUse(String keyId, Instant at) {
                writer.recordUse(keyId, at);
                writer.flush();
            }
        };
    }
}
