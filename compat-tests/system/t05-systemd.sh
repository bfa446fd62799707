#!/bin/bash
# systemd integration without systemd as PID 1:
#  - socket activation: `systemd-socket-activate -l /run/pulse/native` binds
#    the socket as root and execs the daemon on the first connection; the
#    daemon uses the inherited socket (LISTEN_FDS), still drops to pulse, and
#    the triggering client is served; at exit the socket file (not ours) stays;
#  - sd_notify on $NOTIFY_SOCKET: READY=1 and STATUS= when listening,
#    WATCHDOG=1 repeatedly when $WATCHDOG_USEC is set, STOPPING=1 on SIGTERM;
#  - the same readiness without socket activation (Type=notify).
. "$(dirname "$0")/lib.sh"
sys_init "$@"
sys_need_prog systemd-socket-activate

"$SYS_PY" "$SYS_DIR/notify-listen.py" "$SYS_T/notify.sock" "$SYS_T/notify.log" &
SYS_BG_PIDS+=("$!")
for _ in $(seq 100); do [ -S "$SYS_T/notify.sock" ] && break; sleep 0.05; done
[ -S "$SYS_T/notify.sock" ] || sys_fatal "notify listener did not start"

notified() { grep -c -P "\t$1\$" "$SYS_T/notify.log"; }
wait_notified() {   # wait_notified FIELD=VALUE SECS
    local _
    for _ in $(seq $(($2 * 20))); do
        [ "$(notified "$1")" -gt 0 ] && return 0
        sleep 0.05
    done
    return 1
}

# ---- socket activation
mkdir -m 0755 /run/pulse
printf '### systemd-socket-activate -l /run/pulse/native %s --system\n' "$PULSECOMPAT_BIN" >>"$SYS_LOG"
# (systemd-socket-activate drops NOTIFY_SOCKET/WATCHDOG_* from the environment: -E)
systemd-socket-activate -l /run/pulse/native -E NOTIFY_SOCKET="$SYS_T/notify.sock" \
    -E WATCHDOG_USEC=400000 -- \
    "$PULSECOMPAT_BIN" --system --daemonize=no --disallow-exit --disallow-module-loading \
    --log-target=stderr --log-level=info </dev/null >>"$SYS_LOG" 2>&1 &
SYS_DAEMON_PID=$!
for _ in $(seq 100); do [ -S /run/pulse/native ] && break; sleep 0.05; done
[ -S /run/pulse/native ] || sys_fatal "systemd-socket-activate did not create the socket"
chmod 0666 /run/pulse/native       # what SocketMode=0666 in pulsecompat.socket does
[ -e /run/pulse/pid ] && sys_fail "daemon started before the first connection"

pactl_ok pcuser1 info && sys_ok "first connection starts the daemon and is served"
assert_match "served by the system daemon" '^User Name: pulse$' "$PACTL_OUT"
pid=$(tr -d '\n' </run/pulse/pid 2>/dev/null)
assert_eq "the activated process is the daemon (same pid)" "$SYS_DAEMON_PID" "$pid"
assert_eq "socket-activated daemon runs as pulse" "60990 60990 60990 60990" \
    "$(proc_status "$pid" Uid | tr -s '\t ' ' ')"
assert_eq "socket-activated daemon: no capabilities" 0000000000000000 "$(proc_status "$pid" CapEff)"
grep -q "Listening on /run/pulse/native" "$SYS_LOG" || sys_fail "no listener on the inherited socket"
pactl_denied pcoutsider info

wait_notified READY=1 10 && sys_ok "READY=1 sent" || sys_fail "no READY=1 on NOTIFY_SOCKET"
assert_match "STATUS= sent" 'STATUS=' "$(cat "$SYS_T/notify.log")"
sleep 1.2
n=$(notified WATCHDOG=1)
[ "$n" -ge 2 ] && sys_ok "WATCHDOG=1 sent periodically ($n in ~1.2 s, WATCHDOG_USEC=400000)" ||
    sys_fail "WATCHDOG=1 sent $n times"
sys_stop_daemon 20 || sys_fail "daemon ignored SIGTERM"
assert_eq "exit status" 0 "$SYS_DAEMON_STATUS"
wait_notified STOPPING=1 2 && sys_ok "STOPPING=1 sent" || sys_fail "no STOPPING=1"
[ -S /run/pulse/native ] && sys_ok "inherited socket file left for systemd" ||
    sys_fail "daemon removed a socket it did not create"
[ -e /run/pulse/pid ] && sys_fail "pid file left behind"
rm -f /run/pulse/native

# ---- Type=notify without socket activation
: >"$SYS_T/notify.log"
NOTIFY_SOCKET=$SYS_T/notify.sock sys_start_daemon --disallow-exit --disallow-module-loading
wait_notified READY=1 10 && sys_ok "READY=1 (own socket)" || sys_fail "no READY=1 (own socket)"
[ "$(notified WATCHDOG=1)" -eq 0 ] && sys_ok "no WATCHDOG=1 without WATCHDOG_USEC" ||
    sys_fail "WATCHDOG=1 without WATCHDOG_USEC"
# READY must come after the socket listens: the line order of the log proves it
awk '/Listening on \/run\/pulse\/native/ { l = NR } /Daemon startup complete/ { r = NR } END { exit !(l && r && l < r) }' \
    "$SYS_LOG" || sys_fail "start-up order in the log"
sys_stop_daemon 20 || sys_fail "daemon ignored SIGTERM"
[ -e /run/pulse/native ] && sys_fail "own socket left behind"
sys_finish
