#!/usr/bin/env bash
# HTTP load on loopback with wrk: the same servlet bare, behind GatewayFilter with an empty
# chain, behind the filter with an API key and three in-memory limits, and the same with a
# Prometheus meter registry (HttpLoadTargets).
# Each target is loaded in turn, in rounds, so all three share the machine's state; bounded in
# time (DURATION per run). Output: $OUT/http-load.txt.
#   DURATION wrk run length (default 10s), CONNECTIONS (default 16), ROUNDS (default 2)
#   SKIP_BUILD=1 to reuse benchmarks/target/gateway-benchmarks.jar
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-benchmarks/results}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-16}
ROUNDS=${ROUNDS:-2}
JAR=benchmarks/target/gateway-benchmarks.jar
command -v wrk >/dev/null || { echo "wrk is not installed (Debian: apt-get install wrk)" >&2; exit 1; }
mkdir -p "$OUT"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    ./mvnw -B -q -pl benchmarks -am clean package -DskipTests
fi

# The targets serve until their standard input closes: the fifo's writer is this script.
fifo=$(mktemp -u) && mkfifo "$fifo"
ports=$(mktemp)
java -cp "$JAR" io.gatehouse.benchmarks.HttpLoadTargets < "$fifo" > "$ports" 2> "$OUT/http-load-targets.log" &
targets=$!
exec 3> "$fifo"
trap 'exec 3>&-; wait "$targets" 2>/dev/null; rm -f "$fifo" "$ports"' EXIT
for _ in $(seq 1 300); do grep -q '^bare=' "$ports" && break; sleep 0.1; done
grep -q '^bare=' "$ports" || { echo "the targets did not start: $OUT/http-load-targets.log" >&2; exit 1; }
read -r bare empty limited metered key < <(sed -E 's/[a-z]+=//g' "$ports")

run() { # name port [header]
    local name=$1 port=$2; shift 2
    local url="http://127.0.0.1:$port/v1/echo"
    # One short warm-up run, then the measured one.
    wrk -t1 -c"$CONNECTIONS" -d3s "$@" "$url" > /dev/null
    echo "== $name"
    wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$url"
}
{
    echo "date: $(date -u +%FT%TZ)"; echo "nproc: $(nproc)"; uptime; { wrk --version 2>&1 || true; } | head -1
    echo "wrk -t1 -c$CONNECTIONS -d$DURATION, $ROUNDS rounds"
    for round in $(seq 1 "$ROUNDS"); do
        echo "# round $round"
        run bare "$bare"
        run empty "$empty"
        run limited "$limited" -H "X-API-Key: $key"
        run metered "$metered" -H "X-API-Key: $key"
    done
    uptime
} > "$OUT/http-load.txt"
# Requests/s per target and round, and each to the bare servlet of its round.
awk '/^# round/ {round=$3} /^== / {name=$2} /^Requests\/sec/ {rps[round, name]=$2; if (name == "bare") base[round]=$2}
     END {for (r = 1; (r, "bare") in rps; r++) { for (n = 0; n < 4; n++) {
              name = n == 0 ? "bare" : n == 1 ? "empty" : n == 2 ? "limited" : "metered";
              printf "round %d %-8s %10.0f req/s  %5.1f%% of bare\n", r, name, rps[r, name],
                  100 * rps[r, name] / base[r] }
              printf "round %d metered/limited %.3f\n", r, rps[r, "metered"] / rps[r, "limited"] }}' \
    "$OUT/http-load.txt" | tee -a "$OUT/http-load.txt"
