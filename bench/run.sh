#!/usr/bin/env bash
# bench/run.sh - pulsecompat vs PulseAudio vs pipewire-pulse, side by side, in one run.
#
#   bench/run.sh [--quick] [options]
#
# For every scenario each server gets a fresh process (one null sink "bench",
# 48 kHz stereo s16, a private socket and runtime directory), the libpulse client
# bench/pabench.c opens N playback streams and the server's CPU time and memory
# are read from /proc over a fixed window.  The servers take turns scenario by
# scenario (the order rotates), so slow drifts of this shared VM hit all of them.
#
# Options:
#   --quick          2 s windows and fewer scenarios (< 2 minutes)
#   -d SECS          window per scenario (default 3; --quick 2)
#   -r N             repeat the 16- and 64-stream scenarios N times (default 2;
#                    --quick 1); the tables show medians
#   -s LIST          servers, comma separated, from pc,pa,pw (default: all that exist)
#   --daemon PATH    pulsecompat binary to test (default: build/configure
#                    ../build-bench with meson + ninja, release, no sanitizers)
#   --no-build       do not (re)build the daemon, use --daemon or build-bench as is
#   -o DIR           results directory (default $BENCH_WORK/results/DATE)
#   --no-publish     do not copy the report to bench/results/latest.md
#   --rt             let the servers use realtime scheduling (--realtime=yes
#                    --high-priority=yes; pipewire: libpipewire-module-rt).  Default:
#                    off for all servers, as in the reference baseline
#   -h               this help
#
# Environment: BENCH_WORK (scratch root, default /tmp/pcbench; keep it short,
# unix socket paths must stay under 100 characters), BENCH_MAX_S (hard cap on
# the whole run, default 900), BENCH_PLAY_N / BENCH_F32_N / BENCH_RESAMPLE_N
# (stream counts), BENCH_TLENGTH_MS (playback tlength, default 40),
# BENCH_QUIET_BUDGET_S (how long in total the run may wait for other work on the
# machine to calm down before scenarios, default 60; --quick 6),
# BENCH_STREAM_START_S (bound for all streams to start, default 15).
#
# Every process this script starts is stopped by its PID on exit.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)

usage() { sed -n '2,/^set -u/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'; }

QUICK=0
DUR=""
REPEAT=""
SERVERS_OPT=""
DAEMON=""
BUILD=1
OUT=""
PUBLISH=1
RT=0
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1; shift ;;
        -d) DUR=$2; shift 2 ;;
        -r) REPEAT=$2; shift 2 ;;
        -s) SERVERS_OPT=$2; shift 2 ;;
        --daemon) DAEMON=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        -o) OUT=$2; shift 2 ;;
        --no-publish) PUBLISH=0; shift ;;
        --rt) RT=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "run.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
done

if [ "$QUICK" = 1 ]; then
    DUR=${DUR:-2}
    REPEAT=${REPEAT:-1}
    PLAY_N=${BENCH_PLAY_N-"16 64 128"}
    F32_N=${BENCH_F32_N-""}
    RESAMPLE_N=${BENCH_RESAMPLE_N-"16"}
    IDLE_S=2
    QUIET_BUDGET=${BENCH_QUIET_BUDGET_S:-6}
else
    DUR=${DUR:-3}
    REPEAT=${REPEAT:-2}
    QUIET_BUDGET=${BENCH_QUIET_BUDGET_S:-60}
    PLAY_N=${BENCH_PLAY_N-"1 16 64 128"}
    F32_N=${BENCH_F32_N-"1 16 64 128"}
    RESAMPLE_N=${BENCH_RESAMPLE_N-"1 16 64 128"}
    IDLE_S=3
fi
TLENGTH=${BENCH_TLENGTH_MS:-40}
START_S=${BENCH_STREAM_START_S:-15}
MAX_S=${BENCH_MAX_S:-900}
T_START=$(date +%s)

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"

# ---------------------------------------------------------------- which servers
have_pw=1
for b in pipewire pipewire-pulse wireplumber dbus-daemon; do command -v $b >/dev/null || have_pw=0; done
have_pa=1; command -v pulseaudio >/dev/null || have_pa=0
if [ -n "$SERVERS_OPT" ]; then
    IFS=, read -r -a KINDS <<<"$SERVERS_OPT"
else
    KINDS=(pc)
    [ $have_pa = 1 ] && KINDS+=(pa)
    [ $have_pw = 1 ] && KINDS+=(pw)
fi
SKIPPED=""
[ $have_pa = 1 ] || SKIPPED="$SKIPPED pulseaudio(not installed)"
[ $have_pw = 1 ] || SKIPPED="$SKIPPED pipewire-pulse(not installed: apt-get install pipewire pipewire-pulse wireplumber)"

# ---------------------------------------------------------------- info
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host: $(uname -srm), $(nproc) cpus, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
    echo "loadavg_before: $(cut -d' ' -f1-3 /proc/loadavg)"
    busy=$(top -bn2 -d 0.5 -w 200 2>/dev/null | awk '/^top -/ { n++ } n == 2 && $1 ~ /^[0-9]+$/ && $9 + 0 >= 5 { printf "%s%s %s%%", sep, $12, $9; sep = ", " }')
    echo "busy_processes_before: ${busy:-none}"
    echo "mode: $([ "$QUICK" = 1 ] && echo quick || echo full), window ${DUR} s, repeats of 16/64-stream scenarios: $REPEAT, tlength ${TLENGTH} ms, realtime scheduling $([ "$RT" = 1 ] && echo on || echo off)"
    for k in "${KINDS[@]}"; do echo "server.$(label_of "$k"): $(version_of "$k")"; done
    [ -n "$SKIPPED" ] && echo "skipped:$SKIPPED"
} > "$OUT/info.txt"
log "servers: ${KINDS[*]}; results in $OUT"

# ---------------------------------------------------------------- quiet gate
# busy time of the whole machine over 0.5 s, % of one core (nothing of ours runs then
# but an idle server)
machine_busy() {
    local a b
    a=$(awk '/^cpu / { print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat)
    sleep 0.5
    b=$(awk '/^cpu / { print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat)
    awk -v a="$a" -v b="$b" -v n="$(nproc)" 'BEGIN { split(a, x, " "); split(b, y, " ");
        t = y[2] - x[2]; v = 0; if (t > 0) v = 100 * n * (y[1] - x[1]) / t; printf "%.0f", v }'
}
QUIET_USED=0
# wait (within the run's total budget) until other work on the machine is below 30%
# of one core, so that fewer windows are measured on a machine busy with other jobs
# (at most 6 s at a time, so that the budget is not all spent on the first scenario)
wait_quiet() {
    local b here=0
    while :; do
        b=$(machine_busy)
        [ "${b:-0}" -lt 30 ] && return 0
        if [ "$QUIET_USED" -ge "$QUIET_BUDGET" ] || [ "$here" -ge 6 ]; then return 0; fi
        [ "$here" = 0 ] && log "machine busy (${b}% of a core, without us); waiting up to 6 s (budget left $((QUIET_BUDGET - QUIET_USED)) s)"
        sleep 1; QUIET_USED=$((QUIET_USED + 2)); here=$((here + 2))
    done
}

# ---------------------------------------------------------------- idle
for k in "${KINDS[@]}"; do
    label=$(label_of "$k")
    wait_quiet
    if ! start_server "$k"; then record "$label" idle.start_failed 1 bool; continue; fi
    record "$label" startup.ready_ms "$READY_MS" ms
    sleep 1
    client "$label" idle $((IDLE_S + 20)) idle -d "$IDLE_S"
done
stop_pids

# ---------------------------------------------------------------- streaming scenarios
SCEN=()   # "prefix|pabench args|repeat?"
for n in $PLAY_N; do SCEN+=("play.s16.n$n|-n $n -f s16le -r 48000"); done
for n in $F32_N; do SCEN+=("play.float32.n$n|-n $n -f float32le -r 48000"); done
for n in $RESAMPLE_N; do SCEN+=("resample.s16_44k.n$n|-n $n -f s16le -r 44100"); done
ORDERED=()
for ((r=1; r<=REPEAT; r++)); do
    for s in "${SCEN[@]}"; do
        n=${s%%|*}; n=${n##*.n}
        if [ "$r" = 1 ] || [ "$n" = 16 ] || [ "$n" = 64 ]; then ORDERED+=("$s"); fi
    done
done
total=${#ORDERED[@]}
i=0
for s in "${ORDERED[@]}"; do
    prefix=${s%%|*}
    args=${s#*|}
    nk=${#KINDS[@]}
    for ((j=0; j<nk; j++)); do
        k=${KINDS[$(( (i + j) % nk ))]}
        label=$(label_of "$k")
        wait_quiet
        log "[$((i+1))/$total] $prefix on $label"
        if ! start_server "$k"; then record "$label" "$prefix.start_failed" 1 bool; continue; fi
        # shellcheck disable=SC2086
        client "$label" "$prefix" $((DUR + 60)) play $args -d "$DUR" -l "$TLENGTH" -t "$START_S"
        check_alive "$label" "$prefix"
    done
    i=$((i + 1))
done
stop_pids

echo "loadavg_after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/info.txt"
echo "total_run_s: $(( $(date +%s) - T_START ))" >> "$OUT/info.txt"
echo "waited_for_quiet_s: $QUIET_USED" >> "$OUT/info.txt"
"$HERE/report.sh" "$OUT" > "$OUT/report.md"
if [ "$PUBLISH" = 1 ]; then
    cp "$OUT/report.md" "$HERE/results/latest.md"
    cp "$METRICS" "$HERE/results/latest-metrics.txt"
    cp "$OUT/info.txt" "$HERE/results/latest-info.txt"
fi
cat "$OUT/report.md"
log "done in $(( $(date +%s) - T_START )) s; report: $OUT/report.md$([ "$PUBLISH" = 1 ] && echo ", bench/results/latest.md")"
