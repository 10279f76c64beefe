package io.gatehouse.servlet;

import io.gatehouse.Admission;
import io.gatehouse.ErrorCode;
import io.gatehouse.task.AsyncTasks;
import io.gatehouse.task.TaskOutcome;
import io.gatehouse.task.TaskRunner;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.concurrent.CompletableFuture;

/**
 * Sends an admitted request whose route targets an upstream service
 * ({@link io.gatehouse.upstream.Target.Upstream}) to that service and its response back to the
 * client. {@link GatewayFilter} calls it instead of continuing the chain; the
 * {@code gateway-proxy} module provides the implementation.
 *
 * <p>A forwarder is also the {@link TaskRunner} of async routes: it sends a buffered request in
 * the background and collects the whole response. One that cannot fails every task.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface Forwarder extends TaskRunner {

    /**
     * Forwards one request, on the container thread that runs the filter. From this call on the
     * forwarder owns the response: it puts the admission's headers on it before the first byte,
     * writes every failure as {@code application/problem+json}, and completes the admission's
     * grant exactly once, however the exchange ends. It must not hold the calling thread while
     * the upstream is slow: it starts the request's asynchronous cycle and returns.
     *
     * @param bufferedBody the leading bytes of the request body that the gateway already read
     *                     (empty when it read none); the body continues in the request's input
     *                     stream unless {@code bodyComplete}
     * @param bodyComplete whether {@code bufferedBody} is the whole body
     */
    void forward(Admission.Admitted admitted, HttpServletRequest request,
            HttpServletResponse response, byte[] bufferedBody, boolean bodyComplete);

    /** By default a forwarder cannot run tasks: each fails with {@code INTERNAL_ERROR}. */
    @Override
    default CompletableFuture<TaskOutcome> run(Admission.Admitted admitted, byte[] body,
            int maxResultBytes, Runnable sent) {
        return CompletableFuture.completedFuture(AsyncTasks.failure(ErrorCode.INTERNAL_ERROR,
                "this gateway's forwarder cannot run tasks", admitted.requestId()));
    }
}
