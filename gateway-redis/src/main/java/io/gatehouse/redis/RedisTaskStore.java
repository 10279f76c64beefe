package io.gatehouse.redis;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.gatehouse.task.Task;
import io.gatehouse.task.TaskResult;
import io.gatehouse.task.TaskState;
import io.gatehouse.task.TaskStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A {@link TaskStore} in Redis, so that every gateway instance sharing it answers status
 * requests for tasks any of them started, and a task outlives the response that started it.
 * Each task is one hash with a time to live; {@link #transition} is one Lua script that checks
 * the current state and replaces the hash atomically, so of racing transitions (a cancel on one
 * instance, the completion on another) exactly one wins.
 *
 * <p><b>Keys</b> (prefix default {@value #DEFAULT_KEY_PREFIX}): {@code {prefix}{{id}}}, one hash
 * slot per task (Redis Cluster).
 *
 * <p><b>When Redis fails</b> calls go through a {@link RedisCircuitBreaker} and throw
 * {@link RedisUnavailableException}; the gateway answers 503 to a new task or status request.
 *
 * <p>Thread-safe.
 */
public final class RedisTaskStore implements TaskStore {

    /** The default prefix of every key. */
    public static final String DEFAULT_KEY_PREFIX = "gatehouse:task:";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] CREATE = bytes("""
            if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
            redis.call('HSET', KEYS[1], unpack(ARGV, 2))
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            return 1
            """);
    private static final byte[] TRANSITION = bytes("""
            local state = redis.call('HGET', KEYS[1], 'state')
            if not state then return 0 end
            local allowed = false
            for from in string.gmatch(ARGV[2], '[^,]+') do
              if from == state then allowed = true end
            end
            if not allowed then return 0 end
            redis.call('DEL', KEYS[1])
            redis.call('HSET', KEYS[1], unpack(ARGV, 3))
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            return 1
            """);

    private final UnifiedJedis jedis;
    private final String keyPrefix;
    private final RedisCircuitBreaker breaker;

    private RedisTaskStore(Builder builder) {
        this.jedis = builder.jedis;
        this.keyPrefix = builder.keyPrefix;
        this.breaker = builder.breaker != null ? builder.breaker
                : RedisCircuitBreaker.builder().name("tasks").build();
    }

    /** Starts a store over {@code jedis}, which the caller keeps owning. */
    public static Builder builder(UnifiedJedis jedis) {
        return new Builder(jedis);
    }

    /**
     * {@inheritDoc} Never full: Redis bounds memory by its own {@code maxmemory} policy.
     *
     * @throws RedisUnavailableException when Redis cannot store the task
     * @throws IllegalArgumentException  when a task with this id exists already
     */
    @Override
    public boolean create(Task task, Duration ttl) {
        List<byte[]> args = new ArrayList<>();
        args.add(bytes(Long.toString(ttl.toMillis())));
        fields(task, args);
        Object created = call(() -> jedis.eval(CREATE, List.of(key(task.id())), args));
        if (!Long.valueOf(1).equals(created)) {
            throw new IllegalArgumentException("task " + task.id() + " exists already");
        }
        return true;
    }

    /**
     * {@inheritDoc}
     *
     * @throws RedisUnavailableException when Redis cannot be read
     */
    @Override
    public Optional<Task> find(String id) {
        Map<byte[], byte[]> hash = call(() -> jedis.hgetAll(key(id)));
        if (hash == null || hash.isEmpty()) {
            return Optional.empty();
        }
        Map<String, byte[]> fields = new HashMap<>();
        hash.forEach((name, value) -> fields.put(new String(name, StandardCharsets.UTF_8),
                value));
        return Optional.of(task(id, fields));
    }

    /**
     * {@inheritDoc}
     *
     * @throws RedisUnavailableException when Redis cannot be reached
     */
    @Override
    public boolean transition(Set<TaskState> from, Task next, Duration ttl) {
        List<byte[]> args = new ArrayList<>();
        args.add(bytes(Long.toString(ttl.toMillis())));
        args.add(bytes(from.stream().map(TaskState::wireName).collect(Collectors.joining(","))));
        fields(next, args);
        Object moved = call(() -> jedis.eval(TRANSITION, List.of(key(next.id())), args));
        return Long.valueOf(1).equals(moved);
    }

    private static void fields(Task task, List<byte[]> args) {
        put(args, "owner", bytes(task.owner()));
        put(args, "route", bytes(task.routeId()));
        put(args, "state", bytes(task.state().wireName()));
        put(args, "created", bytes(Long.toString(task.createdAt())));
        put(args, "updated", bytes(Long.toString(task.updatedAt())));
        TaskResult result = task.result();
        if (result != null) {
            put(args, "status", bytes(Integer.toString(result.status())));
            ArrayNode headers = JSON.createArrayNode();
            for (Map.Entry<String, String> header : result.headers()) {
                headers.addArray().add(header.getKey()).add(header.getValue());
            }
            put(args, "headers", bytes(headers.toString()));
            put(args, "body", result.body());
        }
    }

    private static void put(List<byte[]> args, String name, byte[] value) {
        args.add(bytes(name));
        args.add(value);
    }

    private static Task task(String id, Map<String, byte[]> fields) {
        TaskResult result = null;
        if (fields.containsKey("status")) {
            List<Map.Entry<String, String>> headers = new ArrayList<>();
            try {
                for (JsonNode header : JSON.readTree(fields.get("headers"))) {
                    headers.add(Map.entry(header.get(0).asText(), header.get(1).asText()));
                }
            } catch (java.io.IOException e) {
                throw new IllegalStateException("task " + id + " has unreadable headers", e);
            }
            result = new TaskResult(Integer.parseInt(text(fields, "status")), headers,
                    fields.getOrDefault("body", new byte[0]));
        }
        return new Task(id, text(fields, "owner"), text(fields, "route"),
                TaskState.ofWireName(text(fields, "state")),
                Long.parseLong(text(fields, "created")), Long.parseLong(text(fields, "updated")),
                result);
    }

    private static String text(Map<String, byte[]> fields, String name) {
        return new String(fields.get(name), StandardCharsets.UTF_8);
    }

    private <T> T call(Supplier<T> command) {
        if (!breaker.tryAcquirePermission()) {
            throw new RedisUnavailableException("Redis circuit open: tasks cannot be reached",
                    null);
        }
        T reply;
        try {
            reply = command.get();
        } catch (JedisException e) {
            if (RedisConnections.isPoolExhausted(e)) {
                breaker.onNotAttempted();
                throw new RedisUnavailableException(
                        "no pooled Redis connection became free in time", e);
            }
            breaker.onFailure(e);
            RedisConnections.discardIdleConnections(jedis);
            throw new RedisUnavailableException("Redis unreachable while storing a task", e);
        }
        breaker.onSuccess();
        return reply;
    }

    byte[] key(String id) {
        return bytes(keyPrefix + "{" + RedisLimitStore.escape(id) + "}");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Collects a store's settings. Not thread-safe. */
    public static final class Builder {
        private final UnifiedJedis jedis;
        private String keyPrefix = DEFAULT_KEY_PREFIX;
        private RedisCircuitBreaker breaker;

        private Builder(UnifiedJedis jedis) {
            this.jedis = Objects.requireNonNull(jedis, "jedis");
        }

        /** Prefix of every key; must not contain braces. */
        public Builder keyPrefix(String keyPrefix) {
            this.keyPrefix = KeyPrefixes.require(keyPrefix);
            return this;
        }

        /** The breaker calls go through; one of its own when not set. */
        public Builder circuitBreaker(RedisCircuitBreaker breaker) {
            this.breaker = Objects.requireNonNull(breaker, "breaker");
            return this;
        }

        public RedisTaskStore build() {
            return new RedisTaskStore(this);
        }
    }
}
