#!/bin/bash
# run-with-daemon.sh PROGRAM [ARGS…]: start the daemon under test with the
# standard startup script (harness.sh), run PROGRAM against it (bounded by
# COMPAT_PROGRAM_TIMEOUT, default 60 s) and propagate its exit status.
# PROGRAM sees PULSE_SERVER, COMPAT_SOCKET, COMPAT_DAEMON_PID, HOME, …
[ $# -ge 1 ] || { echo "usage: $0 PROGRAM [ARGS…]" >&2; exit 2; }
COMPAT_TEST_NAME=${COMPAT_TEST_NAME:-$(basename "$1")}
. "$(dirname "$0")/harness.sh"
compat_init
compat_start_daemon
export COMPAT_SOCKET COMPAT_DAEMON_PID COMPAT_TMP
rc=0
timeout -k 5 "${COMPAT_PROGRAM_TIMEOUT:-60}" "$@" || rc=$?
if [ "$rc" -eq 124 ]; then compat_fail "$1 timed out"; fi
if [ "$rc" -eq 77 ]; then compat_skip "$1 skipped"; fi
[ "$rc" -eq 0 ] || compat_fail "$1 exited $rc"
compat_daemon_alive || compat_fail "daemon is no longer running after $1"
compat_finish
