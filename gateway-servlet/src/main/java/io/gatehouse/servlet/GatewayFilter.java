package io.gatehouse.servlet;

import io.gatehouse.Admission;
import io.gatehouse.ErrorCode;
import io.gatehouse.Gateway;
import io.gatehouse.Grant;
import io.gatehouse.Outcome;
import io.gatehouse.Problem;
import io.gatehouse.ResponseHeaders;
import io.gatehouse.auth.ConsumedCredentials;
import io.gatehouse.config.GatewayConfig;
import io.gatehouse.config.GatewayConfigException;
import io.gatehouse.route.Route;
import io.gatehouse.task.TaskReply;
import io.gatehouse.task.TaskRunner;
import io.gatehouse.upstream.Target;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a {@link Gateway} in front of a Jakarta Servlet 6 application (Tomcat 11, Jetty 12 ee10,
 * any Servlet 6 container). The filter only translates: it hands each request to
 * {@link Gateway#admit}, writes a rejection as {@code application/problem+json}, and for an
 * admitted request adds the gateway's headers, continues the chain and completes the grant once
 * the response is finished, asynchronous responses included.
 *
 * <h2>Registration</h2>
 * Map the filter in front of everything the gateway guards ({@code /*}), before other filters,
 * for the {@code REQUEST} and {@code ASYNC} dispatcher types, with async support on: a body the
 * gateway must check (validators, signatures, unknown length) is read without holding a
 * container thread, and the filter continues the request in its own {@code ASYNC} dispatch.
 * The gateway routes on the path <em>inside</em> the web application: the request URI without
 * the context path, still percent-encoded ({@code /app/v1/x} deployed at {@code /app} is routed
 * as {@code /v1/x}).
 *
 * <p>From {@code web.xml}, with a {@link GatewayFactory} that builds the gateway:
 * <pre>{@code
 * <filter>
 *   <filter-name>gatehouse</filter-name>
 *   <filter-class>io.gatehouse.servlet.GatewayFilter</filter-class>
 *   <async-supported>true</async-supported>
 *   <init-param>
 *     <param-name>gatehouse.factory</param-name>
 *     <param-value>com.example.MyGatewayFactory</param-value>
 *   </init-param>
 * </filter>
 * <filter-mapping>
 *   <filter-name>gatehouse</filter-name>
 *   <url-pattern>/*</url-pattern>
 *   <dispatcher>REQUEST</dispatcher>
 *   <dispatcher>ASYNC</dispatcher>
 * </filter-mapping>
 * }</pre>
 * The filter takes its gateway from the first of these that is present:
 * <ol>
 *   <li>the constructor argument ({@link #GatewayFilter(Gateway)});
 *   <li>init parameter {@value #FACTORY_PARAMETER}: a {@link GatewayFactory} class, given every
 *       init parameter (a factory may itself load {@value #CONFIG_PARAMETER} with
 *       {@link GatewayConfig#load} and, for instance, pass shared Redis stores to
 *       {@link GatewayConfig#gatewayBuilder(io.gatehouse.limit.LimitStore,
 *       io.gatehouse.auth.ApiKeyStore)});
 *   <li>init parameter {@value #CONFIG_PARAMETER}: the location of a YAML file
 *       ({@code classpath:gatehouse.yaml}, a path inside the web app such as
 *       {@code /WEB-INF/gatehouse.yaml}, or a file system path) read by
 *       {@link GatewayConfig}: routes, tiers, API keys, JWT issuers, signature keys and
 *       brute-force settings, with limits decided in memory
 *       ({@link GatewayConfig#gatewayBuilder()});
 *   <li>servlet-context attribute {@value #GATEWAY_ATTRIBUTE}: a {@code Gateway} (set it from a
 *       {@code ServletContextListener});
 *   <li>system property {@value #CONFIG_PARAMETER}: as the init parameter.
 * </ol>
 *
 * <p>From a {@code ServletContainerInitializer} or {@code ServletContextListener}:
 * <pre>{@code
 * FilterRegistration.Dynamic gatehouse =
 *         servletContext.addFilter("gatehouse", new GatewayFilter(gateway));
 * gatehouse.setAsyncSupported(true);
 * gatehouse.addMappingForUrlPatterns(
 *         EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC), false, "/*");
 * }</pre>
 *
 * <p>Embedded Jetty 12 (ee10):
 * <pre>{@code
 * ServletContextHandler context = new ServletContextHandler("/");
 * FilterHolder gatehouse = new FilterHolder(new GatewayFilter(gateway));
 * gatehouse.setAsyncSupported(true);
 * context.addFilter(gatehouse, "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
 * }</pre>
 *
 * <p>Embedded Tomcat 11 (the connector setting makes Tomcat wait for the application before
 * answering {@code Expect: 100-continue}, so an oversized upload is refused before it is sent;
 * Jetty waits by default):
 * <pre>{@code
 * tomcat.getConnector().setProperty("continueResponseTiming", "onRead");
 * Context context = tomcat.addContext("", null);
 * FilterDef gatehouse = new FilterDef();
 * gatehouse.setFilterName("gatehouse");
 * gatehouse.setFilter(new GatewayFilter(gateway));
 * gatehouse.setAsyncSupported("true");
 * context.addFilterDef(gatehouse);
 * FilterMap mapping = new FilterMap();
 * mapping.setFilterName("gatehouse");
 * mapping.addURLPattern("/*");
 * mapping.setDispatcher("REQUEST");
 * mapping.setDispatcher("ASYNC");
 * context.addFilterMap(mapping);
 * }</pre>
 *
 * <h2>What the application sees</h2>
 * The request body is intact whether or not the gateway read it (the bytes it read are replayed
 * by {@code getInputStream()}, {@code getReader()} and form parameters). The header fields the
 * caller's credential came from ({@code X-API-Key}, {@code Authorization},
 * {@code Signature}, {@code Signature-Input}: whatever authentication consumed) are hidden,
 * unless the gateway forwards client credentials. The admission is in the
 * request attribute {@value #ADMISSION_ATTRIBUTE} ({@link Admission.Admitted}: request id,
 * principal, route, rate-limit headers, trace context), the caller in
 * {@value #PRINCIPAL_ATTRIBUTE}, the W3C {@code traceparent} to continue
 * in {@value #TRACEPARENT_ATTRIBUTE}. An application whose real cost is only known at the end
 * (e.g. LLM tokens) sets the request attribute {@value #ACTUAL_COST_ATTRIBUTE} to a
 * {@code Long} before the response completes; the gateway settles cost-weighted limits with it
 * instead of the route's estimate.
 *
 * <h2>Upstream routes</h2>
 * A route whose target is an upstream service ({@link Target.Upstream}) is handed to a
 * {@link Forwarder} instead of the chain: the one passed to
 * {@link #GatewayFilter(Gateway, Forwarder)}, or, for a gateway read from a YAML file, the one a
 * {@link ForwarderFactory} found with {@link java.util.ServiceLoader} makes (put
 * {@code gateway-proxy} on the class path). A file that routes upstream without a forwarder
 * fails {@link #init}, naming the route; a programmatic gateway without one answers such routes
 * with 500 {@code INTERNAL_ERROR}, never with the local application.
 *
 * <p>Only {@code REQUEST} dispatches are admitted; forwards, includes, error and async dispatches
 * of an admitted request pass through, so one request is admitted and completed exactly once.
 *
 * <h2>Slow clients and shutdown</h2>
 * A body the gateway reads must arrive within {@value #BODY_DEADLINE_PARAMETER} milliseconds
 * (init parameter, default 10000), or the client gets 408 {@code REQUEST_TIMEOUT} with
 * {@code Connection: close}; a body that cannot be read (aborted upload, malformed chunking) gets
 * 400 and a debug log line. A refusal decided before the body arrived first drains a small body
 * (up to 64 KiB) or says {@code Connection: close}, so the client's next request on the
 * connection never meets a reset. {@link #destroy()} drains the gateway
 * ({@link Gateway#drain()}), after which every response says {@code Connection: close}, and
 * waits up to {@value #DRAIN_PARAMETER} seconds (init parameter, default 20) for requests in
 * flight to finish. Init parameters are read even when the gateway is passed to the constructor.
 *
 * <p>Thread-safe, as the Servlet specification requires of filters.
 */
public final class GatewayFilter implements Filter {

    /** Init parameter: class name of the {@link GatewayFactory} that builds the gateway. */
    public static final String FACTORY_PARAMETER = "gatehouse.factory";

    /** Init parameter and system property: path of a YAML file read by {@link GatewayConfig}. */
    public static final String CONFIG_PARAMETER = "gatehouse.config";

    /** Prefix of a {@value #CONFIG_PARAMETER} read from the web app's class path. */
    private static final String CLASSPATH_PREFIX = "classpath:";

    /** Servlet-context attribute holding the {@link Gateway} when no factory is configured. */
    public static final String GATEWAY_ATTRIBUTE = "io.gatehouse.Gateway";

    /** Request attribute holding the {@link Admission.Admitted} of a request that passed. */
    public static final String ADMISSION_ATTRIBUTE = "io.gatehouse.Admission";

    /**
     * Request attribute holding the {@link io.gatehouse.auth.Principal} of an admitted request:
     * who the caller is, for an application that no longer sees the credential (the header
     * fields authentication consumed are hidden unless the gateway forwards client credentials).
     */
    public static final String PRINCIPAL_ATTRIBUTE = "io.gatehouse.principal";

    /**
     * Request attribute holding the W3C {@code traceparent} (a {@code String}) an admitted
     * request's application should continue: the caller's trace with the gateway's span as
     * parent, or a trace the gateway started. The whole context is
     * {@code admitted.request().trace()}.
     */
    public static final String TRACEPARENT_ATTRIBUTE = "io.gatehouse.traceparent";

    /**
     * Request attribute an application may set to a {@code Long}: the request's actual cost,
     * settled with the cost-weighted limits when the response completes.
     */
    public static final String ACTUAL_COST_ATTRIBUTE = "io.gatehouse.actualCost";

    /** Init parameter: how long a body the gateway reads may take, in milliseconds. */
    public static final String BODY_DEADLINE_PARAMETER = "gatehouse.bodyDeadlineMillis";

    /** Init parameter: how long {@link #destroy()} waits for requests in flight, in seconds. */
    public static final String DRAIN_PARAMETER = "gatehouse.drainSeconds";

    private static final Logger LOG = LoggerFactory.getLogger(GatewayFilter.class);
    private static final long DEFAULT_BODY_DEADLINE_MILLIS = 10_000;
    private static final long DEFAULT_DRAIN_SECONDS = 20;
    /** The largest unread body drained before a refusal; larger ones close the connection. */
    private static final int DRAIN_LIMIT = 64 * 1024;

    private final InFlight inFlight = new InFlight();
    private volatile Gateway gateway;
    private volatile Forwarder forwarder;
    /** Whether this filter made {@link #forwarder} and so must close it. */
    private volatile boolean ownsForwarder;
    /** Whether this filter made {@link #gateway} (from a factory or a file) and must close it. */
    private volatile boolean ownsGateway;
    private volatile PendingBody pendingBody =
            new PendingBody(DEFAULT_BODY_DEADLINE_MILLIS, DRAIN_LIMIT, inFlight);
    private volatile long drainSeconds = DEFAULT_DRAIN_SECONDS;

    /** For containers that instantiate the filter; the gateway comes from {@link #init}. */
    public GatewayFilter() {
    }

    /** A filter in front of {@code gateway}; init parameters are then ignored. */
    public GatewayFilter(Gateway gateway) {
        this.gateway = Objects.requireNonNull(gateway, "gateway");
    }

    /**
     * A filter in front of {@code gateway} that hands requests of upstream routes to
     * {@code forwarder}; init parameters are then ignored, and the forwarder stays the caller's
     * to close.
     */
    public GatewayFilter(Gateway gateway, Forwarder forwarder) {
        this.gateway = Objects.requireNonNull(gateway, "gateway");
        this.forwarder = Objects.requireNonNull(forwarder, "forwarder");
    }

    /**
     * Finds the gateway, unless one was passed to the constructor, in the order given in the
     * class description.
     *
     * @throws ServletException naming the parameter when it does not yield a gateway, or every
     *     way to configure one when none is given
     */
    @Override
    public void init(FilterConfig config) throws ServletException {
        pendingBody = new PendingBody(positive(config, BODY_DEADLINE_PARAMETER,
                DEFAULT_BODY_DEADLINE_MILLIS), DRAIN_LIMIT, inFlight);
        drainSeconds = positive(config, DRAIN_PARAMETER, DEFAULT_DRAIN_SECONDS);
        if (gateway != null) {
            return;
        }
        String factoryName = config.getInitParameter(FACTORY_PARAMETER);
        if (factoryName != null && !factoryName.isBlank()) {
            gateway = fromFactory(factoryName.strip(), config);
            ownsGateway = true;
            return;
        }
        String configPath = config.getInitParameter(CONFIG_PARAMETER);
        if (configPath != null && !configPath.isBlank()) {
            gateway = fromFile(configPath.strip(), "init parameter", config);
            ownsGateway = true;
            return;
        }
        Object attribute = config.getServletContext().getAttribute(GATEWAY_ATTRIBUTE);
        if (attribute instanceof Gateway fromContext) {
            gateway = fromContext;
            return;
        }
        String property = System.getProperty(CONFIG_PARAMETER);
        if (attribute == null && property != null && !property.isBlank()) {
            gateway = fromFile(property.strip(), "system property", config);
            ownsGateway = true;
            return;
        }
        throw new ServletException("GatewayFilter '" + config.getFilterName() + "' has no gateway: "
                + "set init parameter " + FACTORY_PARAMETER + " to a "
                + GatewayFactory.class.getName()
                + " class, init parameter or system property " + CONFIG_PARAMETER
                + " to a YAML file, or servlet-context attribute " + GATEWAY_ATTRIBUTE
                + " to a Gateway"
                + (attribute == null ? ""
                        : " (it holds a " + attribute.getClass().getName() + ")"));
    }

    private static long positive(FilterConfig config, String name, long defaultValue)
            throws ServletException {
        String value = config.getInitParameter(name);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            long parsed = Long.parseLong(value.strip());
            if (parsed > 0) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // Reported below, naming the parameter and the value.
        }
        throw new ServletException("init parameter " + name + " must be a positive whole number, "
                + "was '" + value + "'");
    }

    /**
     * Drains the gateway ({@link Gateway#drain()}) and waits, up to the drain time, for the
     * requests in flight to finish, so their limits are released and their usage recorded.
     * Then closes what this filter made: the forwarder of a configuration file and the gateway
     * of a factory or a file ({@link Gateway#close()}). A gateway passed to the constructor or
     * found in the servlet context stays its creator's to close.
     */
    @Override
    public void destroy() {
        Gateway current = gateway;
        if (current == null) {
            return;
        }
        current.drain();
        try {
            int left = inFlight.awaitIdle(drainSeconds * 1_000);
            if (left > 0) {
                LOG.warn("{} requests still in flight after draining for {} s", left,
                        drainSeconds);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeForwarder();
        if (ownsGateway) {
            current.close();
        }
    }

    /**
     * Reads the configuration at {@code location} ({@code classpath:name} from the web app's
     * class loader, a path the web app holds such as {@code /WEB-INF/gatehouse.yaml} from the
     * servlet context, anything else from the file system), builds its gateway, and finds the
     * forwarder its upstream routes need.
     */
    private Gateway fromFile(String location, String source, FilterConfig filterConfig)
            throws ServletException {
        String where = source + " " + CONFIG_PARAMETER + "='" + location + "'";
        GatewayConfig config;
        Gateway built;
        try {
            config = readConfig(location, where, filterConfig);
            built = config.gatewayBuilder().build();
        } catch (GatewayConfigException | InvalidPathException e) {
            throw new ServletException(where + ": " + e.getMessage(), e);
        }
        Route upstreamRoute = config.routes().stream()
                .filter(route -> route.target() instanceof Target.Upstream)
                .findFirst().orElse(null);
        if (upstreamRoute != null) {
            ForwarderFactory factory = ServiceLoader.load(ForwarderFactory.class,
                    classLoader(filterConfig)).findFirst().orElseThrow(() ->
                            new ServletException(where + ": route '" + upstreamRoute.id()
                                    + "' targets upstream service '"
                                    + ((Target.Upstream) upstreamRoute.target()).service()
                                    + "', but no forwarder is available; add the "
                                    + "gateway-proxy module to the class path"));
            forwarder = factory.create(config);
            ownsForwarder = true;
        }
        return built;
    }

    private static GatewayConfig readConfig(String location, String where, FilterConfig config)
            throws ServletException {
        if (location.startsWith(CLASSPATH_PREFIX)) {
            String name = location.substring(CLASSPATH_PREFIX.length()).replaceFirst("^/+", "");
            return parse(classLoader(config).getResourceAsStream(name), where);
        }
        String inWebApp = location.startsWith("/") ? location : "/" + location;
        InputStream resource = config.getServletContext().getResourceAsStream(inWebApp);
        if (resource != null && !Files.isRegularFile(Path.of(location))) {
            return parse(resource, where);
        }
        return GatewayConfig.load(Path.of(location));
    }

    private static GatewayConfig parse(InputStream resource, String where)
            throws ServletException {
        if (resource == null) {
            throw new ServletException(where + ": no such resource");
        }
        try (InputStream in = resource) {
            return GatewayConfig.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8),
                    System::getenv);
        } catch (IOException e) {
            throw new ServletException(where + ": cannot be read: " + e.getMessage(), e);
        }
    }

    /** Closes the forwarder this filter made from a configuration file, if any. */
    private void closeForwarder() {
        Forwarder made = forwarder;
        if (ownsForwarder && made instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.warn("closing the forwarder failed", e);
            }
        }
    }

    private static Gateway fromFactory(String className, FilterConfig config)
            throws ServletException {
        String where = "init parameter " + FACTORY_PARAMETER + "='" + className + "'";
        Class<?> type;
        try {
            type = Class.forName(className, true, classLoader(config));
        } catch (ClassNotFoundException | LinkageError e) {
            throw new ServletException(where + ": class not found", e);
        }
        if (!GatewayFactory.class.isAssignableFrom(type)) {
            throw new ServletException(where + ": class does not implement "
                    + GatewayFactory.class.getName());
        }
        GatewayFactory factory;
        try {
            factory = (GatewayFactory) type.getConstructor().newInstance();
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ServletException(where + ": cannot be instantiated (it needs a public "
                    + "no-argument constructor)", e);
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String name : Collections.list(config.getInitParameterNames())) {
            parameters.put(name, config.getInitParameter(name));
        }
        Gateway created;
        try {
            created = factory.create(Collections.unmodifiableMap(parameters));
        } catch (Exception e) {
            throw new ServletException(where + ": the factory failed: " + e.getMessage(), e);
        }
        if (created == null) {
            throw new ServletException(where + ": the factory returned no gateway");
        }
        return created;
    }

    private static ClassLoader classLoader(FilterConfig config) {
        ClassLoader loader = config.getServletContext().getClassLoader();
        if (loader == null) {
            loader = Thread.currentThread().getContextClassLoader();
        }
        return loader != null ? loader : GatewayFilter.class.getClassLoader();
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest http)
                || !(response instanceof HttpServletResponse httpResponse)) {
            chain.doFilter(request, response);
            return;
        }
        if (request.getDispatcherType() != DispatcherType.REQUEST) {
            if (request.getDispatcherType() == DispatcherType.ASYNC
                    && request.getAttribute(PendingBody.RESUMED_ATTRIBUTE)
                            instanceof PendingBody.Resumed resumed) {
                // Our own re-dispatch after the body arrived: continue the admitted request.
                request.removeAttribute(PendingBody.RESUMED_ATTRIBUTE);
                proceed(resumed.admitted(), resumed.exchange(), http, httpResponse, chain);
                return;
            }
            // A later dispatch of an admitted request (an async dispatch of the original
            // request, an error page) must not show the credentials either.
            chain.doFilter(request.getAttribute(ADMISSION_ATTRIBUTE)
                    instanceof Admission.Admitted admitted
                    ? hidingCredentials(http, response, admitted) : request, response);
            return;
        }
        Gateway current = gateway;
        if (current == null) {
            throw new ServletException("GatewayFilter used before init");
        }
        ServletExchange exchange = new ServletExchange(http);
        Admission admission;
        try {
            admission = current.admit(exchange);
            if (admission instanceof Admission.BodyNeeded needed) {
                if (http.isAsyncSupported()) {
                    pendingBody.read(needed, exchange, http, httpResponse);
                    return;
                }
                admission = PendingBody.readBlocking(needed, exchange);
            }
        } catch (RuntimeException e) {
            // admit() turns its own failures into rejections; this is a last line of defence
            // so that a broken plug-in never shows the client a container error page.
            LOG.error("the gateway failed to decide on a request", e);
            admission = new Admission.Rejected(Problem.of(ErrorCode.INTERNAL_ERROR,
                    "the gateway could not process this request", ""), ResponseHeaders.empty());
        }
        if (admission instanceof Admission.Admitted admitted) {
            proceed(admitted, exchange, http, httpResponse, chain);
        } else if (admission instanceof Admission.PassedThrough) {
            chain.doFilter(request, response);
        } else if (admission instanceof Admission.Preflight preflight) {
            answerPreflight(preflight, httpResponse);
        } else {
            pendingBody.refuse((Admission.Rejected) admission, exchange, http, httpResponse,
                    current.draining());
        }
    }

    private static void answerPreflight(Admission.Preflight preflight,
            HttpServletResponse response) {
        response.setStatus(HttpServletResponse.SC_NO_CONTENT);
        preflight.headers().forEach(response::addHeader);
    }

    /** Hands an upstream route's request to the forwarder, which then owns the response. */
    private void forward(Admission.Admitted admitted, ServletExchange exchange,
            HttpServletRequest request, HttpServletResponse response) {
        Grant grant = inFlight.track(admitted.grant());
        Forwarder current = forwarder;
        if (current == null) {
            LOG.error("route {} targets an upstream service, but this filter has no forwarder",
                    admitted.route().id());
            grant.complete(Outcome.status(500));
            ProblemResponses.write(new Admission.Rejected(Problem.of(ErrorCode.INTERNAL_ERROR,
                    "this route cannot be served: no forwarder is configured",
                    admitted.requestId()), admitted.headers()), response, false);
            return;
        }
        Admission.Admitted tracked = new Admission.Admitted(admitted.request(),
                admitted.route(), admitted.principal(), grant, admitted.headers());
        request.setAttribute(ADMISSION_ATTRIBUTE, tracked);
        try {
            current.forward(tracked, request, response, exchange.bodyPrefix(),
                    exchange.bodyComplete());
        } catch (RuntimeException e) {
            // A forwarder reports failures on the response; this is a last line of defence.
            LOG.error("request {}: the forwarder failed", admitted.requestId(), e);
            grant.complete(Outcome.status(500));
            if (!request.isAsyncStarted()) {
                ProblemResponses.write(new Admission.Rejected(Problem.of(
                        ErrorCode.INTERNAL_ERROR, "the gateway could not forward this request",
                        admitted.requestId()), admitted.headers()), response, false);
            }
        }
    }

    private void proceed(Admission.Admitted admitted, ServletExchange exchange,
            HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (admitted.route().target() instanceof Target.TaskStatus) {
            Grant grant = inFlight.track(admitted.grant());
            TaskReply reply = gateway.tasks().answer(admitted);
            writeReply(reply, request, response);
            grant.complete(Outcome.status(reply.status()));
            return;
        }
        if (admitted.route().async().isPresent()
                && startTask(admitted, exchange, request, response)) {
            return;
        }
        if (admitted.route().target() instanceof Target.Upstream) {
            // Also reached from the re-dispatch after a body was read without a thread: the
            // forwarder then sends the buffered body.
            forward(admitted, exchange, request, response);
            return;
        }
        Grant grant = inFlight.track(admitted.grant());
        // Before the chain, so a streamed response carries them ahead of its first byte.
        admitted.headers().forEach(response::addHeader);
        if (gateway.draining()) {
            // Shutting down: this connection's next request should go to another instance.
            response.setHeader("Connection", "close");
        }
        request.setAttribute(ADMISSION_ATTRIBUTE, admitted);
        request.setAttribute(PRINCIPAL_ATTRIBUTE, admitted.principal());
        request.setAttribute(TRACEPARENT_ATTRIBUTE, admitted.request().trace().traceparent());
        HttpServletRequest forward = hidingCredentials(
                exchange.bodyWasRead() ? new ReplayingRequest(exchange) : request, response,
                admitted);
        CountingResponse counted = new CountingResponse(response);
        try {
            chain.doFilter(forward, counted);
        } catch (IOException | ServletException | RuntimeException | Error e) {
            grant.complete(new Outcome(500, actualCost(request), counted.bytesWritten()));
            throw e;
        }
        if (request.isAsyncStarted()) {
            try {
                request.getAsyncContext().addListener(new CompletingListener(grant, request,
                        counted));
                return;
            } catch (IllegalStateException alreadyCompleting) {
                // The application completed the async cycle already; the response is final.
            }
        }
        grant.complete(new Outcome(response.getStatus(), actualCost(request),
                counted.bytesWritten()));
    }

    /**
     * {@code request} without the credential fields the gateway consumed, unless the gateway
     * forwards client credentials or none were consumed.
     */
    private static HttpServletRequest hidingCredentials(HttpServletRequest request,
            ServletResponse response, Admission.Admitted admitted) {
        ConsumedCredentials hidden = admitted.request().credentialsHiddenFromApplication();
        return hidden.isEmpty() ? request
                : new CredentialHidingRequest(request, response, hidden);
    }

    /**
     * Starts {@code admitted} as a task when it asks to be one; the task then owns the grant.
     *
     * @return whether it did (and answered), or {@code false} to forward it synchronously
     */
    private boolean startTask(Admission.Admitted admitted, ServletExchange exchange,
            HttpServletRequest request, HttpServletResponse response) throws IOException {
        byte[] body = admitted.request().body(admitted.route().maxBodyBytes());
        if (!gateway.tasks().wantsAsync(admitted, body)) {
            return false;
        }
        // The task, its grant and its access log line outlive this request object.
        exchange.detach();
        Grant grant = inFlight.track(admitted.grant());
        Admission.Admitted tracked = new Admission.Admitted(admitted.request(),
                admitted.route(), admitted.principal(), grant, admitted.headers());
        Forwarder current = forwarder;
        TaskRunner runner = current != null ? current : (Forwarder) (a, r, s, b, c) -> { };
        TaskReply reply = gateway.tasks().start(tracked, body, runner);
        writeReply(reply, request, response);
        return true;
    }

    /** Sends a reply the gateway composed itself (task accepted, task status, problem). */
    private void writeReply(TaskReply reply, HttpServletRequest request,
            HttpServletResponse response) {
        try {
            response.setStatus(reply.status());
            reply.headers().forEach(response::addHeader);
            if (gateway.draining()) {
                response.setHeader("Connection", "close");
            }
            response.setContentType(reply.contentType());
            response.setContentLength(reply.body().length);
            if (!"HEAD".equals(request.getMethod())) {
                response.getOutputStream().write(reply.body());
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("a task reply could not be written: {}", e.toString());
        }
    }

    private static long actualCost(ServletRequest request) {
        return CompletingListener.actualCost(request);
    }
}
