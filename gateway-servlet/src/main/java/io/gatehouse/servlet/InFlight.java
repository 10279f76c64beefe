package io.gatehouse.servlet;

import io.gatehouse.Grant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the requests a filter has taken on and not yet finished, so that shutdown can wait
 * for them. Thread-safe.
 */
final class InFlight {

    private final Object idle = new Object();
    private final AtomicInteger count = new AtomicInteger();

    void enter() {
        count.incrementAndGet();
    }

    void exit() {
        if (count.decrementAndGet() == 0) {
            synchronized (idle) {
                idle.notifyAll();
            }
        }
    }

    int count() {
        return count.get();
    }

    /** {@code grant}, counted in flight until it completes for the first time. */
    Grant track(Grant grant) {
        enter();
        AtomicBoolean done = new AtomicBoolean();
        return outcome -> {
            try {
                grant.complete(outcome);
            } finally {
                if (done.compareAndSet(false, true)) {
                    exit();
                }
            }
        };
    }

    /**
     * Waits until nothing is in flight or {@code timeoutMillis} passed.
     *
     * @return how many requests were still in flight when it returned
     */
    int awaitIdle(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (idle) {
            while (count.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                // Bounded slices: an exit between the check and the wait is not missed for long.
                TimeUnit.NANOSECONDS.timedWait(idle, Math.min(left, 50_000_000L));
            }
            return count.get();
        }
    }
}
