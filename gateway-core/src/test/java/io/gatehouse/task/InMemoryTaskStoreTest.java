package io.gatehouse.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Core's task store contract in memory, plus its bound. */
class InMemoryTaskStoreTest extends TaskStoreContract {

    private final AtomicLong millis = new AtomicLong(1_000_000);

    @Override
    protected TaskStore newStore() {
        return new InMemoryTaskStore(1_000, millis::get);
    }

    @Override
    protected void advance(TaskStore store, Duration duration) {
        millis.addAndGet(duration.toMillis());
    }

    @Test
    void aFullStoreRefusesNewTasksAndKeepsEveryRunningOne() {
        InMemoryTaskStore store = new InMemoryTaskStore(3, millis::get);
        Task first = pending("a");
        Task second = pending("a");
        Task third = pending("a");
        assertThat(store.create(first, Duration.ofSeconds(10))).isTrue();
        assertThat(store.create(second, Duration.ofSeconds(60))).isTrue();
        assertThat(store.create(third, Duration.ofSeconds(60))).isTrue();

        assertThat(store.create(pending("b"), Duration.ofSeconds(60))).isFalse();
        assertThat(store.find(first.id())).isPresent();
        assertThat(store.size()).isEqualTo(3);

        millis.addAndGet(10_000);
        Task fourth = pending("b");
        assertThat(store.create(fourth, Duration.ofSeconds(60))).isTrue();
        assertThat(store.find(first.id())).isEmpty();
        assertThat(store.find(second.id())).isPresent();
        assertThat(store.find(fourth.id())).isPresent();
        assertThat(store.size()).isEqualTo(3);
    }

    @Test
    void aDuplicateIdIsAProgrammerErrorAndTakesNoSlot() {
        InMemoryTaskStore store = new InMemoryTaskStore(2, millis::get);
        Task task = pending("a");
        store.create(task, Duration.ofSeconds(10));

        assertThatThrownBy(() -> store.create(task, Duration.ofSeconds(10)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(store.size()).isEqualTo(1);
        assertThat(store.transition(Set.of(TaskState.PENDING),
                task.moved(TaskState.RUNNING, 1, null), Duration.ofSeconds(1))).isTrue();
    }
}
