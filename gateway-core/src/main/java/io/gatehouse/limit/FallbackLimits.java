package io.gatehouse.limit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Decides {@link FailurePolicy#LOCAL_FALLBACK} limits while the shared store fails, so that an
 * outage admits a bounded number of requests, never a fresh full limit per instance:
 *
 * <ul>
 *   <li><b>Share.</b> Each instance decides with its share of every limit: the limit (and a
 *       token bucket's burst) divided by the configured number of instances, rounded up.</li>
 *   <li><b>What the store last said.</b> Every decision of the shared store is remembered per
 *       limit and key (units remaining, when the limit resets). The first fallback decision of a
 *       key in an outage starts from {@code min(share, remaining)} when the store's last word
 *       on it has not reset yet, else from the share.</li>
 *   <li><b>Unknown outcomes.</b> A call that failed after it was sent may have been executed
 *       by the store: the fallback decides the request like any other and counts its units if
 *       it admits it, so an admitted request is counted once locally and, if the store ran its
 *       call, once more there: twice, never zero times.</li>
 *   <li><b>One outage, one local state.</b> An outage starts with the first failed call and
 *       ends with the first successful one; each outage starts from a fresh local store
 *       (unless one was configured), seeded as above.</li>
 * </ul>
 *
 * <p>Thread-safe.
 */
final class FallbackLimits {

    /** Keys remembered per rule; beyond it the least used are forgotten (fallback: share). */
    static final long REMEMBERED_KEYS = 100_000;
    private static final String SEED_LEASE = "fallback-seed";

    private final int instances;
    private final MicroClock clock;
    private final Supplier<LimitStore> outageStores;
    private final ConcurrentHashMap<LimitRule, Cache<String, LastWord>> lastWords =
            new ConcurrentHashMap<>();
    private final ConcurrentHashMap<LimitRule, LimitRule> shares = new ConcurrentHashMap<>();
    private final AtomicReference<Outage> outage = new AtomicReference<>();

    /**
     * @param instances    the gateways sharing each limit, at least 1
     * @param outageStores a local store for each outage
     */
    FallbackLimits(int instances, MicroClock clock, Supplier<LimitStore> outageStores) {
        this.instances = instances;
        this.clock = clock;
        this.outageStores = outageStores;
    }

    /** What the shared store said about one key of one rule. Updated in place; racy by design. */
    static final class LastWord {
        volatile long remaining;
        volatile long resetAtMicros;
    }

    /** What a fallback decided: the permits (with shared limits), their store, the verdict. */
    record Decision(List<Permit> permits, LimitStore store, Verdict verdict) {
    }

    /** Remembers the shared store's verdict on {@code permits}, for a later outage. */
    void remember(List<Permit> permits, Verdict verdict) {
        long now = Long.MIN_VALUE;
        for (int i = 0; i < permits.size(); i++) {
            Permit permit = permits.get(i);
            LimitRule rule = permit.rule();
            if (rule.failurePolicy() != FailurePolicy.LOCAL_FALLBACK
                    || rule.algorithm() == LimitAlgorithm.CONCURRENCY) {
                continue;
            }
            if (now == Long.MIN_VALUE) {
                now = clock.micros();
            }
            Cache<String, LastWord> words = lastWords.get(rule);
            if (words == null) {
                words = lastWords.computeIfAbsent(rule, r -> Caffeine.newBuilder()
                        .maximumSize(REMEMBERED_KEYS).executor(Runnable::run).build());
            }
            LastWord word = words.getIfPresent(permit.key());
            if (word == null) {
                word = words.get(permit.key(), key -> new LastWord());
            }
            word.remaining = verdict.remaining(i);
            word.resetAtMicros = now + verdict.resetMicros(i);
        }
    }

    /** The shared store answered: the outage, if any, is over. */
    void recovered() {
        outage.set(null);
    }

    /**
     * Decides the {@link FailurePolicy#LOCAL_FALLBACK} permits of {@code enforced} locally.
     *
     * @return the decision, or {@code null} when no permit falls back
     */
    Decision decide(List<Permit> enforced, String leaseId) {
        Outage current = outage.get();
        if (current == null) {
            Outage started = new Outage(outageStores.get());
            current = outage.compareAndSet(null, started) ? started : outage.get();
            if (current == null) {
                current = started;
            }
        }
        List<Permit> shared = null;
        for (Permit permit : enforced) {
            if (permit.rule().failurePolicy() != FailurePolicy.LOCAL_FALLBACK) {
                continue;
            }
            LimitRule share = shares.computeIfAbsent(permit.rule(),
                    rule -> rule.shareOf(instances));
            Permit local = share == permit.rule()
                    ? permit : new Permit(share, permit.key(), permit.cost());
            current.seed(local, permit.rule());
            if (shared == null) {
                shared = new ArrayList<>(enforced.size());
            }
            shared.add(local);
        }
        if (shared == null) {
            return null;
        }
        return new Decision(shared, current.store, current.store.tryAcquire(shared, leaseId));
    }

    /** The capacity a client sees: a token bucket's burst, else the limit. */
    private static long capacity(LimitRule rule) {
        return rule.algorithm() == LimitAlgorithm.TOKEN_BUCKET ? rule.burst() : rule.limit();
    }

    /** The local state of one outage. */
    private final class Outage {
        final LimitStore store;
        private final Cache<Object, Boolean> seeded = Caffeine.newBuilder()
                .maximumSize(REMEMBERED_KEYS).executor(Runnable::run).build();

        Outage(LimitStore store) {
            this.store = store;
        }

        /**
         * Consumes, once per key and outage, what the shared store last said was used of this
         * instance's share; concurrent first decisions of one key wait for it.
         */
        void seed(Permit local, LimitRule original) {
            if (local.rule().algorithm() == LimitAlgorithm.CONCURRENCY) {
                return;
            }
            seeded.get(List.of(local.rule(), local.key()), ignored -> {
                long share = capacity(local.rule());
                long left = share;
                Cache<String, LastWord> words = lastWords.get(original);
                LastWord word = words == null ? null : words.getIfPresent(local.key());
                if (word != null && clock.micros() < word.resetAtMicros) {
                    left = Math.min(share, word.remaining);
                }
                if (left < share) {
                    store.tryAcquire(List.of(new Permit(local.rule(), local.key(), share - left)),
                            SEED_LEASE);
                }
                return Boolean.TRUE;
            });
        }
    }
}
