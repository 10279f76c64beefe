package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.Concurrently;
import io.gatehouse.redis.RedisCircuitBreaker.State;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RedisCircuitBreakerTest {

    private final AtomicLong nanos = new AtomicLong(1_000);
    private final RedisCircuitBreaker breaker = RedisCircuitBreaker.builder()
            .failureThreshold(2)
            .probeInterval(Duration.ofSeconds(1))
            .nanoTicker(nanos::get)
            .build();
    private final RuntimeException timeout = new RuntimeException("Read timed out");

    private void fail() {
        assertThat(breaker.tryAcquirePermission()).isTrue();
        breaker.onFailure(timeout);
    }

    @Test
    void staysClosedBelowTheThresholdAndASuccessResetsTheCount() {
        fail();
        assertThat(breaker.tryAcquirePermission()).isTrue();
        breaker.onSuccess();
        fail();

        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(breaker.snapshot().failures()).isEqualTo(2);
        assertThat(breaker.snapshot().timesOpened()).isZero();
    }

    @Test
    void opensAfterConsecutiveFailuresAndRefusesWithoutCallingUntilTheProbeInterval() {
        fail();
        fail();

        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(breaker.snapshot().status()).isEqualTo("DEGRADED");
        nanos.addAndGet(Duration.ofMillis(999).toNanos());
        for (int i = 0; i < 100; i++) {
            assertThat(breaker.tryAcquirePermission()).isFalse();
        }
        assertThat(breaker.snapshot().shortCircuited()).isEqualTo(100);
        assertThat(breaker.snapshot().timesOpened()).isEqualTo(1);
    }

    @Test
    void letsExactlyOneProbeThroughPerIntervalAndClosesWhenItSucceeds() {
        fail();
        fail();
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());

        assertThat(breaker.tryAcquirePermission()).isTrue();
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        assertThat(breaker.tryAcquirePermission()).isFalse();
        breaker.onSuccess();

        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(breaker.snapshot().status()).isEqualTo("UP");
        assertThat(breaker.tryAcquirePermission()).isTrue();
    }

    @Test
    void aFailedProbeReopensForAnotherFullInterval() {
        fail();
        fail();
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        fail();

        assertThat(breaker.state()).isEqualTo(State.OPEN);
        nanos.addAndGet(Duration.ofMillis(999).toNanos());
        assertThat(breaker.tryAcquirePermission()).isFalse();
        nanos.addAndGet(Duration.ofMillis(1).toNanos());
        assertThat(breaker.tryAcquirePermission()).isTrue();
        // A long outage counts as one opening, not one per probe.
        assertThat(breaker.snapshot().timesOpened()).isEqualTo(1);
    }

    @Test
    void manyThreadsGetOneProbeBetweenThem() throws Exception {
        fail();
        fail();
        nanos.addAndGet(Duration.ofSeconds(2).toNanos());
        AtomicInteger permitted = new AtomicInteger();
        Concurrently.run(8, 8, thread -> () -> {
            for (int i = 0; i < 1_000; i++) {
                if (breaker.tryAcquirePermission()) {
                    permitted.incrementAndGet();
                }
            }
            return null;
        }, Duration.ofSeconds(10));
        assertThat(permitted.get()).isEqualTo(1);
        assertThat(breaker.snapshot().shortCircuited()).isEqualTo(7_999);
    }

    @Test
    void refusesSettingsThatCannotWork() {
        assertThatThrownBy(() -> RedisCircuitBreaker.builder().failureThreshold(0))
                .hasMessageContaining("failureThreshold must be at least 1, was 0");
        assertThatThrownBy(() -> RedisCircuitBreaker.builder().probeInterval(Duration.ZERO))
                .hasMessageContaining("probeInterval");
    }
}
