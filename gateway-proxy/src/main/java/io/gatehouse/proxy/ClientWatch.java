package io.gatehouse.proxy;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import java.io.IOException;
import java.lang.reflect.Method;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices a client that leaves while its request waits for the upstream's response headers,
 * when neither side has I/O pending. The Servlet API reports such a client only on the next
 * read or write (or the container's idle timeout), and Tomcat 11 offers nothing more to an
 * asynchronous request (see {@code docs/proxying.md}, "Cancellation"). Jetty 12 does: an
 * HTTP/1.1 connection whose request was read whole has no read interest of its own, so the
 * watch registers one on the connection's end point; the end point becomes readable when the
 * client closes or resets the connection, and a read then gives end of stream.
 *
 * <p>The watch must be gone before the response starts, since the connection registers its own
 * interest for the next request once the response completes: {@link #stop()} withdraws it. A
 * readable connection that still has bytes is a pipelining client: the byte read cannot be put
 * back, so the exchange is told to close the connection after its response (a pipelining
 * client sends unanswered requests again on a new connection, RFC 9112 section 9.3.2).
 *
 * <p>The forwarder starts a watch only once the upstream has taken
 * {@link ProxyExchange#WATCH_DELAY_MILLIS} without answering, so that the read interest (a
 * selector update) is paid only by slow exchanges.
 *
 * <p>Thread-safe: the watch fires once, or is stopped once, whichever comes first.
 */
final class ClientWatch {

    private static final Logger LOG = LoggerFactory.getLogger(ClientWatch.class);
    private static final String JETTY_HTTP1 = "org.eclipse.jetty.server.internal.HttpConnection";
    private static final Exception STOPPED = new Exception("watch stopped", null, false,
            false) {
        private static final long serialVersionUID = 1L;
    };

    /** What the exchange does when the watch fires. */
    interface Listener {
        /** The client closed or reset its connection. */
        void clientLeft(IOException cause);

        /** The client sent more bytes (pipelining); close the connection after the response. */
        void clientPipelines();
    }

    private final AbstractEndPoint endPoint;
    private final Listener listener;
    private final AtomicBoolean watching = new AtomicBoolean(true);

    private ClientWatch(AbstractEndPoint endPoint, Listener listener) {
        this.endPoint = endPoint;
        this.listener = listener;
    }

    /** Whether {@code request} may be watched at all: it came through Jetty 12 ee10. */
    static boolean mayWatch(ServletRequest request) {
        return JettyAccess.CORE_REQUEST != null && JettyAccess.inner(request).getClass()
                .getName().startsWith("org.eclipse.jetty.");
    }

    /**
     * Starts watching the connection of {@code request}, whose body must have been read
     * whole; {@code null} when its container offers no way to (Tomcat, HTTP/2, another
     * container).
     */
    static ClientWatch start(ServletRequest request, Listener listener) {
        AbstractEndPoint endPoint = JettyAccess.endPoint(request);
        if (endPoint == null) {
            return null;
        }
        ClientWatch watch = new ClientWatch(endPoint, listener);
        watch.register();
        return watch;
    }

    private void register() {
        if (!endPoint.tryFillInterested(Callback.from(this::readable, failure -> { }))) {
            // Someone reads already (the connection itself); nothing to watch.
            watching.set(false);
        }
    }

    private void readable() {
        if (!watching.get()) {
            return;
        }
        int read;
        try {
            read = endPoint.fill(BufferUtil.allocate(1));
        } catch (IOException e) {
            if (watching.compareAndSet(true, false)) {
                listener.clientLeft(e);
            }
            return;
        }
        if (read < 0) {
            if (watching.compareAndSet(true, false)) {
                listener.clientLeft(new IOException("the client closed the connection"));
            }
        } else if (read > 0) {
            if (watching.compareAndSet(true, false)) {
                listener.clientPipelines();
            }
        } else if (watching.get()) {
            register();
        }
    }

    /** Withdraws the watch, if it has not fired; call before the response starts. */
    void stop() {
        if (watching.compareAndSet(true, false)) {
            endPoint.getFillInterest().onFail(STOPPED);
        }
    }

    /** Reaches Jetty's end point through the server's public API, without compiling against it. */
    private static final class JettyAccess {
        private static final Method CORE_REQUEST;
        private static final Method META_DATA;
        private static final Method CONNECTION;

        static {
            Method core = null;
            Method meta = null;
            Method connection = null;
            try {
                ClassLoader loader = ClientWatch.class.getClassLoader();
                core = Class.forName("org.eclipse.jetty.ee10.servlet.ServletContextRequest",
                        false, loader).getMethod("getServletContextRequest",
                                ServletRequest.class);
                meta = Class.forName("org.eclipse.jetty.server.Request", false, loader)
                        .getMethod("getConnectionMetaData");
                connection = Class.forName("org.eclipse.jetty.server.ConnectionMetaData", false,
                        loader).getMethod("getConnection");
            } catch (ReflectiveOperationException | LinkageError e) {
                LOG.debug("not running on Jetty 12 ee10; clients are not watched", e);
            }
            CORE_REQUEST = core;
            META_DATA = meta;
            CONNECTION = connection;
        }

        static ServletRequest inner(ServletRequest request) {
            ServletRequest inner = request;
            while (inner instanceof ServletRequestWrapper wrapper) {
                inner = wrapper.getRequest();
            }
            return inner;
        }

        static AbstractEndPoint endPoint(ServletRequest request) {
            if (CORE_REQUEST == null) {
                return null;
            }
            ServletRequest inner = inner(request);
            if (!inner.getClass().getName().startsWith("org.eclipse.jetty.")) {
                return null;
            }
            try {
                Object core = CORE_REQUEST.invoke(null, inner);
                if (core == null) {
                    return null;
                }
                Object connection = CONNECTION.invoke(META_DATA.invoke(core));
                if (connection instanceof Connection http1
                        && connection.getClass().getName().equals(JETTY_HTTP1)
                        && http1.getEndPoint() instanceof AbstractEndPoint endPoint) {
                    return endPoint;
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOG.debug("the connection of a request could not be watched", e);
            }
            return null;
        }
    }
}
