package io.gatehouse.examples;

import io.gatehouse.auth.ApiKeyStoreException;
import io.gatehouse.auth.FileApiKeyStore;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.eclipse.jetty.util.component.AbstractLifeCycle;

/**
 * A key file ({@link FileApiKeyStore}) held by one process at a time. A key file may have only
 * one writer: a running gateway keeps its keys in memory and rewrites the whole file on every
 * change, so a {@code keys generate} run beside it would be silently undone. The holder takes an
 * exclusive lock on {@code FILE.lock} next to the file; a second holder is refused with a message
 * that says what to do instead.
 *
 * <p>As a Jetty bean of the server, it flushes the store (last-use times) and releases the lock
 * when the server stops. Thread-safe.
 */
final class KeyFile extends AbstractLifeCycle implements AutoCloseable {

    /** The key file could not be opened: it is locked, unreadable or not a key file. */
    static final class Unavailable extends IOException {
        private static final long serialVersionUID = 1L;

        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final FileApiKeyStore store;
    private final FileChannel channel;
    private final FileLock lock;

    private KeyFile(FileApiKeyStore store, FileChannel channel, FileLock lock) {
        this.store = store;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code file} for this process and opens it (a missing file is an empty store).
     *
     * @throws Unavailable with a one-line message when another process holds it or it is
     *     unreadable
     */
    static KeyFile open(Path file) throws Unavailable {
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
        try {
            return new KeyFile(FileApiKeyStore.open(absolute), channel, lock);
        } catch (ApiKeyStoreException e) {
            closeQuietly(channel);
            throw new Unavailable(e.getMessage(), e);
        }
    }

    FileApiKeyStore store() {
        return store;
    }

    @Override
    protected void doStop() {
        close();
    }

    /** Writes pending last-use times and releases the lock; idempotent. */
    @Override
    public void close() {
        if (!channel.isOpen()) {
            return;
        }
        try {
            store.flush();
        } finally {
            try {
                lock.release();
            } catch (IOException ignored) {
                // Closing the channel below releases it as well.
            }
            closeQuietly(channel);
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
