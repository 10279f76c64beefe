package io.gatehouse.task;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * Where asynchronous tasks live between the request that started them and the requests that
 * read them: in memory for one gateway ({@link #inMemory(int)}), in Redis for several
 * ({@code io.gatehouse.redis.RedisTaskStore}), so that any instance answers a status request.
 * Every entry expires {@code ttl} after it was last written. Core's test-jar holds the contract
 * every implementation passes ({@code TaskStoreContract}).
 *
 * <p>Implementations must be thread-safe, and {@link #transition} atomic across every gateway
 * sharing the store: of two racing transitions out of one state, exactly one succeeds.
 */
public interface TaskStore {

    /**
     * Stores a new task.
     *
     * @return {@code false} when the store is full (a bounded store) and the task was not kept
     * @throws RuntimeException when the backend fails (e.g. Redis unreachable)
     */
    boolean create(Task task, Duration ttl);

    /** The task with {@code id}, unless there is none or it expired. */
    Optional<Task> find(String id);

    /**
     * Replaces task {@code next.id()} by {@code next}, but only if its current state is one of
     * {@code from}, and restarts its time to live.
     *
     * @return whether it was replaced; {@code false} when it is missing, expired, or in another
     *     state (e.g. cancelled meanwhile)
     */
    boolean transition(Set<TaskState> from, Task next, Duration ttl);

    /** A store in this JVM holding at most {@code maxTasks} live tasks. */
    static TaskStore inMemory(int maxTasks) {
        return new InMemoryTaskStore(maxTasks, System::currentTimeMillis);
    }
}
