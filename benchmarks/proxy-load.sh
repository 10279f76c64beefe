#!/usr/bin/env bash
# Proxy load on loopback: the same upstream (LoadUpstream, a Jetty 12 core handler in its own JVM)
# loaded with wrk directly and through each proxy under test, each proxy in its own process so
# that the CPU it uses can be read from /proc:
#   direct  the upstream itself, the baseline
#   gatehouse          GatewayFilter + ProxyForwarder, one public route (ProxyLoadTargets)
#   gatehouse-limited  the same behind an API key and three in-memory limits
#   jetty   Jetty 12's ProxyServlet.Transparent (ee10), defaults (ProxyLoadTargets jetty-proxy)
#   nginx   nginx proxy_pass with keepalive to the upstream, started by this script on a free
#           loopback port from a generated config in a temp dir (never the system's nginx)
# HTTP: GET /v1/echo (small JSON), wrk -t1, requests/s, p50/p99 latency, CPU per request of the
# proxy and of the upstream (utime + stime from /proc/PID/stat, around the measured run).
# SSE: /v1/events through the same processes with SseLoad: events/s (16 connections, streams of
# 1000 events) and the time to the first event (4 connections, the second event 20 ms later).
# Every target is loaded in turn, in rounds, so all share the machine's state; bounded in time.
# Output: $OUT/proxy-load.txt (raw wrk and SseLoad output, result lines, summary at the end).
#   DURATION wrk run (default 10s), WARMUP wrk run before it (5s), FIRST_WARMUP wrk run of
#   each target before the first round (30s: the JIT of a proxy JVM on two busy cores needs
#   that long before its CPU per request settles), CONNECTIONS (16),
#   ROUNDS (2), SSE_SECONDS measured SSE seconds per run (5) after SSE_WARMUP (3),
#   TARGETS (all of the above),
#   JAVA_OPTS for every JVM (-Xms256m -Xmx256m), SKIP_BUILD=1 to reuse the jar.
# Installs wrk and nginx with apt-get when they are missing (needs root or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-benchmarks/results}
DURATION=${DURATION:-10s}
FIRST_WARMUP=${FIRST_WARMUP:-30s}
WARMUP=${WARMUP:-5s}
CONNECTIONS=${CONNECTIONS:-16}
ROUNDS=${ROUNDS:-2}
SSE_SECONDS=${SSE_SECONDS:-5}
SSE_WARMUP=${SSE_WARMUP:-3}
TARGETS=${TARGETS:-direct gatehouse gatehouse-limited jetty nginx}
JAVA_OPTS=${JAVA_OPTS:--Xms256m -Xmx256m}
JAR=benchmarks/target/gateway-benchmarks.jar
MAIN=io.gatehouse.benchmarks

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
missing=()
command -v wrk >/dev/null || missing+=(wrk)
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
[ -x "$NGINX" ] || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} with apt-get" >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    NGINX=$(command -v nginx || echo /usr/sbin/nginx)
fi
mkdir -p "$OUT"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    ./mvnw -B -q -pl benchmarks -am clean package -DskipTests
fi

tmp=$(mktemp -d)
targets_log="$OUT/proxy-load-targets.log"
: > "$targets_log"
# The Java targets serve until their standard input closes: every one reads the same fifo, which
# this script holds open as fd 3 (read-write, so that opening it never blocks) and closes at exit.
mkfifo "$tmp/stdin"
exec 3<> "$tmp/stdin"
declare -A pid port
nginx_pid=
cleanup() {
    exec 3>&-
    if [ -n "$nginx_pid" ]; then kill "$nginx_pid" 2>/dev/null || true; fi
    for _ in $(seq 1 100); do
        alive=0
        for p in "${pid[@]}" $nginx_pid; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ $alive = 0 ] && break
        sleep 0.1
    done
    # Whatever did not stop within 10 s is one of ours: end it by its id.
    for p in "${pid[@]}" $nginx_pid; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

start_java() { # name mode [args...]
    local name=$1; shift
    echo "== $name: $*" >> "$targets_log"
    # shellcheck disable=SC2086
    java $JAVA_OPTS -cp "$JAR" "$MAIN.ProxyLoadTargets" "$@" < "$tmp/stdin" > "$tmp/$name.out" \
        2>> "$targets_log" &
    pid[$name]=$!
    for _ in $(seq 1 300); do
        grep -q '^port=' "$tmp/$name.out" && break
        kill -0 "${pid[$name]}" 2>/dev/null || break
        sleep 0.1
    done
    grep -q '^port=' "$tmp/$name.out" || { echo "$name did not start: $targets_log" >&2; exit 1; }
    port[$name]=$(sed -n 's/^port=//p' "$tmp/$name.out")
}

listening() { (exec 4<> "/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_nginx() { # upstream_port
    local dir=$tmp/nginx candidate temp=""
    mkdir -p "$dir"
    for module in client_body proxy fastcgi uwsgi scgi; do
        if [ $module = client_body ] \
                || ! "$NGINX" -V 2>&1 | grep -q -- "--without-http_${module}_module"; then
            temp="$temp    ${module}_temp_path $dir/$module;"$'\n'
        fi
    done
    for _ in $(seq 1 20); do
        candidate=$((20000 + RANDOM % 40000))
        listening "$candidate" && continue
        cat > "$dir/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
$temp
    upstream bench_upstream {
        server 127.0.0.1:$1;
        keepalive 64;
    }
    server {
        listen 127.0.0.1:$candidate;
        location / {
            proxy_pass http://bench_upstream;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
        }
        location /v1/events {
            proxy_pass http://bench_upstream;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_buffering off;
        }
    }
}
EOF
        "$NGINX" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >> "$targets_log" 2>&1 &
        nginx_pid=$!
        for _ in $(seq 1 50); do
            listening "$candidate" && { port[nginx]=$candidate; return 0; }
            kill -0 "$nginx_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill "$nginx_pid" 2>/dev/null || true
        wait "$nginx_pid" 2>/dev/null || true
        nginx_pid=
    done
    cat "$dir/error.log" >> "$targets_log" 2>/dev/null || true
    echo "nginx did not start: $targets_log" >&2
    exit 1
}

# The processes whose CPU counts as the proxy's (nginx: the master and its workers).
proxy_pids() { # target
    case $1 in
        direct) ;;
        nginx) echo "$nginx_pid" $(pgrep -P "$nginx_pid" || true) ;;
        *) echo "${pid[$1]}" ;;
    esac
}
ticks() { # pids... -> utime + stime, in clock ticks, summed
    local total=0 p f
    for p in "$@"; do
        read -r -a f < <(sed 's/^.*) //' "/proc/$p/stat")
        total=$((total + f[11] + f[12]))
    done
    echo "$total"
}
HZ=$(getconf CLK_TCK)
# Context switches of every live thread of the processes: how often a request hands work from
# one thread to another (threads that end during a run take their counts with them).
switches() { # pids...
    local p
    for p in "$@"; do cat /proc/"$p"/task/*/status 2>/dev/null; done |
        awk '/^(non)?voluntary_ctxt_switches/ {total += $2} END {print total + 0}'
}

start_java upstream upstream
up=${port[upstream]}
port[direct]=$up
for target in $TARGETS; do
    case $target in
        direct) ;;
        gatehouse | gatehouse-limited) start_java "$target" "$target" "$up" ;;
        jetty) start_java jetty jetty-proxy "$up" ;;
        nginx) start_nginx "$up" ;;
        *) echo "unknown target: $target" >&2; exit 1 ;;
    esac
done
headers() { # target -> extra request header, if it wants one
    if [ -s "$tmp/$1.out" ] && grep -q '^key=' "$tmp/$1.out"; then
        echo "X-API-Key: $(sed -n 's/^key=//p' "$tmp/$1.out")"
    fi
}

# Every target must answer exactly what the upstream answers before anything is measured.
if command -v curl >/dev/null; then
    want=$(curl -sf "http://127.0.0.1:$up/v1/echo")
    for target in $TARGETS; do
        header=$(headers "$target")
        got=$(curl -sf ${header:+-H "$header"} "http://127.0.0.1:${port[$target]}/v1/echo")
        [ "$got" = "$want" ] || { echo "$target answered '$got', not '$want'" >&2; exit 1; }
        events=$(curl -sfN ${header:+-H "$header"} \
            "http://127.0.0.1:${port[$target]}/v1/events?count=3" | grep -c '^data:')
        [ "$events" = 3 ] || { echo "$target streamed $events events, not 3" >&2; exit 1; }
    done
fi

http_run() { # target round
    local target=$1 round=$2 header url raw p0 p1 u0 u1 s0 s1
    header=$(headers "$target")
    url="http://127.0.0.1:${port[$target]}/v1/echo"
    wrk -t1 -c"$CONNECTIONS" -d"$WARMUP" ${header:+-H "$header"} "$url" > /dev/null
    raw=$tmp/wrk.txt
    s0=$(switches $(proxy_pids "$target"))
    p0=$(ticks $(proxy_pids "$target")); u0=$(ticks "${pid[upstream]}")
    wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency ${header:+-H "$header"} "$url" > "$raw"
    p1=$(ticks $(proxy_pids "$target")); u1=$(ticks "${pid[upstream]}")
    s1=$(switches $(proxy_pids "$target"))
    echo "== http $target"
    cat "$raw"
    awk -v round="$round" -v target="$target" -v hz="$HZ" -v proxy=$((p1 - p0)) \
        -v upstream=$((u1 - u0)) -v switches=$((s1 - s0)) '
        function us(v) { return v ~ /us$/ ? v + 0 : v ~ /ms$/ ? v * 1000 : v * 1000000 }
        / requests in / {requests = $1}
        /^Requests\/sec/ {rps = $2}
        $1 == "50%" {p50 = us($2)}
        $1 == "99%" {p99 = us($2)}
        /Non-2xx/ {errors += $NF}
        /Socket errors/ {gsub(/,/, ""); errors += $4 + $6 + $8 + $10}
        END {printf "result http round=%d target=%s rps=%.0f requests=%d p50_us=%.0f p99_us=%.0f" \
                 " errors=%d proxy_cpu_us=%.2f upstream_cpu_us=%.2f proxy_switches=%.2f\n",
                 round, target, rps, requests, p50, p99, errors, proxy / hz * 1e6 / requests,
                 upstream / hz * 1e6 / requests, switches / requests}' "$raw"
}

sse_run() { # target round kind
    local target=$1 round=$2 kind=$3 header url line p0 p1 u0 u1
    header=$(headers "$target")
    url="http://127.0.0.1:${port[$target]}/v1/events"
    p0=$(ticks $(proxy_pids "$target")); u0=$(ticks "${pid[upstream]}")
    if [ "$kind" = rate ]; then
        line=$(java $JAVA_OPTS -cp "$JAR" "$MAIN.SseLoad" "$url?count=1000" 16 "$SSE_WARMUP" \
            "$SSE_SECONDS" 1000 ${header:+"$header"} 2> "$tmp/sse.err") || true
    else
        line=$(java $JAVA_OPTS -cp "$JAR" "$MAIN.SseLoad" "$url?count=2&pauseMs=20" 4 \
            "$SSE_WARMUP" "$SSE_SECONDS" 2 ${header:+"$header"} 2> "$tmp/sse.err") || true
    fi
    p1=$(ticks $(proxy_pids "$target")); u1=$(ticks "${pid[upstream]}")
    echo "== sse-$kind $target"
    echo "$line"
    cat "$tmp/sse.err"
    case $line in
        "sse "*) ;;
        *) echo "no result: SseLoad failed (its output is above)"; return 0 ;;
    esac
    # CPU per event over the client's warm-up and measurement together (all_events).
    echo "$line" | awk -v round="$round" -v target="$target" -v kind="$kind" -v hz="$HZ" \
        -v proxy=$((p1 - p0)) -v upstream=$((u1 - u0)) '
        {for (i = 2; i <= NF; i++) {split($i, kv, "="); v[kv[1]] = kv[2]}
         printf "result sse-%s round=%d target=%s events_per_s=%s first_p50_us=%s" \
             " first_p99_us=%s errors=%s proxy_cpu_us=%.2f upstream_cpu_us=%.2f\n", kind, round,
             target, v["events_per_s"], v["first_p50_us"], v["first_p99_us"], v["errors"],
             proxy / hz * 1e6 / v["all_events"], upstream / hz * 1e6 / v["all_events"]}'
}

{
    echo "date: $(date -u +%FT%TZ)"; echo "nproc: $(nproc)"; echo "load: $(uptime)"
    { wrk --version 2>&1 || true; } | head -1; "$NGINX" -v 2>&1; java -version 2>&1 | head -1
    echo "targets: $TARGETS"
    echo "http: wrk -t1 -c$CONNECTIONS, warm-up $WARMUP (first $FIRST_WARMUP), measured $DURATION,"
    echo "      $ROUNDS rounds"
    echo "sse: $SSE_SECONDS s measured after $SSE_WARMUP s warm-up; rate: 16 connections,"
    echo "     1000 events per stream; first: 4 connections, 2 events per stream, the second"
    echo "     20 ms after the first"
    for target in $TARGETS; do
        header=$(headers "$target")
        wrk -t1 -c"$CONNECTIONS" -d"$FIRST_WARMUP" ${header:+-H "$header"} \
            "http://127.0.0.1:${port[$target]}/v1/echo" > /dev/null
    done
    for round in $(seq 1 "$ROUNDS"); do
        echo "# round $round, load: $(uptime)"
        for target in $TARGETS; do http_run "$target" "$round"; done
        for target in $TARGETS; do sse_run "$target" "$round" rate; done
        for target in $TARGETS; do sse_run "$target" "$round" first; done
    done
    echo "# end, load: $(uptime)"
} > "$tmp/raw.txt"
cp "$tmp/raw.txt" "$OUT/proxy-load.txt"
java -cp "$JAR" "$MAIN.ProxyLoadReport" "$OUT/proxy-load.txt" | tee -a "$OUT/proxy-load.txt"
