#!/bin/bash
# Who may connect (docs/system-mode.md "Access"): members of pulse-access
# (member list or primary group), root (not a member), the admin; an
# outsider gets "Access denied" at AUTH. Membership is looked up at connect
# time: adding the outsider to the group lets it in without a restart.
# A member's paplay reaches the pipe sink byte for byte.
. "$(dirname "$0")/lib.sh"
sys_init "$@"
sys_need_prog paplay

sys_start_daemon --disallow-exit --disallow-module-loading

pactl_ok pcuser1 info && sys_ok "member (group list) connects"
pactl_ok pcprimary info && sys_ok "member (primary gid) connects"
pactl_ok pcadmin info && sys_ok "admin connects"
pactl_ok root info && sys_ok "root connects without being in pulse-access"
pactl_denied pcoutsider info
assert_match "outsider: pactl's connection failure" 'Connection failure: Access denied' "$PACTL_ERR"
grep -q "Access denied to uid 61004" "$SYS_LOG" || sys_fail "denial not logged"
sys_as pcoutsider "$SYS_PY" -c 'import os; os.stat("/run/pulse/.config/pulse/cookie")' 2>/dev/null &&
    sys_fail "outsider can see the cookie file"
sys_ok "cookie not reachable by other users"

# playback by a member arrives at the pipe sink unchanged
sys_make_wav "$SYS_T/data/in.wav"
[ -p /run/pulse/pipe1.fifo ] || sys_fatal "pipe sink FIFO missing"
cat /run/pulse/pipe1.fifo >"$SYS_T/pipe1.raw" &
capture=$!
SYS_BG_PIDS+=("$capture")
sys_as pcuser1 timeout -k 5 30 paplay -d pipe1 "$SYS_T/data/in.wav" 2>"$SYS_T/paplay.err" ||
    sys_fail "paplay as pcuser1 failed: $(cat "$SYS_T/paplay.err")"
sleep 0.5
kill "$capture" 2>/dev/null
wait "$capture" 2>/dev/null
"$SYS_PY" - "$SYS_T/data/in.wav.pcm" "$SYS_T/pipe1.raw" <<'PY' || sys_fail "pcuser1's audio did not arrive unchanged in the pipe sink"
import sys
pcm = open(sys.argv[1], "rb").read()
raw = open(sys.argv[2], "rb").read()
print("[t02-access]   captured %d bytes, looking for %d" % (len(raw), len(pcm)), file=sys.stderr)
sys.exit(0 if pcm in raw else 1)
PY
sys_ok "pcuser1's paplay arrived byte-identical in the pipe sink"

# group database changes apply to new connections
sed 's/^pulse-access:x:60991:.*/pulse-access:x:60991:pcuser1,pcuser2,pcadmin,pcoutsider/' \
    "$SYS_T/etc/group" >"$SYS_T/group.new"
cat "$SYS_T/group.new" >"$SYS_T/etc/group"   # same inode: the bind mount sees it
pactl_ok pcoutsider info && sys_ok "outsider added to pulse-access connects without a restart"

sys_stop_daemon 20 || sys_fail "daemon ignored SIGTERM"
sys_finish
