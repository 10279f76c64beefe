package io.gatehouse.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.task.Task;
import io.gatehouse.task.TaskState;
import io.gatehouse.task.TaskStore;
import io.gatehouse.task.TaskStoreContract;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.UnifiedJedis;

/** Core's task store contract against a real standalone Redis, plus sharing and keys. */
class RedisTaskStoreTest extends TaskStoreContract {

    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.emptiedBeforeEachTest();

    private static RedisServer redis;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeAll
    static void useRedis() {
        redis = REDIS.server();
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
        closeables.clear();
    }

    @Override
    protected TaskStore newStore() {
        UnifiedJedis jedis = RedisConnections.parse(redis.url())
                .commandTimeout(Duration.ofSeconds(2)).build();
        closeables.add(jedis);
        return RedisTaskStore.builder(jedis).build();
    }

    /** Redis expires keys by its own clock: real time passes. */
    @Override
    protected void advance(TaskStore store, Duration duration) throws InterruptedException {
        Thread.sleep(duration.toMillis());
    }

    @Test
    void aTaskStoredByOneInstanceIsReadAndMovedByAnotherUnderOneKeyWithItsTtl() {
        TaskStore first = newStore();
        TaskStore second = newStore();
        Task task = pending("alice");
        first.create(task, Duration.ofMinutes(5));

        assertThat(second.find(task.id())).contains(task);
        Task cancelled = task.moved(TaskState.CANCELLED, 5_000, null);
        assertThat(second.transition(Set.of(TaskState.PENDING), cancelled,
                Duration.ofMinutes(1))).isTrue();
        assertThat(first.find(task.id())).contains(cancelled);

        try (Jedis admin = redis.admin()) {
            assertThat(admin.keys("*")).containsExactly("gatehouse:task:{" + task.id() + "}");
            assertThat(admin.pttl("gatehouse:task:{" + task.id() + "}"))
                    .isBetween(Duration.ofSeconds(50).toMillis(), Duration.ofMinutes(1)
                            .toMillis());
        }
        assertThatThrownBy(() -> first.create(task, Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anOutageIsAnErrorNeverAMissingTask() {
        TaskStore store = newStore();
        Task task = pending("alice");
        store.create(task, Duration.ofMinutes(5));
        redis.stop();
        try {
            assertThatThrownBy(() -> store.find(task.id()))
                    .isInstanceOf(RedisUnavailableException.class);
            assertThatThrownBy(() -> store.create(pending("bob"), Duration.ofMinutes(5)))
                    .isInstanceOf(RedisUnavailableException.class);
        } finally {
            redis.restart();
        }
    }
}
