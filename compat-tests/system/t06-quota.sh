#!/bin/bash
# Per-uid quotas in system mode (docs/system-mode.md "Quotas"):
#  - connections: a user flooding the socket gets per-uid-max-connections
#    (8 here) and no more, while another user still connects; root exempt;
#  - streams: 64 per uid (playback + record + pending uploads), root exempt;
#  - sample bytes: 16 MiB per uid (stored samples + pending uploads).
. "$(dirname "$0")/lib.sh"
sys_init "$@"

sys_conf "per-uid-max-connections = 8"
sys_start_daemon --disallow-exit --disallow-module-loading

pcctl_bg() {   # pcctl_bg USER OUTFILE ARGS…
    sys_as "$1" "$SYS_PY" "$SYS_DIR/pcctl.py" "${@:3}" >"$2" 2>&1 &
    SYS_BG_PIDS+=("$!")
}
wait_file() {
    local _
    for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.05; done
    return 1
}

pcctl_bg pcuser2 "$SYS_T/flood.out" flood 40 4
wait_file "$SYS_T/flood.out" || sys_fatal "flood helper produced no result"
assert_eq "pcuser2 flooding 40 connections gets 8" "accepted=8 refused=32" "$(cat "$SYS_T/flood.out")"
pactl_ok pcuser1 info && sys_ok "pcuser1 connects while pcuser2 is at its quota"
sys_pactl pcuser2 info
[ "$PACTL_RC" -ne 0 ] && sys_ok "pcuser2's 9th connection is refused" ||
    sys_fail "pcuser2 got a 9th connection"
pcctl_bg root "$SYS_T/flood-root.out" flood 12 1
wait_file "$SYS_T/flood-root.out" || sys_fatal "root flood helper produced no result"
assert_eq "root is exempt from the connection quota" "accepted=12 refused=0" "$(cat "$SYS_T/flood-root.out")"
grep -q "Too many connections from uid 61002" "$SYS_LOG" || sys_fail "quota refusal not logged"
sleep 4.5   # the floods end

pcctl() { PCCTL_OUT=$(sys_as "$1" timeout -k 5 60 "$SYS_PY" "$SYS_DIR/pcctl.py" "${@:2}" 2>&1); }
pcctl pcuser1 uploads 70 4
assert_eq "stream quota: 64 per uid" "created=64 error=Too large" "$PCCTL_OUT"
pcctl root uploads 70 4
assert_eq "root is exempt from the stream quota" "created=70 error=none" "$PCCTL_OUT"
pcctl pcuser1 uploads 3 8388608
assert_eq "sample bytes quota: 16 MiB per uid" "created=2 error=Too large" "$PCCTL_OUT"
pactl_ok pcuser2 info && sys_ok "daemon fine after the quota tests"

sys_stop_daemon 20 || sys_fail "daemon ignored SIGTERM"
sys_finish
