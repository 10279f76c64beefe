#!/usr/bin/env bash
# Builds the benchmark jar and runs every benchmark that benchmarks/README.md reports, each group
# beside its baselines in one JMH run. Raw output and JSON go to $OUT (benchmarks/results/).
#   JMH_OPTS  JMH options for every run (default: 3 warm-up and 5 measured 1 s iterations, 1 fork)
#   SKIP_BUILD=1 to reuse benchmarks/target/gateway-benchmarks.jar
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-benchmarks/results}
JMH_OPTS=${JMH_OPTS:--wi 3 -w 1 -i 5 -r 1 -f 1}
JAR=benchmarks/target/gateway-benchmarks.jar
mkdir -p "$OUT"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    # clean: the shade plugin would otherwise re-shade its own previous output and keep stale classes
    ./mvnw -B -q -pl benchmarks -am clean package -DskipTests
fi
{ echo "date: $(date -u +%FT%TZ)"; echo "nproc: $(nproc)"; uptime; java -version 2>&1;
  redis-server --version 2>/dev/null || echo "redis-server: not installed"; } > "$OUT/machine.txt"

# In-memory limiter and Gateway.admit, beside the local baselines, with allocation per op.
for threads in 1 2; do
    java -jar "$JAR" 'LimiterBaselines|InMemoryLimiterBenchmark|GatewayAdmitBenchmark' \
        $JMH_OPTS -t "$threads" -prof gc -rf json -rff "$OUT/in-memory-t$threads.json" \
        > "$OUT/in-memory-t$threads.txt"
    uptime >> "$OUT/machine.txt"
done

# Redis: each trial starts its own redis-server on a free loopback port.
for threads in 1 8; do
    java -jar "$JAR" 'RedisLimiterBenchmark' \
        $JMH_OPTS -t "$threads" -rf json -rff "$OUT/redis-t$threads.json" \
        > "$OUT/redis-t$threads.txt"
    uptime >> "$OUT/machine.txt"
done
# Redis on a core of its own (CPU 1), the benchmark on the other (CPU 0): what the ratios are
# when Redis does not share its core with the clients, as on a separate host.
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    taskset -c 0 java -jar "$JAR" 'RedisLimiterBenchmark.(ping|floor.*|(one|three)Limits?(HotKey|ManyKeys))$' \
        $JMH_OPTS -t 8 -jvmArgsAppend -Dredis.cpus=1 -rf json -rff "$OUT/redis-t8-pinned.json" \
        > "$OUT/redis-t8-pinned.txt"
    uptime >> "$OUT/machine.txt"
fi
java -cp "$JAR" io.gatehouse.benchmarks.RedisCommandsPerDecision > "$OUT/redis-commands.txt" 2>&1

# The JVM's install path says nothing about the result and names this machine's layout.
sed -i -E 's#(VM invoker: |"jvm" : ")[^"]*/bin/java#\1$JAVA_HOME/bin/java#' "$OUT"/*.txt "$OUT"/*.json

java -cp "$JAR" io.gatehouse.benchmarks.ResultTables "$OUT"/in-memory-t*.json "$OUT"/redis-t*.json \
    > "$OUT/tables.md"
cat "$OUT/tables.md" "$OUT/redis-commands.txt"
