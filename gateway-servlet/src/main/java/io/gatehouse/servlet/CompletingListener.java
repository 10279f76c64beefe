package io.gatehouse.servlet;

import io.gatehouse.Grant;
import io.gatehouse.Outcome;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** Completes the grant when an asynchronous response ends, however it ends. Thread-safe. */
final class CompletingListener implements AsyncListener {
    private final Grant grant;
    private final HttpServletRequest request;
    private final HttpServletResponse response;

    /** The actual cost the application reported, or -1 for the route's estimate. */
    static long actualCost(ServletRequest request) {
        return request.getAttribute(GatewayFilter.ACTUAL_COST_ATTRIBUTE) instanceof Long cost
                && cost >= 0 ? cost : -1;
    }

    CompletingListener(Grant grant, HttpServletRequest request, HttpServletResponse response) {
        this.grant = grant;
        this.request = request;
        this.response = response;
    }

    @Override
    public void onComplete(AsyncEvent event) {
        grant.complete(new Outcome(response.getStatus(), actualCost(request)));
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
        grant.complete(new Outcome(status >= 400 ? status : 500, actualCost(request)));
    }
}
