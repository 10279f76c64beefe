package io.gatehouse.servlet;

import io.gatehouse.Grant;
import io.gatehouse.Outcome;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletRequest;

/** Completes the grant when an asynchronous response ends, however it ends. Thread-safe. */
final class CompletingListener implements AsyncListener {
    private final Grant grant;
    private final HttpServletRequest request;
    private final CountingResponse response;
    /**
     * Whether the application writes through the counting response: not when it started async
     * without arguments, which hands it the container's own response to write to.
     */
    private final boolean counting;

    /** The actual cost the application reported, or -1 for the route's estimate. */
    static long actualCost(ServletRequest request) {
        return request.getAttribute(GatewayFilter.ACTUAL_COST_ATTRIBUTE) instanceof Long cost
                && cost >= 0 ? cost : -1;
    }

    CompletingListener(Grant grant, HttpServletRequest request, CountingResponse response) {
        this.counting = !request.getAsyncContext().hasOriginalRequestAndResponse();
        this.grant = grant;
        this.request = request;
        this.response = response;
    }

    @Override
    public void onComplete(AsyncEvent event) {
        grant.complete(new Outcome(response.getStatus(), actualCost(request), bytesOut()));
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        failed();
    }

    @Override
    public void onError(AsyncEvent event) {
        failed();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // A new async cycle of the same request: stay registered for its end.
        event.getAsyncContext().addListener(this);
    }

    private void failed() {
        // The container answers an unhandled timeout or error with 500 unless the
        // application's own listener (called before this one) set an error status.
        int status = response.getStatus();
        grant.complete(new Outcome(status >= 400 ? status : 500, actualCost(request),
                bytesOut()));
    }

    private long bytesOut() {
        return counting ? response.bytesWritten() : -1;
    }
}
