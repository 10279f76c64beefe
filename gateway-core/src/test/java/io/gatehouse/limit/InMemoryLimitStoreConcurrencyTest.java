package io.gatehouse.limit;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.Concurrently;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Many threads on the in-memory store: exact counts, no interference, no deadlock. */
class InMemoryLimitStoreConcurrencyTest {

    private static final int THREADS = 16;
    private static LimitRule rule(LimitAlgorithm algorithm, long limit) {
        return LimitRule.builder(algorithm.name().toLowerCase(), algorithm)
                .limit(limit, Duration.ofHours(1)).build();
    }

    /** Runs {@code task(thread)} on every thread at once and waits for all. */
    private static void onAllThreads(IntFunction<Callable<Void>> task) throws Exception {
        Concurrently.run(THREADS, THREADS, task, Duration.ofSeconds(60));
    }

    @ParameterizedTest
    @EnumSource(LimitAlgorithm.class)
    void sixteenThreadsOnOneKeyAdmitExactlyTheLimit(LimitAlgorithm algorithm) throws Exception {
        LimitStore store = LimitStores.inMemory(new FakeMicroClock());
        Permit permit = new Permit(rule(algorithm, 1_000), "hot", 1);
        AtomicLong admitted = new AtomicLong();
        AtomicLong leases = new AtomicLong();
        // Half the threads take the verdict-free path, which has its own code for one permit.
        onAllThreads(thread -> () -> {
            for (int i = 0; i < 200; i++) {
                String lease = "lease-" + leases.incrementAndGet();
                boolean allowed = thread % 2 == 0
                        ? store.tryConsume(List.of(permit), lease)
                        : store.tryAcquire(List.of(permit), lease).allowed();
                if (allowed) {
                    admitted.incrementAndGet();
                }
            }
            return null;
        });
        assertThat(admitted.get()).isEqualTo(1_000);
        assertThat(store.tryAcquire(List.of(permit), "one-more").allowed()).isFalse();
    }

    @Test
    void manyKeysDoNotInterfere() throws Exception {
        LimitStore store = LimitStores.inMemory(new FakeMicroClock());
        int keys = 256;
        LimitRule perKey = rule(LimitAlgorithm.TOKEN_BUCKET, 5);
        LimitRule shared = rule(LimitAlgorithm.FIXED_WINDOW, 100_000);
        AtomicIntegerArray admitted = new AtomicIntegerArray(keys);
        onAllThreads(thread -> () -> {
            for (int round = 0; round < 10; round++) {
                for (int k = 0; k < keys; k++) {
                    int key = (k + thread * 17) % keys;
                    List<Permit> permits = List.of(new Permit(perKey, "key-" + key, 1),
                            new Permit(shared, "everyone", 1));
                    if (store.tryAcquire(permits, "x").allowed()) {
                        admitted.incrementAndGet(key);
                    }
                }
            }
            return null;
        });
        for (int k = 0; k < keys; k++) {
            assertThat(admitted.get(k)).as("key %d", k).isEqualTo(5);
        }
        assertThat(store.tryAcquire(List.of(new Permit(shared, "everyone", 1)), "x").remaining(0))
                .isEqualTo(100_000 - keys * 5 - 1);
    }

    @Test
    void permitsListedInOppositeOrdersNeverDeadlock() throws Exception {
        LimitStore store = LimitStores.inMemory(new FakeMicroClock());
        LimitRule big = rule(LimitAlgorithm.FIXED_WINDOW, 1_000_000);
        Permit a = new Permit(big, "a", 1);
        Permit b = new Permit(big, "b", 1);
        Permit c = new Permit(big, "c", 1);
        AtomicLong admitted = new AtomicLong();
        onAllThreads(thread -> () -> {
            List<Permit> order = switch (thread % 3) {
                case 0 -> List.of(a, b, c);
                case 1 -> List.of(c, b, a);
                default -> List.of(b, a, c);
            };
            for (int i = 0; i < 2_000; i++) {
                if (store.tryAcquire(order, "x").allowed()) {
                    admitted.incrementAndGet();
                }
            }
            return null;
        });
        assertThat(admitted.get()).isEqualTo(THREADS * 2_000);
        assertThat(store.tryAcquire(List.of(a), "x").remaining(0))
                .isEqualTo(1_000_000 - THREADS * 2_000 - 1);
    }

    @Test
    void releasedLeasesAreReusedByOtherThreadsWithoutEverExceedingTheLimit() throws Exception {
        LimitStore store = LimitStores.inMemory(new FakeMicroClock());
        Permit permit = new Permit(rule(LimitAlgorithm.CONCURRENCY, 4), "pool", 1);
        AtomicLong inFlight = new AtomicLong();
        AtomicLong maxInFlight = new AtomicLong();
        AtomicLong admitted = new AtomicLong();
        onAllThreads(thread -> () -> {
            for (int i = 0; i < 500; i++) {
                String lease = thread + "-" + i;
                if (store.tryAcquire(List.of(permit), lease).allowed()) {
                    long now = inFlight.incrementAndGet();
                    maxInFlight.accumulateAndGet(now, Math::max);
                    admitted.incrementAndGet();
                    inFlight.decrementAndGet();
                    store.release(permit, lease);
                }
            }
            return null;
        });
        assertThat(maxInFlight.get()).isLessThanOrEqualTo(4);
        assertThat(admitted.get()).isGreaterThanOrEqualTo(500);
        assertThat(store.tryAcquire(List.of(permit), "last").remaining(0)).isEqualTo(3);
    }
    @Test
    void sweepingWhileThreadsDecideNeverAdmitsTwiceInOneWindow() throws Exception {
        FakeMicroClock clock = new FakeMicroClock();
        InMemoryLimitStore store = (InMemoryLimitStore) LimitStores.inMemory(clock);
        LimitRule oncePerMinute = LimitRule.fixedWindow("once", 1, Duration.ofMinutes(1));
        int keys = 2_000;
        for (int k = 0; k < keys; k++) {
            store.tryAcquire(List.of(new Permit(oncePerMinute, "key-" + k, 1)), "x");
        }
        // Every state is now idle: the sweep may drop any of them while threads decide.
        clock.advance(Duration.ofMinutes(5));
        AtomicLong admitted = new AtomicLong();
        onAllThreads(thread -> () -> {
            if (thread == 0) {
                for (int i = 0; i < 20; i++) {
                    store.sweep(clock.micros());
                }
                return null;
            }
            for (int k = 0; k < keys; k++) {
                Permit permit = new Permit(oncePerMinute, "key-" + ((k + thread * 131) % keys), 1);
                if (store.tryAcquire(List.of(permit), "x").allowed()) {
                    admitted.incrementAndGet();
                }
            }
            return null;
        });
        assertThat(admitted.get()).isEqualTo(keys);
    }

    @Test
    void evictionUnderATinyBoundNeverDeadlocksMultiPermitDecisions() throws Exception {
        LimitStore store = LimitStores.inMemory(new FakeMicroClock(), 2);
        LimitRule rule = rule(LimitAlgorithm.FIXED_WINDOW, 1_000_000);
        AtomicLong decided = new AtomicLong();
        onAllThreads(thread -> () -> {
            for (int i = 0; i < 2_000; i++) {
                int first = (thread + i) % 5;
                int second = (first + 1 + i % 3) % 5;
                store.tryAcquire(List.of(new Permit(rule, "k" + first, 1),
                        new Permit(rule, "k" + second, 1)), "x");
                decided.incrementAndGet();
            }
            return null;
        });
        assertThat(decided.get()).isEqualTo(THREADS * 2_000);
    }
}
