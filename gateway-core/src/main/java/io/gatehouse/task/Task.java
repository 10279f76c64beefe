package io.gatehouse.task;

import java.util.Objects;

/**
 * One asynchronous task as a {@link TaskStore} keeps it.
 *
 * <p>Immutable.
 *
 * @param id        the task's id, unguessable (128 random bits)
 * @param owner     the id of the principal that started it; only it (or an administrator) may
 *                  read or cancel it
 * @param routeId   the route it was started on
 * @param state     where it is
 * @param createdAt when it was accepted, in epoch milliseconds
 * @param updatedAt when its state last changed, in epoch milliseconds
 * @param result    its response once {@link TaskState#terminal() ended} (none when cancelled),
 *                  else {@code null}
 */
public record Task(String id, String owner, String routeId, TaskState state, long createdAt,
        long updatedAt, TaskResult result) {

    public Task {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(routeId, "routeId");
        Objects.requireNonNull(state, "state");
    }

    /** This task moved to {@code next} at {@code at}, with {@code result} (nullable). */
    public Task moved(TaskState next, long at, TaskResult result) {
        return new Task(id, owner, routeId, next, createdAt, at, result);
    }
}
