package io.gatehouse.redis;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A circuit breaker around one Redis deployment, so that an outage costs callers at most one
 * command timeout per probe interval instead of one per request.
 *
 * <p>{@link State#CLOSED}: calls pass; after {@code failureThreshold} consecutive failures the
 * breaker opens. {@link State#OPEN}: calls are refused at once (the caller applies its failure
 * policy); once {@code probeInterval} has passed, exactly one call is let through as a probe
 * ({@link State#HALF_OPEN}) while every other call is still refused. The probe's success closes
 * the breaker; its failure opens it for another interval. Recovery is automatic.
 *
 * <p>Opening and closing are logged once each (WARN and INFO on logger
 * {@code io.gatehouse.redis.RedisCircuitBreaker}); the probes of a long outage log at DEBUG only.
 * {@link #snapshot()} reports the state and counters for health checks and metrics.
 *
 * <p>Thread-safe; lock-free.
 */
public final class RedisCircuitBreaker {

    private static final Logger LOG = LoggerFactory.getLogger(RedisCircuitBreaker.class);

    /** Default consecutive failures that open the breaker. */
    public static final int DEFAULT_FAILURE_THRESHOLD = 3;
    /** Default time between probes while open. */
    public static final Duration DEFAULT_PROBE_INTERVAL = Duration.ofSeconds(1);

    /** The breaker's state. */
    public enum State {
        /** Redis answers; calls pass. */
        CLOSED,
        /** Redis failed; calls are refused until the next probe. */
        OPEN,
        /** One probe call is testing Redis; every other call is refused. */
        HALF_OPEN
    }

    /**
     * The breaker's state and counters at one moment.
     *
     * @param state          the state
     * @param healthy        whether Redis is in use ({@link State#CLOSED})
     * @param timesOpened    how often the breaker opened since it was created
     * @param failures       failed calls (timeouts, refused connections, broken replies)
     * @param shortCircuited calls refused without contacting Redis
     */
    public record Snapshot(State state, boolean healthy, long timesOpened, long failures,
            long shortCircuited) {
        /** {@code UP} when closed, {@code DEGRADED} otherwise (limits decided by policy). */
        public String status() {
            return healthy ? "UP" : "DEGRADED";
        }
    }

    private final String name;
    private final int failureThreshold;
    private final long probeIntervalNanos;
    private final LongSupplier nanoTicker;
    private final AtomicReference<State> state = new AtomicReference<>(State.CLOSED);
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private final AtomicLong openedAtNanos = new AtomicLong();
    private final AtomicLong timesOpened = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong shortCircuited = new AtomicLong();

    private RedisCircuitBreaker(Builder builder) {
        this.name = builder.name;
        this.failureThreshold = builder.failureThreshold;
        this.probeIntervalNanos = builder.probeInterval.toNanos();
        this.nanoTicker = builder.nanoTicker;
    }

    /** A breaker with the defaults: 3 consecutive failures, 1 s probe interval. */
    public static RedisCircuitBreaker withDefaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Asks to call Redis. When this returns {@code true} the caller must report the call's end
     * with exactly one of {@link #onSuccess()}, {@link #onFailure(Throwable)} or
     * {@link #onNotAttempted()}; when {@code false} it must not call Redis.
     */
    public boolean tryAcquirePermission() {
        State current = state.get();
        if (current == State.CLOSED) {
            return true;
        }
        if (current == State.OPEN
                && nanoTicker.getAsLong() - openedAtNanos.get() >= probeIntervalNanos
                && state.compareAndSet(State.OPEN, State.HALF_OPEN)) {
            LOG.debug("Redis circuit {} half-open: probing", name);
            return true;
        }
        shortCircuited.incrementAndGet();
        return false;
    }

    /** Reports a call that Redis answered. */
    public void onSuccess() {
        consecutiveFailures.set(0);
        State current = state.get();
        if (current != State.CLOSED && state.compareAndSet(current, State.CLOSED)) {
            LOG.info("Redis circuit {} closed: Redis answers again", name);
        }
    }

    /**
     * Reports a call that never reached Redis because the gateway itself was congested (no
     * pooled connection became free): it proves nothing about Redis, so it counts neither way,
     * and a probe it held is handed to the next caller.
     */
    public void onNotAttempted() {
        // openedAt is unchanged, so the next caller probes at once.
        state.compareAndSet(State.HALF_OPEN, State.OPEN);
    }

    /** Reports a call that failed because Redis was unreachable, slow or broken. */
    public void onFailure(Throwable cause) {
        failures.incrementAndGet();
        int failed = consecutiveFailures.incrementAndGet();
        State current = state.get();
        if (current == State.HALF_OPEN) {
            openedAtNanos.set(nanoTicker.getAsLong());
            if (state.compareAndSet(State.HALF_OPEN, State.OPEN)) {
                LOG.debug("Redis circuit {} stays open: probe failed: {}", name, describe(cause));
            }
        } else if (current == State.CLOSED && failed >= failureThreshold) {
            openedAtNanos.set(nanoTicker.getAsLong());
            if (state.compareAndSet(State.CLOSED, State.OPEN)) {
                timesOpened.incrementAndGet();
                LOG.warn("Redis circuit {} opened after {} consecutive failures, probing every {}"
                        + " ms; limits follow their failure policies meanwhile: {}", name, failed,
                        probeIntervalNanos / 1_000_000, describe(cause));
            }
        }
    }

    private static String describe(Throwable cause) {
        // The class and message only: a stack trace per outage is noise, and messages of
        // Jedis exceptions name hosts, never passwords.
        return cause == null ? "unknown" : cause.getClass().getSimpleName() + ": "
                + cause.getMessage();
    }

    public State state() {
        return state.get();
    }

    /** The state and counters now. */
    public Snapshot snapshot() {
        State current = state.get();
        return new Snapshot(current, current == State.CLOSED, timesOpened.get(), failures.get(),
                shortCircuited.get());
    }

    @Override
    public String toString() {
        return "RedisCircuitBreaker[" + name + " " + state.get() + "]";
    }

    /** Collects a breaker's settings. Not thread-safe. */
    public static final class Builder {
        private String name = "redis";
        private int failureThreshold = DEFAULT_FAILURE_THRESHOLD;
        private Duration probeInterval = DEFAULT_PROBE_INTERVAL;
        private LongSupplier nanoTicker = System::nanoTime;

        private Builder() {
        }

        /** A name for log lines, e.g. the Redis URL without credentials. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Consecutive failures that open the breaker; at least 1. */
        public Builder failureThreshold(int failureThreshold) {
            if (failureThreshold < 1) {
                throw new IllegalArgumentException(
                        "failureThreshold must be at least 1, was " + failureThreshold);
            }
            this.failureThreshold = failureThreshold;
            return this;
        }

        /** Time between probes while open; at least 1 ms. */
        public Builder probeInterval(Duration probeInterval) {
            Objects.requireNonNull(probeInterval, "probeInterval");
            if (probeInterval.toMillis() < 1) {
                throw new IllegalArgumentException(
                        "probeInterval must be at least 1 ms, was " + probeInterval);
            }
            this.probeInterval = probeInterval;
            return this;
        }

        /** The monotonic nanosecond clock; tests drive it by hand. */
        public Builder nanoTicker(LongSupplier nanoTicker) {
            this.nanoTicker = Objects.requireNonNull(nanoTicker, "nanoTicker");
            return this;
        }

        public RedisCircuitBreaker build() {
            return new RedisCircuitBreaker(this);
        }
    }
}
