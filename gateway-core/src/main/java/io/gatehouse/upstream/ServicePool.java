package io.gatehouse.upstream;

import io.gatehouse.observe.ComponentHealth;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live state of one {@link Service}: which endpoint takes the next attempt, which endpoints
 * are healthy, the circuit breaker, the retry budget. The forwarder asks it for an
 * {@link Attempt}, reports how the attempt ended, and asks whether a failed one may be retried.
 *
 * <p>Thread-safe.
 */
public final class ServicePool {

    private static final Logger LOG = LoggerFactory.getLogger(ServicePool.class);

    /** Recorded as the cause of a failed attempt; never thrown, so it has no stack trace. */
    private static final Exception ATTEMPT_FAILED = new Exception("upstream attempt failed",
            null, false, false) {
        private static final long serialVersionUID = 1L;
    };

    private final Service service;
    private final EndpointState[] endpoints;
    private final int[] weightedSchedule;
    private final AtomicLong turn = new AtomicLong();
    private final CircuitBreaker breaker;
    private final RetryBudget budget;
    private final IntervalFunction backoff;
    private final LongSupplier nanoTime;
    private final long ejectNanos;
    private volatile long openedAt;

    ServicePool(Service service, LongSupplier nanoTime) {
        this.service = service;
        this.nanoTime = nanoTime;
        List<Endpoint> list = service.endpoints();
        this.endpoints = new EndpointState[list.size()];
        for (int i = 0; i < endpoints.length; i++) {
            endpoints[i] = new EndpointState(list.get(i));
        }
        this.weightedSchedule = smoothWeightedSchedule(list);
        this.ejectNanos = service.health().ejectFor().toNanos();
        BreakerSettings settings = service.breaker();
        if (settings.enabled()) {
            CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                    .failureRateThreshold(settings.failureRatePercent())
                    .slidingWindow(settings.windowSize(), settings.minimumCalls(),
                            CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                    .waitDurationInOpenState(settings.openFor())
                    .permittedNumberOfCallsInHalfOpenState(settings.halfOpenCalls())
                    .writableStackTraceEnabled(false)
                    .build();
            this.breaker = CircuitBreaker.of(service.name(), config);
            breaker.getEventPublisher().onStateTransition(event -> {
                if (event.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
                    openedAt = nanoTime.getAsLong();
                }
                LOG.warn("upstream service {}: circuit {}", service.name(),
                        event.getStateTransition());
            });
        } else {
            this.breaker = null;
        }
        RetryPolicy retry = service.retry();
        this.budget = new RetryBudget(retry.budgetRatio(), retry.budgetMinPerSecond(),
                nanoTime.getAsLong());
        this.backoff = retry.backoff().isZero() ? null
                : IntervalFunction.ofExponentialRandomBackoff(retry.backoff(), 2.0, 0.5,
                        retry.maxBackoff());
    }

    /**
     * The order {@link Balancing#WEIGHTED} visits endpoints in: nginx's smooth weighted round
     * robin, computed once, so that choosing needs only an atomic counter.
     */
    private static int[] smoothWeightedSchedule(List<Endpoint> list) {
        int total = 0;
        for (Endpoint endpoint : list) {
            total += endpoint.weight();
        }
        int[] schedule = new int[total];
        int[] current = new int[list.size()];
        for (int slot = 0; slot < total; slot++) {
            int best = 0;
            for (int i = 0; i < current.length; i++) {
                current[i] += list.get(i).weight();
                if (current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            schedule[slot] = best;
        }
        return schedule;
    }

    public Service service() {
        return service;
    }

    /** What {@link #choose} decided. Immutable. */
    public sealed interface Choice {
    }

    /** An endpoint takes this attempt; the caller must end it exactly once. */
    public record Chosen(Attempt attempt) implements Choice {
    }

    /** Every endpoint is ejected or failing its probes: 503 {@code NO_HEALTHY_UPSTREAM}. */
    public record NoHealthy() implements Choice {
    }

    /** The breaker is open: 503 {@code CIRCUIT_OPEN} with {@code Retry-After}. */
    public record CircuitOpen(long retryAfterSeconds) implements Choice {
    }

    private static final Choice NO_HEALTHY = new NoHealthy();

    /**
     * Chooses the endpoint of the next attempt, preferring one not in {@code tried} (endpoints
     * of earlier attempts of the same request; may be empty).
     */
    public Choice choose(List<Endpoint> tried) {
        long now = nanoTime.getAsLong();
        EndpointState chosen = pick(now, tried);
        if (chosen == null && !tried.isEmpty()) {
            chosen = pick(now, List.of());
        }
        if (chosen == null) {
            return NO_HEALTHY;
        }
        if (breaker != null && !breaker.tryAcquirePermission()) {
            return new CircuitOpen(retryAfterSeconds(now));
        }
        chosen.outstanding.incrementAndGet();
        return new Chosen(new Attempt(chosen, now));
    }

    private long retryAfterSeconds(long now) {
        long remaining = service.breaker().openFor().toNanos() - (now - openedAt);
        return Math.max(1, (remaining + 999_999_999L) / 1_000_000_000L);
    }

    private EndpointState pick(long now, List<Endpoint> tried) {
        int count = endpoints.length;
        if (count == 1) {
            EndpointState only = endpoints[0];
            return usable(only, now, tried) ? only : null;
        }
        switch (service.balancing()) {
            case ROUND_ROBIN -> {
                long start = turn.getAndIncrement();
                for (int i = 0; i < count; i++) {
                    EndpointState candidate = endpoints[(int) ((start + i) % count)];
                    if (usable(candidate, now, tried)) {
                        return candidate;
                    }
                }
                return null;
            }
            case WEIGHTED -> {
                long start = turn.getAndIncrement();
                int slots = weightedSchedule.length;
                for (int i = 0; i < slots; i++) {
                    EndpointState candidate =
                            endpoints[weightedSchedule[(int) ((start + i) % slots)]];
                    if (usable(candidate, now, tried)) {
                        return candidate;
                    }
                }
                return null;
            }
            default -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                int first = random.nextInt(count);
                int second = (first + 1 + random.nextInt(count - 1)) % count;
                EndpointState a = endpoints[first];
                EndpointState b = endpoints[second];
                boolean aUsable = usable(a, now, tried);
                boolean bUsable = usable(b, now, tried);
                if (aUsable && bUsable) {
                    return b.outstanding.get() < a.outstanding.get() ? b : a;
                }
                if (aUsable || bUsable) {
                    return aUsable ? a : b;
                }
                for (int i = 1; i < count; i++) {
                    EndpointState candidate = endpoints[(first + i) % count];
                    if (usable(candidate, now, tried)) {
                        return candidate;
                    }
                }
                return null;
            }
        }
    }

    private static boolean usable(EndpointState state, long now, List<Endpoint> tried) {
        return state.available(now) && !tried.contains(state.endpoint);
    }

    /** Counts a request's first attempt towards the retry budget. */
    public void countFirstAttempt() {
        budget.firstAttempt();
    }

    /**
     * Whether a request whose attempt number {@code attemptsMade} failed may try again: the
     * policy allows its method and another attempt, its body can be replayed, and the retry
     * budget has room (a {@code true} answer spends from it). The caller checks the failure
     * kind ({@link #retryableStatus} or a failed connection) and that nothing reached the
     * client.
     */
    public boolean mayRetry(String method, int attemptsMade, boolean bodyReplayable) {
        RetryPolicy policy = service.retry();
        return attemptsMade < policy.maxAttempts() && bodyReplayable
                && policy.retriesMethod(method) && budget.tryRetry(nanoTime.getAsLong());
    }

    /** Whether an upstream status may be retried: 503 and 504. */
    public static boolean retryableStatus(int status) {
        return status == 503 || status == 504;
    }

    /** How long to wait before retry number {@code retry} (1 for the first), jittered. */
    public Duration backoff(int retry) {
        return backoff == null ? Duration.ZERO : Duration.ofMillis(backoff.apply(retry));
    }

    /** The breaker's state: {@code CLOSED}, {@code OPEN}, {@code HALF_OPEN}, or none. */
    public String circuitState() {
        return breaker == null ? "DISABLED" : breaker.getState().name();
    }

    /**
     * The pool as a health component: {@code down} while no endpoint is healthy or the circuit
     * is open, {@code degraded} while some endpoint is ejected or the circuit is half-open,
     * else {@code up}; the detail reads e.g. {@code "1/2 endpoints healthy, circuit closed"}.
     */
    public ComponentHealth componentHealth() {
        long now = nanoTime.getAsLong();
        int healthy = 0;
        for (EndpointState state : endpoints) {
            if (state.available(now)) {
                healthy++;
            }
        }
        String circuit = circuitState();
        String detail = healthy + "/" + endpoints.length + " endpoints healthy, circuit "
                + circuit.toLowerCase(java.util.Locale.ROOT);
        if (healthy == 0 || circuit.equals("OPEN") || circuit.equals("FORCED_OPEN")) {
            return ComponentHealth.down(detail);
        }
        if (healthy < endpoints.length || circuit.equals("HALF_OPEN")) {
            return ComponentHealth.degraded(detail);
        }
        return ComponentHealth.up(detail);
    }

    /** Whether {@code endpoint} may take attempts now (not ejected, not failing probes). */
    public boolean healthy(Endpoint endpoint) {
        long now = nanoTime.getAsLong();
        for (EndpointState state : endpoints) {
            if (state.endpoint.equals(endpoint)) {
                return state.available(now);
            }
        }
        throw new IllegalArgumentException(endpoint + " is not an endpoint of " + service);
    }

    /** The endpoints that may take attempts now, in configuration order. */
    public List<Endpoint> healthyEndpoints() {
        long now = nanoTime.getAsLong();
        List<Endpoint> healthy = new ArrayList<>(endpoints.length);
        for (EndpointState state : endpoints) {
            if (state.available(now)) {
                healthy.add(state.endpoint);
            }
        }
        return healthy;
    }

    /** Records an active probe's verdict on {@code endpoint}. */
    void probed(Endpoint endpoint, boolean healthy) {
        for (EndpointState state : endpoints) {
            if (state.endpoint.equals(endpoint) && state.probed(healthy)) {
                LOG.warn("upstream service {}: endpoint {} is {} (active probe)",
                        service.name(), endpoint, healthy ? "healthy again" : "unhealthy");
            }
        }
    }

    /**
     * One attempt on one endpoint. End it exactly once: {@link #finished(int)} with the
     * upstream's status, {@link #failed()} when the connection failed, timed out or was reset,
     * or {@link #abandoned()} when the client went away first. Later calls do nothing.
     *
     * <p>Thread-safe.
     */
    public final class Attempt {
        private final EndpointState state;
        private final long started;
        private final AtomicBoolean ended = new AtomicBoolean();

        private Attempt(EndpointState state, long started) {
            this.state = state;
            this.started = started;
        }

        public Endpoint endpoint() {
            return state.endpoint;
        }

        /** The upstream answered {@code status}; 5xx counts as a failure. */
        public void finished(int status) {
            if (status >= 500) {
                failed();
                return;
            }
            if (ended.compareAndSet(false, true)) {
                state.outstanding.decrementAndGet();
                state.succeeded();
                if (breaker != null) {
                    breaker.onSuccess(nanoTime.getAsLong() - started, TimeUnit.NANOSECONDS);
                }
            }
        }

        /** The attempt failed: no answer, a timeout, a reset, or a 5xx. */
        public void failed() {
            if (ended.compareAndSet(false, true)) {
                state.outstanding.decrementAndGet();
                long now = nanoTime.getAsLong();
                if (state.failed(now, service.health().consecutiveFailures(), ejectNanos)) {
                    LOG.warn("upstream service {}: endpoint {} ejected after {} failures in a "
                            + "row", service.name(), state.endpoint,
                            service.health().consecutiveFailures());
                }
                if (breaker != null) {
                    breaker.onError(now - started, TimeUnit.NANOSECONDS, ATTEMPT_FAILED);
                }
            }
        }

        /** The client went away; the attempt says nothing about the endpoint. */
        public void abandoned() {
            if (ended.compareAndSet(false, true)) {
                state.outstanding.decrementAndGet();
                if (breaker != null) {
                    breaker.releasePermission();
                }
            }
        }
    }
}
