package io.gatehouse.task;

import io.gatehouse.Admission;
import java.util.concurrent.CompletableFuture;

/**
 * Sends an admitted request in the background and collects its whole response; the forwarder
 * of {@code gateway-proxy} is one.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface TaskRunner {

    /**
     * Starts sending {@code body} for {@code admitted} and returns at once. The future completes
     * when the response has been read (or failed); cancelling it must abort the call. It must
     * not complete exceptionally for upstream failures: those are {@link TaskOutcome#failed()}
     * outcomes carrying a problem.
     *
     * @param maxResultBytes the largest response body to keep; larger fails the outcome with
     *                       {@code RESULT_TOO_LARGE}
     * @param sent           to call once the request has been sent upstream
     */
    CompletableFuture<TaskOutcome> run(Admission.Admitted admitted, byte[] body,
            int maxResultBytes, Runnable sent);
}
