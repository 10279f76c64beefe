package io.gatehouse.limit;

import java.util.Objects;

/**
 * Factories for the {@link LimitStore}s that live in this JVM.
 *
 * <p>Thread-safe.
 */
public final class LimitStores {

    /** The default bound on the states an in-memory store holds. */
    public static final long DEFAULT_MAXIMUM_KEYS = 1_000_000L;

    private LimitStores() {
    }

    /** An in-memory store on the system clock, holding at most a million states. */
    public static LimitStore inMemory() {
        return inMemory(MicroClock.system());
    }

    /** An in-memory store on {@code clock}, holding at most a million states. */
    public static LimitStore inMemory(MicroClock clock) {
        return inMemory(clock, DEFAULT_MAXIMUM_KEYS);
    }

    /**
     * An in-memory store on {@code clock} holding at most {@code maximumKeys} states (one per
     * rule and key); idle states expire once they equal a fresh one, and beyond the bound the
     * least valuable are forgotten. A key with one idle counter or bucket state takes about 160
     * to 170 bytes plus its key string on a 64-bit JVM with compressed pointers (each further
     * rule on the same key costs its state and about 8 bytes); a sliding log takes about 90 more
     * and 16 per remembered request. The default bound of a million keys so caps a store of
     * counters and buckets at roughly 210 MB.
     */
    public static LimitStore inMemory(MicroClock clock, long maximumKeys) {
        Objects.requireNonNull(clock, "clock");
        if (maximumKeys < 1) {
            throw new IllegalArgumentException(
                    "maximumKeys must be at least 1, was " + maximumKeys);
        }
        // Cache maintenance runs on the calling threads: no pool to size or leak, and eviction
        // stays deterministic. The periodic idle sweep runs in the common pool so no request
        // pays for walking every key.
        return new InMemoryLimitStore(clock, maximumKeys, Runnable::run,
                java.util.concurrent.ForkJoinPool.commonPool());
    }
}
