#!/usr/bin/env bash
# bench/profile.sh - perf profile of one streaming scenario on one server.
#
#   bench/profile.sh [-s pc|pa|pw] [-d SECS] [--syscalls] [--dwarf] [--daemon PATH] [--no-build] [-o DIR] -- PABENCH_PLAY_ARGS...
#
# Starts a fresh server exactly as bench/run.sh does, opens the streams with
# `pabench play PABENCH_PLAY_ARGS`, waits 1.5 s, then runs
# `perf record -g -p <server pids>` for SECS seconds (default 5) and prints
# `perf report --no-children` (top symbols, self time) plus the per-thread
# CPU split measured by pabench over the same window.
# --syscalls: instead of perf, count the server's system calls over the window
# with `strace -c -f` (slows the server down; the counts per second are the point).
# --dwarf: DWARF call graphs (perf record --call-graph dwarf): callers through libc
# and libsystemd, which have no frame pointers; bigger perf.data.
#
# Examples:
#   bench/profile.sh -- -n 16 -f s16le            # 16 s16 streams on pulsecompat
#   bench/profile.sh -s pa -- -n 16 -f s16le      # the same on PulseAudio
#   bench/profile.sh -- -n 64 -f s16le -r 44100   # resampling
#
# Output: DIR/perf.data, DIR/report.txt (default DIR: $BENCH_WORK/profile/DATE).
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
KIND=pc
DUR=5
DAEMON=""
BUILD=1
OUT=""
MAX_S=${BENCH_MAX_S:-300}
SYSCALLS=0
CG=fp
while [ $# -gt 0 ]; do
    case "$1" in
        -s) KIND=$2; shift 2 ;;
        -d) DUR=$2; shift 2 ;;
        --daemon) DAEMON=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        --syscalls) SYSCALLS=1; shift ;;
        --dwarf) CG=dwarf; shift ;;
        -o) OUT=$2; shift 2 ;;
        --) shift; break ;;
        -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) break ;;
    esac
done
[ $# -gt 0 ] || set -- -n 16 -f s16le
if [ "$SYSCALLS" = 1 ]; then command -v strace >/dev/null || { echo "profile.sh: strace is not installed" >&2; exit 2; }
else command -v perf >/dev/null || { echo "profile.sh: perf is not installed" >&2; exit 2; }; fi
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
WORK0=${BENCH_WORK:-/tmp/pcbench}
[ -n "$OUT" ] || OUT=$WORK0/profile/$(date +%Y%m%d-%H%M%S)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

label=$(label_of "$KIND")
start_server "$KIND" || exit 1
pids=$(for np in "${MEASURE[@]}"; do printf '%s,' "${np#*:}"; done); pids=${pids%,}
log "$label up (pids $pids); streams: $*"
TOTAL=$(awk -v d="$DUR" 'BEGIN { printf "%.1f", d + 4 }')
# pabench's own window covers the perf window (it starts 0.5 s after the streams)
"$PABENCH" -s "$PULSE_SERVER" -p "$PIDS_CSV" -P prof. --threads "$@" -d "$TOTAL" -t 40 play \
    >"$OUT/pabench.out" 2>"$OUT/pabench.err" &
CLIENT_PID=$!
sleep 1.5
if [ "$SYSCALLS" = 1 ]; then
    sargs=(); for p in ${pids//,/ }; do sargs+=(-p "$p"); done
    timeout -s INT "$DUR" strace -c -f -o "$OUT/strace.txt" "${sargs[@]}" >/dev/null 2>&1
    wait "$CLIENT_PID"; CLIENT_PID=""
    stop_pids
    { echo "# $label, pabench play $*, strace -c -f over ${DUR}s (calls per second = calls / $DUR)"
      grep '^pabench: play' "$OUT/pabench.err"; cat "$OUT/strace.txt"; } > "$OUT/report.txt"
    cat "$OUT/report.txt"
    exit 0
fi
perf record --call-graph "$CG" -o "$OUT/perf.data" -p "$pids" -- sleep "$DUR" >"$OUT/perf.log" 2>&1
wait "$CLIENT_PID"; CLIENT_PID=""
stop_pids
perf report -i "$OUT/perf.data" --no-children --stdio --percent-limit 0.5 --sort comm,dso,sym -g none 2>/dev/null \
    | grep -v '^$' | grep -v '^# *$' > "$OUT/report-self.txt"
perf report -i "$OUT/perf.data" --children --stdio --percent-limit 2 --sort comm,sym -g none 2>/dev/null \
    | grep -v '^$' | grep -v '^# *$' > "$OUT/report-children.txt"
perf report -i "$OUT/perf.data" --no-children --stdio --sort comm -g none 2>/dev/null | grep '%' > "$OUT/report-threads.txt"
{
    echo "# $label, pabench play $*, perf window ${DUR}s"
    grep '^pabench: play' "$OUT/pabench.err"
    sed -n 's/^METRIC prof\.\(thread_cpu_pct\.[^ ]* [^ ]*\).*/  \1 %/p' "$OUT/pabench.out"
    echo "## samples per thread"; cat "$OUT/report-threads.txt"
    echo "## self time (dso, symbol)"; sed -n '/^#/!p' "$OUT/report-self.txt" | head -60
    echo "## inclusive (children), top"; sed -n '/^#/!p' "$OUT/report-children.txt" | head -60
} > "$OUT/report.txt"
cat "$OUT/report.txt"
log "perf data: $OUT/perf.data (perf report -i $OUT/perf.data)"
