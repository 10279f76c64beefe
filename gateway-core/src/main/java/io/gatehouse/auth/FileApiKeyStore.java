package io.gatehouse.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.JsonMappers;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An {@link ApiKeyStore} kept in one JSON file, so a single-node install keeps its keys across
 * restarts. The file holds hashes and metadata, never a key.
 *
 * <p>Reads are served from memory. Every {@link #save(ApiKeyRecord)} rewrites the whole file
 * atomically (a temporary file in the same directory, flushed to disk, then renamed over the
 * old one), so a crash leaves either the old or the new file, never half of one. Last-use times
 * are kept in memory and written with the next save or {@link #flush()}. A missing file is an
 * empty store; a file that cannot be read as a key file is refused with
 * {@link ApiKeyStoreException} naming the file and the problem, never silently replaced.
 *
 * <p>Thread-safe within one JVM. Only one process may write a given file.
 */
public final class FileApiKeyStore implements ApiKeyStore {

    private static final String FORMAT = "gatehouse-api-keys";
    private static final int VERSION = 1;
    private static final ObjectMapper JSON = JsonMappers.newMapper()
            .enable(SerializationFeature.INDENT_OUTPUT);

    private final Path file;
    private final InMemoryApiKeyStore memory = new InMemoryApiKeyStore();
    private volatile boolean unsavedUse;

    private FileApiKeyStore(Path file) {
        this.file = file.toAbsolutePath();
    }

    /**
     * Opens the store in {@code file}, reading it if it exists.
     *
     * @throws ApiKeyStoreException when the file exists but is unreadable or not a key file
     */
    public static FileApiKeyStore open(Path file) {
        FileApiKeyStore store = new FileApiKeyStore(Objects.requireNonNull(file, "file"));
        for (ApiKeyRecord record : store.read()) {
            store.memory.save(record);
        }
        return store;
    }

    /** The file this store keeps its keys in. */
    public Path file() {
        return file;
    }

    @Override
    public Optional<ApiKeyRecord> findByHash(String hash) {
        return memory.findByHash(hash);
    }

    @Override
    public Optional<ApiKeyRecord> findById(String keyId) {
        return memory.findById(keyId);
    }

    @Override
    public synchronized void save(ApiKeyRecord record) {
        List<ApiKeyRecord> next = new ArrayList<>();
        boolean replaced = false;
        for (ApiKeyRecord existing : memory.list()) {
            if (existing.keyId().equals(record.keyId())) {
                next.add(record);
                replaced = true;
            } else if (existing.hash().equals(record.hash())) {
                throw new IllegalStateException("key " + existing.keyId()
                        + " already has the hash of key " + record.keyId());
            } else {
                next.add(existing);
            }
        }
        if (!replaced) {
            next.add(record);
        }
        // The file is written first: if that fails, memory still agrees with the disk.
        write(next);
        memory.save(record);
        unsavedUse = false;
    }

    @Override
    public List<ApiKeyRecord> list() {
        return memory.list();
    }

    @Override
    public void recordUse(String keyId, Instant at) {
        memory.recordUse(keyId, at);
        unsavedUse = true;
    }

    /** Writes last-use times that are only in memory so far. */
    public synchronized void flush() {
        if (unsavedUse) {
            write(memory.list());
            unsavedUse = false;
        }
    }

    private List<ApiKeyRecord> read() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new ApiKeyStoreException("cannot read API key file " + file + ": " + e, e);
        }
        if (bytes.length == 0) {
            throw corrupt("the file is empty");
        }
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw corrupt("not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new ApiKeyStoreException("cannot read API key file " + file + ": " + e, e);
        }
        if (root == null || !root.isObject()) {
            throw corrupt("expected a JSON object at the top level");
        }
        if (!FORMAT.equals(root.path("format").asText(null))) {
            throw corrupt("'format' must be \"" + FORMAT + "\"");
        }
        if (root.path("version").asInt(-1) != VERSION) {
            throw corrupt("unsupported 'version' " + root.path("version") + ", expected "
                    + VERSION);
        }
        JsonNode keys = root.path("keys");
        if (!keys.isArray()) {
            throw corrupt("'keys' must be an array");
        }
        List<ApiKeyRecord> records = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        Set<String> hashes = new HashSet<>();
        for (int i = 0; i < keys.size(); i++) {
            ApiKeyRecord record = parse(keys.get(i), i);
            if (!ids.add(record.keyId()) || !hashes.add(record.hash())) {
                throw corrupt("key #" + i + " (" + record.keyId() + ") repeats a key id or hash");
            }
            records.add(record);
        }
        return records;
    }

    private ApiKeyRecord parse(JsonNode node, int index) {
        String where = "key #" + index;
        if (!node.isObject()) {
            throw corrupt(where + " is not an object");
        }
        try {
            return new ApiKeyRecord(text(node, "keyId", where), text(node, "hash", where),
                    text(node, "hint", where), text(node, "principalId", where),
                    text(node, "tier", where), Set.copyOf(strings(node, "roles", where)),
                    Set.copyOf(strings(node, "permissions", where)),
                    Instant.parse(text(node, "createdAt", where)),
                    instant(node, "expiresAt", where), instant(node, "lastUsedAt", where),
                    instant(node, "revokedAt", where), optionalText(node, "rotatedTo", where),
                    strings(node, "allowFrom", where), strings(node, "denyFrom", where));
        } catch (DateTimeParseException | IllegalArgumentException e) {
            throw corrupt(where + ": " + e.getMessage());
        }
    }

    private String text(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw corrupt(where + ": '" + field + "' must be a string");
        }
        return value.asText();
    }

    private String optionalText(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : text(node, field, where);
    }

    private Instant instant(JsonNode node, String field, String where) {
        String text = optionalText(node, field, where);
        return text == null ? null : Instant.parse(text);
    }

    private List<String> strings(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return List.of();
        }
        if (!value.isArray()) {
            throw corrupt(where + ": '" + field + "' must be an array of strings");
        }
        List<String> strings = new ArrayList<>();
        for (JsonNode element : value) {
            if (!element.isTextual()) {
                throw corrupt(where + ": '" + field + "' must be an array of strings");
            }
            strings.add(element.asText());
        }
        return strings;
    }

    private ApiKeyStoreException corrupt(String problem) {
        return new ApiKeyStoreException("API key file " + file + " is corrupt: " + problem
                + "; fix or move it away, it was left unchanged");
    }

    private void write(List<ApiKeyRecord> records) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        ArrayNode keys = root.putArray("keys");
        for (ApiKeyRecord record : records) {
            ObjectNode node = keys.addObject();
            node.put("keyId", record.keyId());
            node.put("hash", record.hash());
            node.put("hint", record.hint());
            node.put("principalId", record.principalId());
            node.put("tier", record.tier());
            record.roles().stream().sorted().forEach(node.putArray("roles")::add);
            record.permissions().stream().sorted().forEach(node.putArray("permissions")::add);
            node.put("createdAt", record.createdAt().toString());
            putInstant(node, "expiresAt", record.expiresAt());
            putInstant(node, "lastUsedAt", record.lastUsedAt());
            putInstant(node, "revokedAt", record.revokedAt());
            node.put("rotatedTo", record.rotatedTo());
            record.allowFrom().forEach(node.putArray("allowFrom")::add);
            record.denyFrom().forEach(node.putArray("denyFrom")::add);
        }
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("API key records could not be serialized", e);
        }
        Path directory = file.getParent();
        Path temp = null;
        try {
            Files.createDirectories(directory);
            temp = Files.createTempFile(directory, file.getFileName() + ".", ".tmp");
            restrictToOwner(temp);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                channel.write(java.nio.ByteBuffer.wrap(bytes));
                channel.force(true);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            temp = null;
        } catch (IOException e) {
            throw new ApiKeyStoreException("cannot write API key file " + file + ": " + e, e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // The write already failed; a stray temporary file is the lesser problem.
                }
            }
        }
    }

    private static void putInstant(ObjectNode node, String field, Instant value) {
        node.put(field, value == null ? null : value.toString());
    }

    private static void restrictToOwner(Path path) throws IOException {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: the directory's own protection has to do.
        }
    }
}
