package io.gatehouse.proxy;

import io.gatehouse.Gateway;
import io.gatehouse.ResponseHeaders;
import io.gatehouse.limit.LimitDecision;
import io.gatehouse.limit.RateLimiter;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import io.gatehouse.servlet.GatewayFilter;
import io.gatehouse.upstream.Service;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A gateway with public routes and a counting limiter, its forwarder, and a real container
 * running the filter, for one test.
 */
final class ProxyHarness implements AutoCloseable {

    /** Holds handed out by the limiter. */
    final AtomicInteger acquired = new AtomicInteger();
    /** Holds completed (grant completions). */
    final AtomicInteger completed = new AtomicInteger();
    /** Actual costs reported, in completion order. */
    final List<Long> actualCosts = new CopyOnWriteArrayList<>();
    /** Requests that reached the local application (must stay 0 for upstream routes). */
    final AtomicInteger localHits = new AtomicInteger();

    final ProxyForwarder forwarder;
    final ServletContainer.Running running;
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .build();

    ProxyHarness(ServletContainer container, List<Service> services, Route... routes)
            throws Exception {
        RateLimiter limiter = (request, principal, route) -> {
            acquired.incrementAndGet();
            return new LimitDecision.Allowed(ResponseHeaders.builder()
                    .add("RateLimit", "\"test\";r=99;t=60").build(), actualCost -> {
                        actualCosts.add(actualCost);
                        completed.incrementAndGet();
                    });
        };
        Gateway gateway = Gateway.builder(Router.of(List.of(routes))).rateLimiter(limiter)
                .build();
        forwarder = ProxyForwarder.builder(services).build();
        HttpServlet local = new HttpServlet() {
            @Override
            protected void service(HttpServletRequest request, HttpServletResponse response)
                    throws IOException {
                localHits.incrementAndGet();
                response.setStatus(299);
                response.getWriter().write("local");
            }
        };
        running = container.start(ServletContainer.Deployment.of("",
                new GatewayFilter(gateway, forwarder), local));
    }

    URI uri(String path) {
        return running.uri(path);
    }

    int port() {
        return running.port();
    }

    @Override
    public void close() throws Exception {
        try {
            running.close();
        } finally {
            forwarder.close();
        }
    }
}
