#!/usr/bin/env bash
# Broadcast fan-out benchmark on loopback: 1 publisher -> N subscriber connections, deliveries per second, for
# Kestrel + System.Net.WebSockets (the baseline), node ws, the RxSockets embedded server and RxSockets on Kestrel
# (MapRxSockets), all driven by the same load generator (FanoutLoad, ClientWebSocket) in the same run.
# A table goes to stdout (markdown), progress to stderr. See bench/README.md ("Fan-out").
#
# Usage: bench/fanout.sh [--no-build]
# Environment: FANOUT_CONNECTIONS (1000) FANOUT_DURATION (5s) FANOUT_WARMUP (1s) FANOUT_SIZE (64) FANOUT_WINDOW (8)
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=bin/Release/net10.0
FANOUT_SERVER="$BENCH_DIR/FanoutServer/$BIN/FanoutServer"
FANOUT_LOAD="$BENCH_DIR/FanoutLoad/$BIN/FanoutLoad"

CONNECTIONS=${FANOUT_CONNECTIONS:-1000}
DURATION=${FANOUT_DURATION:-5s}
WARMUP=${FANOUT_WARMUP:-1s}
SIZE=${FANOUT_SIZE:-64}
WINDOW=${FANOUT_WINDOW:-8}
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
  dotnet build -c Release -v quiet --nologo "$BENCH_DIR/FanoutLoad" >&2 || exit 1
fi
[ -d "$BENCH_DIR/peers/node_modules/ws" ] || (cd "$BENCH_DIR/peers" && npm ci --no-audit --no-fund --loglevel=error >&2)
ulimit -n 65536 2>/dev/null || say "could not raise the open-file limit (ulimit -n is $(ulimit -n))"

# Starts a server, waits for its "listening URL" line, and sets SERVER_URL.
start_server() {
  local command=$1 log="$WORK/server.log"
  : > "$log"
  $command --port 0 > "$log" 2>&1 &
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

echo "## Fan-out: 1 publisher -> $CONNECTIONS connections, $SIZE B binary messages, window $WINDOW per connection, $DURATION after $WARMUP warm-up"
echo
echo "| server | deliveries/s | ratio to Kestrel |"
echo "|---|---:|---:|"
BASELINE=
for entry in "${SERVERS[@]}"; do
  name=${entry%%|*}
  command=${entry#*|}
  say "$name"
  if ! start_server "$command"; then
    echo "| $name | failed to start | |"
    continue
  fi
  result=$(timeout "$LIMIT" "$FANOUT_LOAD" "$SERVER_URL" --connections "$CONNECTIONS" --duration "$DURATION" \
    --warmup "$WARMUP" --size "$SIZE" --window "$WINDOW" 2>"$WORK/load.err" | awk '/^deliveries_per_second/ { print $2 }')
  stop_server
  if [ -z "$result" ]; then
    say "$name: load generator failed: $(tail -3 "$WORK/load.err")"
    echo "| $name | failed | |"
    continue
  fi
  [ -z "$BASELINE" ] && BASELINE=$result
  ratio=$(awk -v a="$result" -v b="$BASELINE" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }')
  echo "| $name | $result | ${ratio}x |"
done
