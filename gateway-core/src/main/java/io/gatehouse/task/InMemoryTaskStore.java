package io.gatehouse.task;

import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * A {@link TaskStore} in this JVM, bounded by a number of live tasks: when full, expired tasks
 * are swept, and a new task is refused rather than an older one dropped (a running task must
 * not vanish under its client).
 *
 * <p>Thread-safe.
 */
public final class InMemoryTaskStore implements TaskStore {

    private record Entry(Task task, long expiresAt) {
    }

    private final ConcurrentHashMap<String, Entry> tasks = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();
    private final int maxTasks;
    private final LongSupplier millis;

    /**
     * A store holding at most {@code maxTasks} live tasks, telling time by {@code millis}
     * (epoch milliseconds).
     */
    public InMemoryTaskStore(int maxTasks, LongSupplier millis) {
        if (maxTasks < 1) {
            throw new IllegalArgumentException("maxTasks must be at least 1, was " + maxTasks);
        }
        this.maxTasks = maxTasks;
        this.millis = Objects.requireNonNull(millis, "millis");
    }

    @Override
    public boolean create(Task task, Duration ttl) {
        long now = millis.getAsLong();
        if (!reserveSlot(now)) {
            return false;
        }
        Entry previous = tasks.putIfAbsent(task.id(), new Entry(task, now + ttl.toMillis()));
        if (previous != null) {
            size.decrementAndGet();
            throw new IllegalArgumentException("task " + task.id() + " exists already");
        }
        return true;
    }

    private boolean reserveSlot(long now) {
        while (true) {
            int current = size.get();
            if (current >= maxTasks) {
                if (sweep(now) == 0) {
                    return false;
                }
                continue;
            }
            if (size.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** Removes expired tasks; returns how many. */
    private int sweep(long now) {
        int removed = 0;
        for (Iterator<Map.Entry<String, Entry>> it = tasks.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, Entry> entry = it.next();
            if (entry.getValue().expiresAt() <= now
                    && tasks.remove(entry.getKey(), entry.getValue())) {
                size.decrementAndGet();
                removed++;
            }
        }
        return removed;
    }

    @Override
    public Optional<Task> find(String id) {
        Entry entry = tasks.get(id);
        if (entry == null) {
            return Optional.empty();
        }
        if (entry.expiresAt() <= millis.getAsLong()) {
            if (tasks.remove(id, entry)) {
                size.decrementAndGet();
            }
            return Optional.empty();
        }
        return Optional.of(entry.task());
    }

    @Override
    public boolean transition(Set<TaskState> from, Task next, Duration ttl) {
        long now = millis.getAsLong();
        boolean[] moved = new boolean[1];
        tasks.computeIfPresent(next.id(), (id, entry) -> {
            if (entry.expiresAt() <= now || !from.contains(entry.task().state())) {
                return entry;
            }
            moved[0] = true;
            return new Entry(next, now + ttl.toMillis());
        });
        return moved[0];
    }

    /** Live and not yet swept tasks; for tests and metrics. */
    public int size() {
        return size.get();
    }
}
