package io.gatehouse.proxy;

import static io.gatehouse.proxy.UpstreamFailures.classify;
import static io.gatehouse.proxy.UpstreamFailures.isConnectFailure;

import io.gatehouse.Admission;
import io.gatehouse.ErrorCode;
import io.gatehouse.proxy.UpstreamFailures.Abort;
import io.gatehouse.Outcome;
import io.gatehouse.Problem;
import io.gatehouse.ResponseHeaders;
import io.gatehouse.upstream.Endpoint;
import io.gatehouse.upstream.ForwardedHeaders;
import io.gatehouse.upstream.Service;
import io.gatehouse.upstream.ServicePool;
import io.gatehouse.upstream.Timeouts;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One forwarded request, from the servlet's asynchronous cycle to the upstream's last byte.
 *
 * <p>Client side: the request body is read with a {@link ReadListener} and handed to the
 * upstream request as it arrives, the next read starting only once the upstream took the last
 * chunk; the response is written with a {@link WriteListener}, the next upstream chunk demanded
 * only once the client took the last one. No thread waits for either side.
 *
 * <p>Thread-safe: container threads (listeners) and client threads (upstream callbacks) meet
 * here; the response pump is serialized by a work-in-progress counter, the end by a flag.
 */
final class ProxyExchange implements AsyncListener, ClientWatch.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(ProxyExchange.class);
    private static final int READ_CHUNK = 16 * 1024;
    /**
     * How long the upstream may take to answer before the client's connection is watched
     * ({@link ClientWatch}): an exchange answered sooner costs the container nothing extra.
     */
    static final long WATCH_DELAY_MILLIS = 100;

    private static final Abort HEADERS_TIMEOUT = new Abort(
            "no response headers within the timeout", ErrorCode.UPSTREAM_TIMEOUT);
    private static final Abort TOTAL_TIMEOUT = new Abort(
            "the response did not end within the total timeout", ErrorCode.UPSTREAM_TIMEOUT);
    private static final Abort CLIENT_GONE = new Abort("the client went away",
            ErrorCode.UPSTREAM_UNAVAILABLE);
    private static final Abort RETRYING = new Abort("retrying on another endpoint",
            ErrorCode.UPSTREAM_UNAVAILABLE);
    private static final Abort BODY_TOO_LARGE = new Abort("the request body is too large",
            ErrorCode.PAYLOAD_TOO_LARGE);

    private final ProxyForwarder forwarder;
    private final Admission.Admitted admitted;
    private final HttpServletRequest request;
    private final HttpServletResponse response;
    private final ServicePool pool;
    private final Service service;
    private final Timeouts timeouts;
    private final String upstreamPath;
    private final String method;
    private final List<Endpoint> tried = new ArrayList<>(2);
    private final AtomicBoolean ended = new AtomicBoolean();
    private final AtomicBoolean settled = new AtomicBoolean();

    private AsyncContext async;
    /** The whole body when it is kept for replay (possibly empty), else {@code null}. */
    private volatile byte[] replayBody;
    private volatile Try current;
    private volatile boolean streaming;
    private volatile boolean bytesSent;
    /** Body bytes of the upstream's response written to the client; one writer at a time. */
    private volatile long bytesOut;
    /** Set when the total timeout passed: no further attempt starts. */
    private volatile Abort expired;
    private Scheduler.Task totalTimer;
    /** Guards {@link #watch}, {@link #watchTimer} and {@link #watchStopped}. */
    private final Object watchLock = new Object();
    private Scheduler.Task watchTimer;
    private ClientWatch watch;
    private boolean watchStopped;
    /** Set when a pipelining client's byte was read by the watch: close after the response. */
    private volatile boolean closeAfterResponse;

    ProxyExchange(ProxyForwarder forwarder, Admission.Admitted admitted, ServicePool pool,
            Timeouts timeouts, String upstreamPath, HttpServletRequest request,
            HttpServletResponse response) {
        this.forwarder = forwarder;
        this.admitted = admitted;
        this.pool = pool;
        this.service = pool.service();
        this.timeouts = timeouts;
        this.upstreamPath = upstreamPath;
        this.request = request;
        this.response = response;
        this.method = request.getMethod();
    }

    /** Starts forwarding on the container thread; returns without waiting for the upstream. */
    void start(byte[] bufferedBody, boolean bodyComplete) throws IOException {
        async = request.startAsync();
        async.setTimeout(0);
        async.addListener(this);
        if (!timeouts.total().isZero()) {
            totalTimer = forwarder.scheduler().schedule(() -> fail(TOTAL_TIMEOUT),
                    timeouts.total().toNanos(), TimeUnit.NANOSECONDS);
        }
        long declared = declaredLength();
        if (bodyComplete || declared == 0) {
            replayBody = bodyComplete ? bufferedBody : new byte[0];
            watchClient();
            attempt();
            return;
        }
        int keep = service.retry().maxReplayBytes();
        boolean mayRetry = service.retry().maxAttempts() > 1 && service.retry()
                .retriesMethod(method);
        if (mayRetry && declared > 0 && declared <= keep) {
            // Small enough to keep: read it whole (without a thread), so a retry can replay it.
            BodyCollector collector = new BodyCollector(bufferedBody, (int) declared);
            request.getInputStream().setReadListener(collector);
            return;
        }
        attempt(new BodyStreamer(bufferedBody, declared));
    }

    private long declaredLength() {
        long declared = request.getContentLengthLong();
        if (declared < 0 && request.getHeader("Transfer-Encoding") == null
                && request.getProtocol().startsWith("HTTP/1.")) {
            return 0;
        }
        return declared;
    }

    private void attempt() {
        attempt(null);
    }

    /** Starts the next attempt; {@code streamer} is the streamed body of the first, if any. */
    private void attempt(BodyStreamer streamer) {
        if (ended.get()) {
            return;
        }
        Abort timedOut = expired;
        if (timedOut != null) {
            problem(Problem.of(timedOut.code, describe(timedOut.code, timedOut),
                    admitted.requestId()), 0);
            return;
        }
        ServicePool.Choice choice = pool.choose(tried);
        if (choice instanceof ServicePool.NoHealthy) {
            if (streamer != null) {
                streamer.cancel();
            }
            problem(Problem.of(ErrorCode.NO_HEALTHY_UPSTREAM, "no endpoint of service '"
                    + service.name() + "' is healthy", admitted.requestId())
                    .with("retry_after", 1), 1);
            return;
        }
        if (choice instanceof ServicePool.CircuitOpen open) {
            if (streamer != null) {
                streamer.cancel();
            }
            problem(Problem.of(ErrorCode.CIRCUIT_OPEN, "the circuit of service '"
                    + service.name() + "' is open after repeated failures",
                    admitted.requestId()).with("retry_after", open.retryAfterSeconds()),
                    open.retryAfterSeconds());
            return;
        }
        if (tried.isEmpty()) {
            pool.countFirstAttempt();
        }
        ServicePool.Attempt chosen = ((ServicePool.Chosen) choice).attempt();
        tried.add(chosen.endpoint());
        Try attempt = new Try(chosen, streamer);
        current = attempt;
        attempt.send();
    }

    /** Whether a failed attempt may be tried again, spending retry budget if so. */
    private boolean retryAllowed() {
        return !streaming && !bytesSent && replayBody != null
                && pool.mayRetry(method, tried.size(), true);
    }

    private void retryLater() {
        Duration backoff = pool.backoff(tried.size());
        if (backoff.isZero()) {
            attempt();
        } else {
            forwarder.scheduler().schedule(this::attempt, backoff.toNanos(),
                    TimeUnit.NANOSECONDS);
        }
    }

    /** One attempt on one endpoint. */
    private final class Try implements Response.ContentSourceListener, WriteListener {
        private final ServicePool.Attempt attempt;
        private final BodyStreamer streamer;
        private final AtomicInteger pumping = new AtomicInteger();
        private final AtomicBoolean done = new AtomicBoolean();
        private Request upstream;
        private Scheduler.Task headersTimer;
        private volatile Content.Source source;
        private volatile boolean writerReady;
        private volatile int status;
        private Content.Chunk pending;
        private boolean headersFlushed;
        private boolean lastSeen;
        private SseTail sse;
        private volatile HttpFields upstreamHeaders;
        /** The body length the upstream declared (passed on to the client), or -1. */
        private long declaredLength = -1;

        Try(ServicePool.Attempt attempt, BodyStreamer streamer) {
            this.attempt = attempt;
            this.streamer = streamer;
        }

        void send() {
            Endpoint endpoint = attempt.endpoint();
            HttpClient client = forwarder.client(timeouts.connect());
            upstream = client.newRequest(endpoint.url(upstreamPath,
                    admitted.request().exchange().query()))
                    .method(method)
                    .headers(this::copyHeaders);
            if (!timeouts.idle().isZero()) {
                upstream.idleTimeout(timeouts.idle().toMillis(), TimeUnit.MILLISECONDS);
            }
            if (streamer != null) {
                upstream.body(streamer.content);
            } else if (replayBody.length > 0) {
                upstream.body(new BytesRequestContent(replayBody));
            }
            upstream.onRequestSuccess(sent -> startHeadersTimer());
            upstream.onResponseHeaders(this::onHeaders);
            upstream.onResponseContentSource(this);
            upstream.send(this::onComplete);
            if (streamer != null) {
                streamer.start(this);
            }
        }

        private void copyHeaders(HttpFields.Mutable fields) {
            // Jetty adds none of its own: no User-Agent, no Accept-Encoding (see the client).
            ForwardedHeaders.requestHeaders(admitted.request(), request.getScheme(), service,
                    attempt.endpoint(), fields::add);
        }

        private void startHeadersTimer() {
            if (!timeouts.responseHeaders().isZero() && status == 0) {
                headersTimer = forwarder.scheduler().schedule(() -> {
                    if (status == 0) {
                        upstream.abort(HEADERS_TIMEOUT);
                    }
                }, timeouts.responseHeaders().toNanos(), TimeUnit.NANOSECONDS);
            }
        }

        void abort(Throwable cause) {
            Request sent = upstream;
            if (sent != null) {
                sent.abort(cause);
            }
        }

        void onHeaders(Response upstreamResponse) {
            stopWatch();
            status = upstreamResponse.getStatus();
            cancel(headersTimer);
            if (ended.get() || current != this) {
                upstreamResponse.abort(RETRYING);
                return;
            }
            if (ServicePool.retryableStatus(status) && retryAllowed()) {
                attempt.finished(status);
                done.set(true);
                upstreamResponse.abort(RETRYING);
                retryLater();
                return;
            }
            streaming = true;
            HttpFields fields = upstreamResponse.getHeaders();
            upstreamHeaders = fields;
            Set<String> dropped = ForwardedHeaders.connectionTokens(
                    fields.getValuesList("Connection"));
            ResponseHeaders gatewayHeaders = admitted.headers();
            response.setStatus(status);
            for (HttpField field : fields) {
                if (ForwardedHeaders.passesResponseHeader(field.getName(), dropped,
                        gatewayHeaders)) {
                    response.addHeader(field.getName(), field.getValue());
                }
            }
            gatewayHeaders.forEach(response::addHeader);
            declaredLength = status == 204 || status == 304 || method.equals("HEAD") ? 0
                    : fields.getLongField("Content-Length");
            if (closeAfterResponse) {
                response.setHeader("Connection", "close");
            }
            String type = fields.get("Content-Type");
            if (service.usage().readsEvents() && type != null
                    && type.startsWith("text/event-stream")) {
                sse = new SseTail();
            }
            try {
                response.getOutputStream().setWriteListener(this);
            } catch (IOException | IllegalStateException e) {
                clientGone(e);
            }
        }

        @Override
        public void onContentSource(Response upstreamResponse, Content.Source content) {
            source = content;
            pump();
        }

        @Override
        public void onWritePossible() {
            writerReady = true;
            pump();
        }

        @Override
        public void onError(Throwable failure) {
            clientGone(failure);
        }

        /** Moves upstream chunks to the client while both sides are ready. */
        void pump() {
            if (pumping.getAndIncrement() != 0) {
                return;
            }
            do {
                try {
                    pumpOnce();
                } catch (IOException | RuntimeException e) {
                    clientGone(e);
                }
            } while (pumping.decrementAndGet() != 0);
        }

        private void pumpOnce() throws IOException {
            if (!writerReady || source == null || done.get()) {
                return;
            }
            ServletOutputStream out = response.getOutputStream();
            while (true) {
                if (!out.isReady()) {
                    return;
                }
                if (pending != null) {
                    pending.release();
                    pending = null;
                    if (!lastSeen && out.isReady()) {
                        out.flush();
                        if (!out.isReady()) {
                            return;
                        }
                    }
                }
                if (!headersFlushed) {
                    headersFlushed = true;
                    if (declaredLength == 0) {
                        // Without a body the client has the whole response with its headers.
                        settle(new Outcome(status, actualCost(), 0));
                    }
                    // The status, the gateway's headers and the upstream's go out now, before
                    // the first byte: a slow first event must not hold them back.
                    out.flush();
                    continue;
                }
                if (lastSeen) {
                    finish();
                    return;
                }
                Content.Chunk chunk = source.read();
                if (chunk == null) {
                    source.demand(this::pump);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    failStreaming(chunk.getFailure());
                    return;
                }
                lastSeen = chunk.isLast();
                ByteBuffer bytes = chunk.getByteBuffer();
                if (bytes.hasRemaining()) {
                    if (sse != null) {
                        sse.accept(bytes.duplicate());
                    }
                    bytesSent = true;
                    bytesOut += bytes.remaining();
                    if (declaredLength >= 0 && bytesOut >= declaredLength) {
                        // The client sees the end of a body of declared length with its last
                        // byte: settle before writing it.
                        settle(new Outcome(status, actualCost(), bytesOut));
                    }
                    write(out, bytes);
                    pending = chunk;
                } else {
                    chunk.release();
                }
            }
        }

        private void write(ServletOutputStream out, ByteBuffer bytes) throws IOException {
            if (bytes.hasArray()) {
                out.write(bytes.array(), bytes.arrayOffset() + bytes.position(),
                        bytes.remaining());
            } else {
                byte[] copy = new byte[bytes.remaining()];
                bytes.duplicate().get(copy);
                out.write(copy);
            }
        }

        private void finish() {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            attempt.finished(status);
            end(new Outcome(status, actualCost(), bytesOut));
        }

        private long actualCost() {
            HttpFields fields = upstreamHeaders;
            try {
                return service.usage().actualCost(status, fields::get,
                        sse == null ? null : sse.lastJsonEvent());
            } catch (RuntimeException e) {
                LOG.warn("request {}: the usage reader of service {} failed",
                        admitted.requestId(), service.name(), e);
                return -1;
            }
        }

        void onComplete(Result result) {
            cancel(headersTimer);
            if (!result.isFailed()) {
                return;
            }
            Throwable failure = result.getFailure();
            if (failure == RETRYING || current != this && failure != CLIENT_GONE) {
                return;
            }
            if (!streaming) {
                if (!done.compareAndSet(false, true)) {
                    return;
                }
                if (failure == CLIENT_GONE || failure == BODY_TOO_LARGE) {
                    // Not the endpoint's fault; the client has its answer already.
                    attempt.abandoned();
                    return;
                }
                attempt.failed();
                if (retryableFailure(failure) && retryAllowed()) {
                    retryLater();
                    return;
                }
                ErrorCode code = classify(failure);
                problem(Problem.of(code, describe(code, failure), admitted.requestId()), 0);
                return;
            }
            failStreaming(failure);
        }

        /** The response broke after it started: the client must see the cut, not an end. */
        void failStreaming(Throwable failure) {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            if (failure == CLIENT_GONE || failure == BODY_TOO_LARGE) {
                attempt.abandoned();
                return;
            }
            attempt.failed();
            LOG.info("request {}: the response of service {} broke off after it started: {}",
                    admitted.requestId(), service.name(), failure.toString());
            cutClient(status);
        }
    }

    /**
     * A refused or failed connection; or, for an idempotent method, a connection closed or
     * reset before the response headers (a pooled connection the upstream had just closed, an
     * endpoint killed mid-request), which is safe to send again.
     */
    private boolean retryableFailure(Throwable failure) {
        if (isConnectFailure(failure)) {
            return true;
        }
        return !(failure instanceof Abort) && classify(failure) == ErrorCode.UPSTREAM_UNAVAILABLE
                && io.gatehouse.upstream.RetryPolicy.DEFAULTS.retriesMethod(method);
    }

    private String describe(ErrorCode code, Throwable failure) {
        if (failure instanceof Abort) {
            return "service '" + service.name() + "': " + failure.getMessage();
        }
        return code == ErrorCode.UPSTREAM_TIMEOUT
                ? "service '" + service.name() + "' did not answer in time"
                : "service '" + service.name() + "' could not be reached or broke the response";
    }

    /**
     * Fails the exchange from outside an attempt (the total timeout): an attempt in flight is
     * aborted and its completion answers; between attempts, the answer is given here.
     */
    private void fail(Abort reason) {
        expired = reason;
        Try attempt = current;
        if (attempt != null && !attempt.done.get()) {
            attempt.abort(reason);
        } else {
            problem(Problem.of(reason.code, describe(reason.code, reason), admitted.requestId()),
                    0);
        }
    }

    /** The client went away or its connection failed: stop the upstream, release the grant. */
    private void clientGone(Throwable failure) {
        if (ended.get()) {
            // Whoever ended the exchange dealt with the attempt; the response may be recycled.
            return;
        }
        Try attempt = current;
        int status = 0;
        if (attempt != null) {
            status = streaming ? attempt.status : 0;
            try {
                attempt.abort(CLIENT_GONE);
            } catch (RuntimeException e) {
                // The client library can fail to abort a request it is still setting up; the
                // grant must be completed all the same, and the attempt ends on its own.
                LOG.debug("request {}: aborting the upstream request failed",
                        admitted.requestId(), e);
            }
            attempt.attempt.abandoned();
        }
        LOG.debug("request {}: the client went away: {}", admitted.requestId(),
                failure.toString());
        end(new Outcome(status, -1, bytesOut));
    }

    /** Sends a problem if nothing was sent yet; otherwise cuts the client's connection. */
    private void problem(Problem problem, long retryAfterSeconds) {
        stopWatch();
        if (streaming || response.isCommitted()) {
            cutClient(response.getStatus());
            return;
        }
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        try {
            response.setStatus(problem.status());
            admitted.headers().forEach(response::addHeader);
            if (retryAfterSeconds > 0) {
                response.setHeader("Retry-After", Long.toString(retryAfterSeconds));
            }
            if (closeAfterResponse) {
                response.setHeader("Connection", "close");
            }
            byte[] body = problem.toJson();
            response.setContentType(Problem.MEDIA_TYPE);
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
        } catch (IOException | RuntimeException e) {
            LOG.debug("request {}: the problem could not be written", admitted.requestId(), e);
        }
        complete(Outcome.status(problem.status()));
    }

    /**
     * Ends the client's exchange so the client sees an error, never a complete-looking response:
     * the container is asked to abort the connection.
     */
    private void cutClient(int status) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        cancel(totalTimer);
        stopWatch();
        settle(new Outcome(status >= 500 ? status : 502, -1, bytesOut));
        forwarder.abortConnection(request, response);
        try {
            async.complete();
        } catch (IllegalStateException alreadyDone) {
            // The container ended the cycle first.
        }
    }

    private void end(Outcome outcome) {
        if (ended.compareAndSet(false, true)) {
            complete(outcome);
        }
    }

    /** Completes the grant and ends the asynchronous cycle; called once, by the winner. */
    private void complete(Outcome outcome) {
        cancel(totalTimer);
        stopWatch();
        // The grant first: once the cycle ends the client sees the end of the response, and
        // by then its usage, metrics and limits must be settled (a caller that reads its
        // usage right after a response must find that response counted).
        settle(outcome);
        try {
            async.complete();
        } catch (IllegalStateException alreadyDone) {
            // The container ended the cycle first (e.g. after a client error).
        }
    }

    /** Completes the grant with {@code outcome} unless it is already completed. */
    private void settle(Outcome outcome) {
        if (settled.compareAndSet(false, true)) {
            admitted.grant().complete(outcome);
        }
    }

    /**
     * Watches for a client that leaves while no I/O is pending (the request body was read
     * whole, the response has not started), where the container can tell; see
     * {@link ClientWatch}.
     */
    private void watchClient() {
        if (!ClientWatch.mayWatch(request)) {
            return;
        }
        synchronized (watchLock) {
            if (!watchStopped && watchTimer == null && !ended.get()) {
                watchTimer = forwarder.scheduler().schedule(this::startWatch,
                        WATCH_DELAY_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void startWatch() {
        synchronized (watchLock) {
            if (!watchStopped && watch == null && !ended.get()) {
                watch = ClientWatch.start(request, this);
            }
        }
    }

    /** Withdraws the watch for good; called before anything is written to the client. */
    private void stopWatch() {
        synchronized (watchLock) {
            watchStopped = true;
            cancel(watchTimer);
            if (watch != null) {
                watch.stop();
            }
        }
    }

    @Override
    public void clientLeft(IOException cause) {
        clientGone(cause);
    }

    @Override
    public void clientPipelines() {
        closeAfterResponse = true;
    }

    private static void cancel(Scheduler.Task task) {
        if (task != null) {
            task.cancel();
        }
    }

    @Override
    public void onComplete(AsyncEvent event) {
        // A normal end was reported by end(); anything else ended the cycle under us.
        if (!ended.get()) {
            clientGone(new IOException("the asynchronous cycle completed early"));
        }
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        clientGone(new IOException("the asynchronous cycle timed out"));
    }

    @Override
    public void onError(AsyncEvent event) {
        clientGone(event.getThrowable() == null ? new IOException("client error")
                : event.getThrowable());
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // Not restarted.
    }

    /** Reads a small body whole, then starts the first attempt with it. */
    private final class BodyCollector implements ReadListener {
        private final byte[] body;
        private int length;

        BodyCollector(byte[] prefix, int declared) {
            this.body = Arrays.copyOf(prefix, Math.max(declared, prefix.length));
            this.length = prefix.length;
        }

        @Override
        public void onDataAvailable() throws IOException {
            ServletInputStream in = request.getInputStream();
            while (in.isReady() && !in.isFinished()) {
                if (length == body.length) {
                    // More than declared: the container will refuse it; read to see the end.
                    if (in.read() < 0) {
                        return;
                    }
                    continue;
                }
                int read = in.read(body, length, body.length - length);
                if (read < 0) {
                    return;
                }
                length += read;
            }
        }

        @Override
        public void onAllDataRead() {
            replayBody = length == body.length ? body : Arrays.copyOf(body, length);
            watchClient();
            attempt();
        }

        @Override
        public void onError(Throwable failure) {
            clientGone(failure);
        }
    }

    /**
     * Streams a body of unknown or large size to the upstream: one chunk in flight, the next
     * read only once the upstream took it, the route's body limit enforced as it passes.
     */
    private final class BodyStreamer implements ReadListener {
        private final byte[] prefix;
        private final long maxBytes = admitted.route().maxBodyBytes();
        private final AtomicInteger reading = new AtomicInteger();
        private final byte[] buffer = new byte[READ_CHUNK];
        private volatile boolean writing;
        private long total;
        private Try owner;
        private boolean eof;
        private final AsyncRequestContent content;

        BodyStreamer(byte[] prefix, long declared) {
            this.prefix = prefix;
            this.content = new AsyncRequestContent() {
                @Override
                public long getLength() {
                    return declared;
                }
            };
        }

        void start(Try attempt) {
            owner = attempt;
            total = prefix.length;
            if (prefix.length > 0) {
                writing = true;
                content.write(ByteBuffer.wrap(prefix), Callback.from(this::written,
                        this::upstreamFailed));
            }
            try {
                request.getInputStream().setReadListener(this);
            } catch (IOException | IllegalStateException e) {
                clientGone(e);
            }
        }

        void cancel() {
            content.fail(RETRYING);
        }

        private void written() {
            writing = false;
            onDataAvailableSafely();
        }

        private void upstreamFailed(Throwable failure) {
            // The upstream request failed; its completion reports why.
            writing = false;
        }

        private void onDataAvailableSafely() {
            try {
                onDataAvailable();
            } catch (IOException e) {
                onError(e);
            }
        }

        @Override
        public void onDataAvailable() throws IOException {
            if (reading.getAndIncrement() != 0) {
                return;
            }
            try {
                do {
                    readSome();
                } while (reading.decrementAndGet() != 0);
            } catch (IOException | RuntimeException e) {
                reading.set(0);
                throw e;
            }
        }

        private void readSome() throws IOException {
            ServletInputStream in = request.getInputStream();
            while (!writing && !eof && in.isReady()) {
                int read = in.read(buffer);
                if (read < 0) {
                    eof = true;
                    content.close();
                    watchClient();
                    return;
                }
                if (read == 0) {
                    continue;
                }
                total += read;
                if (total > maxBytes) {
                    eof = true;
                    content.fail(BODY_TOO_LARGE);
                    owner.abort(BODY_TOO_LARGE);
                    problem(Problem.of(ErrorCode.PAYLOAD_TOO_LARGE, "the request body exceeds "
                            + maxBytes + " bytes", admitted.requestId())
                            .with("max_bytes", maxBytes), 0);
                    return;
                }
                writing = true;
                // The chunk is copied so that the read buffer can be reused at once.
                content.write(ByteBuffer.wrap(Arrays.copyOf(buffer, read)),
                        Callback.from(this::written, this::upstreamFailed));
            }
        }

        @Override
        public void onAllDataRead() {
            if (!eof) {
                eof = true;
                content.close();
                watchClient();
            }
        }

        @Override
        public void onError(Throwable failure) {
            content.fail(failure);
            clientGone(failure);
        }
    }
}
