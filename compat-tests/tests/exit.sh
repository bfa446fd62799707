#!/bin/bash
# pactl exit: acknowledged, the daemon exits with status 0 and removes its
# socket.
. "$(dirname "$0")/../harness/harness.sh"
compat_init
compat_start_daemon

pactl_ok info
pactl_ok exit
assert_eq "pactl exit: silent" "" "$PACTL_OUT$PACTL_ERR"
if compat_wait_daemon_exit 20; then
    assert_eq "daemon exit status after pactl exit" 0 "$COMPAT_DAEMON_STATUS"
    if [ -e "$COMPAT_SOCKET" ]; then
        compat_fail "socket $COMPAT_SOCKET still exists after the daemon exited"
    fi
    COMPAT_DAEMON_PID=
else
    compat_fail "daemon still running 20 s after pactl exit"
fi
# a client now gets "Connection refused"
compat_pactl info
assert_eq "pactl info after exit: status" 1 "$PACTL_RC"
assert_eq "pactl info after exit: stderr" "Connection failure: Connection refused
pa_context_connect() failed: Connection refused" "$PACTL_ERR"
compat_finish
