#!/bin/bash
# Per-message system calls, context switches and CPU (all, and user / system from /proc) of one side of a pinned echo (perf stat over 2 s in the middle of
# a 3 s run after a 4 s warm-up; 64 in flight). Side "server": `rxsockets serve --echo --quiet` on CPU 1 under the C
# wsload on CPU 0; side "client": `rxsockets bench` on CPU 0 against `wsload --serve` on CPU 1. Needs perf.
# Usage: bench/syscalls.sh RXSOCKETS server|client SIZE   (RXSOCKETS: the path of a built CLI)
set -u
R=$1; side=$2; size=$3
W=$(cd "$(dirname "$0")" && pwd)/cload/bin/wsload
log=$(mktemp); out=$(mktemp); stat=$(mktemp)
if [ "$side" = server ]; then
  taskset -c 1 "$R" serve --echo --quiet --port 0 > "$log" 2>&1 & spid=$!
else
  taskset -c 1 "$W" --serve --port 0 > "$log" 2>&1 & spid=$!
fi
for i in $(seq 50); do url=$(grep -oE 'ws://[^ ]*' "$log" | head -1); [ -n "$url" ] && break; sleep 0.1; done
if [ "$side" = server ]; then
  taskset -c 0 "$W" "$url" --size "$size" --window 64 --duration 3s --warmup 4s > "$out" & cpid=$!; target=$spid
else
  taskset -c 0 "$R" bench "$url" --size "$size" --window 64 --duration 3s --warmup 4s > "$out" & cpid=$!; target=$cpid
fi
sleep 4.5
# User and system CPU from /proc (clock ticks), over the same 2 s as perf stat.
ticks() { echo "$(sed 's/.*) //' "/proc/$target/stat" | awk '{print $12, $13}') $(date +%s.%N)"; }
read -r u0 s0 t0 < <(ticks)
perf stat -x, -e 'syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg,syscalls:sys_enter_recvfrom,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_futex,syscalls:sys_enter_sched_yield,raw_syscalls:sys_enter,context-switches,task-clock' \
  -p "$target" -o "$stat" -- sleep 2
read -r u1 s1 t1 < <(ticks)
hz=$(getconf CLK_TCK)
wait $cpid; kill $spid; wait $spid 2>/dev/null
rate=$(tail -1 "$out" | grep -oE 'msgs_per_s=[0-9.]+' | cut -d= -f2)
# Each message is received and sent once by the measured side: per message = count / (rate × 2 s).
echo -n "$side $size msgs_per_s=${rate%.*} per message:"
grep -v '^#' "$stat" | grep -v '^$' | awk -F, -v m="$rate" '{n=$3; sub(/syscalls:sys_enter_/,"",n); sub(/raw_syscalls:sys_enter/,"all_calls",n); v=$1/(m*2); if (n=="task-clock") printf " cpu_us=%.1f", v*1000; else if ($1>0) printf " %s=%.3f", n, v}'
awk -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v hz="$hz" -v m="$rate" -v t="$(echo "$t1 - $t0" | bc)" \
  'BEGIN { printf " user_us=%.1f sys_us=%.1f", u / hz * 1e6 / (m * t), s / hz * 1e6 / (m * t) }'
echo
rm -f "$log" "$out" "$stat"
