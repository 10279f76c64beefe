package io.gatehouse.limit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The limit store of one JVM: the states of one key (one per rule) grouped in one
 * {@link KeyStates} holder in a bounded Caffeine cache, decided under the holder's monitor. So a
 * request whose permits share a key costs one lookup and one monitor, however many limits it
 * checks. A request naming several keys locks their holders in creation order (so two requests
 * never wait on each other in a cycle), decides them all, and consumes all or none.
 *
 * <p>Bounded: at most {@code maximumKeys} states (each holder weighs as many states as it
 * holds), and a state untouched for its rule's {@link LimitRule#idleMicros} (time to full plus a
 * margin) is dropped by a sweep that runs at most every {@link #SWEEP_INTERVAL_MICROS}; dropping
 * never changes a decision because such a state equals a fresh one. When more states are active
 * than the bound, the cache forgets the least valuable keys; a forgotten state starts fresh.
 * Expiry is swept rather than left to Caffeine because per-read expiry bookkeeping doubled the
 * cost of a decision.
 *
 * <p>Lock order: a cache bin, then a holder's monitor (adding a state, eviction and the sweep);
 * deciders hold monitors only and never touch the cache while holding one.
 *
 * <p>Thread-safe.
 */
final class InMemoryLimitStore implements LimitStore {

    /**
     * Spare scratch spaces, one slot per stripe of threads. Owned by the store rather than kept
     * in a (static) ThreadLocal: a container's threads outlive a web application, and a value
     * of the application's classes left in them would keep its class loader from being
     * collected after an undeploy.
     */
    private static final int SCRATCH_STRIPES = 64;
    /** Markers returned by the verdict-free decision of {@link #tryConsume}. */
    private static final Verdict ADMITTED = new Verdict(true, 0, new long[0], new long[0], 0);
    private static final Verdict REFUSED = new Verdict(false, 0, new long[0], new long[0], 1);

    /** How often idle states are swept, in store time. */
    static final long SWEEP_INTERVAL_MICROS = 10_000_000L;

    private final MicroClock clock;
    private final Cache<String, KeyStates> keys;
    private final AtomicLong nextOrder = new AtomicLong();
    private final Executor sweeper;
    private final AtomicBoolean sweeping = new AtomicBoolean();
    private final AtomicReferenceArray<Scratch> spareScratch =
            new AtomicReferenceArray<>(SCRATCH_STRIPES);
    private volatile long nextSweep;

    InMemoryLimitStore(MicroClock clock, long maximumKeys, Executor maintenance,
            Executor sweeper) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sweeper = Objects.requireNonNull(sweeper, "sweeper");
        this.nextSweep = clock.micros() + SWEEP_INTERVAL_MICROS;
        this.keys = Caffeine.newBuilder()
                .maximumWeight(maximumKeys)
                // Read under the bin lock right after the holder changed in the same thread.
                .weigher((String key, KeyStates holder) -> holder.count)
                .executor(maintenance)
                .evictionListener((String key, KeyStates holder, RemovalCause cause) -> {
                    if (holder != null) {
                        synchronized (holder) {
                            holder.retired = true;
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
        if (permits.size() == 1) {
            return consumeOne(permits.get(0), leaseId);
        }
        return decide(permits, leaseId, false).allowed();
    }

    /** One permit, no verdict: the commonest decision, without the per-thread scratch. */
    private boolean consumeOne(Permit permit, String leaseId) {
        LimitRule rule = permit.rule();
        long cost = permit.cost();
        while (true) {
            KeyStates holder = holderFor(permit.key());
            long now = 0;
            boolean known = false;
            boolean allowed = false;
            synchronized (holder) {
                LimitState state = holder.retired ? null : holder.find(rule);
                if (state != null) {
                    known = true;
                    now = clock.micros();
                    state.lastUsed = now;
                    state.advance(rule, now);
                    allowed = state.fits(rule, cost, leaseId, now);
                    if (allowed) {
                        state.consume(rule, cost, leaseId, now);
                    }
                }
            }
            if (known) {
                if (now >= nextSweep) {
                    scheduleSweep(now);
                }
                return allowed;
            }
            // Added outside every monitor: the cache may not be touched while one is held.
            addState(rule, permit.key());
        }
    }

    private Verdict decide(List<Permit> permits, String leaseId, boolean report) {
        int count = permits.size();
        if (count == 0) {
            throw new IllegalArgumentException("a request needs at least one permit");
        }
        int stripe = (int) Thread.currentThread().getId() & (SCRATCH_STRIPES - 1);
        Scratch scratch = spareScratch.getAndSet(stripe, null);
        if (scratch == null) {
            // Another thread of this stripe holds it: rare, and a fresh one is cheap.
            scratch = new Scratch();
        }
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
                if (scratch.missing != null) {
                    // Added outside every monitor: the cache may not be touched while one is held.
                    addState(scratch.missing.rule(), scratch.missing.key());
                    scratch.missing = null;
                }
            }
        } finally {
            scratch.clear(count);
            spareScratch.set(stripe, scratch);
        }
    }

    private Verdict decideOne(List<Permit> permits, String leaseId, Scratch scratch,
            boolean report) {
        Permit permit = permits.get(0);
        KeyStates holder = holderFor(permit.key());
        synchronized (holder) {
            if (holder.retired) {
                return null;
            }
            LimitState state = holder.find(permit.rule());
            if (state == null) {
                scratch.missing = permit;
                return null;
            }
            scratch.states[0] = state;
            return decideLocked(permits, leaseId, scratch, 1, report);
        }
    }

    private Verdict decideMany(List<Permit> permits, String leaseId, Scratch scratch, int count,
            boolean report) {
        KeyStates[] sorted = scratch.sorted;
        int distinct = 0;
        for (int i = 0; i < count; i++) {
            KeyStates holder = sameKeyHolder(permits, scratch.holders, i);
            if (holder != null) {
                // Its key's holder is already sorted: one lookup and one monitor per key.
                scratch.holders[i] = holder;
                continue;
            }
            holder = holderFor(permits.get(i).key());
            scratch.holders[i] = holder;
            // Insertion sort by lock order, each holder once: requests carry a handful of permits.
            int j = distinct;
            while (j > 0 && sorted[j - 1].order > holder.order) {
                j--;
            }
            if (j > 0 && sorted[j - 1] == holder) {
                continue;
            }
            System.arraycopy(sorted, j, sorted, j + 1, distinct - j);
            sorted[j] = holder;
            distinct++;
        }
        return lockAndDecide(permits, leaseId, scratch, count, distinct, 0, report);
    }

    /** The holder already found for an earlier permit of the same key, or null. */
    private static KeyStates sameKeyHolder(List<Permit> permits, KeyStates[] holders, int i) {
        String key = permits.get(i).key();
        for (int j = 0; j < i; j++) {
            if (key.equals(permits.get(j).key())) {
                return holders[j];
            }
        }
        return null;
    }

    /** Locks {@code sorted[index..]} in order, then decides; monitors nest through recursion. */
    private Verdict lockAndDecide(List<Permit> permits, String leaseId, Scratch scratch, int count,
            int distinct, int index, boolean report) {
        if (index == distinct) {
            for (int i = 0; i < distinct; i++) {
                if (scratch.sorted[i].retired) {
                    return null;
                }
            }
            LimitState[] states = scratch.states;
            for (int i = 0; i < count; i++) {
                Permit permit = permits.get(i);
                LimitState state = scratch.holders[i].find(permit.rule());
                if (state == null) {
                    scratch.missing = permit;
                    return null;
                }
                for (int j = 0; j < i; j++) {
                    if (states[j] == state) {
                        throw new IllegalArgumentException("two permits name the same state: "
                                + permit.rule().name() + " " + permit.key());
                    }
                }
                states[i] = state;
            }
            return decideLocked(permits, leaseId, scratch, count, report);
        }
        synchronized (scratch.sorted[index]) {
            return lockAndDecide(permits, leaseId, scratch, count, distinct, index + 1, report);
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
        if (delta == 0 || permit.rule().algorithm() == LimitAlgorithm.CONCURRENCY) {
            return;
        }
        while (true) {
            KeyStates holder = holderFor(permit.key());
            synchronized (holder) {
                LimitState state = holder.retired ? null : holder.find(permit.rule());
                if (state != null) {
                    long now = clock.micros();
                    state.lastUsed = now;
                    state.advance(permit.rule(), now);
                    state.settle(permit.rule(), delta, permit.cost(), now);
                    return;
                }
            }
            addState(permit.rule(), permit.key());
        }
    }

    @Override
    public void release(Permit permit, String leaseId) {
        if (permit.rule().algorithm() != LimitAlgorithm.CONCURRENCY) {
            return;
        }
        KeyStates holder = keys.getIfPresent(permit.key());
        if (holder == null) {
            return;
        }
        synchronized (holder) {
            LimitState state = holder.find(permit.rule());
            if (state == null) {
                return;
            }
            long now = clock.micros();
            state.lastUsed = now;
            state.advance(permit.rule(), now);
            state.release(leaseId);
        }
    }

    @Override
    public List<LimitStatus> inspect(List<Permit> permits) {
        if (permits.isEmpty()) {
            throw new IllegalArgumentException("inspect needs at least one permit");
        }
        LimitStatus[] statuses = new LimitStatus[permits.size()];
        for (int i = 0; i < statuses.length; i++) {
            Permit permit = permits.get(i);
            LimitRule rule = permit.rule();
            KeyStates holder = keys.getIfPresent(permit.key());
            LimitStatus status = null;
            if (holder != null) {
                synchronized (holder) {
                    LimitState state = holder.retired ? null : holder.find(rule);
                    if (state != null) {
                        // Advancing changes no decision; lastUsed stays, so reading never keeps
                        // an idle state alive.
                        status = statusOf(state, rule, clock.micros());
                    }
                }
            }
            if (status == null) {
                status = statusOf(LimitState.fresh(rule), rule, clock.micros());
            }
            statuses[i] = status;
        }
        return List.of(statuses);
    }

    private static LimitStatus statusOf(LimitState state, LimitRule rule, long now) {
        state.advance(rule, now);
        return new LimitStatus(state.remaining(rule, now), state.reset(rule, now));
    }

    private KeyStates holderFor(String key) {
        KeyStates holder = keys.getIfPresent(key);
        if (holder != null) {
            return holder;
        }
        return keys.get(key, k -> new KeyStates(nextOrder.incrementAndGet()));
    }

    /**
     * Adds {@code rule}'s fresh state to {@code key}'s holder (creating the holder if the cache
     * has none) under the bin lock, so the cache weighs the holder again.
     */
    private void addState(LimitRule rule, String key) {
        keys.asMap().compute(key, (k, current) -> {
            KeyStates holder = current != null ? current
                    : new KeyStates(nextOrder.incrementAndGet());
            synchronized (holder) {
                if (holder.find(rule) == null) {
                    LimitState fresh = LimitState.fresh(rule);
                    // Not idle from birth: the sweep must not drop it before its first decision.
                    fresh.lastUsed = clock.micros();
                    holder.add(rule, fresh);
                }
            }
            return holder;
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
     * Drops every state idle for its rule's {@link LimitRule#idleMicros}, and a holder left
     * empty. The idle check runs under the bin lock and the holder's monitor, so a state in use
     * is never dropped; a decider that already found a dropped holder sees it retired and looks
     * again, and one that finds its state gone adds a fresh one, which equals the dropped one.
     */
    void sweep(long now) {
        var map = keys.asMap();
        for (var entry : map.entrySet()) {
            KeyStates holder = entry.getValue();
            if (holder.mayBeIdle(now)) {
                map.computeIfPresent(entry.getKey(), (k, current) -> {
                    synchronized (current) {
                        current.dropIdle(now);
                        if (current.count == 0) {
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
        keys.cleanUp();
        return keys.policy().eviction().orElseThrow().weightedSize().orElseThrow();
    }

    @Override
    public void close() {
        keys.invalidateAll();
    }

    /**
     * The states of one key, one per rule: the first in fields, further ones as
     * {@code [rule, state, rule, state, ...]} in an array, so that a key with one rule costs no
     * more than a small object beside its state.
     *
     * <p>Not thread-safe by itself; guarded by its own monitor (added to and swept under a cache
     * bin lock too). {@link #order} gives the global lock order of multi-key decisions.
     */
    static final class KeyStates {
        /** Lock order: unique, increasing in creation order. */
        final long order;
        /** Set (under the monitor) when the cache dropped this holder; deciders look again. */
        boolean retired;
        int count;
        private LimitRule firstRule;
        private LimitState firstState;
        /** The second and later states, null until a second rule uses this key. */
        private Object[] more;

        KeyStates(long order) {
            this.order = order;
        }

        LimitState find(LimitRule rule) {
            if (firstRule == rule) {
                return firstState;
            }
            Object[] m = more;
            int n = (count - 1) * 2;
            for (int i = 0; i < n; i += 2) {
                if (m[i] == rule) {
                    return (LimitState) m[i + 1];
                }
            }
            if (count > 0 && rule.equals(firstRule)) {
                return firstState;
            }
            for (int i = 0; i < n; i += 2) {
                if (rule.equals(m[i])) {
                    return (LimitState) m[i + 1];
                }
            }
            return null;
        }

        void add(LimitRule rule, LimitState state) {
            if (count > 0) {
                int at = (count - 1) * 2;
                if (more == null) {
                    more = new Object[2];
                } else if (at == more.length) {
                    more = Arrays.copyOf(more, more.length * 2);
                }
            }
            set(count, rule, state);
            count++;
        }

        private void set(int index, LimitRule rule, LimitState state) {
            if (index == 0) {
                firstRule = rule;
                firstState = state;
            } else {
                more[2 * index - 2] = rule;
                more[2 * index - 1] = state;
            }
        }

        /**
         * Whether some state may be idle, read without the monitor only to pick candidates for
         * the sweep, which checks again under it. A holder of several states is always a
         * candidate: its array may be changing.
         */
        boolean mayBeIdle(long now) {
            LimitRule rule = firstRule;
            LimitState state = firstState;
            if (count != 1 || rule == null || state == null) {
                return true;
            }
            return state.lastUsed + rule.idleMicros <= now;
        }

        void dropIdle(long now) {
            int kept = 0;
            for (int i = 0; i < count; i++) {
                LimitRule rule = i == 0 ? firstRule : (LimitRule) more[2 * i - 2];
                LimitState state = i == 0 ? firstState : (LimitState) more[2 * i - 1];
                if (state.lastUsed + rule.idleMicros > now) {
                    // kept <= i: this overwrites only slots already read.
                    set(kept, rule, state);
                    kept++;
                }
            }
            for (int i = kept; i < count; i++) {
                set(i, null, null);
            }
            count = kept;
            if (kept <= 1) {
                more = null;
            }
        }
    }

    /** Working arrays of one decision at a time, so a decision allocates only its verdict. */
    private static final class Scratch {
        LimitState[] states = new LimitState[4];
        KeyStates[] holders = new KeyStates[4];
        KeyStates[] sorted = new KeyStates[4];
        boolean[] fits = new boolean[4];
        /** A permit whose key has no state for its rule yet, to add before trying again. */
        Permit missing;
        long now;

        void ensure(int count) {
            if (states.length < count) {
                states = new LimitState[count];
                holders = new KeyStates[count];
                sorted = new KeyStates[count];
                fits = new boolean[count];
            }
        }

        void clear(int count) {
            for (int i = 0; i < count; i++) {
                states[i] = null;
                holders[i] = null;
                sorted[i] = null;
            }
            missing = null;
        }
    }
}
