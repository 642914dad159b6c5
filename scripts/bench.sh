#!/usr/bin/env bash
# Benchmarks (not tests): what the sandbox costs, printed as ratios.
#   - an allowed syscall inside the sandbox vs outside (seccomp BPF cost)
#   - a denied, recorded syscall (user notification round trip) vs an allowed one,
#     with and without SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#   - whole runs: `true` and `python3 -c pass` sandboxed vs bare
# Run as root from the repository root: bash scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
SUP=target/release/phase1-supervise
PROBE=$(pwd)/target/release/phase1-probe
LOG=$(mktemp -d)/bench-audit.jsonl
N=${BENCH_CALLS:-20000}
GETPPID=110   # allowed everywhere
VHANGUP=153   # never allowed: denied and recorded through the supervisor

ns() { sed -n 's/^ns_per_call=//p'; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
runs() { for _ in 1 2 3 4 5; do "$@"; done | median; }

bare=$(runs bash -c "$PROBE loop $GETPPID $N | sed -n 's/^ns_per_call=//p'")
boxed=$(runs bash -c "$SUP run -q --audit-log $LOG --allow-exec $PROBE -- $PROBE loop $GETPPID $N | sed -n 's/^ns_per_call=//p'")
den=$(runs bash -c "$SUP run -q --audit-log $LOG --allow-exec $PROBE -- $PROBE loop $VHANGUP 2000 | sed -n 's/^ns_per_call=//p'")
den_slow=$(runs bash -c "PHASE1_NO_SYNC_WAKEUP=1 $SUP run -q --audit-log $LOG --allow-exec $PROBE -- $PROBE loop $VHANGUP 2000 | sed -n 's/^ns_per_call=//p'")

t() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(( (e - s) / 1000 )); }
true_bare=$(for _ in 1 2 3 4 5; do t /bin/true; done | median)
true_boxed=$(for _ in 1 2 3 4 5; do t $SUP run -q --audit-log $LOG -- /bin/true; done | median)
PY=$(PATH=/usr/local/bin:/usr/bin:/bin command -v python3)
py_bare=$(for _ in 1 2 3 4 5; do t "$PY" -c pass; done | median)
py_boxed=$(for _ in 1 2 3 4 5; do t $SUP run -q --audit-log $LOG --runtime python -- python3 -c pass; done | median)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) b = 1; printf "%.2f", a / b }'; }
printf '%-58s %s\n' "measure" "value"
printf '%-58s %s ns\n' "allowed syscall, bare" "$bare"
printf '%-58s %s ns\n' "allowed syscall, sandboxed" "$boxed"
printf '%-58s %s\n'    "ratio sandboxed/bare (seccomp filter cost)" "$(ratio "$boxed" "$bare")"
printf '%-58s %s ns\n' "denied+recorded syscall (notification, SYNC_WAKE_UP)" "$den"
printf '%-58s %s ns\n' "denied+recorded syscall (notification, plain wake-up)" "$den_slow"
printf '%-58s %s\n'    "ratio plain/sync wake-up" "$(ratio "$den_slow" "$den")"
printf '%-58s %s\n'    "ratio denied+recorded/allowed (sandboxed)" "$(ratio "$den" "$boxed")"
printf '%-58s %s us / %s us = %s\n' "run true: sandboxed / bare" "$true_boxed" "$true_bare" "$(ratio "$true_boxed" "$true_bare")"
printf '%-58s %s us / %s us = %s\n' "run python3 -c pass: sandboxed / bare" "$py_boxed" "$py_bare" "$(ratio "$py_boxed" "$py_bare")"
echo "(each audit record of the denied loop lands in $LOG; medians of 5 runs)"
