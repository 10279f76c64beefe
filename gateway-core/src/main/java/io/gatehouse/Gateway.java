package io.gatehouse;

import io.gatehouse.auth.AuthResult;
import io.gatehouse.auth.Authenticator;
import io.gatehouse.auth.Principal;
import io.gatehouse.cors.CorsPolicy;
import io.gatehouse.limit.LimitDecision;
import io.gatehouse.limit.RateLimiter;
import io.gatehouse.observe.Analytics;
import io.gatehouse.observe.HealthCheck;
import io.gatehouse.observe.HealthReport;
import io.gatehouse.observe.TraceContext;
import io.gatehouse.observe.UpstreamMetrics;
import io.gatehouse.observe.UsageRecorder;
import io.gatehouse.route.PathNormalizer;
import io.gatehouse.route.Route;
import io.gatehouse.route.RouteMatch;
import io.gatehouse.route.Router;
import io.gatehouse.task.AsyncMode;
import io.gatehouse.task.AsyncTasks;
import io.gatehouse.task.TaskStore;
import io.gatehouse.upstream.Target;
import io.gatehouse.validate.ValidationResult;
import io.gatehouse.validate.Validator;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The gateway: decides, for each request, whether it may reach its target. Adapters (the servlet
 * filter, embedding code) call {@link #admit(Exchange)} and act on the returned
 * {@link Admission}.
 *
 * <p>The steps, in order: request id; path normalization and routing (404/405); authentication
 * (401; a public route is served anonymously to an address throttled for failed
 * authentications, never with 429); authorization (403); every limit at once (429/503); body
 * size (413) and validation (400/415). The first step that refuses decides, and nothing
 * consumed by an earlier step stays held. Completing an admitted request's grant settles its
 * limits, counts its usage ({@link Builder#usage}) and writes the access log.
 *
 * <p>{@link #close()} drains the gateway and closes what it owns ({@link Builder#closing}), so a
 * web application that is undeployed leaves no pool, connection or cache of it behind.
 *
 * <p>Thread-safe; build one and share it.
 */
public final class Gateway implements AutoCloseable {

    /** The header carrying the request id in both directions. */
    public static final String REQUEST_ID_HEADER = "X-Request-ID";

    /** RFC 9110 requires a challenge on every 401; Bearer covers API keys and JWTs alike. */
    private static final ResponseHeaders CHALLENGE = ResponseHeaders.builder()
            .add("WWW-Authenticate", "Bearer realm=\"gatehouse\"").build();

    /** The MDC key, problem member and access-log field of the W3C trace id. */
    static final String TRACE_ID = "trace_id";
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    private final Router router;
    private final Authenticator authenticator;
    private final RateLimiter rateLimiter;
    private final boolean limitsRequests;
    private final ClientAddressResolver clientAddresses;
    private final LongSupplier nanoTime;
    private final UsageRecorder usage;
    /** Null without analytics. */
    private final Analytics analytics;
    /**
     * The principal of the decision running on this thread, once authenticated: refused
     * requests carry none, and analytics want to know who was refused. Set only with analytics.
     */
    private static final ThreadLocal<Principal> DECIDING = new ThreadLocal<>();
    /** Null without a meter registry: nothing is measured. */
    private final GatewayMeters meters;
    private final UpstreamMetrics upstreamMetrics;
    private final GatewayHealth health;
    private volatile boolean draining;
    private final UnmatchedPaths unmatchedPaths;
    private final boolean forwardClientCredentials;
    private final CorsStep cors;
    private final AsyncTasks tasks;
    private final List<AutoCloseable> owned;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Gateway(Builder builder) {
        this.owned = List.copyOf(builder.owned);
        this.unmatchedPaths = builder.unmatchedPaths;
        this.forwardClientCredentials = builder.forwardClientCredentials;
        this.router = builder.router;
        this.authenticator = builder.authenticator;
        this.clientAddresses = new ClientAddressResolver(builder.trustedProxies,
                builder.forwardedHeader);
        this.nanoTime = builder.nanoTime;
        this.usage = builder.usage;
        this.analytics = builder.analytics;
        this.meters = builder.meterRegistry == null ? null
                : new GatewayMeters(builder.meterRegistry, builder.nanoTime);
        this.limitsRequests = builder.rateLimiter != RateLimiter.unlimited();
        this.rateLimiter = meters == null ? builder.rateLimiter
                : builder.rateLimiter.observedBy(meters.limitObserver());
        this.upstreamMetrics = builder.meterRegistry == null ? UpstreamMetrics.none()
                : new UpstreamMeters(builder.meterRegistry);
        this.health = new GatewayHealth(builder.healthChecks);
        this.cors = new CorsStep(builder.cors);
        Map<String, AsyncMode> modes = new java.util.HashMap<>();
        for (Route route : builder.router.routes()) {
            route.async().ifPresent(mode -> modes.put(route.id(), mode));
        }
        this.tasks = new AsyncTasks(builder.taskStore, builder.epochMillis,
                id -> java.util.Optional.ofNullable(modes.get(id)));
    }

    /**
     * The asynchronous tasks of this gateway's async routes and their status routes; adapters
     * hand admitted requests of such routes to it (see {@link AsyncTasks}).
     */
    public AsyncTasks tasks() {
        return tasks;
    }

    /** Starts a gateway over {@code routes}. */
    public static Builder builder(Router router) {
        return new Builder(router);
    }

    /**
     * Decides on one request. Never throws for a bad request: every refusal, and every failure
     * of a pluggable part, comes back as {@link Admission.Rejected}; a body that cannot be read
     * (the client aborted, or its framing is malformed) is the client's fault, a 400.
     *
     * @return {@link Admission.Admitted}, whose grant the caller must complete,
     *     {@link Admission.Rejected}, or, only when {@link Exchange#bodyReady()} is
     *     {@code false} and the decision needs the body, {@link Admission.BodyNeeded}, which the
     *     caller resumes once the body is buffered
     */
    public Admission admit(Exchange exchange) {
        long started = nanoTime.getAsLong();
        if (meters != null) {
            meters.started();
        }
        String requestId = RequestIds.acceptOrGenerate(exchange.header(REQUEST_ID_HEADER));
        ResponseHeaders idHeader =
                ResponseHeaders.builder().add(REQUEST_ID_HEADER, requestId).build();
        TraceContext trace = TraceContext.continueOrStart(exchange.header(
                TraceContext.TRACEPARENT), exchange.header(TraceContext.TRACESTATE));
        Admission admission;
        MDC.put(TRACE_ID, trace.traceId());
        try {
            admission = decide(exchange, requestId, idHeader, started);
        } catch (RuntimeException | IOException e) {
            admission = failed(e, requestId, idHeader);
        } finally {
            MDC.remove(TRACE_ID);
        }
        return finish(exchange, admission, trace, started);
    }

    /**
     * Traces, measures and logs a decision; a decision waiting for its body is finished when it
     * resumes, so a request is measured and logged once, with its real outcome.
     */
    private Admission finish(Exchange exchange, Admission admission, TraceContext trace,
            long started) {
        if (admission instanceof Admission.BodyNeeded waiting) {
            return new Admission.BodyNeeded(waiting.requestId(), waiting.headers(),
                    waiting.maxBytes(), waiting.route(), () -> {
                        Admission resumed;
                        MDC.put(TRACE_ID, trace.traceId());
                        try {
                            resumed = waiting.resume();
                        } finally {
                            MDC.remove(TRACE_ID);
                        }
                        return finish(exchange, resumed, trace, started);
                    });
        }
        admission = traced(admission, trace);
        Principal refusedPrincipal = null;
        if (analytics != null) {
            refusedPrincipal = DECIDING.get();
            DECIDING.remove();
        }
        if (admission instanceof Admission.Rejected rejected
                && (meters != null || analytics != null || AccessLog.enabled())) {
            Route route = routeOf(exchange, rejected.problem().code());
            long nanos = nanoTime.getAsLong() - started;
            if (analytics != null) {
                analytics.rejected(refusedPrincipal, route, rejected.problem().code(), nanos);
            }
            if (meters != null) {
                meters.rejected(route, exchange.method(), rejected.problem(), nanos);
            }
            if (AccessLog.enabled()) {
                AccessLog.rejected(exchange, route, rejected.problem(), nanos / 1_000,
                        trace.traceId());
            }
        } else if (meters != null && admission instanceof Admission.Admitted admitted) {
            meters.admitted(admitted.route(), nanoTime.getAsLong() - started);
        }
        return admission;
    }

    /**
     * Stops taking on work: from now on {@link #draining()} is {@code true}, so readiness
     * answers 503 and adapters close connections after their current request while in-flight
     * requests finish. Idempotent; there is no way back (a draining gateway is shutting down).
     */
    public void drain() {
        if (!draining) {
            draining = true;
            LOG.info("draining: readiness now reports not ready");
        }
    }

    /** The routes of this gateway, as its router lists them (empty for a hand-written one). */
    public List<Route> routes() {
        return router.routes();
    }

    /** The authenticator of every route that has none of its own. */
    public Authenticator authenticator() {
        return authenticator;
    }

    /**
     * Whether a rate limiter was given: then any route may answer 429 and carries the
     * {@code RateLimit} headers of the limits that apply to it.
     */
    public boolean limitsRequests() {
        return limitsRequests;
    }

    /**
     * Drains the gateway and closes, once and in reverse order of registration, every resource
     * handed to {@link Builder#closing}: limit and key stores, connection pools, schedulers. A
     * resource that fails to close is logged and the others are still closed. Requests still in
     * flight are the adapter's to wait for first ({@code GatewayFilter.destroy()} does).
     * Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        drain();
        for (int i = owned.size() - 1; i >= 0; i--) {
            AutoCloseable resource = owned.get(i);
            try {
                resource.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed", resource, e);
            }
        }
    }

    /** Whether {@link #drain()} was called. */
    public boolean draining() {
        return draining;
    }

    /** The rejection for a decision that failed with {@code failure}. */
    private static Admission failed(Exception failure, String requestId,
            ResponseHeaders idHeader) {
        if (failure instanceof IOException || failure instanceof UncheckedIOException) {
            // Reading the body failed: the client went away mid-upload or framed the body
            // wrongly. Its fault, not the gateway's: a 400 (if anyone is left to read it) and a
            // debug line, never an error with a stack trace per aborted upload.
            LOG.debug("request {}: the body could not be read: {}", requestId,
                    failure.toString());
            return reject(Problem.of(ErrorCode.VALIDATION_ERROR,
                    "the request body could not be read", requestId), idHeader);
        }
        LOG.error("request {} failed while being admitted", requestId, failure);
        return reject(Problem.of(ErrorCode.INTERNAL_ERROR,
                "the gateway could not process this request", requestId), idHeader);
    }

    /** The admission carrying {@code trace}: on its request, or in its problem's body. */
    private static Admission traced(Admission admission, TraceContext trace) {
        if (admission instanceof Admission.Admitted admitted) {
            admitted.request().trace(trace);
            return admitted;
        }
        if (!(admission instanceof Admission.Rejected rejected)) {
            return admission;
        }
        return new Admission.Rejected(rejected.problem().with(TRACE_ID, trace.traceId()),
                rejected.headers());
    }

    /**
     * The route a refused request matched, for its meters; null when routing itself refused it.
     * Refusals are rarer than admissions, so matching again costs less than carrying the route.
     */
    private Route routeOf(Exchange exchange, ErrorCode code) {
        if (code == ErrorCode.NOT_FOUND || code == ErrorCode.METHOD_NOT_ALLOWED) {
            return null;
        }
        String path = PathNormalizer.normalize(exchange.rawPath());
        if (path == null) {
            return null;
        }
        try {
            return router.match(exchange.method(), path) instanceof RouteMatch.Found found
                    ? found.route() : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Where the forwarding side reports upstream latency, status, retries, breaker states and
     * healthy endpoints; records into the gateway's meter registry, or nowhere without one.
     */
    public UpstreamMetrics upstreamMetrics() {
        return upstreamMetrics;
    }

    /**
     * Runs every registered health check. The report is ready unless a required component is
     * down or the gateway is {@link #draining()}.
     */
    public HealthReport health() {
        return health.report(draining);
    }


    private Admission decide(Exchange exchange, String requestId, ResponseHeaders idHeader,
            long started) throws IOException {
        String path = PathNormalizer.normalize(exchange.rawPath());
        if (path == null) {
            return reject(Problem.of(ErrorCode.VALIDATION_ERROR,
                    "the request path is malformed or ambiguous", requestId), idHeader);
        }
        // CORS comes before authentication: the Fetch standard sends preflights without
        // credentials, and a page must be able to read the rejections that follow.
        ResponseHeaders preflight = cors.preflight(exchange, path, router);
        if (preflight != null) {
            return new Admission.Preflight(requestId, idHeader.with(preflight));
        }
        RouteMatch match = router.match(exchange.method(), path);
        idHeader = idHeader.with(cors.response(exchange, match));
        if (match instanceof RouteMatch.NotFound) {
            if (unmatchedPaths == UnmatchedPaths.PASS_THROUGH) {
                return new Admission.PassedThrough(requestId);
            }
            return reject(Problem.of(ErrorCode.NOT_FOUND, "no route for " + path, requestId),
                    idHeader);
        }
        if (match instanceof RouteMatch.MethodNotAllowed notAllowed) {
            String allow = String.join(", ", new TreeSet<>(notAllowed.allowed()));
            return reject(Problem.of(ErrorCode.METHOD_NOT_ALLOWED,
                    exchange.method() + " is not allowed here; allowed: " + allow, requestId),
                    ResponseHeaders.builder().addAll(idHeader).add("Allow", allow).build());
        }
        Route route = ((RouteMatch.Found) match).route();
        GatewayRequest request = new GatewayRequest(exchange, requestId, path,
                clientAddresses.resolve(exchange));

        if (!route.permitsAddress(request.clientAddress())) {
            return reject(Problem.of(ErrorCode.FORBIDDEN, "route " + route.id()
                    + " may not be called from this address", requestId), idHeader);
        }
        if (!exchange.bodyReady() && exchange.header("Signature-Input") != null
                && exchange.contentLength() > route.maxBodyBytes()) {
            // The signature check would read a body the route refuses anyway; refuse it first
            // rather than read it on a thread the adapter asked not to block.
            return reject(tooLarge(request, route.maxBodyBytes()), idHeader);
        }
        if (!exchange.bodyReady() && readsBody(exchange, route)) {
            return new Admission.BodyNeeded(requestId, idHeader, route.maxBodyBytes(), route,
                    new Resumption(request, route, idHeader, started));
        }
        return authorize(request, route, idHeader, started);
    }

    /**
     * Whether deciding on this request reads its body: validators need it, a signature may
     * cover it ({@code Content-Digest}), and a body of unknown length must be measured against
     * the route's limit, unless the route forwards upstream, where the forwarder measures it as
     * it streams. A body declared longer than the limit is refused without reading it.
     */
    private static boolean readsBody(Exchange exchange, Route route) {
        long declaredLength = exchange.contentLength();
        if (declaredLength == 0 || declaredLength > route.maxBodyBytes()) {
            return false;
        }
        return declaredLength < 0 && measuresUnknownLength(route)
                || !route.validators().isEmpty() || route.async().isPresent()
                || exchange.header("Signature-Input") != null;
    }

    /** Whether a body of unknown length is read at admission to hold it to the route's limit. */
    private static boolean measuresUnknownLength(Route route) {
        // An async route buffers every body: a task is sent from memory, in the background.
        return !(route.target() instanceof Target.Upstream) || route.async().isPresent();
    }

    /** Authentication, authorization, limits and validation: the decision past routing. */
    private Admission authorize(GatewayRequest request, Route route, ResponseHeaders idHeader,
            long started) throws IOException {
        String requestId = request.requestId();
        Principal principal;
        AuthResult auth = route.authenticator().orElse(authenticator).authenticate(request);
        if (meters != null) {
            meters.authenticated(route, auth);
        }
        if (auth instanceof AuthResult.Authenticated authenticated) {
            principal = authenticated.principal();
            request.consumedCredentials(authenticated.consumed(), forwardClientCredentials);
        } else if (route.publicAccess() && auth instanceof AuthResult.Rejected throttled
                && throttled.code() == ErrorCode.TOO_MANY_AUTH_FAILURES) {
            // A public route (health, docs) stays reachable for an address throttled for
            // guessing: the guard asked no one, so the caller learns nothing and is anonymous.
            principal = Principal.anonymous();
        } else if (auth instanceof AuthResult.Rejected rejected) {
            if (rejected.retryAfterSeconds() > 0) {
                String retryAfter = Long.toString(rejected.retryAfterSeconds());
                return reject(Problem.of(rejected.code(), rejected.detail(), requestId)
                        .with("retry_after", rejected.retryAfterSeconds()),
                        ResponseHeaders.builder().addAll(idHeader)
                                .add("Retry-After", retryAfter).build());
            }
            return reject(Problem.of(rejected.code(), rejected.detail(), requestId),
                    rejected.code().status() == 401 ? idHeader.with(CHALLENGE) : idHeader);
        } else if (route.publicAccess()) {
            principal = Principal.anonymous();
        } else {
            return reject(Problem.of(ErrorCode.MISSING_CREDENTIALS,
                    "this route requires credentials: an API key in X-API-Key or "
                            + "Authorization: Bearer", requestId), idHeader.with(CHALLENGE));
        }
        if (analytics != null) {
            DECIDING.set(principal);
        }
        if (!principal.hasRoles(route.requiredRoles())
                || !principal.hasPermissions(route.requiredPermissions())) {
            return reject(Problem.of(ErrorCode.FORBIDDEN, forbiddenDetail(principal, route),
                    requestId), idHeader);
        }

        LimitDecision limits = rateLimiter.acquire(request, principal, route);
        ResponseHeaders headers = idHeader.with(limits.headers());
        if (limits instanceof LimitDecision.Denied denied) {
            return reject(denied.problem(), headers);
        }
        LimitDecision.Hold hold = ((LimitDecision.Allowed) limits).hold();
        try {
            Problem invalid = validate(request, route);
            if (invalid != null) {
                hold.complete(-1);
                return reject(invalid, headers);
            }
        } catch (RuntimeException | IOException e) {
            hold.complete(-1);
            throw e;
        }
        return new Admission.Admitted(request, route, principal,
                new RequestGrant(request, route, principal, hold, started),
                headers.with(request.responseHeaders()));
    }

    private static Problem validate(GatewayRequest request, Route route) throws IOException {
        int maxBody = route.maxBodyBytes();
        long declaredLength = request.exchange().contentLength();
        if (declaredLength > maxBody) {
            return tooLarge(request, maxBody);
        }
        // A declared length within the limit is enforced by the container, so the body is only
        // read when a validator needs it: uploads to routes without validators stream through.
        boolean mustRead = declaredLength < 0 && measuresUnknownLength(route)
                || !route.validators().isEmpty()
                || route.async().isPresent() && declaredLength != 0;
        if (mustRead && request.body(maxBody).length > maxBody) {
            return tooLarge(request, maxBody);
        }
        for (Validator validator : route.validators()) {
            if (validator.validate(request) instanceof ValidationResult.Invalid invalid) {
                Problem problem = Problem.of(invalid.code(), invalid.detail(), request.requestId());
                if (!invalid.errors().isEmpty()) {
                    problem = problem.with("errors", invalid.errors().stream()
                            .map(Gateway::errorMember)
                            .toList());
                }
                return problem;
            }
        }
        return null;
    }

    /** One entry of a problem's {@code errors}: {@code field} before {@code message}, always. */
    private static java.util.Map<String, String> errorMember(ValidationResult.FieldError error) {
        Map<String, String> member = new LinkedHashMap<>(4);
        member.put("field", error.field());
        member.put("message", error.message());
        return member;
    }

    private static Problem tooLarge(GatewayRequest request, int maxBody) {
        return Problem.of(ErrorCode.PAYLOAD_TOO_LARGE,
                "the request body exceeds " + maxBody + " bytes", request.requestId())
                .with("max_bytes", maxBody);
    }

    private static String forbiddenDetail(Principal principal, Route route) {
        Set<String> missingRoles = new TreeSet<>(route.requiredRoles());
        missingRoles.removeAll(principal.roles());
        Set<String> missingPermissions = new TreeSet<>(route.requiredPermissions());
        missingPermissions.removeAll(principal.permissions());
        StringBuilder detail = new StringBuilder("the caller lacks");
        if (!missingRoles.isEmpty()) {
            detail.append(" roles ").append(missingRoles);
        }
        if (!missingPermissions.isEmpty()) {
            detail.append(missingRoles.isEmpty() ? " " : " and ").append("permissions ")
                    .append(missingPermissions);
        }
        return detail.append(" required by route ").append(route.id()).toString();
    }

    private static Admission reject(Problem problem, ResponseHeaders headers) {
        return new Admission.Rejected(problem, headers);
    }

    /** The rest of a decision that waited for the body. Thread-safe; runs once. */
    private final class Resumption implements Supplier<Admission> {
        private final GatewayRequest request;
        private final Route route;
        private final ResponseHeaders idHeader;
        private final long started;
        private final AtomicBoolean resumed = new AtomicBoolean();

        Resumption(GatewayRequest request, Route route, ResponseHeaders idHeader, long started) {
            this.request = request;
            this.route = route;
            this.idHeader = idHeader;
            this.started = started;
        }

        @Override
        public Admission get() {
            if (!resumed.compareAndSet(false, true)) {
                throw new IllegalStateException("request " + request.requestId()
                        + " was already resumed");
            }
            try {
                return authorize(request, route, idHeader, started);
            } catch (RuntimeException | IOException e) {
                return failed(e, request.requestId(), idHeader);
            }
        }
    }

    /** The grant of one admitted request. Thread-safe. */
    private final class RequestGrant implements Grant {
        private final GatewayRequest request;
        private final Route route;
        private final Principal principal;
        private final LimitDecision.Hold hold;
        private final long started;
        private final AtomicBoolean completed = new AtomicBoolean();

        RequestGrant(GatewayRequest request, Route route, Principal principal,
                LimitDecision.Hold hold, long started) {
            this.request = request;
            this.route = route;
            this.principal = principal;
            this.hold = hold;
            this.started = started;
        }

        @Override
        public void complete(Outcome outcome) {
            Objects.requireNonNull(outcome, "outcome");
            if (!completed.compareAndSet(false, true)) {
                return;
            }
            try {
                hold.complete(outcome.actualCost());
            } catch (RuntimeException e) {
                LOG.warn("request {}: releasing its limits failed", request.requestId(), e);
            }
            long cost = outcome.actualCost() >= 0 ? outcome.actualCost() : route.cost();
            if (meters != null) {
                meters.completed(route, request.method(), principal.tier(), outcome.status(),
                        cost, outcome.actualCost() >= 0, nanoTime.getAsLong() - started);
            }
            if (analytics != null) {
                analytics.completed(principal, route, outcome.status(), cost,
                        nanoTime.getAsLong() - started);
            }
            try {
                usage.record(principal, route, outcome, cost);
            } catch (RuntimeException e) {
                LOG.warn("request {}: recording its usage failed", request.requestId(), e);
            }
            if (AccessLog.enabled()) {
                AccessLog.completed(request, route, principal, outcome.status(),
                        (nanoTime.getAsLong() - started) / 1_000, outcome.bytesOut());
            }
        }
    }

    /** Collects a gateway's parts. Not thread-safe. */
    public static final class Builder {
        private final Router router;
        private Authenticator authenticator = Authenticator.none();
        private RateLimiter rateLimiter;
        private List<String> trustedProxies = List.of();
        private ForwardedHeader forwardedHeader = ForwardedHeader.X_FORWARDED_FOR;
        private LongSupplier nanoTime = System::nanoTime;
        private UsageRecorder usage = UsageRecorder.none();
        private Analytics analytics;
        private MeterRegistry meterRegistry;
        private final List<GatewayHealth.Named> healthChecks = new ArrayList<>();
        private final List<AutoCloseable> owned = new ArrayList<>();
        private UnmatchedPaths unmatchedPaths = UnmatchedPaths.PASS_THROUGH;
        private boolean forwardClientCredentials;
        private CorsPolicy cors;
        private TaskStore taskStore;
        private LongSupplier epochMillis = System::currentTimeMillis;

        private Builder(Router router) {
            this.router = Objects.requireNonNull(router, "router");
        }

        public Builder authenticator(Authenticator authenticator) {
            this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
            return this;
        }

        public Builder rateLimiter(RateLimiter rateLimiter) {
            this.rateLimiter = Objects.requireNonNull(rateLimiter, "rateLimiter");
            return this;
        }

        /**
         * Peers whose {@code X-Forwarded-For} header is believed, as IP addresses or CIDR blocks
         * (IPv4 or IPv6); {@code Forwarded} is then never read. Without any, the client address
         * is the peer. Same as {@code trustedProxies(proxies, ForwardedHeader.X_FORWARDED_FOR)}.
         */
        public Builder trustedProxies(List<String> trustedProxies) {
            return trustedProxies(trustedProxies, ForwardedHeader.X_FORWARDED_FOR);
        }

        /**
         * Peers whose {@code header} is believed, as IP addresses or CIDR blocks (IPv4 or IPv6).
         * Name the header these proxies themselves write: the other one is never read, since a
         * proxy passes on unchanged whatever a client wrote there.
         */
        public Builder trustedProxies(List<String> trustedProxies, ForwardedHeader header) {
            this.trustedProxies = List.copyOf(trustedProxies);
            this.forwardedHeader = Objects.requireNonNull(header, "header");
            return this;
        }

        /**
         * The monotonic nanosecond source used to time requests; {@code System::nanoTime} by
         * default.
         */
        public Builder nanoTime(LongSupplier nanoTime) {
            this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
            return this;
        }

        /**
         * Where each admitted request is counted when its grant completes (requests and cost per
         * principal); nothing is counted by default. A failing recorder never fails a request.
         */
        public Builder usage(UsageRecorder usage) {
            this.usage = Objects.requireNonNull(usage, "usage");
            return this;
        }

        /**
         * Counts requests, refusals, cost and latency per principal, tier and route for
         * {@code GET /admin/analytics}, in bounded memory; nothing is counted by default.
         */
        public Builder analytics(Analytics analytics) {
            this.analytics = Objects.requireNonNull(analytics, "analytics");
            return this;
        }

        /**
         * Where the gateway records its meters (requests, decisions, authentication, limits,
         * store calls, cost, upstreams; see {@code docs/observability.md}), e.g. the
         * application's Prometheus or Spring Boot registry. Without one nothing is measured.
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        /**
         * Adds a component to {@link Gateway#health()}, e.g. {@code limit_store} or
         * {@code key_store}; a {@code required} component that is down makes the gateway not
         * ready.
         *
         * @throws IllegalArgumentException if a component of that name was added already
         */
        public Builder healthCheck(String component, boolean required, HealthCheck check) {
            Objects.requireNonNull(component, "component");
            Objects.requireNonNull(check, "check");
            for (GatewayHealth.Named named : healthChecks) {
                if (named.name().equals(component)) {
                    throw new IllegalArgumentException(
                            "health component '" + component + "' was already added");
                }
            }
            healthChecks.add(new GatewayHealth.Named(component, required, check));
            return this;
        }

        /**
         * What to do with a path no route matches: {@link UnmatchedPaths#PASS_THROUGH} by
         * default (the application serves it, as with a configuration file), or
         * {@link UnmatchedPaths#NOT_FOUND} when the gateway owns every path.
         */
        public Builder unmatchedPaths(UnmatchedPaths unmatchedPaths) {
            this.unmatchedPaths = Objects.requireNonNull(unmatchedPaths, "unmatchedPaths");
            return this;
        }

        /**
         * Whether the local application sees the credential the gateway checked (the API key,
         * the bearer token, the signature fields). By default ({@code false}) the adapter hides
         * the header fields authentication consumed ({@link GatewayRequest#consumedCredentials})
         * and the application learns the caller from the admission's principal instead. An
         * upstream service has its own switch ({@code Service.Builder.forwardClientCredentials}).
         */
        public Builder forwardClientCredentials(boolean forward) {
            this.forwardClientCredentials = forward;
            return this;
        }

        /**
         * Hands {@code resource} to the gateway, which closes it in {@link Gateway#close()}
         * (resources close in reverse order of these calls). For the parts made for this
         * gateway alone, such as its limit store or key store; a part shared with other
         * gateways stays its owner's to close.
         */
        public Builder closing(AutoCloseable resource) {
            owned.add(Objects.requireNonNull(resource, "resource"));
            return this;
        }

        /**
         * The CORS policy of every route that has none of its own; without one, only routes
         * with a policy answer cross-origin requests and other preflights reach the target.
         */
        public Builder cors(CorsPolicy cors) {
            this.cors = Objects.requireNonNull(cors, "cors");
            return this;
        }

        /**
         * Where the tasks of async routes are kept: {@link TaskStore#inMemory(int)} with 10,000
         * tasks by default; a shared store (Redis) lets every instance answer status requests.
         */
        public Builder taskStore(TaskStore taskStore) {
            this.taskStore = Objects.requireNonNull(taskStore, "taskStore");
            return this;
        }

        /** The wall clock of task times, in epoch milliseconds (default the system clock). */
        public Builder epochMillis(LongSupplier epochMillis) {
            this.epochMillis = Objects.requireNonNull(epochMillis, "epochMillis");
            return this;
        }

        /**
         * Builds the gateway.
         *
         * @throws IllegalStateException when a route declares limits but no
         *     {@link #rateLimiter rate limiter} was given, since nothing would enforce them
         */
        public Gateway build() {
            if (rateLimiter == null) {
                for (Route route : router.routes()) {
                    if (!route.limits().isEmpty()) {
                        throw new IllegalStateException("route '" + route.id()
                                + "' declares limits but the gateway has no rate limiter to "
                                + "enforce them; give it one with rateLimiter(...)");
                    }
                }
                rateLimiter = RateLimiter.unlimited();
            }
            if (taskStore == null) {
                taskStore = TaskStore.inMemory(10_000);
            }
            return new Gateway(this);
        }
    }
}
