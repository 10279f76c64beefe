package io.gatehouse.limit;

/**
 * One key's state for one rule in the in-memory store. Every method runs while the caller holds
 * the monitor of the key's {@link InMemoryLimitStore.KeyStates} holder.
 *
 * <p>Not thread-safe by itself; guarded by its holder's monitor.
 */
abstract class LimitState {

    /**
     * When a decision last touched this state. Written under the holder's monitor; the sweep
     * reads it racily only to pick candidates and checks again under the monitor before dropping
     * one, so it need not be volatile (a fence per decision would cost more than the check).
     */
    long lastUsed;

    static LimitState fresh(LimitRule rule) {
        return switch (rule.algorithm()) {
            case TOKEN_BUCKET -> new Bucket(rule);
            case FIXED_WINDOW -> new Fixed();
            case SLIDING_WINDOW -> new Sliding();
            case SLIDING_LOG -> new Log();
            case CONCURRENCY -> new Concurrency();
        };
    }

    /** Brings the state to {@code now} without changing any decision. */
    abstract void advance(LimitRule rule, long now);

    abstract boolean fits(LimitRule rule, long cost, String leaseId, long now);

    abstract void consume(LimitRule rule, long cost, String leaseId, long now);

    abstract long remaining(LimitRule rule, long now);

    abstract long reset(LimitRule rule, long now);

    abstract long retryAfter(LimitRule rule, long cost, long now);

    abstract void settle(LimitRule rule, long delta, long cost, long now);

    void release(String leaseId) {
    }

    /** Token bucket state {@code [S, T]}; fresh is full. */
    static final class Bucket extends LimitState {
        private long tokens;
        private long last;

        Bucket(LimitRule rule) {
            this.tokens = rule.capacityScaled;
        }

        @Override
        void advance(LimitRule rule, long now) {
            tokens = TokenBucket.advance(rule, tokens, last, now);
            last = TokenBucket.advanceTime(last, now);
        }

        @Override
        boolean fits(LimitRule rule, long cost, String leaseId, long now) {
            return TokenBucket.fits(rule, tokens, cost);
        }

        @Override
        void consume(LimitRule rule, long cost, String leaseId, long now) {
            tokens = TokenBucket.consume(rule, tokens, cost);
        }

        @Override
        long remaining(LimitRule rule, long now) {
            return TokenBucket.remaining(rule, tokens);
        }

        @Override
        long reset(LimitRule rule, long now) {
            return TokenBucket.reset(rule, tokens);
        }

        @Override
        long retryAfter(LimitRule rule, long cost, long now) {
            return TokenBucket.retryAfter(rule, tokens, cost);
        }

        @Override
        void settle(LimitRule rule, long delta, long cost, long now) {
            tokens = TokenBucket.settle(rule, tokens, delta, cost);
        }
    }

    /** Fixed window state {@code [E, N]}; fresh is {@code [0, 0]}, rolled on first use. */
    static final class Fixed extends LimitState {
        private long end;
        private long count;

        @Override
        void advance(LimitRule rule, long now) {
            long windowEnd = rule.windowEndMicros(now);
            count = FixedWindow.advanceCount(end, count, windowEnd);
            end = FixedWindow.advanceEnd(end, windowEnd);
        }

        @Override
        boolean fits(LimitRule rule, long cost, String leaseId, long now) {
            return FixedWindow.fits(rule, count, cost);
        }

        @Override
        void consume(LimitRule rule, long cost, String leaseId, long now) {
            count += cost;
        }

        @Override
        long remaining(LimitRule rule, long now) {
            return FixedWindow.remaining(rule, count);
        }

        @Override
        long reset(LimitRule rule, long now) {
            return FixedWindow.reset(end, count, now);
        }

        @Override
        long retryAfter(LimitRule rule, long cost, long now) {
            return FixedWindow.retryAfter(rule, end, cost, now);
        }

        @Override
        void settle(LimitRule rule, long delta, long cost, long now) {
            count = FixedWindow.settle(rule, count, delta, cost);
        }
    }

    /** Sliding window counter state {@code [W, N, M]}; fresh is all zero. */
    static final class Sliding extends LimitState {
        private long start;
        private long current;
        private long previous;

        @Override
        void advance(LimitRule rule, long now) {
            previous = SlidingWindow.advancePrevious(rule, start, current, previous, now);
            current = SlidingWindow.advanceCurrent(rule, start, current, now);
            start = SlidingWindow.advanceStart(rule, start, now);
        }

        @Override
        boolean fits(LimitRule rule, long cost, String leaseId, long now) {
            return SlidingWindow.fits(rule, start, current, previous, cost, now);
        }

        @Override
        void consume(LimitRule rule, long cost, String leaseId, long now) {
            current += cost;
        }

        @Override
        long remaining(LimitRule rule, long now) {
            return SlidingWindow.remaining(rule, start, current, previous, now);
        }

        @Override
        long reset(LimitRule rule, long now) {
            return SlidingWindow.reset(rule, start, current, previous, now);
        }

        @Override
        long retryAfter(LimitRule rule, long cost, long now) {
            return SlidingWindow.retryAfter(rule, start, current, previous, cost, now);
        }

        @Override
        void settle(LimitRule rule, long delta, long cost, long now) {
            previous = SlidingWindow.settlePrevious(current, previous, delta, cost);
            current = SlidingWindow.settleCurrent(rule, current, delta, cost);
        }
    }

    /** Exact sliding log. */
    static final class Log extends LimitState {
        private final SlidingLog log = new SlidingLog();

        @Override
        void advance(LimitRule rule, long now) {
            log.advance(rule, now);
        }

        @Override
        boolean fits(LimitRule rule, long cost, String leaseId, long now) {
            return log.fits(rule, cost);
        }

        @Override
        void consume(LimitRule rule, long cost, String leaseId, long now) {
            log.append(now, cost);
        }

        @Override
        long remaining(LimitRule rule, long now) {
            return log.remaining(rule);
        }

        @Override
        long reset(LimitRule rule, long now) {
            return log.reset(rule, now);
        }

        @Override
        long retryAfter(LimitRule rule, long cost, long now) {
            return log.retryAfter(rule, cost, now);
        }

        @Override
        void settle(LimitRule rule, long delta, long cost, long now) {
            log.settle(rule, delta, cost, now);
        }
    }

    /** Concurrency leases. */
    static final class Concurrency extends LimitState {
        private final Leases leases = new Leases();

        @Override
        void advance(LimitRule rule, long now) {
            leases.advance(now);
        }

        @Override
        boolean fits(LimitRule rule, long cost, String leaseId, long now) {
            return leases.fits(rule, leaseId, cost);
        }

        @Override
        void consume(LimitRule rule, long cost, String leaseId, long now) {
            leases.acquire(rule, leaseId, cost, now);
        }

        @Override
        long remaining(LimitRule rule, long now) {
            return leases.remaining(rule);
        }

        @Override
        long reset(LimitRule rule, long now) {
            return leases.reset(now);
        }

        @Override
        long retryAfter(LimitRule rule, long cost, long now) {
            return leases.retryAfter(rule, cost, now);
        }

        @Override
        void settle(LimitRule rule, long delta, long cost, long now) {
            // Leases hold requests, not units: there is nothing to settle.
        }

        @Override
        void release(String leaseId) {
            leases.release(leaseId);
        }
    }
}
