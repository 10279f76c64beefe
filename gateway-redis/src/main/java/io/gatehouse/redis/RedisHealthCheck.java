package io.gatehouse.redis;

import io.gatehouse.observe.ComponentHealth;
import io.gatehouse.observe.HealthCheck;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import redis.clients.jedis.UnifiedJedis;

/**
 * The health of one Redis as the gateway uses it: a {@code PING} (within the client's command
 * timeout) combined with the state of the shared {@link RedisCircuitBreaker}.
 *
 * <ul>
 *   <li>{@code up}: Redis answers and the breaker is closed;</li>
 *   <li>{@code degraded}: Redis answers but the breaker is still open (it closes on its next
 *       probe; until then limits are decided by their failure policy);</li>
 *   <li>{@code down}: Redis does not answer.</li>
 * </ul>
 * An answer is reused for {@code cacheFor} (one second by default), so probes from many load
 * balancers cost Redis at most one {@code PING} per interval; one caller pings while the others
 * get the previous answer.
 *
 * <p>Thread-safe.
 */
final class RedisHealthCheck implements HealthCheck {

    private final UnifiedJedis client;
    private final RedisCircuitBreaker breaker;
    private final long cacheForNanos;
    private final LongSupplier nanoTicker;
    private final ReentrantLock pinging = new ReentrantLock();
    private volatile ComponentHealth last;
    private volatile long checkedAt;

    RedisHealthCheck(UnifiedJedis client, RedisCircuitBreaker breaker, Duration cacheFor,
            LongSupplier nanoTicker) {
        this.client = client;
        this.breaker = breaker;
        this.cacheForNanos = cacheFor.toNanos();
        this.nanoTicker = nanoTicker;
    }

    @Override
    public ComponentHealth check() {
        ComponentHealth previous = last;
        long now = nanoTicker.getAsLong();
        if (previous != null && now - checkedAt < cacheForNanos) {
            return previous;
        }
        if (!pinging.tryLock()) {
            return previous != null ? previous : ping();
        }
        try {
            ComponentHealth current = ping();
            last = current;
            checkedAt = nanoTicker.getAsLong();
            return current;
        } finally {
            pinging.unlock();
        }
    }

    private ComponentHealth ping() {
        long started = nanoTicker.getAsLong();
        try {
            client.ping();
        } catch (RuntimeException e) {
            // The exception's class only: messages may name hosts and users.
            return ComponentHealth.down("redis did not answer PING ("
                    + e.getClass().getSimpleName() + ")");
        }
        long micros = TimeUnit.NANOSECONDS.toMicros(nanoTicker.getAsLong() - started);
        RedisCircuitBreaker.State state = breaker.state();
        if (state != RedisCircuitBreaker.State.CLOSED) {
            return ComponentHealth.degraded("redis answered PING in " + micros
                    + " us but its circuit breaker is " + state.name().toLowerCase(
                            java.util.Locale.ROOT) + "; limits follow their failure policy");
        }
        return ComponentHealth.up("redis answered PING in " + micros + " us");
    }
}
