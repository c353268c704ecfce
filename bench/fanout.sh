#!/usr/bin/env bash
# Broadcast fan-out benchmark on loopback: 1 publisher -> N subscriber connections, deliveries per second, for
# Kestrel + System.Net.WebSockets (the baseline), node ws, the RxSockets embedded server and RxSockets on Kestrel
# (MapRxSockets), all driven by the same load generator in the same run: the C fanload (bench/cload/fanload.c, one
# epoll thread) by default, or the C# FanoutLoad (ClientWebSocket). Pinned by default: the server on one CPU, the load
# generator on the other. Each server runs FANOUT_REPS times; the table gives the median and the min-max, the server's
# CPU time per delivery (from /proc/PID/stat over the measured interval, steadier than the rate on a shared machine)
# and the load generator's CPU use (1.00 = a whole core: then it, not the server, is the limit).
# A table goes to stdout (markdown), progress to stderr. See bench/README.md ("Fan-out").
#
# Usage: bench/fanout.sh [--no-build]
# Environment: FANOUT_CONNECTIONS (1000) FANOUT_DURATION (3s) FANOUT_WARMUP (4s) FANOUT_SIZE (64) FANOUT_WINDOW (8)
#   FANOUT_REPS (3) FANOUT_PIN ("1 0": server on CPU 1, load generator on CPU 0, with taskset; "none": unpinned)
#   FANOUT_LOADGEN (c: bench/cload/fanload.c, the default; dotnet: bench/FanoutLoad)
#   FANOUT_ONLY (a regular expression: only the servers whose display name matches, e.g. "RxSockets embedded")
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=bin/Release/net10.0
FANOUT_SERVER="$BENCH_DIR/FanoutServer/$BIN/FanoutServer"
LOADGEN=${FANOUT_LOADGEN:-c}
case "$LOADGEN" in
  c) FANOUT_LOAD="$BENCH_DIR/cload/bin/fanload" ;;
  dotnet) FANOUT_LOAD="$BENCH_DIR/FanoutLoad/$BIN/FanoutLoad" ;;
  *) echo "FANOUT_LOADGEN must be c or dotnet" >&2; exit 2 ;;
esac

CONNECTIONS=${FANOUT_CONNECTIONS:-1000}
DURATION=${FANOUT_DURATION:-3s}
# 4 s, as bench/run.sh: a pinned .NET server needs seconds before its hot paths are compiled optimised.
WARMUP=${FANOUT_WARMUP:-4s}
SIZE=${FANOUT_SIZE:-64}
WINDOW=${FANOUT_WINDOW:-8}
REPS=${FANOUT_REPS:-3}
ONLY=${FANOUT_ONLY:-}
PIN=${FANOUT_PIN:-1 0}
case "$REPS" in ''|*[!0-9]*|0) echo "FANOUT_REPS must be a positive integer" >&2; exit 2 ;; esac
if [ "$PIN" = none ]; then
  SERVER_PIN=()
  LOAD_PIN=()
  PIN_TEXT="not pinned"
else
  read -r SERVER_CPU LOAD_CPU <<< "$PIN"
  if ! command -v taskset >/dev/null || [ -z "${LOAD_CPU:-}" ]; then
    echo "FANOUT_PIN needs taskset and two CPU numbers (\"1 0\"), or \"none\"" >&2
    exit 2
  fi
  SERVER_PIN=(taskset -c "$SERVER_CPU")
  LOAD_PIN=(taskset -c "$LOAD_CPU")
  PIN_TEXT="server on CPU $SERVER_CPU, load generator on CPU $LOAD_CPU (taskset)"
fi
BUILD=1
for arg in "$@"; do
  case "$arg" in
    --no-build) BUILD=0 ;;
    *) echo "usage: $0 [--no-build]" >&2; exit 2 ;;
  esac
done

# "display name|server command"; the first is the baseline of the ratios.
SERVERS=(
  "Kestrel + System.Net.WebSockets|$FANOUT_SERVER kestrel"
  "node ws|node $BENCH_DIR/peers/ws-fanout-server.js"
  "RxSockets embedded|$FANOUT_SERVER rxsockets"
  "RxSockets on Kestrel|$FANOUT_SERVER rxsockets-kestrel"
)

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill -KILL "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
say() { echo "# $*" >&2; }

if [ "$BUILD" = 1 ]; then
  say "building (Release)"
  dotnet build -c Release -v quiet --nologo "$BENCH_DIR/FanoutServer" >&2 || exit 1
  if [ "$LOADGEN" = dotnet ]; then
    dotnet build -c Release -v quiet --nologo "$BENCH_DIR/FanoutLoad" >&2 || exit 1
  fi
fi
if [ "$LOADGEN" = c ] && { [ "$BUILD" = 1 ] || [ ! -x "$FANOUT_LOAD" ]; }; then
  mkdir -p "$(dirname "$FANOUT_LOAD")"
  cc -O2 -Wall -o "$FANOUT_LOAD" "$BENCH_DIR/cload/fanload.c" >&2 || exit 1
fi
[ -d "$BENCH_DIR/peers/node_modules/ws" ] || (cd "$BENCH_DIR/peers" && npm ci --no-audit --no-fund --loglevel=error >&2)
ulimit -n 65536 2>/dev/null || say "could not raise the open-file limit (ulimit -n is $(ulimit -n))"

# Starts a server, waits for its "listening URL" line, and sets SERVER_URL.
start_server() {
  local command=$1 log="$WORK/server.log"
  : > "$log"
  "${SERVER_PIN[@]}" $command --port 0 > "$log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 200); do
    SERVER_URL=$(grep -o 'ws://[^ ]*' "$log" | head -1)
    [ -n "$SERVER_URL" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  say "server did not start: $(cat "$log")"
  return 1
}

stop_server() {
  kill -TERM "$SERVER_PID" 2>/dev/null
  timeout 5 tail --pid="$SERVER_PID" -f /dev/null 2>/dev/null || kill -KILL "$SERVER_PID" 2>/dev/null
  SERVER_PID=
}

seconds_of() {
  awk -v d="$1" 'BEGIN { n = d + 0; u = d; sub(/^[0-9.]+/, "", u)
    f = (u == "ms") ? 1e-3 : (u == "s") ? 1 : (u == "m") ? 60 : 1; s = n * f; print int(s) + 1 }'
}
LIMIT=$(( $(seconds_of "$DURATION") + $(seconds_of "$WARMUP") + 60 ))

# The median of the numbers on stdin (one a line), and their min-max.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit; m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%s %s %s", m, v[1], v[NR] }'; }

echo "## Fan-out: 1 publisher -> $CONNECTIONS connections, $SIZE B binary messages, window $WINDOW per connection, $DURATION after $WARMUP warm-up"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $PIN_TEXT; load generator: $( [ "$LOADGEN" = c ] && echo "C fanload (epoll, one thread)" || echo "C# FanoutLoad"); median of $REPS runs per server."
echo
echo "| server | deliveries/s (median) | min-max | ratio to first | server CPU ns/delivery | load generator CPU |"
echo "|---|---:|---:|---:|---:|---:|"
BASELINE=
for entry in "${SERVERS[@]}"; do
  name=${entry%%|*}
  command=${entry#*|}
  if [ -n "$ONLY" ] && ! [[ "$name" =~ $ONLY ]]; then
    continue
  fi
  : > "$WORK/rates" ; : > "$WORK/cpu" ; : > "$WORK/load_cpu"
  for rep in $(seq 1 "$REPS"); do
    say "$name ($rep/$REPS)"
    if ! start_server "$command"; then
      continue
    fi
    extra=()
    [ "$LOADGEN" = c ] && extra=(--server-pid "$SERVER_PID")
    timeout "$LIMIT" "${LOAD_PIN[@]}" "$FANOUT_LOAD" "$SERVER_URL" --connections "$CONNECTIONS" --duration "$DURATION" \
      --warmup "$WARMUP" --size "$SIZE" --window "$WINDOW" "${extra[@]}" > "$WORK/load.out" 2>"$WORK/load.err"
    stop_server
    result=$(awk '/^deliveries_per_second/ { print $2 }' "$WORK/load.out")
    if [ -z "$result" ]; then
      say "$name: load generator failed: $(tail -3 "$WORK/load.err")"
      continue
    fi
    echo "$result" >> "$WORK/rates"
    awk '/^server_cpu_ns_per_delivery/ { print $2 }' "$WORK/load.out" >> "$WORK/cpu"
    awk '/^load_cpu/ { print $2 }' "$WORK/load.out" >> "$WORK/load_cpu"
    say "$name: $(tr '\n' ' ' < "$WORK/load.out")"
  done
  read -r rate low high <<< "$(median < "$WORK/rates")"
  if [ -z "${rate:-}" ]; then
    echo "| $name | failed | | | | |"
    continue
  fi
  read -r cpu _ _ <<< "$(median < "$WORK/cpu")"
  read -r load_cpu _ _ <<< "$(median < "$WORK/load_cpu")"
  [ -z "$BASELINE" ] && BASELINE=$rate
  ratio=$(awk -v a="$rate" -v b="$BASELINE" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
  printf '| %s | %.0f | %.0f-%.0f | %sx | %s | %s |\n' "$name" "$rate" "$low" "$high" "$ratio" "${cpu:-n/a}" "${load_cpu:-n/a}"
done
