package io.gatehouse.task;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.Concurrently;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * What every {@link TaskStore} must do. A backend's test extends this class; shipped in core's
 * test-jar for the Redis task store.
 */
public abstract class TaskStoreContract {

    private static final Duration TTL = Duration.ofMinutes(5);

    /** A new, empty store holding at least 1,000 tasks. */
    protected abstract TaskStore newStore();

    /** Lets time pass for {@code store} (a fake clock, or a real wait for a real server). */
    protected abstract void advance(TaskStore store, Duration duration) throws Exception;

    protected static Task pending(String owner) {
        byte[] id = new byte[16];
        ThreadLocalRandom.current().nextBytes(id);
        return new Task(HexFormat.of().formatHex(id), owner, "execute", TaskState.PENDING,
                1_000, 1_000, null);
    }

    private static TaskResult result(int status, byte[] body) {
        return new TaskResult(status, List.of(Map.entry("Content-Type", "application/json"),
                Map.entry("X-Usage-Tokens", "42"), Map.entry("Set-Cookie", "a=1"),
                Map.entry("Set-Cookie", "b=2")), body);
    }

    @Test
    public void aCreatedTaskIsFoundAsStored() {
        TaskStore store = newStore();
        Task task = pending("alice");

        assertThat(store.create(task, TTL)).isTrue();

        assertThat(store.find(task.id())).contains(task);
        assertThat(store.find(pending("alice").id())).isEmpty();
    }

    @Test
    public void aResultKeepsStatusHeadersInOrderAndEveryByte() {
        TaskStore store = newStore();
        Task task = pending("alice");
        store.create(task, TTL);
        byte[] body = new byte[70_000];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) i;
        }
        Task done = task.moved(TaskState.COMPLETED, 2_000, result(201, body));

        assertThat(store.transition(Set.of(TaskState.PENDING, TaskState.RUNNING), done, TTL))
                .isTrue();

        Task found = store.find(task.id()).orElseThrow();
        assertThat(found).isEqualTo(done);
        assertThat(found.result().body()).isEqualTo(body);
        assertThat(found.result().headers()).extracting(Map.Entry::getKey).containsExactly(
                "Content-Type", "X-Usage-Tokens", "Set-Cookie", "Set-Cookie");
        assertThat(found.updatedAt()).isEqualTo(2_000);
        assertThat(found.createdAt()).isEqualTo(1_000);
    }

    @Test
    public void aTransitionFromAnotherStateChangesNothing() {
        TaskStore store = newStore();
        Task task = pending("alice");
        store.create(task, TTL);
        Task cancelled = task.moved(TaskState.CANCELLED, 2_000, null);
        assertThat(store.transition(Set.of(TaskState.PENDING), cancelled, TTL)).isTrue();

        Task late = task.moved(TaskState.COMPLETED, 3_000, result(200, "{}".getBytes(
                StandardCharsets.UTF_8)));
        assertThat(store.transition(Set.of(TaskState.PENDING, TaskState.RUNNING), late, TTL))
                .isFalse();

        assertThat(store.find(task.id())).contains(cancelled);
    }

    @Test
    public void aMissingTaskCannotBeMovedOrRevived() {
        TaskStore store = newStore();
        Task ghost = pending("alice").moved(TaskState.RUNNING, 2_000, null);

        assertThat(store.transition(Set.of(TaskState.PENDING), ghost, TTL)).isFalse();
        assertThat(store.find(ghost.id())).isEmpty();
    }

    @Test
    public void aTaskExpiresItsTimeToLiveAfterItsLastWrite() throws Exception {
        TaskStore store = newStore();
        Task task = pending("alice");
        store.create(task, Duration.ofSeconds(2));
        advance(store, Duration.ofMillis(1_200));
        Task running = task.moved(TaskState.RUNNING, 2_000, null);
        assertThat(store.transition(Set.of(TaskState.PENDING), running, Duration.ofSeconds(2)))
                .isTrue();
        advance(store, Duration.ofMillis(1_200));

        assertThat(store.find(task.id())).contains(running);

        advance(store, Duration.ofMillis(1_200));
        assertThat(store.find(task.id())).isEmpty();
        assertThat(store.transition(Set.of(TaskState.RUNNING),
                task.moved(TaskState.COMPLETED, 3_000, result(200, new byte[0])), TTL)).isFalse();
    }

    @Test
    public void ofRacingTransitionsOutOfOneStateExactlyOneWins() throws Exception {
        TaskStore store = newStore();
        for (int round = 0; round < 20; round++) {
            Task task = pending("alice");
            store.create(task, TTL);
            List<Boolean> wins = Concurrently.run(16, 8, i -> () -> store.transition(
                    Set.of(TaskState.PENDING, TaskState.RUNNING),
                    task.moved(i % 2 == 0 ? TaskState.CANCELLED : TaskState.COMPLETED,
                            2_000 + i, i % 2 == 0 ? null : result(200, new byte[] {(byte) i})),
                    TTL), Duration.ofSeconds(30));

            assertThat(wins).containsOnlyOnce(true);
            int winner = wins.indexOf(true);
            assertThat(store.find(task.id()).orElseThrow().updatedAt()).isEqualTo(2_000 + winner);
        }
    }
}
