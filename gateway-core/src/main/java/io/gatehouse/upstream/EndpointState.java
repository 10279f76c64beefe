package io.gatehouse.upstream;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one service knows about one of its endpoints: requests in flight, failures in a row,
 * ejection, and the last active probe's verdict.
 *
 * <p>Thread-safe; counters are updated without locks, so that concurrent attempts may race a
 * failure count by one, never corrupt it.
 */
final class EndpointState {

    /** Ejections double their duration this many times at most. */
    private static final int MAX_DOUBLINGS = 3;

    final Endpoint endpoint;
    final AtomicInteger outstanding = new AtomicInteger();
    private final AtomicInteger failuresInRow = new AtomicInteger();
    private final AtomicInteger ejectionsInRow = new AtomicInteger();
    private volatile long ejectedUntil;
    private volatile boolean ejected;
    private volatile boolean probeHealthy = true;

    EndpointState(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    boolean available(long now) {
        return probeHealthy && (!ejected || now - ejectedUntil >= 0);
    }

    boolean probeHealthy() {
        return probeHealthy;
    }

    /** Records a success: the failure and ejection runs end. */
    void succeeded() {
        failuresInRow.set(0);
        ejectionsInRow.set(0);
        ejected = false;
    }

    /**
     * Records a failure; ejects the endpoint when it completes a run of {@code threshold}.
     *
     * @return whether this failure ejected the endpoint
     */
    boolean failed(long now, int threshold, long ejectNanos) {
        if (failuresInRow.incrementAndGet() < threshold) {
            return false;
        }
        failuresInRow.set(0);
        int doublings = Math.min(ejectionsInRow.getAndIncrement(), MAX_DOUBLINGS);
        ejectedUntil = now + (ejectNanos << doublings);
        ejected = true;
        return true;
    }

    /** Records an active probe's verdict. @return whether the verdict changed */
    boolean probed(boolean healthy) {
        boolean changed = probeHealthy != healthy;
        probeHealthy = healthy;
        if (healthy && changed) {
            failuresInRow.set(0);
            ejected = false;
        }
        return changed;
    }
}
