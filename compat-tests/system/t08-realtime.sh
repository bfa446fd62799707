#!/bin/bash
# Real-time scheduling of the data threads and the daemon's nice level
# (docs/options.md "Scheduling"), on all three paths:
#   1. root: the kernel grants SCHED_FIFO directly (realtime-priority), nice -11;
#   2. an unprivileged user without RealtimeKit: SCHED_OTHER, the daemon still
#      plays audio (byte-exact), nothing fails;
#   3. an unprivileged user with RealtimeKit on a private system bus (polkit
#      mocked by python3-dbusmock): the data thread becomes SCHED_RR through rtkit;
# plus --realtime=no / --high-priority=no keeping SCHED_OTHER and nice 0 as root.
# Needs root (SCHED_FIFO and setpriv); skips with 77 otherwise.
set -u
set -o pipefail
NAME=system-realtime
log()  { printf '[%s] %s\n' "$NAME" "$*" >&2; }
skip() { log "SKIP: $*"; exit 77; }
FAILS=0
fail() { log "FAIL: $*"; FAILS=$((FAILS + 1)); }
ok()   { log "ok: $*"; }

[ "$(id -u)" = 0 ] || skip "must run as root (SCHED_FIFO, setpriv)"
for p in setpriv pactl paplay timeout; do command -v $p >/dev/null || skip "$p not found"; done
[ -n "${PULSECOMPAT_BIN:-}" ] && [ -x "$PULSECOMPAT_BIN" ] || skip "PULSECOMPAT_BIN not set"
DIR=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/pc-rt.XXXXXX)
chmod 755 "$T"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT

# start_daemon TAG AS_USER(root|nobody) [ENV…] -- [FLAGS…]: sets DPID, SOCK
start_daemon() {
    local tag=$1 who=$2; shift 2
    local envs=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    local d=$T/$tag
    mkdir -p "$d/run" "$d/home"
    chmod 755 "$d"
    chmod 700 "$d/run" "$d/home"
    [ "$who" = nobody ] && chown 65534:65534 "$d" "$d/run" "$d/home"
    SOCK=$d/run/pulse/native
    local run=(env -i PATH=/usr/bin:/bin HOME=$d/home XDG_RUNTIME_DIR=$d/run
               XDG_CONFIG_HOME=$d/home/.config LC_ALL=C
               ASAN_OPTIONS=${ASAN_OPTIONS:-} UBSAN_OPTIONS=${UBSAN_OPTIONS:-} "${envs[@]}")
    if [ "$who" = nobody ]; then
        run=(setpriv --reuid=65534 --regid=65534 --clear-groups "${run[@]}")
    fi
    "${run[@]}" "$PULSECOMPAT_BIN" -n --log-level=info --exit-idle-time=-1 \
        -L module-native-protocol-unix -L "module-pipe-sink sink_name=out file=$d/out.fifo" \
        "$@" >"$d/log" 2>&1 &
    DPID=$!
    PIDS+=("$DPID")
    for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
    [ -S "$SOCK" ] || { cat "$d/log" >&2; fail "$tag: daemon did not start"; return 1; }
    LOG=$d/log
}
# thread_sched PID COMM: "policy rt_priority" of the first thread named COMM,
# waiting up to 5 s for it (the socket exists before the pipe sink's module,
# loaded after the protocol's, has started its thread), then 0.2 s more (the
# thread asks for its policy as it starts); "none" if it never came
thread_sched() {
    local t i
    for ((i = 0; i < 100; i++)); do
        for t in /proc/$1/task/*; do
            if [ "$(cat "$t/comm" 2>/dev/null)" = "$2" ]; then
                sleep 0.2
                awk '{print $41, $40}' "$t/stat"
                return 0
            fi
        done
        sleep 0.05
    done
    echo "none"
}
nice_of() { awk '{print $19}' "/proc/$1/stat"; }
stop_daemon() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

# 1. root: SCHED_FIFO (policy 1) at the configured priority, nice -11
start_daemon root-default root -- || exit 1
s=$(thread_sched "$DPID" pc-sink)
[ "$s" = "1 5" ] && ok "root: data thread SCHED_FIFO priority 5" || fail "root: data thread sched '$s', want '1 5'"
[ "$(nice_of "$DPID")" = -11 ] && ok "root: nice -11" || fail "root: nice $(nice_of "$DPID")"
stop_daemon "$DPID"

mkdir -p "$T/root-prio/home/.config/pulse"
printf 'realtime-priority = 7\nnice-level = -5\n' >"$T/root-prio/home/.config/pulse/daemon.conf"
start_daemon root-prio root -- || exit 1
s=$(thread_sched "$DPID" pc-sink)
[ "$s" = "1 7" ] && ok "daemon.conf realtime-priority = 7 honoured" || fail "realtime-priority 7: sched '$s'"
[ "$(nice_of "$DPID")" = -5 ] && ok "nice-level = -5 honoured" || fail "nice-level -5: nice $(nice_of "$DPID")"
stop_daemon "$DPID"

start_daemon root-off root -- --realtime=no --high-priority=no || exit 1
s=$(thread_sched "$DPID" pc-sink)
[ "$s" = "0 0" ] && ok "--realtime=no: SCHED_OTHER" || fail "--realtime=no: sched '$s'"
[ "$(nice_of "$DPID")" = 0 ] && ok "--high-priority=no: nice 0" || fail "--high-priority=no: nice $(nice_of "$DPID")"
stop_daemon "$DPID"

# 2. unprivileged, no RealtimeKit reachable (a bus address that does not exist)
start_daemon nobody nobody DBUS_SYSTEM_BUS_ADDRESS=unix:path=$T/no-bus -- || exit 1
s=$(thread_sched "$DPID" pc-sink)
[ "$s" = "0 0" ] && ok "unprivileged: SCHED_OTHER" || fail "unprivileged: sched '$s'"
grep -q "real-time scheduling not permitted" "$LOG" && ok "unprivileged: refusal logged once" ||
    fail "no log line about the refusal"
cat "$T/nobody/out.fifo" >"$T/nobody/out.raw" &
CATPID=$!
PIDS+=("$CATPID")
head -c 176400 /dev/urandom >"$T/in.raw"
chmod 644 "$T/in.raw"
setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=$T/nobody/home \
    PULSE_SERVER=unix:$SOCK timeout 20 paplay --raw --format=s16le --rate=44100 --channels=2 \
    --device=out "$T/in.raw" || fail "unprivileged: paplay failed"
sleep 0.3
kill "$CATPID" 2>/dev/null
if /usr/bin/python3 -c 'import sys; sys.exit(open(sys.argv[1],"rb").read().find(open(sys.argv[2],"rb").read()) < 0)' \
        "$T/nobody/out.raw" "$T/in.raw"; then
    ok "unprivileged: audio byte-exact without real-time scheduling"
else
    fail "unprivileged: the pipe sink did not get the played bytes"
fi
stop_daemon "$DPID"

# 3. unprivileged with RealtimeKit on a private system bus
RTKIT=/usr/libexec/rtkit-daemon
PY=/usr/bin/python3
if [ -x "$RTKIT" ] && command -v dbus-daemon >/dev/null && command -v gdbus >/dev/null &&
   $PY -c 'import dbusmock' 2>/dev/null; then
    dbus-daemon --config-file="$DIR/private-bus.conf" --address="unix:path=$T/bus" --nofork 2>/dev/null &
    PIDS+=("$!")
    for _ in $(seq 100); do [ -S "$T/bus" ] && break; sleep 0.05; done
    chmod 666 "$T/bus"
    export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$T/bus
    $PY -m dbusmock --system -t polkitd >"$T/polkit.log" 2>&1 &
    PIDS+=("$!")
    gdbus wait --system --timeout 10 org.freedesktop.PolicyKit1 || fail "polkit mock did not start"
    busctl --system call org.freedesktop.PolicyKit1 /org/freedesktop/PolicyKit1/Authority \
        org.freedesktop.DBus.Mock AllowUnknown b true >/dev/null
    "$RTKIT" --stderr --no-canary --no-limit-resources >"$T/rtkit.log" 2>&1 &
    PIDS+=("$!")
    if gdbus wait --system --timeout 10 org.freedesktop.RealtimeKit1; then
        start_daemon rtkit nobody DBUS_SYSTEM_BUS_ADDRESS=unix:path=$T/bus -- || exit 1
        s=$(thread_sched "$DPID" pc-sink)
        # rtkit grants SCHED_RR (2) | SCHED_RESET_ON_FORK, capped at its MaxRealtimePriority
        max=$(busctl --system get-property org.freedesktop.RealtimeKit1 /org/freedesktop/RealtimeKit1 \
              org.freedesktop.RealtimeKit1 MaxRealtimePriority | awk '{print $2}')
        want=$(( max < 5 ? max : 5 ))
        [ "$s" = "2 $want" ] && ok "unprivileged + RealtimeKit: SCHED_RR priority $want" ||
            { fail "RealtimeKit path: sched '$s', want '2 $want'"; cat "$T/rtkit.log" >&2; tail -5 "$LOG" >&2; }
        grep -q "through RealtimeKit" "$LOG" && ok "RealtimeKit grant logged" || fail "grant not logged"
        stop_daemon "$DPID"
    else
        fail "rtkit-daemon did not come up on the private bus"
        cat "$T/rtkit.log" >&2
    fi
else
    log "note: rtkit/dbusmock not installed; the RealtimeKit path was not run"
fi

[ "$FAILS" -eq 0 ] || { log "$FAILS failure(s)"; exit 1; }
log "all checks passed"
