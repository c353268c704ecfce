#!/usr/bin/env bash
# End-to-end echo benchmark on loopback. Compares servers under one load generator, then load
# generators against one server, then server memory per idle connection. Every cell is measured
# BENCH_REPS times (a fresh server each time, contenders interleaved) and shown as the median with
# min–max; every table starts with the raw TCP floor (the same workload over plain TCP, no WebSocket).
# Tables go to stdout (markdown), progress to stderr. See bench/README.md.
#
# Usage: bench/run.sh [--with-rxsockets] [--no-build]
# Environment: BENCH_DURATION (3s) BENCH_WARMUP (4s) BENCH_LATENCY_DURATION (3s) BENCH_REPS (3) BENCH_WINDOW (64)
#   BENCH_SIZES ("32 1024 65536") BENCH_LATENCY_SIZE (32) BENCH_IDLE_CONNECTIONS (10000) BENCH_IDLE_REPS (BENCH_REPS)
#   BENCH_IDLE_WARMUP_ROUNDS (30: rounds of 16 connections opened and closed before the idle measurement)
#   BENCH_SECTIONS ("servers clients idle"; also "overhead", and "scaleout": bench/scaleout.sh, two nodes over a local
#   redis-server, configured by its SCALEOUT_* variables)
#   BENCH_SERVER_LOADGEN ("C wsload": neutral, none of the compared stacks) BENCH_CLIENT_SERVER ("C echo": wsload
#   --serve, one C thread, not the bottleneck) BENCH_IDLE_LOADGEN (ClientWebSocket)
#   BENCH_WITH_RXSOCKETS (0) BENCH_PIN ("1 0": server on CPU 1, load generator on CPU 0, with taskset; "none": unpinned,
#   placement-dependent figures)
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
BIN=bin/Release/net10.0
KESTREL_ECHO="$BENCH_DIR/KestrelEcho/$BIN/KestrelEcho"
CWS_LOAD="$BENCH_DIR/ClientWebSocketLoad/$BIN/ClientWebSocketLoad"
C_LOAD="$BENCH_DIR/cload/bin/wsload"
RXSOCKETS_CLI="$ROOT/src/RxSockets.Cli/$BIN/rxsockets"

# The contenders: "display name|command". Servers get `--port 0` appended; load generators get
# `URL` and the workload's flags. The first entry of each list is the baseline for the ratios.
SERVERS=(
  "Kestrel|$KESTREL_ECHO"
  "node ws|node $BENCH_DIR/peers/ws-echo-server.js"
  "C echo|$C_LOAD --serve"
)
CLIENTS=(
  "ClientWebSocket|$CWS_LOAD"
  "node ws|node $BENCH_DIR/peers/ws-load.js"
  "C wsload|$C_LOAD"
)
RXSOCKETS_SERVER="RxSockets|$RXSOCKETS_CLI serve --echo --quiet"
RXSOCKETS_CLIENT="RxSockets|$RXSOCKETS_CLI bench"
# The raw TCP floor: the same workload (B-byte chunks, same window, same latency mode) over plain TCP, both sides wsload.
FLOOR_NAME="raw TCP floor"
FLOOR_SERVER="$FLOOR_NAME|$C_LOAD --serve --raw"
FLOOR_CLIENT="$FLOOR_NAME|$C_LOAD --raw"
# Kestrel's idle best case: the echo that holds no buffer between messages (its throughput echo keeps 64 KiB each).
KESTREL_IDLE_FLAGS="--lean"

DURATION=${BENCH_DURATION:-3s}
# A .NET process pinned to one core needs seconds to reach its optimised code: the tiered JIT's background
# compilation shares that core with the busy loop it is compiling for. Measured here: rxsockets serve --echo did
# 210,000 1 KiB msgs/s after a 1 s warm-up and 585,000 after 6 s; Kestrel moves likewise. 4 s puts every .NET
# contender in its steady state, so the figures compare stacks, not JIT progress.
WARMUP=${BENCH_WARMUP:-4s}
LATENCY_DURATION=${BENCH_LATENCY_DURATION:-3s}
REPS=${BENCH_REPS:-3}
WINDOW=${BENCH_WINDOW:-64}
SIZES=${BENCH_SIZES:-32 1024 65536}
LATENCY_SIZE=${BENCH_LATENCY_SIZE:-32}
IDLE_CONNECTIONS=${BENCH_IDLE_CONNECTIONS:-10000}
IDLE_REPS=${BENCH_IDLE_REPS:-$REPS}
IDLE_WARMUP_ROUNDS=${BENCH_IDLE_WARMUP_ROUNDS:-30}
SECTIONS=${BENCH_SECTIONS:-servers clients idle}
SERVER_LOADGEN=${BENCH_SERVER_LOADGEN:-C wsload}
CLIENT_SERVER=${BENCH_CLIENT_SERVER:-C echo}
IDLE_LOADGEN=${BENCH_IDLE_LOADGEN:-ClientWebSocket}
WITH_RXSOCKETS=${BENCH_WITH_RXSOCKETS:-0}
BUILD=1
IDLE_HOLD=120s
PIN=${BENCH_PIN:-1 0}
SERVER_PIN=()
LOAD_PIN=()
if [ "$PIN" != none ]; then
  read -r SERVER_CPU LOAD_CPU <<<"$PIN"
  if ! command -v taskset >/dev/null || [ -z "${LOAD_CPU:-}" ]; then
    echo "BENCH_PIN needs taskset and two CPU numbers (\"1 0\"), or \"none\"" >&2
    exit 2
  fi
  SERVER_PIN=(taskset -c "$SERVER_CPU")
  LOAD_PIN=(taskset -c "$LOAD_CPU")
  PLACEMENT="pinned: server on CPU $SERVER_CPU, load generator on CPU $LOAD_CPU"
else
  PLACEMENT="unpinned: placement-dependent"
fi
if ! [[ "$REPS" =~ ^[1-9][0-9]*$ ]]; then
  echo "BENCH_REPS must be a whole number of 1 or more, not '$REPS'" >&2
  exit 2
fi
IDLE_SETTLE_SECONDS=2

for arg in "$@"; do
  case "$arg" in
    --with-rxsockets) WITH_RXSOCKETS=1 ;;
    --no-build) BUILD=0 ;;
    *) echo "usage: $0 [--with-rxsockets] [--no-build]" >&2; exit 2 ;;
  esac
done

WORK=$(mktemp -d)
SERVER_PID=
SERVER_URL=
HOLDER_PID=
FIGURES=
cleanup() {
  [ -n "$HOLDER_PID" ] && kill -KILL "$HOLDER_PID" 2>/dev/null
  [ -n "$SERVER_PID" ] && kill -KILL "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "# $*" >&2; }

# Prints a duration such as 250us, 500ms, 3s or 1m in whole seconds, rounded up.
seconds_of() {
  awk -v d="$1" 'BEGIN {
    n = d + 0; u = d; sub(/^[0-9.]+/, "", u)
    f = (u == "us") ? 1e-6 : (u == "ms") ? 1e-3 : (u == "s") ? 1 : (u == "m") ? 60 : -1
    if (f < 0) { print "bad duration " d > "/dev/stderr"; exit 1 }
    s = n * f; print (s == int(s)) ? s : int(s) + 1 }'
}

name_of() { echo "${1%%|*}"; }
command_of() { echo "${1#*|}"; }

# Starts a server command with --port 0 and waits for its `listening ws://...` (or wss://) line.
# Sets SERVER_PID and SERVER_URL; returns 1 if the server exits or stays silent for 15 s.
start_server() {
  local cmd log
  read -ra cmd <<<"$1"
  log="$WORK/server.log"
  "${SERVER_PIN[@]}" "${cmd[@]}" --port 0 >"$log" 2>&1 </dev/null &
  SERVER_PID=$!
  for _ in $(seq 150); do
    SERVER_URL=$(grep -m1 -oE 'listening (on )?wss?://[^ ]*' "$log" 2>/dev/null | awk '{ print $NF }')
    [ -n "$SERVER_URL" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  say "server '$1' did not print a listening line: $(tail -c 300 "$log" | tr '\n' ' ')"
  stop_server
  return 1
}

stop_server() {
  [ -z "$SERVER_PID" ] && return 0
  kill -TERM "$SERVER_PID" 2>/dev/null
  for _ in $(seq 50); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$SERVER_PID" 2>/dev/null
  wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=
}

# Runs a load generator and prints "msgs MB p50 p99 p999" from its result line; returns 1 on failure.
run_load() {
  local cmd limit out
  read -ra cmd <<<"$1"
  shift
  limit=$(( $(seconds_of "$WARMUP") + $(seconds_of "$DURATION") + $(seconds_of "$LATENCY_DURATION") + 30 ))
  out="$WORK/load.out"
  timeout --kill-after=5 "$limit" "${LOAD_PIN[@]}" "${cmd[@]}" "$@" >"$out" 2>"$WORK/load.err" </dev/null
  local line
  line=$(tail -n1 "$out")
  if [[ "$line" != result:* ]]; then
    say "load generator failed: $(tail -c 300 "$WORK/load.err" | tr '\n' ' ')"
    return 1
  fi
  echo "$line" | sed -E 's/result: msgs_per_s=([^ ]+) MB_per_s=([^ ]+) p50_us=([^ ]+) p99_us=([^ ]+) p999_us=([^ ]+)/\1 \2 \3 \4 \5/'
}

# One measurement: start the server, run the load generator, stop the server; one retry with a
# fresh server, because an occasional connect on a busy 2-core machine fails. Sets FIGURES to the
# five figures or "failed". Runs in this shell, so the EXIT trap knows about the server.
measure() {
  local server=$1 client=$2 attempt
  shift 2
  for attempt in 1 2; do
    FIGURES=failed
    [ "$attempt" = 2 ] && say "retrying once"
    start_server "$(command_of "$server")" || continue
    FIGURES=$(run_load "$(command_of "$client")" "$SERVER_URL" "$@") || FIGURES=failed
    stop_server
    [ "$FIGURES" != failed ] && return 0
  done
}

workload_flags() {
  case "$1" in
    latency) echo "--latency --size $LATENCY_SIZE --duration $LATENCY_DURATION --warmup $WARMUP" ;;
    *) echo "--size $1 --window $WINDOW --duration $DURATION --warmup $WARMUP" ;;
  esac
}

workload_label() {
  case "$1" in
    latency) echo "latency ${LATENCY_SIZE} B" ;;
    *) echo "W=$WINDOW × $1 B" ;;
  esac
}

# A latency figure with one decimal, "–" when it was not measured.
dash() { awk -v v="$1" 'BEGIN { if (v + 0 > 0) printf "%.1f", v; else printf "–" }'; }

# ratio VALUE BASE: VALUE / BASE with two decimals, "–" when either is missing or zero.
ratio() {
  awk -v v="$1" -v b="$2" 'BEGIN { if (v + 0 > 0 && b + 0 > 0) printf "%.2f", v / b; else printf "–" }'
}

# Reads one cell's figure lines ("msgs MB p50 p99 p999", or "failed"), one per rep, on stdin. Prints
# "ok msgs msgs_min msgs_max MB p50 p50_min p50_max p99 p999" (medians, and min–max of msgs/s and p50) over the ok
# reps that succeeded, or "failed" when none did. The median of an even count is the mean of the middle two.
summarize() {
  awk '
    function sort_column(c,   i, j, t) {
      for (i = 1; i <= n; i++) a[i] = v[c, i]
      for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    }
    function median(c) { sort_column(c); return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    NF == 5 && $1 != "failed" { n++; for (c = 1; c <= 5; c++) v[c, n] = $c }
    END {
      if (n == 0) { print "failed"; exit }
      msgs = median(1); lo = a[1]; hi = a[n]
      p50 = median(3); p50lo = a[1]; p50hi = a[n]
      print n, msgs, lo, hi, median(2), p50, p50lo, p50hi, median(4), median(5)
    }'
}

# Field N of a summary (1 reps ok, 2 msgs/s, 9 p99), 0 when the cell failed.
field() {
  [ "$1" = failed ] && { echo 0; return; }
  awk -v f="$2" '{ print $f }' <<<"$1"
}

# One markdown row: label, contender, its summary, the floor's summary, the summary p99 is divided by, then the
# summaries msgs/s is divided by.
table_row() {
  local label=$1 name=$2 summary=$3 floor=$4 p99_base=$5 base cells
  shift 5
  if [ "$summary" = failed ]; then
    cells="failed | | | | | | | |"
    for base in "$@"; do cells+=" |"; done
    echo "| $label | $name | $cells |"
    return
  fi
  local ok msgs lo hi mb p50 p50lo p50hi p99 p999 range p50range="–"
  read -r ok msgs lo hi mb p50 p50lo p50hi p99 p999 <<<"$summary"
  range=$(awk -v l="$lo" -v h="$hi" 'BEGIN { printf "%.0f–%.0f", l, h }')
  [ "$ok" -lt "$REPS" ] && range+=" ($ok of $REPS ran)"
  awk -v v="$p50" 'BEGIN { exit !(v + 0 > 0) }' && p50range=$(awk -v l="$p50lo" -v h="$p50hi" 'BEGIN { printf "%.1f–%.1f", l, h }')
  cells=$(printf '%.0f | %s | %.1f | %s | %s | %s | %s | %s' "$msgs" "$range" "$mb" "$(dash "$p50")" "$p50range" \
    "$(dash "$p99")" "$(dash "$p999")" "$(ratio "$msgs" "$(field "$floor" 2)")")
  for base in "$@"; do cells+=" | $(ratio "$msgs" "$(field "$base" 2)")"; done
  cells+=" | $(ratio "$p99" "$(field "$p99_base" 9)")"
  echo "| $label | $name | $cells |"
}

# The header of a comparison table: what varies, the p99 baseline's name, then the msgs/s baselines' names.
table_header() {
  local role=$1 p99_base=$2 base head="" rule=""
  shift 2
  for base in "$@"; do head+=" msgs/s ÷ $base |"; rule+="---:|"; done
  echo
  echo "| workload | $role | msgs/s | min–max | MB/s | p50 µs | p50 min–max | p99 µs | p99.9 µs | msgs/s ÷ TCP floor |$head p99 ÷ $p99_base |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|$rule---:|"
}

find_entry() {
  local wanted=$1 entry
  shift
  for entry in "$@"; do
    [ "$(name_of "$entry")" = "$wanted" ] && { echo "$entry"; return 0; }
  done
  return 1
}

# Adds the RxSockets rows when asked for and when the CLI already offers the verbs; says why not otherwise.
add_rxsockets() {
  [ "$WITH_RXSOCKETS" = 1 ] || return 0
  if [ "$BUILD" = 1 ]; then
    say "building src/RxSockets.Cli (Release)"
    if ! dotnet build "$ROOT/src/RxSockets.Cli/RxSockets.Cli.csproj" -c Release --nologo -v q >"$WORK/rx-build.log" 2>&1; then
      say "src/RxSockets.Cli does not build; skipping the RxSockets rows"
      return 0
    fi
  fi
  if [ ! -x "$RXSOCKETS_CLI" ]; then
    say "no RxSockets CLI at $RXSOCKETS_CLI; skipping the RxSockets rows"
    return 0
  fi
  if start_server "$(command_of "$RXSOCKETS_SERVER")" 2>/dev/null; then
    stop_server
    SERVERS+=("$RXSOCKETS_SERVER")
  else
    say "'rxsockets serve --echo' is not available yet; skipping the RxSockets server rows"
  fi
  if start_server "$(command_of "${SERVERS[0]}")"; then
    local probe
    probe=$(run_load "$(command_of "$RXSOCKETS_CLIENT")" "$SERVER_URL" --duration 200ms --warmup 0ms 2>/dev/null)
    stop_server
    if [ -n "$probe" ]; then
      CLIENTS+=("$RXSOCKETS_CLIENT")
    else
      say "'rxsockets bench' is not available yet; skipping the RxSockets client rows"
    fi
  fi
}

build() {
  say "building bench projects (Release)"
  dotnet build "$BENCH_DIR/KestrelEcho/KestrelEcho.csproj" -c Release --nologo -v q >"$WORK/build.log" 2>&1 &&
    dotnet build "$BENCH_DIR/ClientWebSocketLoad/ClientWebSocketLoad.csproj" -c Release --nologo -v q >>"$WORK/build.log" 2>&1 ||
    { cat "$WORK/build.log" >&2; exit 1; }
  mkdir -p "$BENCH_DIR/cload/bin"
  cc -O2 -Wall -Wextra -o "$C_LOAD" "$BENCH_DIR/cload/wsload.c" >>"$WORK/build.log" 2>&1 &&
    "$C_LOAD" --self-test >>"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; exit 1; }
  if [ ! -d "$BENCH_DIR/peers/node_modules/ws" ]; then
    say "installing node ws from the lockfile"
    (cd "$BENCH_DIR/peers" && npm ci --no-audit --no-fund --loglevel=error) >&2 || exit 1
  fi
}

# One comparison table: $1 is what varies ("server" or "client"), $2 the fixed other side, $3 the name of the p99
# baseline, $4 the names of the msgs/s baselines (";"-separated), the rest the varying entries. Each workload is
# measured REPS times round-robin (floor, then every entry, then again), so slow drift of the machine spreads over all
# rows instead of landing on one; every measurement starts a fresh server.
compare_section() {
  local role=$1 fixed=$2 p99_name=$3 base_names rep i entry workload flags preposition=from
  IFS=';' read -ra base_names <<<"$4"
  shift 4
  [ "$role" = server ] && preposition=on
  table_header "$role" "$p99_name" "${base_names[@]}"
  local names=("$FLOOR_NAME") results summaries bases p99_base name
  for entry in "$@"; do names+=("$(name_of "$entry")"); done
  for workload in $SIZES latency; do
    read -ra flags <<<"$(workload_flags "$workload")"
    results=()
    for rep in $(seq "$REPS"); do
      say "${role}s: $(workload_label "$workload") over plain TCP (rep $rep/$REPS)"
      measure "$FLOOR_SERVER" "$FLOOR_CLIENT" "${flags[@]}"
      results[0]+="$FIGURES"$'\n'
      i=1
      for entry in "$@"; do
        say "${role}s: $(workload_label "$workload") $preposition $(name_of "$entry") (rep $rep/$REPS)"
        if [ "$role" = server ]; then
          measure "$entry" "$fixed" "${flags[@]}"
        else
          measure "$fixed" "$entry" "${flags[@]}"
        fi
        results[i]+="$FIGURES"$'\n'
        i=$((i + 1))
      done
    done
    summaries=()
    for i in "${!names[@]}"; do summaries[i]=$(printf '%s' "${results[i]}" | summarize); done
    bases=()
    for name in "${base_names[@]}"; do bases+=("$(summary_of "$name")"); done
    p99_base=$(summary_of "$p99_name")
    for i in "${!names[@]}"; do
      table_row "$(workload_label "$workload")" "${names[i]}" "${summaries[i]}" "${summaries[0]}" "$p99_base" "${bases[@]}"
    done
  done
}

# The summary of the row named $1 in compare_section's current workload, "failed" if there is none.
summary_of() {
  local i
  for i in "${!names[@]}"; do
    [ "${names[i]}" = "$1" ] && { echo "${summaries[i]}"; return; }
  done
  echo failed
}

# "; pinned: ..." or "; unpinned: placement-dependent", and the reps, for the section titles.
section_note() {
  if [ "$REPS" = 1 ]; then echo "$PLACEMENT; one run, a fresh server"; else echo "$PLACEMENT; median of $REPS runs, each with a fresh server"; fi
}

servers_section() {
  local loadgen
  loadgen=$(find_entry "$SERVER_LOADGEN" "${CLIENTS[@]}") || { say "unknown BENCH_SERVER_LOADGEN '$SERVER_LOADGEN'"; exit 2; }
  echo
  echo "## Servers (load generator: $(name_of "$loadgen"); $(section_note))"
  compare_section server "$loadgen" "$(name_of "${SERVERS[0]}")" "$(name_of "${SERVERS[0]}")" "${SERVERS[@]}"
}

clients_section() {
  local server
  server=$(find_entry "$CLIENT_SERVER" "${SERVERS[@]}") || { say "unknown BENCH_CLIENT_SERVER '$CLIENT_SERVER'"; exit 2; }
  echo
  echo "## Clients (server: $(name_of "$server"); $(section_note))"
  compare_section client "$server" "$(name_of "${CLIENTS[0]}")" "C wsload;$(name_of "${CLIENTS[0]}")" "${CLIENTS[@]}"
}

# Builds (unless --no-build) and checks the RxSockets CLI, for the sections that need it whatever --with-rxsockets says.
require_rxsockets_cli() {
  if [ "$BUILD" = 1 ] && [ -z "${RX_CLI_BUILT:-}" ]; then
    say "building src/RxSockets.Cli (Release)"
    dotnet build "$ROOT/src/RxSockets.Cli/RxSockets.Cli.csproj" -c Release --nologo -v q >"$WORK/rx-build.log" 2>&1 ||
      { cat "$WORK/rx-build.log" >&2; exit 1; }
    RX_CLI_BUILT=1
  fi
  [ -x "$RXSOCKETS_CLI" ] || { say "no RxSockets CLI at $RXSOCKETS_CLI (run without --no-build)"; exit 1; }
}

# A self-signed certificate for the TLS column, made for this run in $WORK (deleted on exit), never checked in.
make_bench_pfx() {
  local pfx="$WORK/bench.pfx"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost \
    -addext subjectAltName=IP:127.0.0.1,DNS:localhost -keyout "$WORK/bench.key" -out "$WORK/bench.crt" >"$WORK/openssl.log" 2>&1 &&
    openssl pkcs12 -export -inkey "$WORK/bench.key" -in "$WORK/bench.crt" -out "$pfx" -passout pass:bench >>"$WORK/openssl.log" 2>&1 ||
    { say "openssl could not make a certificate: $(tail -c 300 "$WORK/openssl.log" | tr '\n' ' ')"; exit 1; }
  echo "$pfx"
}

# The cost of permessage-deflate and of TLS: the same RxSockets throughput load against `rxsockets serve` plain,
# with --deflate, and with --cert (wss://, self-signed, bench -k), in one run, as ratios against plain.
overhead_section() {
  require_rxsockets_cli
  local pfx
  pfx=$(make_bench_pfx) || exit 1
  local serve="$RXSOCKETS_CLI serve --echo" load="$RXSOCKETS_CLI bench"
  local plain_server="plain|$serve" deflate_server="deflate|$serve --deflate" tls_server="TLS|$serve --cert $pfx --cert-password bench"
  local plain_client="plain|$load" deflate_client="deflate|$load --deflate" tls_client="TLS|$load -k"
  echo
  echo "## Overhead of permessage-deflate and TLS (RxSockets bench → rxsockets serve --echo; $DURATION measured after $WARMUP warm-up; one run each; $PLACEMENT)"
  echo
  echo "Both ends are RxSockets, so each ratio counts the cost on both sides. The payload is bytes 0, 1, … 255 repeated:"
  echo "highly compressible (best case for deflate's ratio of bytes, not for its CPU). Default deflate options: messages"
  echo "under 1024 bytes are sent uncompressed, so the 32 B row shows the negotiated-but-unused cost only."
  echo
  echo "| workload | plain msgs/s | deflate msgs/s | TLS msgs/s | deflate ÷ plain | TLS ÷ plain |"
  echo "|---|---:|---:|---:|---:|---:|"
  local size flags plain deflate tls
  for size in $SIZES; do
    read -ra flags <<<"$(workload_flags "$size")"
    say "overhead: $(workload_label "$size") plain"
    measure "$plain_server" "$plain_client" "${flags[@]}"
    plain=$FIGURES
    say "overhead: $(workload_label "$size") deflate"
    measure "$deflate_server" "$deflate_client" "${flags[@]}"
    deflate=$FIGURES
    if [ "$deflate" != failed ] && ! head -n1 "$WORK/load.out" | grep -q 'extensions=permessage-deflate'; then
      say "deflate was not negotiated: $(head -n1 "$WORK/load.out")"
      deflate=failed
    fi
    say "overhead: $(workload_label "$size") TLS"
    measure "$tls_server" "$tls_client" "${flags[@]}"
    tls=$FIGURES
    printf '| %s | %s | %s | %s | %s | %s |\n' "$(workload_label "$size")" "$(msgs_of "$plain")" "$(msgs_of "$deflate")" \
      "$(msgs_of "$tls")" "$(ratio "$(msgs_of "$deflate")" "$(msgs_of "$plain")")" "$(ratio "$(msgs_of "$tls")" "$(msgs_of "$plain")")"
  done
}

# The msgs/s figure of a measurement, rounded, or "failed".
msgs_of() {
  [ "$1" = failed ] && { echo failed; return; }
  awk -v v="${1%% *}" 'BEGIN { printf "%.0f", v }'
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# Server RSS per idle connection: VmRSS after holding N connections minus VmRSS before, over N.
# Sets FIGURES to "before_kib after_kib" or "failed".
idle_measure() {
  local server=$1 loadgen=$2 cmd before fifo out
  FIGURES=failed
  start_server "$(command_of "$server")" || return 0
  read -ra cmd <<<"$(command_of "$loadgen")"
  # Connections opened and closed first, so JIT and first-use allocations do not count as per-connection memory. One
  # round of 16 is not enough for a tiered JIT: each per-connection method is compiled again, optimised, after 30
  # calls, in the background, and that compilation's memory then lands inside the measurement in some runs and not in
  # others (RxSockets measured 1.75-2.50 KiB per connection with one round; 1.69-1.71 in five of five with
  # DOTNET_TieredCompilation=0). BENCH_IDLE_WARMUP_ROUNDS rounds of 16 (30 by default: every method past its 30 calls)
  # and 2 s for the background compiler leave the JIT steady, without the garbage of one large burst.
  local round
  for round in $(seq "$IDLE_WARMUP_ROUNDS"); do
    timeout 30 "${cmd[@]}" "$SERVER_URL" --idle --connections 16 --duration 0ms </dev/null >/dev/null 2>&1
  done
  sleep 2
  before=$(rss_kib "$SERVER_PID")
  fifo="$WORK/idle.in"
  out="$WORK/idle.out"
  rm -f "$fifo"
  mkfifo "$fifo"
  timeout --kill-after=5 "$(( $(seconds_of "$IDLE_HOLD") + 30 ))" \
    "${cmd[@]}" "$SERVER_URL" --idle --connections "$IDLE_CONNECTIONS" --duration "$IDLE_HOLD" <"$fifo" >"$out" 2>"$WORK/idle.err" &
  HOLDER_PID=$!
  exec 7>"$fifo"
  for _ in $(seq 1200); do
    grep -q "^connected $IDLE_CONNECTIONS\$" "$out" && break
    kill -0 "$HOLDER_PID" 2>/dev/null || break
    sleep 0.1
  done
  if grep -q "^connected $IDLE_CONNECTIONS\$" "$out"; then
    sleep "$IDLE_SETTLE_SECONDS"
    FIGURES="$before $(rss_kib "$SERVER_PID")"
  else
    say "idle load generator failed: $(tail -c 300 "$WORK/idle.err" | tr '\n' ' ')"
  fi
  exec 7>&-
  wait "$HOLDER_PID" 2>/dev/null
  HOLDER_PID=
  stop_server
}

# Scale-out over Redis (issue 11): bench/scaleout.sh prints its own tables; SCALEOUT_* variables configure it.
scaleout_section() {
  echo
  local flags=()
  [ "$BUILD" = 0 ] && flags+=(--no-build)
  "$BENCH_DIR/scaleout.sh" "${flags[@]}" || say "scaleout section failed"
}

idle_section() {
  local loadgen
  loadgen=$(find_entry "$IDLE_LOADGEN" "${CLIENTS[@]}") || { say "unknown BENCH_IDLE_LOADGEN '$IDLE_LOADGEN'"; exit 2; }
  echo
  echo "## Idle connections ($IDLE_CONNECTIONS held open by $(name_of "$loadgen"); server VmRSS; $IDLE_REPS runs each, a fresh server each time: memory, not timing; $PLACEMENT)"
  echo
  echo "A managed server's figure moves a little from run to run (how much of the GC's gen-0 budget the burst left"
  echo "allocated, background JIT work), hence the median and min–max."
  echo
  echo "| server | RSS before MiB | RSS after MiB | KiB per connection, median (min–max) | ÷ $(name_of "${SERVERS[0]}") |"
  echo "|---|---:|---:|---:|---:|"
  local server before after base= label rep runs line
  for server in "${SERVERS[@]}"; do
    label=$(name_of "$server")
    # Kestrel runs its lean echo here: its best case for memory, as the buffered echo is for throughput.
    if [ "$label" = Kestrel ]; then
      server="$server $KESTREL_IDLE_FLAGS"
      label="Kestrel ($KESTREL_IDLE_FLAGS)"
    fi
    runs=()
    for rep in $(seq "$IDLE_REPS"); do
      say "idle: $IDLE_CONNECTIONS connections to $label ($rep/$IDLE_REPS)"
      idle_measure "$server" "$loadgen"
      [ "$FIGURES" = failed ] || runs+=("$FIGURES")
    done
    if [ "${#runs[@]}" = 0 ]; then
      echo "| $label | failed | | | |"
      continue
    fi
    # Per run "before after per-connection"; the row shows the median run's RSS and the spread of the per-connection figure.
    line=$(printf '%s\n' "${runs[@]}" | awk -v n="$IDLE_CONNECTIONS" '
      { b[NR] = $1; a[NR] = $2; p[NR] = ($2 - $1) / n }
      END {
        for (i = 1; i <= NR; i++) o[i] = i
        for (i = 1; i <= NR; i++) for (j = i + 1; j <= NR; j++) if (p[o[j]] < p[o[i]]) { t = o[i]; o[i] = o[j]; o[j] = t }
        m = o[int((NR + 1) / 2)]
        printf "%s %s %.2f %.2f %.2f", b[m], a[m], p[m], p[o[1]], p[o[NR]]
      }')
    read -r before after per lo hi <<<"$line"
    [ -z "$base" ] && base=$per
    printf '| %s | %.1f | %.1f | %s (%s–%s) | %s |\n' "$label" "$(awk -v k="$before" 'BEGIN { print k / 1024 }')" \
      "$(awk -v k="$after" 'BEGIN { print k / 1024 }')" "$per" "$lo" "$hi" "$(ratio "$per" "$base")"
  done
}

# Each idle connection costs a descriptor in the server and in the load generator; both inherit this limit.
raise_fd_limit() {
  local needed=$(( IDLE_CONNECTIONS + 1024 )) hard
  hard=$(ulimit -Hn)
  if [ "$hard" != unlimited ] && [ "$hard" -lt "$needed" ]; then
    ulimit -Hn "$needed" 2>/dev/null || true
    hard=$(ulimit -Hn)
  fi
  ulimit -n "$hard" 2>/dev/null || true
  if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$needed" ]; then
    IDLE_CONNECTIONS=$(( $(ulimit -n) - 1024 ))
    say "open-file limit is $(ulimit -n); holding only $IDLE_CONNECTIONS idle connections"
  fi
}

[ "$BUILD" = 1 ] && build
raise_fd_limit
add_rxsockets

echo "# RxSockets echo benchmark"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -r), .NET $(dotnet --version), node $(node --version), loopback 127.0.0.1; $( [ "$PIN" = none ] && echo "unpinned: placement-dependent (figures depend on where the scheduler places the processes)" || echo "pinned with taskset: server on CPU $SERVER_CPU, load generator on CPU $LOAD_CPU"); $( [ "$REPS" = 1 ] && echo "1 run per cell" || echo "$REPS runs per cell (median, min–max)"); throughput $DURATION and latency $LATENCY_DURATION measured after $WARMUP warm-up"
echo
echo "Load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min); more than the number of cores means other work shared the CPUs."
for section in $SECTIONS; do
  case "$section" in
    servers) servers_section ;;
    clients) clients_section ;;
    idle) idle_section ;;
    overhead) overhead_section ;;
    scaleout) scaleout_section ;;
    *) say "unknown section '$section'"; exit 2 ;;
  esac
done
echo
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
