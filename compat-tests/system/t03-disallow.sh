#!/bin/bash
# --disallow-module-loading and --disallow-exit in system mode, and the
# admin-only module loading / exit when they are not given.
#  - LOAD_MODULE refused (pulseaudio's MODINITFAILED) for everybody, root too;
#    UNLOAD_MODULE acknowledged and ignored;
#  - an internal load still works: the PULSECOMPAT_TEST_HOTPLUG_FIFO test hook
#    (simulated hotplug) adds and removes a null sink;
#  - EXIT refused with "Access denied"; SIGTERM stops the daemon cleanly.
#  - Without the two flags: a non-admin member gets "Access denied" for
#    load-module, unload-module and exit; pulse-admin members may.
. "$(dirname "$0")/lib.sh"
sys_init "$@"

mkfifo -m 0666 "$SYS_T/data/hotplug"
export PULSECOMPAT_TEST_HOTPLUG_FIFO=$SYS_T/data/hotplug
sys_start_daemon --disallow-exit --disallow-module-loading
unset PULSECOMPAT_TEST_HOTPLUG_FIFO

for u in pcuser1 pcadmin root; do
    sys_pactl "$u" load-module module-null-sink sink_name=evil
    assert_eq "$u: load-module refused" "1 Failure: Module initialization failed" "$PACTL_RC $PACTL_ERR"
done
sys_pactl root unload-module 2
assert_eq "root: unload-module acknowledged" 0 "$PACTL_RC"
pactl_ok root list short modules
assert_match "module 2 still loaded" $'^2\tmodule-null-sink' "$PACTL_OUT"

# simulated hotplug: internal loads are allowed
echo "add hotplug1" >"$SYS_T/data/hotplug"
found=
for _ in $(seq 100); do
    sys_pactl pcuser1 list short sinks
    if cut -f2 <<<"$PACTL_OUT" | grep -x hotplug1 >/dev/null; then found=1; break; fi
    sleep 0.05
done
[ -n "$found" ] && sys_ok "hotplugged sink appears under --disallow-module-loading" ||
    sys_fail "hotplugged sink did not appear: $PACTL_OUT"
echo "remove hotplug1" >"$SYS_T/data/hotplug"
gone=
for _ in $(seq 100); do
    sys_pactl pcuser1 list short sinks
    if ! cut -f2 <<<"$PACTL_OUT" | grep -x hotplug1 >/dev/null; then gone=1; break; fi
    sleep 0.05
done
[ -n "$gone" ] && sys_ok "hotplug remove unloads it" || sys_fail "hotplugged sink not removed"
echo "add bad/name" >"$SYS_T/data/hotplug"
echo "frobnicate x" >"$SYS_T/data/hotplug"
sleep 0.2
pactl_ok root info && sys_ok "daemon survives bad hotplug lines"

for u in pcuser1 pcadmin root; do
    pactl_denied "$u" exit
done
sleep 0.2
sys_daemon_alive || sys_fail "daemon died after refused exits"
sys_stop_daemon 20 || sys_fail "daemon ignored SIGTERM"
assert_eq "SIGTERM exit status" 0 "$SYS_DAEMON_STATUS"
[ -e /run/pulse/native ] && sys_fail "socket left behind"
[ -e /run/pulse/pid ] && sys_fail "pid file left behind"
sys_ok "SIGTERM removed socket and pid file"

# without the flags: admins only
sys_start_daemon
pactl_denied pcuser1 load-module module-null-sink sink_name=mine
pactl_denied pcuser1 unload-module 2
pactl_ok pcadmin load-module module-null-sink sink_name=admins && sys_ok "admin loads a module"
idx=$PACTL_OUT
pactl_ok pcadmin unload-module "$idx" && sys_ok "admin unloads it"
pactl_denied pcuser1 exit
sys_daemon_alive || sys_fail "daemon died after a refused exit"
pactl_ok pcadmin exit && sys_ok "admin may exit the daemon"
deadline=$((SECONDS + 20))
while sys_daemon_alive && [ "$SECONDS" -le "$deadline" ]; do sleep 0.05; done
sys_daemon_alive && sys_fail "daemon did not exit after the admin's exit"
wait "$SYS_DAEMON_PID"; assert_eq "exit status after EXIT" 0 "$?"
SYS_DAEMON_PID=
[ -e /run/pulse/native ] && sys_fail "socket left behind after EXIT"
sys_finish
