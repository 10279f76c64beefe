package io.gatehouse.examples;

import io.gatehouse.ErrorCode;
import io.gatehouse.Problem;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.internal.HttpConnection;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps slow or greedy clients from holding the server's connections, as a Jetty connection
 * listener: caps the open connections per client address (a connection over the cap is closed
 * as soon as it opens), and answers 408 and closes a connection whose request head (request
 * line and headers) is still incomplete after the header deadline. Jetty's idle timeout alone
 * cannot do that: a client sending one header byte every few seconds is never idle.
 *
 * <p>Register it with {@code connector.addEventListener(guard)} and {@code server.addBean(guard)}
 * (the bean starts and stops its sweeper). The deadline is checked every quarter deadline, so a
 * head may take up to 1.25 times the deadline before it is refused. Counts of what it refused
 * are logged at most once per sweep, never a line per connection.
 *
 * <p>Thread-safe.
 */
final class SlowClientGuard extends AbstractLifeCycle implements Connection.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(SlowClientGuard.class);

    private final int maxPerAddress;
    private final long headerTimeoutNanos;
    private final Map<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();
    private final Map<Connection, Head> open = new ConcurrentHashMap<>();
    private final AtomicLong refusedOverCap = new AtomicLong();
    private final AtomicLong headerTimeouts = new AtomicLong();
    private long loggedOverCap;
    private long loggedTimeouts;
    private ScheduledExecutorService sweeper;

    /** When a request head was first seen in progress, and which request it was. */
    private record Head(long sinceNanos, long messagesIn) {
        static final Head NONE = new Head(0, -1);
    }

    /**
     * @param maxPerAddress       open connections allowed per client address; 0 for no cap
     * @param headerTimeoutMillis how long a request head may take; 0 for no deadline
     */
    SlowClientGuard(int maxPerAddress, long headerTimeoutMillis) {
        if (maxPerAddress < 0 || headerTimeoutMillis < 0) {
            throw new IllegalArgumentException("maxPerAddress and headerTimeoutMillis must not "
                    + "be negative, were " + maxPerAddress + " and " + headerTimeoutMillis);
        }
        this.maxPerAddress = maxPerAddress;
        this.headerTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(headerTimeoutMillis);
    }

    @Override
    protected void doStart() {
        if (headerTimeoutNanos > 0) {
            sweeper = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "gatehouse-slow-client-guard");
                thread.setDaemon(true);
                return thread;
            });
            long period = Math.max(TimeUnit.NANOSECONDS.toMillis(headerTimeoutNanos) / 4, 10);
            sweeper.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    protected void doStop() {
        if (sweeper != null) {
            sweeper.shutdownNow();
            sweeper = null;
        }
    }

    @Override
    public void onOpened(Connection connection) {
        open.put(connection, Head.NONE);
        InetAddress address = address(connection);
        if (maxPerAddress > 0 && address != null
                && perAddress.computeIfAbsent(address, key -> new AtomicInteger())
                        .incrementAndGet() > maxPerAddress) {
            refusedOverCap.incrementAndGet();
            connection.getEndPoint().close();
        }
    }

    @Override
    public void onClosed(Connection connection) {
        open.remove(connection);
        InetAddress address = address(connection);
        if (maxPerAddress > 0 && address != null) {
            perAddress.computeIfPresent(address,
                    (key, count) -> count.decrementAndGet() <= 0 ? null : count);
        }
    }

    /** Open connections of {@code address} (for tests and diagnostics). */
    int connections(InetAddress address) {
        AtomicInteger count = perAddress.get(address);
        return count == null ? 0 : count.get();
    }

    private static InetAddress address(Connection connection) {
        SocketAddress remote = connection.getEndPoint().getRemoteSocketAddress();
        return remote instanceof InetSocketAddress inet ? inet.getAddress() : null;
    }

    private void sweep() {
        long now = System.nanoTime();
        for (Map.Entry<Connection, Head> entry : open.entrySet()) {
            Connection connection = entry.getKey();
            if (!(connection instanceof HttpConnection http)) {
                continue;
            }
            // Read from another thread than the connection's: a stale state only delays the
            // verdict to the next sweep.
            HttpParser parser = http.getParser();
            long messages = http.getMessagesIn();
            boolean headInProgress = parser.inHeaderState()
                    && (!parser.isStart() || messages == 0);
            Head head = entry.getValue();
            if (!headInProgress) {
                if (head != Head.NONE) {
                    open.replace(connection, head, Head.NONE);
                }
            } else if (head == Head.NONE || head.messagesIn() != messages) {
                open.replace(connection, head, new Head(now, messages));
            } else if (now - head.sinceNanos() > headerTimeoutNanos) {
                headerTimeouts.incrementAndGet();
                open.remove(connection);
                refuse(connection.getEndPoint());
            }
        }
        logCounts();
    }

    /** Answers 408 on a connection whose request head never completed, then closes it. */
    private static void refuse(EndPoint endPoint) {
        byte[] problem = Problem.of(ErrorCode.REQUEST_TIMEOUT,
                "the request headers did not arrive in time",
                UUID.randomUUID().toString().replace("-", "")).toJson();
        String head = "HTTP/1.1 408 Request Timeout\r\nContent-Type: " + Problem.MEDIA_TYPE
                + "\r\nContent-Length: " + problem.length + "\r\nConnection: close\r\n\r\n";
        ByteBuffer response = ByteBuffer.allocate(head.length() + problem.length)
                .put(head.getBytes(StandardCharsets.US_ASCII)).put(problem).flip();
        try {
            endPoint.write(Callback.from(endPoint::close, failure -> endPoint.close()), response);
        } catch (RuntimeException e) {
            endPoint.close();
        }
    }

    private void logCounts() {
        long overCap = refusedOverCap.get();
        long timeouts = headerTimeouts.get();
        if (overCap != loggedOverCap || timeouts != loggedTimeouts) {
            LOG.info("refused {} connections over the cap of {} per address and {} whose "
                    + "request head missed its deadline (totals since start)", overCap,
                    maxPerAddress, timeouts);
            loggedOverCap = overCap;
            loggedTimeouts = timeouts;
        }
    }
}
