package io.gatehouse.examples;

import io.gatehouse.auth.ApiKeyStore;
import io.gatehouse.auth.ApiKeyStoreException;
import io.gatehouse.auth.FileApiKeyStore;
import io.gatehouse.redis.RedisBackend;
import io.gatehouse.redis.RedisConnections;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.util.component.AbstractLifeCycle;

/**
 * Where the example keeps its API keys when they must outlive one run: a key file
 * ({@link FileApiKeyStore}) or Redis ({@code RedisApiKeyStore}).
 *
 * <p>A key file may have only one writer: a running gateway keeps its keys in memory and
 * rewrites the whole file on every change, so a {@code keys generate} run beside it would be
 * silently undone. The holder of a key file therefore takes an exclusive lock on
 * {@code FILE.lock} next to it, and a second holder is refused with a message that says what to
 * do instead. Redis needs no such lock: every gateway and every {@code keys} run reads and
 * writes the same records there.
 *
 * <p>As a Jetty bean of the server, it flushes what is pending (last-use times), releases the
 * lock or the Redis connections when the server stops. Thread-safe.
 */
final class KeySource extends AbstractLifeCycle implements AutoCloseable {

    /** The keys cannot be opened: a locked or unreadable file, or a bad Redis URL. */
    static final class Unavailable extends IOException {
        private static final long serialVersionUID = 1L;

        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Releases what the source holds; called once. */
    @FunctionalInterface
    private interface Release {
        void run() throws IOException;
    }

    private final ApiKeyStore store;
    private final Release release;
    private final RedisBackend redis;
    private final AtomicBoolean closed = new AtomicBoolean();

    private KeySource(ApiKeyStore store, Release release) {
        this(store, release, null);
    }

    private KeySource(ApiKeyStore store, Release release, RedisBackend redis) {
        this.store = store;
        this.release = release;
        this.redis = redis;
    }

    /**
     * The key file {@code keysFile} or the Redis at {@code redisUrl}, whichever is given, or
     * {@code null} when neither is (keys in memory).
     */
    static KeySource open(String keysFile, String redisUrl) throws Unavailable {
        if (redisUrl != null) {
            return redis(redisUrl);
        }
        if (keysFile == null) {
            return null;
        }
        try {
            return file(Path.of(keysFile));
        } catch (InvalidPathException e) {
            throw new Unavailable("'" + keysFile + "' is not a usable path: " + e.getMessage(),
                    e);
        }
    }

    /**
     * Locks {@code file} for this process and opens it (a missing file is an empty store).
     *
     * @throws Unavailable with a one-line message when another process holds it or it is
     *     unreadable
     */
    static KeySource file(Path file) throws Unavailable {
        Path absolute = file.toAbsolutePath();
        Path lockFile = absolute.resolveSibling(absolute.getFileName() + ".lock");
        FileChannel channel;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new Unavailable("cannot open " + lockFile + ": " + e, e);
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (IOException | OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            closeQuietly(channel);
            throw new Unavailable("key file " + absolute + " is in use by another process "
                    + "(a running gateway?); stop it first, or change keys through its admin "
                    + "API (/admin/keys)", null);
        }
        FileApiKeyStore store;
        try {
            store = FileApiKeyStore.open(absolute);
        } catch (ApiKeyStoreException e) {
            closeQuietly(channel);
            throw new Unavailable(e.getMessage(), e);
        }
        return new KeySource(store, () -> {
            try {
                store.flush();
            } finally {
                // Closing the channel releases the lock.
                channel.close();
            }
        });
    }

    /**
     * The API keys in the Redis at {@code url} (e.g. {@code redis://127.0.0.1:6379}).
     *
     * @throws Unavailable when the URL is malformed
     */
    static KeySource redis(String url) throws Unavailable {
        RedisConnections.Builder connection;
        try {
            connection = RedisConnections.parse(url);
        } catch (RuntimeException e) {
            throw new Unavailable("cannot use Redis URL: " + e.getMessage(), e);
        }
        return redis(connection);
    }

    /** The API keys in the Redis {@code connection} reaches (tests set its timeouts). */
    static KeySource redis(RedisConnections.Builder connection) throws Unavailable {
        RedisBackend backend;
        try {
            backend = RedisBackend.builder(connection).build();
        } catch (RuntimeException e) {
            throw new Unavailable("cannot use Redis URL: " + e.getMessage(), e);
        }
        return new KeySource(backend.apiKeyStore(), () -> {
            // Closing writes pending last-use times and usage counts where Redis answers, and
            // never fails a shutdown when it does not (those are harmless to lose).
            backend.close();
        }, backend);
    }

    /**
     * The Redis backend when the keys are in Redis, else {@code null}: the gateway then keeps
     * its limits and usage there too.
     */
    RedisBackend redis() {
        return redis;
    }

    ApiKeyStore store() {
        return store;
    }

    @Override
    protected void doStop() throws IOException {
        close();
    }

    /** Writes what is pending and releases the file lock or Redis connections; idempotent. */
    @Override
    public void close() throws IOException {
        if (closed.compareAndSet(false, true)) {
            release.run();
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Nothing was written through the lock file's channel.
        }
    }
}
