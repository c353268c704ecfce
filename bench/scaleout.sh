#!/usr/bin/env bash
# Scale-out benchmark on loopback (issue 11): 1 publisher -> N subscribers spread over two nodes joined by a real
# local redis-server, 64 B messages: deliveries per second, publish -> deliver latency p50/p99, and what was lost,
# duplicated or reordered, for
#   RxSockets, 1 node (no Redis)                    the single-node reference
#   Kestrel + System.Net.WebSockets + StackExchange.Redis, 2 nodes   hand-rolled, the baseline of the ratios
#   RxSockets + Redis backplane, 2 nodes            when ScaleOutServer builds with ScaleOutBackplane=true
#   SignalR + Redis backplane, 2 nodes              (ScaleOutSignalR)
# all driven by one load generator (C scaleload by default, or the C# ScaleOutLoad) and one publisher loop (in node 1),
# pinned the same way, each stack
# SCALEOUT_REPEAT times (interleaved), in one run. A table goes to stdout (markdown), progress to stderr.
# See bench/README.md ("Scale-out").
#
# Usage: bench/scaleout.sh [--no-build]
# Environment: SCALEOUT_SUBSCRIBERS (1000) SCALEOUT_DURATION (5s) SCALEOUT_WARMUP (1s) SCALEOUT_SIZE (64)
#   SCALEOUT_WINDOW (8) SCALEOUT_INFLIGHT (64) SCALEOUT_REPEAT (3) SCALEOUT_SAMPLE (10)
#   SCALEOUT_LATENCY_RATE (100: publishes/s of the fixed-rate latency pass; 0 skips it)
#   SCALEOUT_PIN ("0/1": CPUs of nodes + Redis / CPUs of the load generator; "none")
#   SCALEOUT_STACKS ("rxsockets kestrel-redis rxsockets-redis signalr-redis") SCALEOUT_FLOOR (1)
#   SCALEOUT_BACKPLANE (auto: try the RxSockets.Redis build, fall back without it; 1 = must; 0 = off)
#   SCALEOUT_LOADGEN (c: bench/cload/scaleload.c, one epoll thread, the default; dotnet: bench/ScaleOutLoad, which
#   needs most of its core at the rates the faster stacks reach)
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=bin/Release/net10.0
SERVER="$BENCH_DIR/ScaleOutServer/$BIN/ScaleOutServer"
SIGNALR="$BENCH_DIR/ScaleOutSignalR/$BIN/ScaleOutSignalR"
LOADGEN=${SCALEOUT_LOADGEN:-c}
case "$LOADGEN" in
  c) LOAD="$BENCH_DIR/cload/bin/scaleload" ;;
  dotnet) LOAD="$BENCH_DIR/ScaleOutLoad/$BIN/ScaleOutLoad" ;;
  *) echo "SCALEOUT_LOADGEN must be c or dotnet" >&2; exit 2 ;;
esac
REDIS_SERVER=${REDIS_SERVER:-/usr/bin/redis-server}

SUBSCRIBERS=${SCALEOUT_SUBSCRIBERS:-1000}
DURATION=${SCALEOUT_DURATION:-5s}
WARMUP=${SCALEOUT_WARMUP:-1s}
SIZE=${SCALEOUT_SIZE:-64}
WINDOW=${SCALEOUT_WINDOW:-8}
INFLIGHT=${SCALEOUT_INFLIGHT:-64}
LATENCY_RATE=${SCALEOUT_LATENCY_RATE:-100}
REPEAT=${SCALEOUT_REPEAT:-3}
SAMPLE=${SCALEOUT_SAMPLE:-10}
PIN=${SCALEOUT_PIN:-0/1}
STACKS=${SCALEOUT_STACKS:-rxsockets kestrel-redis rxsockets-redis signalr-redis}
FLOOR=${SCALEOUT_FLOOR:-1}
BACKPLANE=${SCALEOUT_BACKPLANE:-auto}
BASELINE=kestrel-redis
BUILD=1
for arg in "$@"; do
  case "$arg" in
    --no-build) BUILD=0 ;;
    *) echo "usage: $0 [--no-build]" >&2; exit 2 ;;
  esac
done

# Stack definitions: "display name|nodes|server command|load protocol|publish calls in flight".
# The single node publishes to its own members with one PublishAsync awaited at a time: it completes as soon as the
# message is queued on every member (no network round trip to hide), and concurrent local publishes may overtake one
# another while they wait for a full queue. The Redis stacks keep SCALEOUT_INFLIGHT publishes outstanding.
stack_def() {
  case "$1" in
    rxsockets) echo "RxSockets, 1 node (no Redis)|1|$SERVER rxsockets|raw|1" ;;
    kestrel-redis) echo "Kestrel + System.Net.WebSockets + StackExchange.Redis|2|$SERVER kestrel-redis|raw|$INFLIGHT" ;;
    rxsockets-redis) echo "RxSockets + Redis backplane|2|$SERVER rxsockets-redis|raw|$INFLIGHT" ;;
    signalr-redis) echo "SignalR + Redis backplane|2|$SIGNALR|signalr|$INFLIGHT" ;;
    *) return 1 ;;
  esac
}

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
say() { echo "# $*" >&2; }

for stack in $STACKS; do
  stack_def "$stack" >/dev/null || { say "unknown stack '$stack'"; exit 2; }
done

# Pinning: nodes, Redis and the publisher (inside node 1) on one set of CPUs, the load generator on the other.
if [ "$PIN" = none ] || ! command -v taskset >/dev/null; then
  PIN_NODES=()
  PIN_LOAD=()
  PIN_TEXT="not pinned"
else
  PIN_NODES=(taskset -c "${PIN%%/*}")
  PIN_LOAD=(taskset -c "${PIN##*/}")
  PIN_TEXT="nodes, Redis and the publisher on CPU ${PIN%%/*}, the load generator on CPU ${PIN##*/} (taskset)"
fi

declare -A UNAVAILABLE=()
if [ "$BUILD" = 1 ]; then
  say "building (Release)"
  if [ "$LOADGEN" = c ]; then
    mkdir -p "$BENCH_DIR/cload/bin"
    cc -O2 -Wall -o "$LOAD" "$BENCH_DIR/cload/scaleload.c" >&2 || exit 1
  else
    dotnet build -c Release -v quiet --nologo "$BENCH_DIR/ScaleOutLoad" >&2 || exit 1
  fi
  if [[ " $STACKS " == *" rxsockets-redis "* ]] && [ "$BACKPLANE" != 0 ]; then
    if ScaleOutBackplane=true dotnet build -c Release -v quiet --nologo "$BENCH_DIR/ScaleOutServer" >"$WORK/backplane-build.log" 2>&1; then
      say "ScaleOutServer built with the RxSockets.Redis backplane"
    else
      [ "$BACKPLANE" = 1 ] && { cat "$WORK/backplane-build.log" >&2; exit 1; }
      say "ScaleOutServer does not build with ScaleOutBackplane=true yet (src/RxSockets.Redis, WebSocketServerOptions.Backplane): $(grep -m1 -o 'error [A-Z0-9]*: .*' "$WORK/backplane-build.log" | cut -c1-160)"
      UNAVAILABLE[rxsockets-redis]="not built: needs src/RxSockets.Redis and WebSocketServerOptions.Backplane"
      dotnet build -c Release -v quiet --nologo "$BENCH_DIR/ScaleOutServer" >&2 || exit 1
    fi
  else
    [ "$BACKPLANE" = 0 ] && UNAVAILABLE[rxsockets-redis]="off (SCALEOUT_BACKPLANE=0)"
    dotnet build -c Release -v quiet --nologo "$BENCH_DIR/ScaleOutServer" >&2 || exit 1
  fi
  if [[ " $STACKS " == *" signalr-redis "* ]]; then
    if ! dotnet build -c Release -v quiet --nologo "$BENCH_DIR/ScaleOutSignalR" >"$WORK/signalr-build.log" 2>&1; then
      say "ScaleOutSignalR does not build: $(grep -m1 -o 'error [A-Z0-9]*: .*' "$WORK/signalr-build.log" | cut -c1-160)"
      UNAVAILABLE[signalr-redis]="not built"
    fi
  fi
fi
[ -x "$REDIS_SERVER" ] || { say "no redis-server at $REDIS_SERVER"; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge $(( SUBSCRIBERS + 256 )) ] || say "open-file limit $(ulimit -n) may be too low for $SUBSCRIBERS subscribers"

# Starts a background process (pinned with the nodes) and remembers its PID in STARTED_PID.
launch() {
  local log=$1
  shift
  "${PIN_NODES[@]}" "$@" > "$log" 2>&1 &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
}

stop_pid() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null
  timeout 5 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  local kept=() p
  for p in "${PIDS[@]}"; do [ "$p" != "$pid" ] && kept+=("$p"); done
  PIDS=("${kept[@]}")
}

# Starts redis-server on a free loopback port, no persistence; sets REDIS_PORT and REDIS_PID.
start_redis() {
  local attempt port
  for attempt in 1 2 3 4 5; do
    port=$(( 20000 + RANDOM % 40000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue   # taken
    launch "$WORK/redis.log" "$REDIS_SERVER" --port "$port" --bind 127.0.0.1 --save '' --appendonly no
    REDIS_PID=$STARTED_PID
    for _ in $(seq 1 100); do
      if [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ]; then
        REDIS_PORT=$port
        return 0
      fi
      kill -0 "$REDIS_PID" 2>/dev/null || break
      sleep 0.05
    done
    stop_pid "$REDIS_PID"
  done
  say "redis-server did not start: $(tail -3 "$WORK/redis.log")"
  return 1
}

# Starts a node, waits for its "listening URL" line; sets NODE_URL and NODE_PID.
start_node() {
  local log=$1
  shift
  launch "$log" "$@" --port 0
  NODE_PID=$STARTED_PID
  for _ in $(seq 1 400); do
    NODE_URL=$(grep -o 'ws://[^ ]*' "$log" | head -1)
    [ -n "$NODE_URL" ] && return 0
    kill -0 "$NODE_PID" 2>/dev/null || break
    sleep 0.05
  done
  say "node did not start: $(tail -3 "$log")"
  stop_pid "$NODE_PID"
  return 1
}

seconds_of() {
  awk -v d="$1" 'BEGIN { n = d + 0; u = d; sub(/^[0-9.]+/, "", u)
    f = (u == "us") ? 1e-6 : (u == "ms") ? 1e-3 : (u == "s") ? 1 : (u == "m") ? 60 : 1; print int(n * f) + 1 }'
}
LIMIT=$(( $(seconds_of "$DURATION") + $(seconds_of "$WARMUP") + 240 ))

# One measurement of one stack, the publisher paced at $2 publishes/s (0 = as fast as the windows allow); sets
# RUN_RESULT to "deliveries/s p50 p99 p99.9 lost dup ooo dead publishes/s load-cpu" or "failed".
# (Not run in a subshell, so that the cleanup trap knows every process it started.)
run_once() {
  local stack=$1 rate=$2 def nodes command protocol inflight control urls=() node_pids=() redis_args=() result=
  def=$(stack_def "$stack")
  IFS='|' read -r _ nodes command protocol inflight <<<"$def"
  control=$(mktemp -p /dev/shm scaleout.XXXXXX 2>/dev/null || mktemp -p "$WORK" scaleout.XXXXXX)
  truncate -s 4096 "$control"
  REDIS_PID=
  if [ "$nodes" -gt 1 ]; then
    start_redis || { rm -f "$control"; RUN_RESULT=failed; return; }
    redis_args=(--redis "127.0.0.1:$REDIS_PORT")
  fi
  # shellcheck disable=SC2086 # the command is a path plus its stack word
  if start_node "$WORK/node1.log" $command "${redis_args[@]}" --publish "$control" --size "$SIZE" \
      --inflight "$inflight" --window "$WINDOW" --rate "$rate"; then
    node_pids+=("$NODE_PID")
    urls+=("$NODE_URL")
    # shellcheck disable=SC2086
    if [ "$nodes" -gt 1 ] && start_node "$WORK/node2.log" $command "${redis_args[@]}"; then
      node_pids+=("$NODE_PID")
      urls+=("$NODE_URL")
    fi
  fi
  if [ "${#urls[@]}" = "$nodes" ]; then
    result=$(timeout "$LIMIT" "${PIN_LOAD[@]}" "$LOAD" "${urls[@]}" --control "$control" --connections "$SUBSCRIBERS" \
      --duration "$DURATION" --warmup "$WARMUP" --protocol "$protocol" --sample "$SAMPLE" 2>"$WORK/load.err" | tee "$WORK/load.out" | grep '^result:')
    [ -s "$WORK/load.err" ] && say "$stack: $(tail -2 "$WORK/load.err" | tr '\n' ' ')"
  fi
  local pid
  for pid in "${node_pids[@]}"; do stop_pid "$pid"; done
  [ -n "$REDIS_PID" ] && stop_pid "$REDIS_PID"
  rm -f "$control"
  if [ -z "$result" ]; then
    say "$stack: failed ($(tail -2 "$WORK/node1.log" | tr '\n' ' '))"
    RUN_RESULT=failed
    return
  fi
  say "$stack: $(tr '\n' ';' < "$WORK/load.out")"
  RUN_RESULT=$(awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    print v["deliveries_per_s"], v["p50_us"], v["p99_us"], v["p999_us"], v["lost"], v["dup"], v["ooo"], v["dead"],
      v["publish_per_s"], v["load_cpu"] }' <<<"$result")
}

# Redis alone: PUBLISH of SIZE bytes to a channel two connections subscribe to (one per node), SCALEOUT_INFLIGHT
# pipelined from one client: what Redis forwards with no WebSocket work at all.
redis_floor() {
  start_redis || return
  local subs=() payload rate pid
  for _ in 1 2; do
    "${PIN_LOAD[@]}" redis-cli -p "$REDIS_PORT" subscribe bench >/dev/null 2>&1 &
    subs+=($!)
    PIDS+=("$!")
  done
  sleep 0.3
  payload=$(head -c "$SIZE" /dev/zero | tr '\0' x)
  rate=$("${PIN_LOAD[@]}" redis-benchmark -p "$REDIS_PORT" -c 1 -P "$INFLIGHT" -n 200000 -q publish bench "$payload" 2>/dev/null \
    | tr '\r' '\n' | awk '/requests per second/ { for (i = 1; i < NF; i++) if ($(i + 1) == "requests") r = $i } END { print r + 0 }')
  for pid in "${subs[@]}"; do stop_pid "$pid"; done
  stop_pid "$REDIS_PID"
  FLOOR_RATE=$rate
}

# "median min max" of the numbers on stdin (nearest-rank median).
stats() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "0 0 0"; exit } m = int((NR + 1) / 2); print v[m], v[1], v[NR] }'; }

# column N of the successful runs of a results key, then its median.
median_of() { awk -v c="$2" 'NF && $1 != "failed" { print $c }' <<<"${RESULTS[$1]:-}" | stats | awk '{ print $1 }'; }

declare -A RESULTS=()
PASSES=("tput|0")
[ "$LATENCY_RATE" != 0 ] && PASSES+=("lat|$LATENCY_RATE")
for pass in "${PASSES[@]}"; do
  for rep in $(seq 1 "$REPEAT"); do
    for stack in $STACKS; do
      [ -n "${UNAVAILABLE[$stack]:-}" ] && continue
      say "${pass%%|*} run $rep/$REPEAT: $stack"
      run_once "$stack" "${pass#*|}"
      RESULTS[${pass%%|*}:$stack]+="$RUN_RESULT"$'\n'
    done
  done
done
FLOOR_RATE=
[ "$FLOOR" = 1 ] && { say "Redis floor"; redis_floor; }

# Per stack: the summed lost / dup / out-of-order of a pass, with dropped connections and failed runs.
integrity() {
  local key=$1 lost dup ooo dead failures notes=""
  read -r lost dup ooo dead <<<"$(awk 'NF && $1 != "failed" { l += $5; d += $6; o += $7; x += $8 } END { print l + 0, d + 0, o + 0, x + 0 }' <<<"${RESULTS[$key]}")"
  failures=$(grep -c failed <<<"${RESULTS[$key]}")
  [ "$dead" != 0 ] && notes+=", $dead connections dropped"
  [ "$failures" != 0 ] && notes+=", $failures of $REPEAT runs failed"
  echo "$lost / $dup / $ooo$notes"
}

echo "## Scale-out: 1 publisher → $SUBSCRIBERS subscribers, $SIZE B messages, Redis $($REDIS_SERVER --version | grep -o 'v=[0-9.]*' | cut -c3-)"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, .NET $(dotnet --version 2>/dev/null); $DURATION measured after $WARMUP warm-up, $REPEAT runs per stack (interleaved); $PIN_TEXT; load generator: $( [ "$LOADGEN" = c ] && echo "C scaleload (epoll, one thread)" || echo "C# ScaleOutLoad"); the publisher keeps at most $WINDOW messages per subscriber undelivered and (Redis stacks) $INFLIGHT publishes in flight."
echo
echo "### Throughput (publisher as fast as the windows allow)"
echo
echo "| stack | nodes | deliveries/s (median) | min–max | p50 µs | p99 µs | lost / dup / out-of-order | load gen CPU | ÷ Kestrel + Redis |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
BASE=$(median_of "tput:$BASELINE" 1)
for stack in $STACKS; do
  IFS='|' read -r name nodes _ <<<"$(stack_def "$stack")"
  key=tput:$stack
  if [ -n "${UNAVAILABLE[$stack]:-}" ]; then
    echo "| $name | $nodes | ${UNAVAILABLE[$stack]} | | | | | | |"
    continue
  fi
  if ! awk 'NF && $1 != "failed" { found = 1 } END { exit !found }' <<<"${RESULTS[$key]}"; then
    echo "| $name | $nodes | failed | | | | | | |"
    continue
  fi
  read -r median low high <<<"$(awk 'NF && $1 != "failed" { print $1 }' <<<"${RESULTS[$key]}" | stats)"
  printf '| %s | %s | %.0f | %.0f–%.0f | %.0f | %.0f | %s | %.0f %% | %s |\n' "$name" "$nodes" "$median" "$low" "$high" \
    "$(median_of "$key" 2)" "$(median_of "$key" 3)" "$(integrity "$key")" "$(awk -v c="$(median_of "$key" 10)" 'BEGIN { print c * 100 }')" \
    "$(awk -v v="$median" -v b="${BASE:-0}" 'BEGIN { if (b > 0) printf "%.2f", v / b; else printf "–" }')"
done
if [ "$LATENCY_RATE" != 0 ]; then
  echo
  echo "### Latency at $LATENCY_RATE publishes/s ($(( LATENCY_RATE * SUBSCRIBERS )) deliveries/s)"
  echo
  echo "| stack | nodes | publishes/s (median) | p50 µs | p99 µs | p99.9 µs | lost / dup / out-of-order |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for stack in $STACKS; do
    IFS='|' read -r name nodes _ <<<"$(stack_def "$stack")"
    key=lat:$stack
    if [ -n "${UNAVAILABLE[$stack]:-}" ] || ! awk 'NF && $1 != "failed" { found = 1 } END { exit !found }' <<<"${RESULTS[$key]:-}"; then
      echo "| $name | $nodes | ${UNAVAILABLE[$stack]:-failed} | | | | |"
      continue
    fi
    printf '| %s | %s | %.0f | %.0f | %.0f | %.0f | %s |\n' "$name" "$nodes" "$(median_of "$key" 9)" \
      "$(median_of "$key" 2)" "$(median_of "$key" 3)" "$(median_of "$key" 4)" "$(integrity "$key")"
  done
fi
if [ -n "$FLOOR_RATE" ]; then
  echo
  echo "Redis floor (no WebSocket work): PUBLISH of $SIZE B to a channel 2 connections subscribe to, $INFLIGHT pipelined from one redis-benchmark client: $(printf '%.0f' "$FLOOR_RATE") publishes/s (Redis pinned like the nodes, client and subscribers like the load generator)."
fi
echo
echo "Latency: publish call → message parsed by the subscriber (one monotonic clock shared by the processes), on every ${SAMPLE}th connection during the measured interval; the medians of the runs' percentiles. lost / dup / out-of-order: summed over the runs' connections. load gen CPU: the load generator's CPU time over the measured interval (100 % = its whole core: then it, not the stack, may be the limit)."
