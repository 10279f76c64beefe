package io.gatehouse.servlet;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a request body without holding a container thread: a {@link ReadListener} collects at
 * most {@code limit} bytes while the request is in asynchronous mode, and the async timeout is
 * the body deadline. Exactly one method of the {@link Completion} is called, once, on a
 * container thread; it must complete or dispatch the {@link AsyncContext}.
 *
 * <p>Thread-safe: container callbacks may arrive on different threads, and the deadline may
 * race the last bytes; whichever comes first decides.
 */
final class AsyncBodyReader implements ReadListener, AsyncListener {

    private static final Logger LOG = LoggerFactory.getLogger(AsyncBodyReader.class);
    private static final int CHUNK = 8 * 1024;

    /** What happens once the body is in, the deadline passed or the read failed. */
    interface Completion {
        /**
         * The body arrived: {@code body} holds what was read (at most the limit); {@code complete}
         * says whether its end was seen (false: the limit was reached first, the rest unread).
         */
        void bodyRead(AsyncContext async, byte[] body, boolean complete);

        /** The deadline passed before the body was in. */
        void timedOut(AsyncContext async);

        /** The body could not be read: the client went away, or its framing is malformed. */
        void failed(AsyncContext async, Throwable cause);
    }

    private final AsyncContext async;
    private final ServletInputStream in;
    private final int limit;
    private final boolean keep;
    private final Completion completion;
    private final AtomicBoolean decided = new AtomicBoolean();
    private byte[] buffer;
    private int count;

    private AsyncBodyReader(AsyncContext async, ServletInputStream in, int limit, int initial,
            boolean keep, Completion completion) {
        this.async = async;
        this.in = in;
        this.limit = limit;
        this.keep = keep;
        this.completion = completion;
        this.buffer = new byte[keep ? initial : Math.min(CHUNK, Math.max(1, limit))];
    }

    /**
     * Puts {@code request} in asynchronous mode and starts reading its body.
     *
     * @param limit          the most bytes to read (the caller passes its maximum plus one to
     *                       tell "over" from "at" the maximum)
     * @param deadlineMillis how long the whole body may take, from now
     * @param keep           whether the bytes are wanted ({@code false}: counted and dropped)
     * @throws IOException           when the body stream cannot be opened
     * @throws IllegalStateException when the request cannot go asynchronous
     */
    static void start(HttpServletRequest request, int limit, long deadlineMillis, boolean keep,
            Completion completion) throws IOException {
        long declared = request.getContentLengthLong();
        int initial = declared >= 0 && declared < limit ? (int) declared + 1
                : Math.min(limit, CHUNK);
        AsyncContext async = request.startAsync();
        async.setTimeout(deadlineMillis);
        ServletInputStream in = request.getInputStream();
        AsyncBodyReader reader =
                new AsyncBodyReader(async, in, limit, Math.max(1, initial), keep, completion);
        async.addListener(reader);
        in.setReadListener(reader);
    }

    @Override
    public void onDataAvailable() throws IOException {
        while (!decided.get() && in.isReady()) {
            int read;
            if (keep) {
                if (count == buffer.length) {
                    buffer = Arrays.copyOf(buffer, (int) Math.min(limit, 2L * buffer.length));
                }
                read = in.read(buffer, count, Math.min(buffer.length, limit) - count);
            } else {
                read = in.read(buffer, 0, Math.min(buffer.length, limit - count));
            }
            if (read < 0) {
                return; // onAllDataRead follows
            }
            count += read;
            if (count >= limit) {
                decide(false);
                return;
            }
        }
    }

    @Override
    public void onAllDataRead() {
        decide(true);
    }

    @Override
    public void onError(Throwable failure) {
        if (decided.compareAndSet(false, true)) {
            run(() -> completion.failed(async, failure));
        }
    }

    private void decide(boolean complete) {
        if (decided.compareAndSet(false, true)) {
            byte[] body = keep ? Arrays.copyOf(buffer, count) : new byte[0];
            run(() -> completion.bodyRead(async, body, complete));
        }
    }

    private void run(Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            // A completion that fails must still end the request, or it hangs until the
            // container's idle timeout.
            LOG.warn("a request could not be finished after reading its body", e);
            try {
                async.complete();
            } catch (IllegalStateException alreadyDone) {
                // Completed or dispatched before it failed: nothing is left open.
            }
        }
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        if (decided.compareAndSet(false, true)) {
            run(() -> completion.timedOut(async));
        }
    }

    @Override
    public void onError(AsyncEvent event) {
        onError(event.getThrowable());
    }

    @Override
    public void onComplete(AsyncEvent event) {
        // Nothing to release: the completion already ran, or the container ended the request.
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // A later async cycle (the application's) is not this reader's business.
    }
}
