package io.gatehouse.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decisions per second against a private {@code redis-server} (see {@link RedisScenarios}):
 * {@code RedisLimitStore} with one and three limits, on one hot key and on 10,000 keys, beside a
 * raw {@code PING} through the same Jedis pool (the ceiling: one round trip doing nothing) and
 * Bucket4j's Jedis proxy manager with the same limits. Run it with {@code -t 1} and {@code -t 8}.
 * Three floor scripts show what any one-call script for three limits costs before it decides
 * anything: the call alone, then {@code TIME} and the read of the states, with and without their
 * write.
 *
 * <p>Each trial starts its own server, so the benchmarks do not share Redis state. The tear-down
 * prints the trial's Redis commands from {@code INFO commandstats}; exact commands per decision
 * come from {@link RedisCommandsPerDecision}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RedisLimiterBenchmark {

    @State(Scope.Benchmark)
    public static class Redis {
        RedisScenarios scenarios;

        @Setup(Level.Trial)
        public void setUp() {
            scenarios = new RedisScenarios();
            scenarios.warmAllKeys();
            scenarios.loadFloorScripts();
            scenarios.resetCommandStats();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            try {
                // A benchmark that ran into a limit would have measured refusals instead.
                RedisScenarios.require(scenarios.store.tryConsume(scenarios.threeLimitsHot,
                        RedisScenarios.LEASE), "three limits still admit");
                System.out.println("\nRedis commands during this trial (INFO commandstats): "
                        + scenarios.commandCalls());
            } finally {
                scenarios.close();
            }
        }
    }

    @Benchmark
    public String ping(Redis redis) {
        return redis.scenarios.jedis.ping();
    }

    /** The store's KEYS and ARGV, a constant reply, no command: see RedisScenarios. */
    @Benchmark
    public Object floorThreeLimitsCall(Redis redis) {
        return redis.scenarios.floorCall();
    }

    /** {@code TIME} and one {@code HMGET} of three fields, no decision: see RedisScenarios. */
    @Benchmark
    public Object floorThreeLimitsRead(Redis redis) {
        return redis.scenarios.floorRead();
    }

    /** {@link #floorThreeLimitsRead} plus one {@code HSET} of three fields. */
    @Benchmark
    public Object floorThreeLimitsReadWrite(Redis redis) {
        return redis.scenarios.floorReadWrite();
    }

    @Benchmark
    public boolean oneLimitHotKey(Redis redis) {
        return redis.scenarios.store.tryConsume(redis.scenarios.oneLimitHot, RedisScenarios.LEASE);
    }

    @Benchmark
    public boolean threeLimitsHotKey(Redis redis) {
        return redis.scenarios.store.tryConsume(redis.scenarios.threeLimitsHot,
                RedisScenarios.LEASE);
    }

    @Benchmark
    public boolean oneLimitManyKeys(Redis redis, Keys.Cursor cursor) {
        return redis.scenarios.store.tryConsume(
                redis.scenarios.oneLimitMany[cursor.next(RedisScenarios.KEYS)],
                RedisScenarios.LEASE);
    }

    @Benchmark
    public boolean threeLimitsManyKeys(Redis redis, Keys.Cursor cursor) {
        return redis.scenarios.store.tryConsume(
                redis.scenarios.threeLimitsMany[cursor.next(RedisScenarios.KEYS)],
                RedisScenarios.LEASE);
    }

    @Benchmark
    public boolean bucket4jOneLimitHotKey(Redis redis) {
        return redis.scenarios.bucket4jOneHot.tryConsume(1);
    }

    @Benchmark
    public boolean bucket4jThreeLimitsHotKey(Redis redis) {
        return redis.scenarios.bucket4jThreeHot.tryConsume(1);
    }

    @Benchmark
    public boolean bucket4jOneLimitManyKeys(Redis redis, Keys.Cursor cursor) {
        return redis.scenarios.bucket4jOneMany[cursor.next(RedisScenarios.KEYS)].tryConsume(1);
    }

    @Benchmark
    public boolean bucket4jThreeLimitsManyKeys(Redis redis, Keys.Cursor cursor) {
        return redis.scenarios.bucket4jThreeMany[cursor.next(RedisScenarios.KEYS)].tryConsume(1);
    }
}
