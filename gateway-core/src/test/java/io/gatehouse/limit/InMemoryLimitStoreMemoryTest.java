package io.gatehouse.limit;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The in-memory store's footprint: bytes per idle key (printed, for the record), and proof
 * that a flood of distinct keys is bounded by the maximum size and by idle expiry.
 */
class InMemoryLimitStoreMemoryTest {

    private static final LimitRule PER_HOUR = LimitRule.tokenBucket("per-hour", 100,
            Duration.ofHours(1));

    @Test
    void aMillionDistinctKeysStayWithinTheMaximumSize() {
        FakeMicroClock clock = new FakeMicroClock();
        InMemoryLimitStore store = (InMemoryLimitStore) LimitStores.inMemory(clock, 20_000);
        for (int i = 0; i < 1_000_000; i++) {
            Permit permit = new Permit(PER_HOUR, "client-" + i, 1);
            assertThat(store.tryAcquire(List.of(permit), "x").allowed()).isTrue();
        }
        assertThat(store.size()).isLessThanOrEqualTo(20_000).isGreaterThan(0);
    }

    @Test
    void aKeysStatesCountEachTowardTheBoundAndExpireOneByOne() {
        FakeMicroClock clock = new FakeMicroClock();
        InMemoryLimitStore store = (InMemoryLimitStore) LimitStores.inMemory(clock, 100);
        LimitRule perSecond = LimitRule.tokenBucket("per-second", 10, Duration.ofSeconds(1));
        LimitRule fixed = LimitRule.fixedWindow("fixed", 10, Duration.ofSeconds(1));
        List<Permit> three = List.of(new Permit(perSecond, "k", 1), new Permit(fixed, "k", 1),
                new Permit(PER_HOUR, "k", 1));
        assertThat(store.tryAcquire(three, "x").allowed()).isTrue();
        assertThat(store.size()).isEqualTo(3);
        // The two per-second states are idle long before the hourly one.
        clock.advance(Duration.ofMinutes(1));
        assertThat(store.size()).isEqualTo(1);
        assertThat(store.tryAcquire(three, "x").allowed()).isTrue();
        assertThat(store.size()).isEqualTo(3);
    }

    @Test
    void aBoundSmallerThanOneKeysStatesStillHoldsAtMostTheBound() {
        FakeMicroClock clock = new FakeMicroClock();
        InMemoryLimitStore store = (InMemoryLimitStore) LimitStores.inMemory(clock, 4);
        LimitRule perSecond = LimitRule.tokenBucket("per-second", 10, Duration.ofSeconds(1));
        LimitRule fixed = LimitRule.fixedWindow("fixed", 10, Duration.ofSeconds(1));
        for (int i = 0; i < 5; i++) {
            String key = "client-" + i;
            store.tryAcquire(List.of(new Permit(perSecond, key, 1), new Permit(fixed, key, 1),
                    new Permit(PER_HOUR, key, 1)), "x");
        }
        assertThat(store.size()).isLessThanOrEqualTo(4);
    }

    @Test
    void idleKeysExpireOnceTheyWouldBeFull() {
        FakeMicroClock clock = new FakeMicroClock();
        InMemoryLimitStore store = (InMemoryLimitStore) LimitStores.inMemory(clock, 100_000);
        for (int i = 0; i < 10_000; i++) {
            store.tryAcquire(List.of(new Permit(PER_HOUR, "client-" + i, 1)), "x");
        }
        assertThat(store.size()).isEqualTo(10_000);
        // Full again after 36 s (one token of 100/hour) but kept for the worst case: an hour
        // from a settled debt of a whole bucket is two hours, plus the margin.
        clock.advance(Duration.ofHours(2));
        assertThat(store.size()).isEqualTo(10_000);
        clock.advance(Duration.ofSeconds(2));
        assertThat(store.size()).isZero();
    }

    @Test
    void reportsBytesPerIdleKey() {
        long tokenBucket = bytesPerKey(PER_HOUR);
        long fixed = bytesPerKey(LimitRule.fixedWindow("fixed", 100, Duration.ofHours(1)));
        long sliding = bytesPerKey(LimitRule.slidingWindow("sliding", 100, Duration.ofHours(1)));
        long log = bytesPerKey(LimitRule.slidingLog("log", 100, Duration.ofHours(1)));
        System.out.printf("in-memory limit store, bytes per idle key excluding the key string:"
                + " token bucket %d, fixed window %d, sliding window %d, sliding log with one"
                + " entry %d%n", tokenBucket, fixed, sliding, log);
        assertThat(tokenBucket).isBetween(50L, 1_000L);
        assertThat(log).isGreaterThan(tokenBucket);
    }

    private static long bytesPerKey(LimitRule rule) {
        int keys = 100_000;
        String[] names = new String[keys];
        for (int i = 0; i < keys; i++) {
            names[i] = "principal-" + i;
        }
        FakeMicroClock clock = new FakeMicroClock();
        InMemoryLimitStore store = (InMemoryLimitStore) LimitStores.inMemory(clock, 1_000_000);
        store.tryAcquire(List.of(new Permit(rule, "warm-up", 1)), "x");
        long before = usedHeap();
        for (int i = 0; i < keys; i++) {
            store.tryAcquire(List.of(new Permit(rule, names[i], 1)), "x");
        }
        long after = usedHeap();
        assertThat(store.size()).isEqualTo(keys + 1);
        return (after - before) / keys;
    }

    private static long usedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
