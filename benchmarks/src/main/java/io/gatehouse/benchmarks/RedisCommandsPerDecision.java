package io.gatehouse.benchmarks;

import io.gatehouse.limit.LimitAlgorithm;
import io.gatehouse.limit.LimitRule;
import io.gatehouse.limit.Permit;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntPredicate;

/**
 * Counts the Redis commands each decision costs for every scenario of
 * {@link RedisLimiterBenchmark}, with 1 and 8 threads: the stats are reset, a fixed number of
 * decisions is made, and then the same number again under {@code MONITOR}:
 * <ul>
 *   <li>{@code all/dec}: every command Redis executed, from {@code INFO commandstats} (except
 *       the {@code INFO} that reads them). Redis counts the commands a Lua script runs with
 *       {@code redis.call} here too.</li>
 *   <li>{@code sent/dec}: the commands the client sent, i.e. round trips: the same run watched
 *       through {@code MONITOR}, which tags commands run by a script as {@code [0 lua]}; those
 *       are left out.</li>
 *   <li>{@code srv us/dec}: microseconds Redis spent in the commands the client sent
 *       ({@code EVALSHA}, {@code EVAL}, {@code PING}, and Bucket4j's {@code GET}, which it
 *       also runs inside its script: counted once per call either way), per decision, from the
 *       {@code usec} of {@code INFO commandstats}. A script's time includes the commands it
 *       runs. This is the server's share of a decision; the rest of a round trip is network,
 *       system calls and the client.</li>
 * </ul>
 *
 * <p>Then, for every algorithm, server time per call of an admitted decision beside a refused
 * one (see {@link #admittedBesideRefused}).
 *
 * <p>Run: {@code java -cp benchmarks/target/gateway-benchmarks.jar
 * io.gatehouse.benchmarks.RedisCommandsPerDecision [decisions per scenario [refusals]]}; with
 * {@code refusals} only the admitted-beside-refused table.
 */
public final class RedisCommandsPerDecision {

    private RedisCommandsPerDecision() {
    }

    public static void main(String[] args) throws Exception {
        int decisions = args.length > 0 ? Integer.parseInt(args[0]) : 8_000;
        boolean refusalsOnly = args.length > 1 && args[1].equals("refusals");
        try (RedisScenarios redis = new RedisScenarios()) {
            if (!refusalsOnly) {
                commandsPerDecision(redis, decisions);
            }
            admittedBesideRefused(redis, decisions);
        }
    }

    /** The entries, leases or units every limit of the admitted-versus-refused table holds. */
    static final int HELD = 1_000;

    /**
     * Server time per call, admitted beside refused, for every algorithm: one permit on one key
     * of a limit that admits (so large it never refuses) and one of a limit exhausted by
     * {@value #HELD} earlier admissions (so a sliding log holds {@value #HELD} entries and a
     * concurrency limit {@value #HELD} leases on either side: a refusal that read them all would
     * show here). Both from the {@code usec} of {@code EVALSHA} in {@code INFO commandstats}, one
     * thread.
     */
    private static void admittedBesideRefused(RedisScenarios redis, int decisions)
            throws Exception {
        System.out.printf("%n%-16s %9s %13s %13s %9s%n", "algorithm", "decisions",
                "admitted us", "refused us", "ratio");
        for (LimitAlgorithm algorithm : LimitAlgorithm.values()) {
            Duration period = algorithm == LimitAlgorithm.CONCURRENCY
                    ? Duration.ofMinutes(10) : Duration.ofHours(1);
            LimitRule roomy = LimitRule.builder("admits", algorithm)
                    .limit(100_000, period)
                    .build();
            // A week: nothing refills or rolls over while a slow machine fills the limit.
            LimitRule exhausted = LimitRule.builder("refuses", algorithm)
                    .limit(HELD, algorithm == LimitAlgorithm.CONCURRENCY
                            ? period : Duration.ofDays(7))
                    .build();
            List<Permit> admits = List.of(new Permit(roomy, "admitted-" + algorithm, 1));
            List<Permit> refuses = List.of(new Permit(exhausted, "refused-" + algorithm, 1));
            for (int i = 0; i < HELD; i++) {
                RedisScenarios.require(redis.store.tryConsume(admits, "held-" + i), "admits");
                RedisScenarios.require(redis.store.tryConsume(refuses, "held-" + i), "fills");
            }
            RedisScenarios.require(!redis.store.tryConsume(refuses, "over"), "refuses");
            // Admitted calls of a log or leases add entries: as few as the refused side holds.
            int calls = algorithm == LimitAlgorithm.SLIDING_LOG
                    || algorithm == LimitAlgorithm.CONCURRENCY
                    ? Math.min(decisions, HELD) : decisions;
            double admitted = serverMicrosPerCall(redis, calls,
                    i -> redis.store.tryConsume(admits, "lease-" + i));
            double refused = serverMicrosPerCall(redis, calls,
                    i -> !redis.store.tryConsume(refuses, "lease-" + i));
            System.out.printf("%-16s %9d %13.2f %13.2f %8.2fx%n", algorithm, calls, admitted,
                    refused, refused / admitted);
        }
    }

    private static double serverMicrosPerCall(RedisScenarios redis, int calls,
            IntPredicate decision) throws Exception {
        redis.resetCommandStats();
        run(decision, 1, calls);
        Map<String, Long> micros = redis.commandMicros();
        return (double) micros.getOrDefault("evalsha", 0L) / calls;
    }

    private static void commandsPerDecision(RedisScenarios redis, int decisions)
            throws Exception {
        redis.warmAllKeys();
        redis.loadFloorScripts();
        int keys = RedisScenarios.KEYS;
        String lease = RedisScenarios.LEASE;
        Map<String, IntPredicate> scenarios = new java.util.LinkedHashMap<>();
        scenarios.put("ping", i -> "PONG".equals(redis.jedis.ping()));
        scenarios.put("oneLimitHotKey", i -> redis.store.tryConsume(redis.oneLimitHot, lease));
        scenarios.put("threeLimitsHotKey",
                i -> redis.store.tryConsume(redis.threeLimitsHot, lease));
        scenarios.put("oneLimitManyKeys",
                i -> redis.store.tryConsume(redis.oneLimitMany[i % keys], lease));
        scenarios.put("threeLimitsManyKeys",
                i -> redis.store.tryConsume(redis.threeLimitsMany[i % keys], lease));
        // What any one-call script for three limits costs before deciding: RedisScenarios.
        scenarios.put("floorThreeLimitsCall", i -> redis.floorCall() != null);
        scenarios.put("floorThreeLimitsRead", i -> redis.floorRead() != null);
        scenarios.put("floorThreeLimitsReadWrite", i -> redis.floorReadWrite() != null);
        scenarios.put("bucket4jOneLimitHotKey", i -> redis.bucket4jOneHot.tryConsume(1));
        scenarios.put("bucket4jThreeLimitsHotKey", i -> redis.bucket4jThreeHot.tryConsume(1));
        scenarios.put("bucket4jOneLimitManyKeys",
                i -> redis.bucket4jOneMany[i % keys].tryConsume(1));
        scenarios.put("bucket4jThreeLimitsManyKeys",
                i -> redis.bucket4jThreeMany[i % keys].tryConsume(1));
        System.out.printf("%-28s %7s %9s %9s %9s %10s  %s%n", "scenario", "threads",
                "decisions", "sent/dec", "all/dec", "srv us/dec", "INFO commandstats calls");
        for (int threads : new int[] {1, 8}) {
            for (Map.Entry<String, IntPredicate> scenario : scenarios.entrySet()) {
                // Counted without MONITOR, which slows every command it shows.
                redis.resetCommandStats();
                run(scenario.getValue(), threads, decisions);
                Map<String, Long> calls = redis.commandCalls();
                Map<String, Long> micros = redis.commandMicros();
                long serverMicros = 0;
                for (String command : new String[] {"evalsha", "eval", "ping", "get"}) {
                    serverMicros += micros.getOrDefault(command, 0L);
                }
                // The same decisions again, watched, to count what the client sent.
                long sent;
                try (Monitor monitor = Monitor.open(redis.server.port())) {
                    run(scenario.getValue(), threads, decisions);
                    sent = monitor.clientCommandsUntilMarker(redis);
                }
                calls.remove("info");
                calls.remove("config|resetstat");
                calls.remove("echo");
                calls.remove("monitor");
                long total = calls.values().stream().mapToLong(Long::longValue).sum();
                System.out.printf("%-28s %7d %9d %9.3f %9.3f %10.2f  %s%n",
                        scenario.getKey(), threads, decisions, (double) sent / decisions,
                        (double) total / decisions, (double) serverMicros / decisions, calls);
            }
        }
    }

    /**
     * A {@code MONITOR} connection counting the commands clients send (lines not tagged
     * {@code [0 lua]}). Not thread-safe beyond its own reader thread.
     */
    private static final class Monitor implements AutoCloseable {
        private static final String MARKER = "gatehouse-commands-marker";
        private final Socket socket;
        private final BufferedReader reader;

        private Monitor(Socket socket) throws IOException {
            this.socket = socket;
            this.reader = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
        }

        static Monitor open(int port) throws IOException {
            Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
            Monitor monitor = new Monitor(socket);
            String ok = monitor.reader.readLine();
            if (!"+OK".equals(ok)) {
                throw new IOException("MONITOR answered " + ok);
            }
            return monitor;
        }

        /** Sends a marker and counts client commands seen before it. */
        long clientCommandsUntilMarker(RedisScenarios redis) throws IOException {
            redis.jedis.echo(MARKER);
            long clientCommands = 0;
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.contains(MARKER)) {
                    return clientCommands;
                }
                if (!line.contains(" lua] ")) {
                    clientCommands++;
                }
            }
            throw new IOException("MONITOR closed before the marker");
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Makes {@code decisions} decisions on {@code threads} threads; each must admit. */
    private static void run(IntPredicate decision, int threads, int decisions) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t;
                done.add(pool.submit(() -> {
                    for (int i = first; i < decisions; i += threads) {
                        RedisScenarios.require(decision.test(i), "every decision admits");
                    }
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        } finally {
            pool.shutdown();
        }
    }
}
