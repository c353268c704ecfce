#!/bin/bash
# Interleaved A/B of two builds of the rxsockets CLI, pinned (server CPU 1, load generator CPU 0), PAIRS pairs per cell
# (default 5), each pair run back to back with the raw TCP floor beside it, so that a host that drifts between minutes
# moves both sides of a pair alike. Server cells: `rxsockets serve --echo --quiet` under the C wsload; client cells:
# `rxsockets bench` against `wsload --serve`. 64 in flight, 3 s after a 4 s warm-up. Prints CSV (msgs/s).
# AB_SIZES: the message sizes (default "32 1024"; e.g. AB_SIZES=65536).
# Usage: bench/ab-echo.sh BEFORE_RXSOCKETS AFTER_RXSOCKETS   (paths of two built CLIs, e.g. from two worktrees;
#        build the C load generator first: cc -O2 -o bench/cload/bin/wsload bench/cload/wsload.c, as bench/run.sh does)
set -u
B=$1
A=$2
W=$(cd "$(dirname "$0")" && pwd)/cload/bin/wsload
srv() { # bin size
  taskset -c 1 $1 serve --echo --quiet --port 0 > /tmp/ab.log 2>&1 & local pid=$!
  for i in $(seq 50); do url=$(grep -oE 'ws://[^ ]*' /tmp/ab.log); [ -n "$url" ] && break; sleep 0.1; done
  taskset -c 0 $W $url --size $2 --window 64 --duration 3s --warmup 4s | tail -1 | grep -oE 'msgs_per_s=[0-9.]+' | cut -d= -f2
  kill $pid; wait $pid 2>/dev/null
}
cli() { # bin size
  taskset -c 1 $W --serve --port 0 > /tmp/abc.log 2>&1 & local pid=$!
  for i in $(seq 50); do url=$(grep -oE 'ws://[^ ]*' /tmp/abc.log); [ -n "$url" ] && break; sleep 0.1; done
  taskset -c 0 $1 bench $url --size $2 --window 64 --duration 3s --warmup 4s | tail -1 | grep -oE 'msgs_per_s=[0-9.]+' | cut -d= -f2
  kill $pid; wait $pid 2>/dev/null
}
floor() { # size
  taskset -c 1 $W --serve --raw --port 0 > /tmp/abf.log 2>&1 & local pid=$!
  for i in $(seq 50); do url=$(grep -oE 'ws://[^ ]*' /tmp/abf.log); [ -n "$url" ] && break; sleep 0.1; done
  taskset -c 0 $W --raw $url --size $1 --window 64 --duration 3s --warmup 1s | tail -1 | grep -oE 'msgs_per_s=[0-9.]+' | cut -d= -f2
  kill $pid; wait $pid 2>/dev/null
}
echo "pair,side,size,floor,before,after"
for p in $(seq ${PAIRS:-5}); do
  for side in server client; do
    for size in ${AB_SIZES:-32 1024}; do
      f=$(floor $size)
      if [ $side = server ]; then b=$(srv $B $size); a=$(srv $A $size); else b=$(cli $B $size); a=$(cli $A $size); fi
      echo "$p,$side,$size,$f,$b,$a"
    done
  done
done
