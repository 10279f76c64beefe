package io.gatehouse.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.gatehouse.Gateway;
import io.gatehouse.auth.AuthResult;
import io.gatehouse.auth.Authenticator;
import io.gatehouse.auth.Principal;
import io.gatehouse.limit.LimitDecision;
import io.gatehouse.limit.LimitStores;
import io.gatehouse.limit.RateLimiter;
import io.gatehouse.limit.Tier;
import io.gatehouse.limit.TieredRateLimiter;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import io.gatehouse.servlet.GatewayFilter;
import io.gatehouse.task.TaskStore;
import io.gatehouse.upstream.Service;
import jakarta.servlet.http.HttpServlet;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One gateway instance for the async task tests: principals named by {@code X-User} (role
 * {@code admin} for {@code root}), a real in-memory limiter whose settled costs are recorded,
 * its forwarder, and a real container running the filter.
 */
final class AsyncTaskHarness implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    /** The actual cost each completed grant was settled with, in order. */
    final List<Long> settled = new CopyOnWriteArrayList<>();
    final Gateway gateway;
    final ProxyForwarder forwarder;
    final ServletContainer.Running running;
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .build();

    AsyncTaskHarness(ServletContainer container, TaskStore store, List<Service> services,
            Route... routes) throws Exception {
        RateLimiter real = TieredRateLimiter.builder(LimitStores.inMemory())
                .tier(Tier.of("default")).build();
        RateLimiter recording = (request, principal, route) -> {
            LimitDecision decision = real.acquire(request, principal, route);
            if (decision instanceof LimitDecision.Allowed allowed) {
                return new LimitDecision.Allowed(allowed.headers(), cost -> {
                    settled.add(cost);
                    allowed.hold().complete(cost);
                });
            }
            return decision;
        };
        Authenticator users = request -> {
            String user = request.header("X-User");
            if (user == null) {
                return AuthResult.noCredentials();
            }
            return new AuthResult.Authenticated(new Principal(user, "default",
                    user.equals("root") ? Set.of("admin") : Set.of(), Set.of(), "key-" + user));
        };
        gateway = Gateway.builder(Router.of(List.of(routes))).authenticator(users)
                .rateLimiter(recording).taskStore(store).build();
        forwarder = ProxyForwarder.builder(services).build();
        running = container.start(ServletContainer.Deployment.of("",
                new GatewayFilter(gateway, forwarder), new HttpServlet() { }));
    }

    URI uri(String path) {
        return running.uri(path);
    }

    HttpResponse<String> post(String path, String user, String body, String... headers)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (user != null) {
            request.header("X-User", user);
        }
        if (headers.length > 0) {
            request.headers(headers);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path, String user) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(path)).header("X-User", user).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> delete(String path, String user)
            throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(path)).header("X-User", user).DELETE()
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> response) throws IOException {
        return JSON.readTree(response.body());
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
