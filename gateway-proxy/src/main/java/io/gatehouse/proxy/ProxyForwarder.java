package io.gatehouse.proxy;

import io.gatehouse.Admission;
import io.gatehouse.ErrorCode;
import io.gatehouse.Outcome;
import io.gatehouse.Problem;
import io.gatehouse.config.GatewayConfig;
import io.gatehouse.route.Route;
import io.gatehouse.task.AsyncTasks;
import io.gatehouse.task.TaskOutcome;
import io.gatehouse.servlet.Forwarder;
import io.gatehouse.upstream.Endpoint;
import io.gatehouse.upstream.Service;
import io.gatehouse.upstream.ServicePool;
import io.gatehouse.upstream.Target;
import io.gatehouse.upstream.Timeouts;
import io.gatehouse.upstream.Upstreams;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Forwarder} of Gatehouse: forwards admitted requests of upstream routes to their
 * {@link Service} with servlet asynchronous I/O towards the client and the non-blocking Jetty
 * client towards the upstream, streamed both ways with back-pressure, no thread held while the
 * upstream is slow, and no body buffered whole (except a small one kept to replay on retry).
 *
 * <pre>{@code
 * Service inference = Service.builder("inference").endpoint("http://127.0.0.1:9001").build();
 * Route embed = Route.builder("embed", "/v1/embed")
 *         .target(Target.upstream("inference", PathRewrite.stripPrefix("/v1"))).build();
 * try (ProxyForwarder forwarder = ProxyForwarder.builder(List.of(inference)).build()) {
 *     GatewayFilter filter = new GatewayFilter(gateway, forwarder);
 *     ...
 * }
 * }</pre>
 *
 * <p>Errors reach the client as {@code application/problem+json}: 502
 * {@code UPSTREAM_UNAVAILABLE}, 503 {@code NO_HEALTHY_UPSTREAM} or {@code CIRCUIT_OPEN} (with
 * {@code Retry-After}), 504 {@code UPSTREAM_TIMEOUT}; once a response has started, a failure
 * cuts the client's connection instead. Every exchange completes its grant with the status the
 * client got and the cost the service's {@link io.gatehouse.upstream.UsageReader} read.
 *
 * <p>Thread-safe; build one per gateway, share it, and close it on shutdown.
 */
public final class ProxyForwarder implements Forwarder, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ProxyForwarder.class);

    private final Upstreams upstreams;
    private final QueuedThreadPool executor;
    private final ScheduledExecutorScheduler scheduler;
    private final ScheduledExecutorService probeScheduler;
    private final AutoCloseable probes;
    private final int maxConnectionsPerEndpoint;
    private final Map<Duration, HttpClient> clients = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private ProxyForwarder(Builder builder) {
        this.upstreams = builder.upstreams != null ? builder.upstreams
                : Upstreams.of(builder.services, builder.nanoTime);
        this.maxConnectionsPerEndpoint = builder.maxConnectionsPerEndpoint;
        this.executor = new QueuedThreadPool(builder.maxThreads, 2);
        executor.setName("gatehouse-proxy");
        executor.setDaemon(true);
        this.scheduler = new ScheduledExecutorScheduler("gatehouse-proxy-timer", true);
        try {
            executor.start();
            scheduler.start();
        } catch (Exception e) {
            throw new IllegalStateException("the proxy's threads could not start", e);
        }
        boolean probing = upstreams.pools().stream()
                .anyMatch(pool -> pool.service().health().probePath() != null);
        if (probing) {
            probeScheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "gatehouse-proxy-probes");
                thread.setDaemon(true);
                return thread;
            });
            probes = upstreams.startProbes(probeScheduler, this::probe);
        } else {
            probeScheduler = null;
            probes = () -> { };
        }
    }

    /** Starts a forwarder for {@code services}. */
    public static Builder builder(Collection<Service> services) {
        return new Builder(services, null);
    }

    /**
     * Starts a forwarder over pools made elsewhere, e.g. those of
     * {@link GatewayConfig#upstreams()} whose health the gateway reports; the builder's
     * {@link Builder#nanoTime} is then not used.
     */
    public static Builder builder(Upstreams upstreams) {
        Objects.requireNonNull(upstreams, "upstreams");
        return new Builder(List.of(), upstreams);
    }

    /**
     * A forwarder for the services of {@code config}, over its {@link GatewayConfig#upstreams()
     * pools}, so that the health components of its gateway builders report what it sees.
     *
     * @throws IllegalArgumentException naming a route whose service is not defined
     */
    public static ProxyForwarder of(GatewayConfig config) {
        ProxyForwarder forwarder = builder(config.upstreams()).build();
        try {
            forwarder.upstreams().requireServicesOf(config.routes());
        } catch (IllegalArgumentException e) {
            forwarder.close();
            throw e;
        }
        return forwarder;
    }

    /**
     * The live pools: endpoint health, circuit state. Add them to the gateway's health with
     * {@code forwarder.upstreams().addHealthChecks(gatewayBuilder)}.
     */
    public Upstreams upstreams() {
        return upstreams;
    }

    /**
     * Checks that every upstream route of {@code routes} names a service of this forwarder.
     *
     * @throws IllegalArgumentException naming the first route whose service is unknown
     */
    public void requireServicesOf(List<Route> routes) {
        upstreams.requireServicesOf(routes);
    }

    @Override
    public void forward(Admission.Admitted admitted, HttpServletRequest request,
            HttpServletResponse response, byte[] bufferedBody, boolean bodyComplete) {
        Target.Upstream target = (Target.Upstream) admitted.route().target();
        ServicePool pool = upstreams.pool(target.service()).orElse(null);
        if (pool == null || closed) {
            LOG.error("route {} targets service {}, which this forwarder does not serve",
                    admitted.route().id(), target.service());
            sendProblem(admitted, response, ErrorCode.UPSTREAM_UNAVAILABLE,
                    "service '" + target.service() + "' is not available");
            return;
        }
        Timeouts timeouts = target.routeTimeouts().orElse(pool.service().timeouts());
        String path = encodePath(target.rewrite().apply(admitted.request().path()));
        ProxyExchange exchange = new ProxyExchange(this, admitted, pool, timeouts, path,
                request, response);
        try {
            exchange.start(bufferedBody, bodyComplete);
        } catch (IOException | IllegalStateException e) {
            LOG.warn("request {}: forwarding could not start", admitted.requestId(), e);
            if (!request.isAsyncStarted()) {
                sendProblem(admitted, response, ErrorCode.UPSTREAM_UNAVAILABLE,
                        "the request could not be forwarded");
            }
        }
    }

    /**
     * Sends an async task's buffered request to its route's service in the background and
     * collects the whole response, at most {@code maxResultBytes} of body (more fails the task
     * with {@code RESULT_TOO_LARGE}). Cancelling the returned future aborts the call.
     */
    @Override
    public CompletableFuture<TaskOutcome> run(Admission.Admitted admitted, byte[] body,
            int maxResultBytes, Runnable sent) {
        if (!(admitted.route().target() instanceof Target.Upstream target)) {
            return CompletableFuture.completedFuture(AsyncTasks.failure(
                    ErrorCode.INTERNAL_ERROR, "route '" + admitted.route().id()
                            + "' does not forward upstream", admitted.requestId()));
        }
        ServicePool pool = upstreams.pool(target.service()).orElse(null);
        if (pool == null || closed) {
            return CompletableFuture.completedFuture(AsyncTasks.failure(
                    ErrorCode.UPSTREAM_UNAVAILABLE, "service '" + target.service()
                            + "' is not available", admitted.requestId()));
        }
        Timeouts timeouts = target.routeTimeouts().orElse(pool.service().timeouts());
        String path = encodePath(target.rewrite().apply(admitted.request().path()));
        return new BackgroundCall(this, admitted, pool, timeouts, path, body, maxResultBytes,
                sent).start();
    }

    private static void sendProblem(Admission.Admitted admitted, HttpServletResponse response,
            ErrorCode code, String detail) {
        byte[] body = Problem.of(code, detail, admitted.requestId()).toJson();
        try {
            response.setStatus(code.status());
            admitted.headers().forEach(response::addHeader);
            response.setContentType(Problem.MEDIA_TYPE);
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
        } catch (IOException | RuntimeException e) {
            LOG.debug("request {}: the problem could not be written", admitted.requestId(), e);
        }
        admitted.grant().complete(Outcome.status(code.status()));
    }

    /**
     * The path as sent upstream: the routed path (decoded, normalized) percent-encoded again
     * wherever a character may not appear literally in a path segment.
     */
    static String encodePath(String path) {
        StringBuilder encoded = null;
        byte[] bytes = null;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (!literal(c)) {
                bytes = path.getBytes(StandardCharsets.UTF_8);
                encoded = new StringBuilder(bytes.length + 16);
                break;
            }
        }
        if (encoded == null) {
            return path;
        }
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c < 0x80 && literal((char) c)) {
                encoded.append((char) c);
            } else {
                encoded.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return encoded.toString();
    }

    private static boolean literal(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                || "/-._~!$&'()*+,;=:@".indexOf(c) >= 0;
    }

    /** The client of connections opened within {@code connectTimeout}. */
    HttpClient client(Duration connectTimeout) {
        HttpClient client = clients.get(connectTimeout);
        return client != null ? client : clients.computeIfAbsent(connectTimeout,
                this::newClient);
    }

    private HttpClient newClient(Duration connectTimeout) {
        HttpClient client = new HttpClient();
        client.setExecutor(executor);
        client.setScheduler(scheduler);
        client.setFollowRedirects(false);
        client.setUserAgentField(null);
        client.setMaxConnectionsPerDestination(maxConnectionsPerEndpoint);
        client.setMaxRequestsQueuedPerDestination(64 * 1024);
        client.setConnectTimeout(connectTimeout.isZero() ? 0 : connectTimeout.toMillis());
        client.setIdleTimeout(Duration.ofSeconds(60).toMillis());
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("the HTTP client could not start", e);
        }
        // Bodies pass through as the upstream encoded them: no Accept-Encoding added, nothing
        // decoded on the way.
        client.getContentDecoderFactories().clear();
        return client;
    }

    Scheduler scheduler() {
        return scheduler;
    }

    private CompletionStage<Boolean> probe(Endpoint endpoint, String path, Duration timeout) {
        CompletableFuture<Boolean> result = new CompletableFuture<>();
        client(timeout).newRequest(endpoint.url(path, ""))
                .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .headers(headers -> headers.put("Host", endpoint.authority()))
                .send(done -> result.complete(!done.isFailed()
                        && done.getResponse().getStatus() < 400));
        return result;
    }

    /** Aborts the client's connection so that a broken-off response cannot look complete. */
    void abortConnection(HttpServletRequest request, HttpServletResponse response) {
        ConnectionAborter.abort(response);
    }

    /** Stops the probes and the HTTP clients; requests in flight fail. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            probes.close();
        } catch (Exception e) {
            LOG.debug("stopping the probes failed", e);
        }
        if (probeScheduler != null) {
            probeScheduler.shutdownNow();
        }
        for (HttpClient client : clients.values()) {
            try {
                client.stop();
            } catch (Exception e) {
                LOG.debug("stopping an HTTP client failed", e);
            }
        }
        try {
            scheduler.stop();
            executor.stop();
        } catch (Exception e) {
            LOG.debug("stopping the proxy's threads failed", e);
        }
    }

    /** Collects a forwarder's settings. Not thread-safe. */
    public static final class Builder {
        private final List<Service> services;
        private final Upstreams upstreams;
        private LongSupplier nanoTime = System::nanoTime;
        private int maxThreads = 64;
        private int maxConnectionsPerEndpoint = 256;

        private Builder(Collection<Service> services, Upstreams upstreams) {
            this.services = List.copyOf(services);
            this.upstreams = upstreams;
        }

        /** The monotonic clock of health, backoff and budgets; {@code System::nanoTime}. */
        public Builder nanoTime(LongSupplier nanoTime) {
            this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
            return this;
        }

        /**
         * The most threads the client's callbacks run on (default 64); they never block, so
         * few suffice.
         */
        public Builder maxThreads(int maxThreads) {
            if (maxThreads < 4) {
                throw new IllegalArgumentException("maxThreads must be at least 4, was "
                        + maxThreads);
            }
            this.maxThreads = maxThreads;
            return this;
        }

        /** The most connections open to one endpoint (default 256); more requests queue. */
        public Builder maxConnectionsPerEndpoint(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxConnectionsPerEndpoint must be at "
                        + "least 1, was " + max);
            }
            this.maxConnectionsPerEndpoint = max;
            return this;
        }

        public ProxyForwarder build() {
            return new ProxyForwarder(this);
        }
    }
}
