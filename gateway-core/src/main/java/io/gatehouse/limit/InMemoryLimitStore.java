package io.gatehouse.limit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The limit store of one JVM: each (rule, key) state in a bounded Caffeine cache, decided under
 * the state's own monitor. A multi-permit request locks its states in creation order (so two
 * requests never wait on each other in a cycle), decides them all, and consumes all or none.
 *
 * <p>Bounded: at most {@code maximumKeys} states, and a state untouched for its rule's
 * {@link LimitRule#idleMicros} (time to full plus a margin) is dropped by a sweep that runs at
 * most every {@link #SWEEP_INTERVAL_MICROS}; dropping never changes a decision because such a
 * state equals a fresh one. When more keys are active than the bound, the cache forgets the
 * least valuable ones; a forgotten state starts fresh. Expiry is swept rather than left to
 * Caffeine because per-read expiry bookkeeping doubled the cost of a decision.
 *
 * <p>Lock order: a cache bin, then a state's monitor (eviction and the sweep); deciders hold
 * monitors only and never touch the cache while holding one.
 *
 * <p>Thread-safe.
 */
final class InMemoryLimitStore implements LimitStore {

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
    /** Markers returned by the verdict-free decision of {@link #tryConsume}. */
    private static final Verdict ADMITTED = new Verdict(true, 0, new long[0], new long[0], 0);
    private static final Verdict REFUSED = new Verdict(false, 0, new long[0], new long[0], 1);

    /** How often idle states are swept, in store time. */
    static final long SWEEP_INTERVAL_MICROS = 10_000_000L;

    private final MicroClock clock;
    private final Cache<StateKey, LimitState> states;
    private final AtomicLong nextOrder = new AtomicLong();
    private final Executor sweeper;
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private volatile long nextSweep;

    InMemoryLimitStore(MicroClock clock, long maximumKeys, Executor maintenance,
            Executor sweeper) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sweeper = Objects.requireNonNull(sweeper, "sweeper");
        this.nextSweep = clock.micros() + SWEEP_INTERVAL_MICROS;
        this.states = Caffeine.newBuilder()
                .maximumSize(maximumKeys)
                .executor(maintenance)
                .evictionListener((StateKey key, LimitState state, RemovalCause cause) -> {
                    if (state != null) {
                        synchronized (state) {
                            state.retired = true;
                        }
                    }
                })
                .build();
    }

    @Override
    public Verdict tryAcquire(List<Permit> permits, String leaseId) {
        return decide(permits, leaseId, true);
    }

    /** Decides without building a verdict: on a known key this allocates nothing. */
    @Override
    public boolean tryConsume(List<Permit> permits, String leaseId) {
        return decide(permits, leaseId, false).allowed();
    }

    private Verdict decide(List<Permit> permits, String leaseId, boolean report) {
        int count = permits.size();
        if (count == 0) {
            throw new IllegalArgumentException("a request needs at least one permit");
        }
        Scratch scratch = SCRATCH.get();
        scratch.ensure(count);
        try {
            while (true) {
                Verdict verdict = count == 1
                        ? decideOne(permits, leaseId, scratch, report)
                        : decideMany(permits, leaseId, scratch, count, report);
                if (verdict != null) {
                    if (scratch.now >= nextSweep) {
                        scheduleSweep(scratch.now);
                    }
                    return verdict;
                }
            }
        } finally {
            scratch.clear(count);
        }
    }

    private Verdict decideOne(List<Permit> permits, String leaseId, Scratch scratch,
            boolean report) {
        Permit permit = permits.get(0);
        LimitState state = stateFor(permit.rule(), permit.key(), scratch.lookup);
        scratch.states[0] = state;
        synchronized (state) {
            if (state.retired) {
                return null;
            }
            return decideLocked(permits, leaseId, scratch, 1, report);
        }
    }

    private Verdict decideMany(List<Permit> permits, String leaseId, Scratch scratch, int count,
            boolean report) {
        LimitState[] sorted = scratch.sorted;
        for (int i = 0; i < count; i++) {
            Permit permit = permits.get(i);
            LimitState state = stateFor(permit.rule(), permit.key(), scratch.lookup);
            scratch.states[i] = state;
            // Insertion sort by lock order: requests carry a handful of permits.
            int j = i;
            while (j > 0 && sorted[j - 1].order > state.order) {
                sorted[j] = sorted[j - 1];
                j--;
            }
            if (j > 0 && sorted[j - 1] == state) {
                throw new IllegalArgumentException(
                        "two permits name the same state: " + permit.rule().name() + " "
                                + permit.key());
            }
            sorted[j] = state;
        }
        return lockAndDecide(permits, leaseId, scratch, count, 0, report);
    }

    /** Locks {@code sorted[index..]} in order, then decides; monitors nest through recursion. */
    private Verdict lockAndDecide(List<Permit> permits, String leaseId, Scratch scratch, int count,
            int index, boolean report) {
        if (index == count) {
            for (int i = 0; i < count; i++) {
                if (scratch.sorted[i].retired) {
                    return null;
                }
            }
            return decideLocked(permits, leaseId, scratch, count, report);
        }
        synchronized (scratch.sorted[index]) {
            return lockAndDecide(permits, leaseId, scratch, count, index + 1, report);
        }
    }

    /** Decides with every state locked: advance, check, then consume all or none. */
    private Verdict decideLocked(List<Permit> permits, String leaseId, Scratch scratch, int count,
            boolean report) {
        long now = clock.micros();
        scratch.now = now;
        LimitState[] states = scratch.states;
        boolean allFit = true;
        for (int i = 0; i < count; i++) {
            Permit permit = permits.get(i);
            LimitState state = states[i];
            state.lastUsed = now;
            state.advance(permit.rule(), now);
            boolean fits = state.fits(permit.rule(), permit.cost(), leaseId, now);
            scratch.fits[i] = fits;
            allFit &= fits;
        }
        if (allFit) {
            for (int i = 0; i < count; i++) {
                Permit permit = permits.get(i);
                states[i].consume(permit.rule(), permit.cost(), leaseId, now);
            }
        }
        if (!report) {
            return allFit ? ADMITTED : REFUSED;
        }
        long[] remaining = new long[count];
        long[] reset = new long[count];
        long retryAfter = 0;
        int deciding = -1;
        for (int i = 0; i < count; i++) {
            Permit permit = permits.get(i);
            LimitState state = states[i];
            remaining[i] = state.remaining(permit.rule(), now);
            reset[i] = state.reset(permit.rule(), now);
            if (allFit) {
                if (deciding < 0 || remaining[i] < remaining[deciding]
                        || remaining[i] == remaining[deciding] && reset[i] > reset[deciding]) {
                    deciding = i;
                }
            } else if (!scratch.fits[i]) {
                long wait = state.retryAfter(permit.rule(), permit.cost(), now);
                if (wait > retryAfter) {
                    retryAfter = wait;
                    deciding = i;
                }
            }
        }
        return new Verdict(allFit, deciding, remaining, reset, retryAfter);
    }

    @Override
    public void settle(Permit permit, long actualCost) {
        long delta = actualCost - permit.cost();
        if (delta == 0 || permit.rule().algorithm() == Algorithm.CONCURRENCY) {
            return;
        }
        Scratch scratch = SCRATCH.get();
        while (true) {
            LimitState state = stateFor(permit.rule(), permit.key(), scratch.lookup);
            synchronized (state) {
                if (state.retired) {
                    continue;
                }
                long now = clock.micros();
                state.lastUsed = now;
                state.advance(permit.rule(), now);
                state.settle(permit.rule(), delta, permit.cost(), now);
                return;
            }
        }
    }

    @Override
    public void release(Permit permit, String leaseId) {
        if (permit.rule().algorithm() != Algorithm.CONCURRENCY) {
            return;
        }
        StateKey lookup = SCRATCH.get().lookup.set(permit.rule(), permit.key());
        LimitState state = states.getIfPresent(lookup);
        lookup.clear();
        if (state == null) {
            return;
        }
        synchronized (state) {
            long now = clock.micros();
            state.lastUsed = now;
            state.advance(permit.rule(), now);
            state.release(leaseId);
        }
    }

    private LimitState stateFor(LimitRule rule, String key, StateKey lookup) {
        LimitState state = states.getIfPresent(lookup.set(rule, key));
        lookup.clear();
        if (state != null) {
            return state;
        }
        return states.get(new StateKey().set(rule, key), stateKey -> {
            LimitState fresh = LimitState.fresh(stateKey.rule, nextOrder.incrementAndGet());
            // Not idle from birth: the sweep must not drop it before its first decision.
            fresh.lastUsed = clock.micros();
            return fresh;
        });
    }

    private void scheduleSweep(long now) {
        if (sweeping.compareAndSet(false, true)) {
            nextSweep = now + SWEEP_INTERVAL_MICROS;
            try {
                sweeper.execute(() -> {
                    try {
                        sweep(clock.micros());
                    } finally {
                        sweeping.set(false);
                    }
                });
            } catch (RuntimeException e) {
                sweeping.set(false);
            }
        }
    }

    /**
     * Drops every state idle for its rule's {@link LimitRule#idleMicros}. The idle check is
     * repeated under the bin lock and the state's monitor, so a state in use is never dropped;
     * a decider that already found a dropped state sees it retired and looks again.
     */
    void sweep(long now) {
        var map = states.asMap();
        for (var entry : map.entrySet()) {
            StateKey key = entry.getKey();
            LimitState state = entry.getValue();
            if (state.lastUsed + key.rule.idleMicros <= now) {
                map.computeIfPresent(key, (k, current) -> {
                    synchronized (current) {
                        if (current.lastUsed + k.rule.idleMicros <= now) {
                            current.retired = true;
                            return null;
                        }
                        return current;
                    }
                });
            }
        }
    }

    /** The number of states held after sweeping idle ones and pending maintenance. */
    long size() {
        sweep(clock.micros());
        states.cleanUp();
        return states.estimatedSize();
    }

    @Override
    public void close() {
        states.invalidateAll();
    }

    /**
     * A state's identity: rule and key. The store keeps immutable instances; each thread reuses
     * one mutable instance for lookups so that finding an existing state allocates nothing.
     */
    static final class StateKey {
        private LimitRule rule;
        private String key;
        private int hash;

        StateKey set(LimitRule rule, String key) {
            this.rule = rule;
            this.key = key;
            this.hash = 31 * rule.hashCode() + key.hashCode();
            return this;
        }

        void clear() {
            this.rule = null;
            this.key = null;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof StateKey that
                    && hash == that.hash
                    && key.equals(that.key)
                    && (rule == that.rule || rule.equals(that.rule));
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public String toString() {
            return rule.name() + ":" + key;
        }
    }

    /** Per-thread working arrays, so a decision allocates only its verdict. */
    private static final class Scratch {
        final StateKey lookup = new StateKey();
        LimitState[] states = new LimitState[4];
        LimitState[] sorted = new LimitState[4];
        boolean[] fits = new boolean[4];
        long now;

        void ensure(int count) {
            if (states.length < count) {
                states = new LimitState[count];
                sorted = new LimitState[count];
                fits = new boolean[count];
            }
        }

        void clear(int count) {
            for (int i = 0; i < count; i++) {
                states[i] = null;
                sorted[i] = null;
            }
        }
    }
}
