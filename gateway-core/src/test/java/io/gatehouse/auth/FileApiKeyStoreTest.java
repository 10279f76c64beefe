package io.gatehouse.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.GatewayRequest;
import io.gatehouse.TestExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileApiKeyStoreTest {

    private static final byte[] PEPPER = "a-pepper-of-16+bytes".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path directory;

    private final MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");

    private ApiKeyManager manager(FileApiKeyStore store) {
        return ApiKeyManager.builder(store).hasher(KeyHasher.hmacSha256(PEPPER)).clock(clock)
                .events(SecurityEvents.none()).build();
    }

    private static AuthResult authenticate(ApiKeyManager manager, String key) {
        return manager.authenticator().authenticate(new GatewayRequest(
                TestExchange.request("GET", "/x").header("X-API-Key", key), "r", "/x",
                "127.0.0.1"));
    }

    @Test
    void keysSurviveARestartAndStillAuthenticate() {
        Path file = directory.resolve("keys.json");
        ApiKeyManager first = manager(FileApiKeyStore.open(file));
        NewApiKey created = first.create("sk_live_", ApiKeySpec.of("alice", "premium")
                .withRoles("admin").withPermissions("keys:write")
                .withLifetime(Duration.ofDays(30))
                .withAddressLists(java.util.List.of("127.0.0.0/8"),
                        java.util.List.of("10.0.0.0/8")));
        first.importKey("key_456", ApiKeySpec.of("bob", "free"));
        NewApiKey revoked = first.create("sk_test_", ApiKeySpec.of("carol", "free"));
        first.revoke(revoked.keyId());

        FileApiKeyStore reopened = FileApiKeyStore.open(file);
        ApiKeyManager second = manager(reopened);

        assertThat(reopened.list()).containsExactlyElementsOf(first.list());
        assertThat(authenticate(second, created.plaintext()))
                .isInstanceOf(AuthResult.Authenticated.class);
        assertThat(authenticate(second, "key_456")).isInstanceOf(AuthResult.Authenticated.class);
        assertThat(authenticate(second, revoked.plaintext()))
                .isInstanceOf(AuthResult.Rejected.class);
    }

    @Test
    void fileHoldsNoPlaintextKey() throws IOException {
        Path file = directory.resolve("keys.json");
        ApiKeyManager manager = manager(FileApiKeyStore.open(file));
        NewApiKey created = manager.create("sk_live_", ApiKeySpec.of("alice", "premium"));
        manager.importKey("demo_key_with_a_long_secret", ApiKeySpec.of("bob", "free"));

        String content = Files.readString(file);

        assertThat(content).contains(created.keyId())
                .contains(KeyHasher.hmacSha256(PEPPER).hash(created.plaintext()))
                .doesNotContain(created.plaintext())
                .doesNotContain(created.plaintext().substring(8, 26))
                .doesNotContain("demo_key_with_a_long_secret")
                .doesNotContain("with_a_long");
    }

    @Test
    void missingFileIsAnEmptyStoreAndIsCreatedOnlyOnFirstSave() {
        Path file = directory.resolve("sub/dir/keys.json");

        FileApiKeyStore store = FileApiKeyStore.open(file);

        assertThat(store.list()).isEmpty();
        assertThat(file).doesNotExist();
        manager(store).importKey("key_123", ApiKeySpec.of("alice", "premium"));
        assertThat(file).exists();
    }

    @Test
    void corruptFilesAreRefusedWithTheFileAndProblemNamedAndLeftUnchanged() throws IOException {
        assertCorrupt("{not json", "not valid JSON");
        assertCorrupt("[]", "expected a JSON object");
        assertCorrupt("{\"format\":\"other\",\"version\":1,\"keys\":[]}", "'format'");
        assertCorrupt("{\"format\":\"gatehouse-api-keys\",\"version\":2,\"keys\":[]}",
                "unsupported 'version' 2");
        assertCorrupt("{\"format\":\"gatehouse-api-keys\",\"version\":1,\"keys\":{}}",
                "'keys' must be an array");
        assertCorrupt("{\"format\":\"gatehouse-api-keys\",\"version\":1,\"keys\":[{"
                + "\"keyId\":\"kid_1\",\"hint\":\"****\",\"principalId\":\"a\","
                + "\"tier\":\"free\",\"createdAt\":\"2026-01-01T00:00:00Z\"}]}",
                "key #0: 'hash' must be a string");
        assertCorrupt("{\"format\":\"gatehouse-api-keys\",\"version\":1,\"keys\":[{"
                + "\"keyId\":\"kid_1\",\"hash\":\"key_123\",\"hint\":\"****\","
                + "\"principalId\":\"a\",\"tier\":\"free\","
                + "\"createdAt\":\"2026-01-01T00:00:00Z\"}]}",
                "hash must be 64 lower-case hex digits");
        assertCorrupt("", "the file is empty");
    }

    private void assertCorrupt(String content, String problem) throws IOException {
        Path file = Files.createTempFile(directory, "corrupt", ".json");
        Files.writeString(file, content);

        assertThatThrownBy(() -> FileApiKeyStore.open(file))
                .isInstanceOf(ApiKeyStoreException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining(problem);
        assertThat(Files.readString(file)).isEqualTo(content);
    }

    @Test
    void writesLeaveNoTemporaryFilesAndOnlyTheOwnerMayReadTheFile() throws IOException {
        Path file = directory.resolve("keys.json");
        ApiKeyManager manager = manager(FileApiKeyStore.open(file));
        for (int i = 0; i < 5; i++) {
            manager.create("sk_live_", ApiKeySpec.of("user" + i, "free"));
        }

        try (Stream<Path> files = Files.list(directory)) {
            assertThat(files).containsExactly(file);
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
    }

    @Test
    void lastUseIsWrittenOnFlush() {
        Path file = directory.resolve("keys.json");
        FileApiKeyStore store = FileApiKeyStore.open(file);
        ApiKeyManager manager = manager(store);
        NewApiKey key = manager.create("sk_live_", ApiKeySpec.of("alice", "premium"));
        clock.advance(Duration.ofMinutes(3));
        authenticate(manager, key.plaintext());

        assertThat(FileApiKeyStore.open(file).findById(key.keyId()).orElseThrow().lastUsedAt())
                .isNull();
        store.flush();

        assertThat(FileApiKeyStore.open(file).findById(key.keyId()).orElseThrow().lastUsedAt())
                .isEqualTo(Instant.parse("2026-01-01T00:03:00Z"));
    }

    @Test
    void failedWriteLeavesMemoryUnchangedAndNoTemporaryFile() throws IOException {
        Path file = directory.resolve("keys.json");
        FileApiKeyStore store = FileApiKeyStore.open(file);
        ApiKeyManager manager = manager(store);
        manager.importKey("key_123", ApiKeySpec.of("alice", "premium"));
        // A non-empty directory where the file should be makes the final rename fail.
        Files.delete(file);
        Files.createDirectory(file);
        Files.writeString(file.resolve("occupied"), "x");

        assertThatThrownBy(() -> manager.importKey("key_456", ApiKeySpec.of("bob", "free")))
                .isInstanceOf(ApiKeyStoreException.class)
                .hasMessageContaining("cannot write API key file " + file);

        assertThat(store.list()).hasSize(1);
        assertThat(authenticate(manager, "key_456")).isInstanceOf(AuthResult.Rejected.class);
        try (Stream<Path> files = Files.list(directory)) {
            assertThat(files).containsExactly(file);
        }
    }
}
