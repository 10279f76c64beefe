package io.gatehouse.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.Admission;
import io.gatehouse.Gateway;
import io.gatehouse.Outcome;
import io.gatehouse.TestExchange;
import io.gatehouse.auth.AuthResult;
import io.gatehouse.auth.Authenticator;
import io.gatehouse.auth.Principal;
import io.gatehouse.route.Route;
import io.gatehouse.route.Router;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class UsageRecorderGatewayTest {

    private static final Authenticator BY_HEADER = request -> {
        String user = request.header("X-User");
        return user == null ? AuthResult.noCredentials()
                : new AuthResult.Authenticated(
                        new Principal(user, "free", Set.of(), Set.of(), "key-" + user));
    };

    private final Route chat = Route.builder("chat", "/chat").cost(5).build();
    private final Route open = Route.builder("open", "/open").publicAccess().build();

    private Gateway gateway(UsageRecorder usage) {
        return Gateway.builder(Router.of(List.of(chat, open)))
                .authenticator(BY_HEADER)
                .usage(usage)
                .build();
    }

    private static Admission.Admitted admit(Gateway gateway, String path, String user) {
        TestExchange exchange = TestExchange.request("GET", path);
        if (user != null) {
            exchange.header("X-User", user);
        }
        return (Admission.Admitted) gateway.admit(exchange);
    }

    @Test
    void completedRequestsAreCountedPerPrincipalWithTheirCost() {
        InMemoryUsageRecorder usage = new InMemoryUsageRecorder();
        Gateway gateway = gateway(usage);

        for (int i = 0; i < 7; i++) {
            admit(gateway, "/chat", "alice").grant().complete(Outcome.status(200));
        }
        admit(gateway, "/chat", "alice").grant().complete(new Outcome(200, 120));
        admit(gateway, "/chat", "bob").grant().complete(Outcome.status(502));
        admit(gateway, "/open", null).grant().complete(Outcome.status(200));

        // 7 at the route's estimate of 5, one at its actual 120.
        assertThat(usage.usage("alice")).isEqualTo(new Usage(8, 7 * 5 + 120));
        assertThat(usage.usage("bob")).isEqualTo(new Usage(1, 5));
        assertThat(usage.usage("anonymous")).isEqualTo(new Usage(1, 1));
        assertThat(usage.usage("carol")).isEqualTo(Usage.NONE);
    }

    @Test
    void nothingIsCountedUntilTheGrantCompletesAndACompletionCountsOnce() {
        InMemoryUsageRecorder usage = new InMemoryUsageRecorder();
        Gateway gateway = gateway(usage);

        Admission.Admitted admitted = admit(gateway, "/chat", "alice");
        assertThat(usage.usage("alice")).isEqualTo(Usage.NONE);

        admitted.grant().complete(Outcome.status(200));
        admitted.grant().complete(Outcome.status(200));
        assertThat(usage.usage("alice")).isEqualTo(new Usage(1, 5));
    }

    @Test
    void rejectedRequestsAreNotCounted() {
        InMemoryUsageRecorder usage = new InMemoryUsageRecorder();
        Gateway gateway = gateway(usage);

        Admission refused = gateway.admit(TestExchange.request("GET", "/chat"));

        assertThat(refused).isInstanceOf(Admission.Rejected.class);
        assertThat(usage.usage("anonymous")).isEqualTo(Usage.NONE);
    }

    @Test
    void aFailingRecorderNeverEscapesComplete() {
        Gateway gateway = gateway((principal, route, outcome, cost) -> {
            throw new IllegalStateException("usage backend down");
        });

        Admission.Admitted admitted = admit(gateway, "/chat", "alice");

        admitted.grant().complete(Outcome.status(200));
        assertThat(admitted.route().id()).isEqualTo("chat");
    }

    @Test
    void concurrentCompletionsAreCountedExactly() throws Exception {
        InMemoryUsageRecorder usage = new InMemoryUsageRecorder();
        Gateway gateway = gateway(usage);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int thread = 0; thread < 8; thread++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 500; i++) {
                        admit(gateway, "/chat", "alice").grant().complete(Outcome.status(200));
                    }
                }));
            }
            for (Future<?> future : done) {
                future.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(usage.usage("alice")).isEqualTo(new Usage(4_000, 20_000));
    }
}
