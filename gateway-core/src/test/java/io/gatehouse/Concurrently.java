package io.gatehouse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Runs tasks on a pool of threads, all released at the same instant, so that tests of
 * concurrent callers really race; part of the test kit. Each task's failure fails the call.
 */
public final class Concurrently {

    private Concurrently() {
    }

    /**
     * Runs {@code tasks} tasks, {@code task(i)} for i from 0, on {@code threads} threads released
     * together, and returns their results in order; waits at most {@code timeout} for each.
     */
    public static <T> List<T> run(int tasks, int threads, IntFunction<Callable<T>> task,
            Duration timeout) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<T>> done = new ArrayList<>(tasks);
            for (int i = 0; i < tasks; i++) {
                Callable<T> work = task.apply(i);
                done.add(pool.submit(() -> {
                    start.await();
                    return work.call();
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>(tasks);
            for (Future<T> future : done) {
                results.add(future.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
