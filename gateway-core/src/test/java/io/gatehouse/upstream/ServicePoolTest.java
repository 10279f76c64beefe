package io.gatehouse.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ServicePoolTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private ServicePool pool(Service.Builder service) {
        return Upstreams.of(List.of(service.build()), now::get).pool("svc").orElseThrow();
    }

    private static Service.Builder three() {
        return Service.builder("svc").endpoint("http://127.0.0.1:9001")
                .endpoint("http://127.0.0.1:9002").endpoint("http://127.0.0.1:9003");
    }

    private static ServicePool.Attempt attempt(ServicePool pool) {
        return ((ServicePool.Chosen) pool.choose(List.of())).attempt();
    }

    @Test
    void roundRobinVisitsEachEndpointInTurn() {
        ServicePool pool = pool(three().balancing(Balancing.ROUND_ROBIN));
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ServicePool.Attempt attempt = attempt(pool);
            ports.add(attempt.endpoint().port());
            attempt.finished(200);
        }
        assertThat(ports).containsExactly(9001, 9002, 9003, 9001, 9002, 9003);
    }

    @Test
    void weightedSpreadsExactlyByWeightAndInterleaves() {
        ServicePool pool = pool(Service.builder("svc").balancing(Balancing.WEIGHTED)
                .endpoint("http://127.0.0.1:9001", 3).endpoint("http://127.0.0.1:9002", 1));
        Map<Integer, Integer> counts = new HashMap<>();
        List<Integer> firstFour = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            ServicePool.Attempt attempt = attempt(pool);
            counts.merge(attempt.endpoint().port(), 1, Integer::sum);
            if (i < 4) {
                firstFour.add(attempt.endpoint().port());
            }
            attempt.finished(200);
        }
        assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.of(9001, 300, 9002, 100));
        assertThat(firstFour).containsExactly(9001, 9001, 9002, 9001);
    }

    @Test
    void leastOutstandingAvoidsTheBusyEndpoint() {
        ServicePool pool = pool(Service.builder("svc").endpoint("http://127.0.0.1:9001")
                .endpoint("http://127.0.0.1:9002"));
        ServicePool.Attempt held = attempt(pool);
        int busyPort = held.endpoint().port();
        for (int i = 0; i < 50; i++) {
            ServicePool.Attempt attempt = attempt(pool);
            assertThat(attempt.endpoint().port()).isNotEqualTo(busyPort);
            attempt.finished(200);
        }
        held.finished(200);
    }

    @Test
    void consecutiveFailuresEjectAndTheEndpointReturnsAfterEjection() {
        ServicePool pool = pool(three().balancing(Balancing.ROUND_ROBIN)
                .circuitBreaker(BreakerSettings.DISABLED)
                .health(HealthCheck.DEFAULTS.withEjection(2, Duration.ofSeconds(10))));
        Endpoint first = Endpoint.parse("http://127.0.0.1:9001");
        for (int i = 0; i < 2; i++) {
            ServicePool.Attempt attempt = ((ServicePool.Chosen) pool.choose(
                    List.of(Endpoint.parse("http://127.0.0.1:9002"),
                            Endpoint.parse("http://127.0.0.1:9003")))).attempt();
            assertThat(attempt.endpoint()).isEqualTo(first);
            attempt.finished(502);
        }
        assertThat(pool.healthy(first)).isFalse();
        assertThat(pool.healthyEndpoints()).extracting(Endpoint::port).containsExactly(9002, 9003);
        for (int i = 0; i < 10; i++) {
            ServicePool.Attempt attempt = attempt(pool);
            assertThat(attempt.endpoint()).isNotEqualTo(first);
            attempt.finished(200);
        }
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        assertThat(pool.healthy(first)).isTrue();
    }

    @Test
    void aFailureBelowTheThresholdIsForgivenBySuccess() {
        ServicePool pool = pool(Service.builder("svc").endpoint("http://127.0.0.1:9001")
                .circuitBreaker(BreakerSettings.DISABLED)
                .health(HealthCheck.DEFAULTS.withEjection(2, Duration.ofSeconds(10))));
        attempt(pool).failed();
        attempt(pool).finished(200);
        attempt(pool).failed();
        assertThat(pool.healthyEndpoints()).hasSize(1);
        attempt(pool).failed();
        assertThat(pool.healthyEndpoints()).isEmpty();
        assertThat(pool.choose(List.of())).isInstanceOf(ServicePool.NoHealthy.class);
    }

    @Test
    void openBreakerRefusesWithRetryAfter() {
        ServicePool pool = pool(Service.builder("svc").endpoint("http://127.0.0.1:9001")
                .health(HealthCheck.DEFAULTS.withEjection(1000, Duration.ofSeconds(1)))
                .circuitBreaker(new BreakerSettings(true, 50, 4, 4, Duration.ofSeconds(30), 1)));
        for (int i = 0; i < 4; i++) {
            attempt(pool).failed();
        }
        assertThat(pool.circuitState()).isEqualTo("OPEN");
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        ServicePool.Choice refused = pool.choose(List.of());
        assertThat(refused).isEqualTo(new ServicePool.CircuitOpen(20));
    }

    @Test
    void abandonedAttemptsCountAsNeitherSuccessNorFailure() {
        ServicePool pool = pool(Service.builder("svc").endpoint("http://127.0.0.1:9001")
                .circuitBreaker(new BreakerSettings(true, 50, 2, 2, Duration.ofSeconds(30), 1))
                .health(HealthCheck.DEFAULTS.withEjection(1, Duration.ofSeconds(10))));
        for (int i = 0; i < 10; i++) {
            attempt(pool).abandoned();
        }
        assertThat(pool.circuitState()).isEqualTo("CLOSED");
        assertThat(pool.healthyEndpoints()).hasSize(1);
    }

    @Test
    void retriesOnlyIdempotentMethodsWithinAttemptsAndBudget() {
        ServicePool pool = pool(Service.builder("svc").endpoint("http://127.0.0.1:9001")
                .retry(RetryPolicy.DEFAULTS.withMaxAttempts(3).withBudget(0.0, 2)));
        assertThat(pool.mayRetry("POST", 1, true)).isFalse();
        assertThat(pool.mayRetry("GET", 3, true)).isFalse();
        assertThat(pool.mayRetry("GET", 1, false)).isFalse();
        assertThat(pool.mayRetry("GET", 1, true)).isTrue();
        assertThat(pool.mayRetry("PUT", 2, true)).isTrue();
        assertThat(pool.mayRetry("GET", 1, true)).as("budget of 2 spent").isFalse();
        now.addAndGet(Duration.ofMillis(500).toNanos());
        assertThat(pool.mayRetry("GET", 1, true)).as("one earned in half a second").isTrue();
        assertThat(pool.mayRetry("GET", 1, true)).isFalse();
    }

    @Test
    void retryBudgetGrowsWithFirstAttempts() {
        ServicePool pool = pool(Service.builder("svc").endpoint("http://127.0.0.1:9001")
                .retry(RetryPolicy.DEFAULTS.withBudget(0.5, 0)));
        assertThat(pool.mayRetry("GET", 1, true)).isFalse();
        for (int i = 0; i < 4; i++) {
            pool.countFirstAttempt();
        }
        assertThat(pool.mayRetry("GET", 1, true)).isTrue();
        assertThat(pool.mayRetry("GET", 1, true)).isTrue();
        assertThat(pool.mayRetry("GET", 1, true)).isFalse();
    }

    @Test
    void optInRetriesPostAndStatusesAreLimitedTo503And504() {
        ServicePool pool = pool(Service.builder("svc").endpoint("http://127.0.0.1:9001")
                .retry(RetryPolicy.DEFAULTS.withNonIdempotent(true)));
        assertThat(pool.mayRetry("POST", 1, true)).isTrue();
        assertThat(ServicePool.retryableStatus(503)).isTrue();
        assertThat(ServicePool.retryableStatus(504)).isTrue();
        assertThat(ServicePool.retryableStatus(500)).isFalse();
        assertThat(ServicePool.retryableStatus(502)).isFalse();
    }

    @Test
    void backoffIsJitteredAndBounded() {
        ServicePool pool = pool(Service.builder("svc").endpoint("http://127.0.0.1:9001")
                .retry(RetryPolicy.DEFAULTS.withBackoff(Duration.ofMillis(100),
                        Duration.ofMillis(300))));
        for (int i = 0; i < 100; i++) {
            assertThat(pool.backoff(1)).isBetween(Duration.ofMillis(50), Duration.ofMillis(150));
            assertThat(pool.backoff(5)).isLessThanOrEqualTo(Duration.ofMillis(300));
        }
    }

    @Test
    void retryPrefersAnEndpointNotTriedYet() {
        ServicePool pool = pool(Service.builder("svc").endpoint("http://127.0.0.1:9001")
                .endpoint("http://127.0.0.1:9002"));
        for (int i = 0; i < 20; i++) {
            ServicePool.Attempt first = attempt(pool);
            ServicePool.Attempt second = ((ServicePool.Chosen) pool.choose(
                    List.of(first.endpoint()))).attempt();
            assertThat(second.endpoint()).isNotEqualTo(first.endpoint());
            first.finished(200);
            second.finished(200);
        }
    }

    @Test
    void activeProbesEjectUntilAProbeSucceeds() {
        ServicePool pool = pool(Service.builder("svc").endpoint("http://127.0.0.1:9001"));
        Endpoint endpoint = Endpoint.parse("http://127.0.0.1:9001");
        pool.probed(endpoint, false);
        now.addAndGet(Duration.ofHours(1).toNanos());
        assertThat(pool.choose(List.of())).isInstanceOf(ServicePool.NoHealthy.class);
        pool.probed(endpoint, true);
        assertThat(pool.choose(List.of())).isInstanceOf(ServicePool.Chosen.class);
    }
}
