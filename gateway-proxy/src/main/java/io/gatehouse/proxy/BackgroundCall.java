package io.gatehouse.proxy;

import static io.gatehouse.proxy.UpstreamFailures.classify;
import static io.gatehouse.proxy.UpstreamFailures.isConnectFailure;

import io.gatehouse.Admission;
import io.gatehouse.ErrorCode;
import io.gatehouse.proxy.UpstreamFailures.Abort;
import io.gatehouse.task.AsyncTasks;
import io.gatehouse.task.TaskOutcome;
import io.gatehouse.task.TaskResult;
import io.gatehouse.upstream.Endpoint;
import io.gatehouse.upstream.ForwardedHeaders;
import io.gatehouse.upstream.HostHeader;
import io.gatehouse.upstream.Service;
import io.gatehouse.upstream.ServicePool;
import io.gatehouse.upstream.Timeouts;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One asynchronous task's call: a buffered request sent to a service in the background, its
 * whole response collected up to a bound. Retries as a synchronous call would (connection
 * failures, 503/504, within the budget), except that the body is always replayable.
 *
 * <p>Thread-safe: started on the container thread, continued on client threads.
 */
final class BackgroundCall {

    private static final Logger LOG = LoggerFactory.getLogger(BackgroundCall.class);

    private static final Abort TOO_LARGE = new Abort("the response is larger than the task "
            + "keeps", ErrorCode.RESULT_TOO_LARGE);
    private static final Abort HEADERS_TIMEOUT = new Abort("no response headers within the "
            + "timeout", ErrorCode.UPSTREAM_TIMEOUT);
    private static final Abort CANCELLED = new Abort("the task was cancelled",
            ErrorCode.UPSTREAM_UNAVAILABLE);

    private final ProxyForwarder forwarder;
    private final Admission.Admitted admitted;
    private final ServicePool pool;
    private final Service service;
    private final Timeouts timeouts;
    private final String url;
    private final String method;
    private final byte[] body;
    private final int maxResultBytes;
    private final Runnable sent;
    /** The request's headers, copied on the container thread (Host set per endpoint). */
    private final List<Map.Entry<String, String>> headers = new ArrayList<>();
    private final List<Endpoint> tried = new ArrayList<>(2);
    private final CompletableFuture<TaskOutcome> outcome = new CompletableFuture<>();
    private final long deadlineNanos;
    private volatile Request current;
    private String query;

    BackgroundCall(ProxyForwarder forwarder, Admission.Admitted admitted, ServicePool pool,
            Timeouts timeouts, String upstreamPath, byte[] body, int maxResultBytes,
            Runnable sent) {
        this.forwarder = forwarder;
        this.admitted = admitted;
        this.pool = pool;
        this.service = pool.service();
        this.timeouts = timeouts;
        this.method = admitted.request().method();
        this.url = upstreamPath;
        this.body = body;
        this.maxResultBytes = maxResultBytes;
        this.sent = sent;
        this.deadlineNanos = timeouts.total().isZero() ? 0
                : System.nanoTime() + timeouts.total().toNanos();
    }

    /** Copies the request's headers now, starts the first attempt, and returns the outcome. */
    CompletableFuture<TaskOutcome> start() {
        Endpoint first = service.endpoints().get(0);
        ForwardedHeaders.requestHeaders(admitted.request(), admitted.request().exchange()
                .scheme(), service, first, (name, value) -> headers.add(Map.entry(name, value)));
        query = admitted.request().exchange().query();
        outcome.whenComplete((done, failure) -> {
            if (failure instanceof CancellationException) {
                Request request = current;
                if (request != null) {
                    request.abort(CANCELLED);
                }
            }
        });
        attempt();
        return outcome;
    }

    private void attempt() {
        if (outcome.isDone()) {
            return;
        }
        ServicePool.Choice choice = pool.choose(tried);
        if (choice instanceof ServicePool.NoHealthy) {
            fail(ErrorCode.NO_HEALTHY_UPSTREAM, "no endpoint of service '" + service.name()
                    + "' is healthy");
            return;
        }
        if (choice instanceof ServicePool.CircuitOpen) {
            fail(ErrorCode.CIRCUIT_OPEN, "the circuit of service '" + service.name()
                    + "' is open after repeated failures");
            return;
        }
        if (tried.isEmpty()) {
            pool.countFirstAttempt();
        }
        ServicePool.Attempt attempt = ((ServicePool.Chosen) choice).attempt();
        tried.add(attempt.endpoint());
        new Try(attempt).send();
    }

    private void fail(ErrorCode code, String detail) {
        outcome.complete(AsyncTasks.failure(code, detail, admitted.requestId()));
    }

    /** One attempt on one endpoint. */
    private final class Try {
        private final ServicePool.Attempt attempt;
        private final ByteArrayOutputStream content = new ByteArrayOutputStream();
        private Scheduler.Task headersTimer;
        private volatile boolean headersSeen;

        Try(ServicePool.Attempt attempt) {
            this.attempt = attempt;
        }

        void send() {
            Endpoint endpoint = attempt.endpoint();
            Request request = forwarder.client(timeouts.connect())
                    .newRequest(endpoint.url(url, query))
                    .method(method)
                    .headers(fields -> copyHeaders(fields, endpoint));
            if (!timeouts.idle().isZero()) {
                request.idleTimeout(timeouts.idle().toMillis(), TimeUnit.MILLISECONDS);
            }
            if (deadlineNanos != 0) {
                long left = Math.max(1, deadlineNanos - System.nanoTime());
                request.timeout(left, TimeUnit.NANOSECONDS);
            }
            if (body.length > 0) {
                request.body(new BytesRequestContent(body));
            }
            request.onRequestSuccess(done -> {
                sent.run();
                startHeadersTimer(request);
            });
            request.onResponseHeaders(this::onHeaders);
            request.onResponseContent(this::onContent);
            current = request;
            if (outcome.isCancelled()) {
                return;
            }
            request.send(this::onComplete);
        }

        private void copyHeaders(HttpFields.Mutable fields, Endpoint endpoint) {
            // Host was written for the first endpoint; it names the chosen one unless the
            // service fixes or preserves it.
            boolean perEndpoint = !(service.host() instanceof HostHeader.Fixed)
                    && !(service.host() instanceof HostHeader.Preserve
                            && admitted.request().exchange().header("Host") != null);
            for (Map.Entry<String, String> header : headers) {
                if (perEndpoint && header.getKey().equals("Host")) {
                    fields.add("Host", endpoint.authority());
                } else {
                    fields.add(header.getKey(), header.getValue());
                }
            }
        }

        private void startHeadersTimer(Request request) {
            if (!timeouts.responseHeaders().isZero() && !headersSeen) {
                headersTimer = forwarder.scheduler().schedule(() -> {
                    if (!headersSeen) {
                        request.abort(HEADERS_TIMEOUT);
                    }
                }, timeouts.responseHeaders().toNanos(), TimeUnit.NANOSECONDS);
            }
        }

        private void onHeaders(Response response) {
            headersSeen = true;
            cancelTimer();
            long declared = response.getHeaders().getLongField("Content-Length");
            if (declared > maxResultBytes) {
                response.abort(TOO_LARGE);
            }
        }

        private void onContent(Response response, ByteBuffer chunk) {
            if (content.size() + chunk.remaining() > maxResultBytes) {
                response.abort(TOO_LARGE);
                return;
            }
            byte[] bytes = new byte[chunk.remaining()];
            chunk.get(bytes);
            content.writeBytes(bytes);
        }

        private void cancelTimer() {
            Scheduler.Task timer = headersTimer;
            if (timer != null) {
                timer.cancel();
            }
        }

        private void onComplete(Result result) {
            cancelTimer();
            if (outcome.isDone()) {
                attempt.abandoned();
                return;
            }
            if (result.isFailed()) {
                Throwable failure = result.getFailure();
                if (failure == TOO_LARGE) {
                    attempt.finished(result.getResponse().getStatus());
                    fail(ErrorCode.RESULT_TOO_LARGE, "the response of service '" + service.name()
                            + "' exceeds the " + maxResultBytes + " bytes a task keeps");
                    return;
                }
                attempt.failed();
                if (isConnectFailure(failure) && pool.mayRetry(method, tried.size(), true)) {
                    retryLater();
                    return;
                }
                ErrorCode code = classify(failure);
                fail(code, code == ErrorCode.UPSTREAM_TIMEOUT
                        ? "service '" + service.name() + "' did not answer in time"
                        : "service '" + service.name() + "' could not be reached or broke "
                                + "the response");
                return;
            }
            Response response = result.getResponse();
            int status = response.getStatus();
            attempt.finished(status);
            if (ServicePool.retryableStatus(status) && pool.mayRetry(method, tried.size(), true)) {
                retryLater();
                return;
            }
            outcome.complete(new TaskOutcome(result(response), false, actualCost(response)));
        }

        private TaskResult result(Response response) {
            HttpFields fields = response.getHeaders();
            Set<String> dropped = ForwardedHeaders.connectionTokens(
                    fields.getValuesList("Connection"));
            List<Map.Entry<String, String>> kept = new ArrayList<>();
            for (HttpField field : fields) {
                if (ForwardedHeaders.passesResponseHeader(field.getName(), dropped,
                        admitted.headers())
                        && !field.getName().equalsIgnoreCase("Content-Length")) {
                    kept.add(Map.entry(field.getName(), field.getValue()));
                }
            }
            return new TaskResult(response.getStatus(), kept, content.toByteArray());
        }

        private long actualCost(Response response) {
            HttpFields fields = response.getHeaders();
            String type = fields.get("Content-Type");
            String lastEvent = null;
            if (service.usage().readsEvents() && type != null
                    && type.startsWith("text/event-stream")) {
                SseTail tail = new SseTail();
                tail.accept(ByteBuffer.wrap(content.toByteArray()));
                lastEvent = tail.lastJsonEvent();
            }
            try {
                return service.usage().actualCost(response.getStatus(), fields::get, lastEvent);
            } catch (RuntimeException e) {
                LOG.warn("request {}: the usage reader of service {} failed",
                        admitted.requestId(), service.name(), e);
                return -1;
            }
        }
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
}
