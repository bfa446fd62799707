#!/bin/bash
# Isolation between users (system-isolation = yes, the default; see
# protocol/access.h and docs/system-mode.md "Isolation"):
#  - pcuser2 cannot change the volume / mute / move / kill pcuser1's stream
#    or kill its client ("Access denied"); pcuser1 can do it to its own;
#    root and pulse-admin members can do it to anybody's;
#  - recording: a monitor source (default or named) and --monitor-stream of
#    another user's stream are refused for non-admins; one's own stream is
#    fine; the admin may record the monitor;
#  - introspection: other users' streams/clients are listed with media.name
#    "(private)" and without application.process.* / window.* keys;
#  - samples: per-user names; the script's/root's are shared read-only.
. "$(dirname "$0")/lib.sh"
sys_init "$@"
sys_need_prog pacat parec

sys_write_script "load-module module-null-source source_name=mic" "set-default-source null1.monitor"
sys_start_daemon --disallow-exit --disallow-module-loading
sys_make_wav "$SYS_T/data/in.wav"

# sink_input_of NAME: index of the sink input whose media.name is NAME (root's view)
sink_input_of() {
    sys_pactl root list sink-inputs
    printf '%s\n' "$PACTL_OUT" | awk -v n="media.name = \"$1\"" '
        /^Sink Input #/ { idx = substr($3, 2) }
        index($0, n) { print idx; exit }'
}
wait_stream() {
    local idx= _
    for _ in $(seq 100); do
        idx=$(sink_input_of "$1")
        [ -n "$idx" ] && { echo "$idx"; return 0; }
        sleep 0.05
    done
    return 1
}
# pcctl USER ARGS…: the native helper (kill-*; pactl has none)
pcctl() {
    PCCTL_OUT=$(sys_as "$1" timeout -k 5 "$SYS_TIMEOUT" "$SYS_PY" "$SYS_DIR/pcctl.py" "${@:2}" 2>&1)
}
client_of() {
    sys_pactl root list short sink-inputs
    printf '%s\n' "$PACTL_OUT" | awk -v i="$1" '$1 == i { print $3 }'
}

sys_bg sys_as pcuser1 pacat --playback -d null1 --stream-name=secretA /dev/zero
sys_bg sys_as pcuser2 pacat --playback -d null1 --stream-name=secretB /dev/zero
A=$(wait_stream secretA) || sys_fatal "pcuser1's stream did not appear"
B=$(wait_stream secretB) || sys_fatal "pcuser2's stream did not appear"
CA=$(client_of "$A")
sys_log "pcuser1's sink input #$A (client $CA), pcuser2's #$B"

# control
pactl_denied pcuser2 set-sink-input-volume "$A" 50%
pactl_denied pcuser2 set-sink-input-mute "$A" 1
pactl_denied pcuser2 move-sink-input "$A" pipe1
pcctl pcuser2 kill-sink-input "$A"
assert_eq "pcuser2 kills pcuser1's stream: denied" "Failure: Access denied" "$PCCTL_OUT"
pcctl pcuser2 kill-client "$CA"
assert_eq "pcuser2 kills pcuser1's client: denied" "Failure: Access denied" "$PCCTL_OUT"
pactl_denied pcoutsider set-sink-input-volume "$A" 50%   # not even connected
pactl_ok pcuser1 set-sink-input-volume "$A" 40% && sys_ok "owner sets its stream's volume"
pactl_ok pcuser1 set-sink-input-mute "$A" 1 && sys_ok "owner mutes its stream"
pactl_ok pcuser1 move-sink-input "$A" pipe1 && sys_ok "owner moves its stream"
pactl_ok root set-sink-input-volume "$B" 30% && sys_ok "root sets another user's volume"
pactl_ok pcadmin move-sink-input "$A" null1 && sys_ok "admin moves another user's stream"
pactl_ok pcadmin set-sink-input-mute "$B" 1 && sys_ok "admin mutes another user's stream"
sys_pactl root list sink-inputs
assert_match "volume set by root took effect" 'Volume: front-left: [0-9]+ /  30% ' "$PACTL_OUT"

# introspection
pactl_ok pcuser2 list sink-inputs
assert_match "other users' stream names are private" 'media.name = "\(private\)"' "$PACTL_OUT"
assert_no_match "pcuser1's stream name hidden from pcuser2" 'secretA' "$PACTL_OUT"
assert_match "own stream name visible" 'media.name = "secretB"' "$PACTL_OUT"
n_proc=$(printf '%s\n' "$PACTL_OUT" | grep -c 'application.process.user = ')
assert_eq "only the own stream shows application.process.*" 1 "$n_proc"
pactl_ok pcuser2 list clients
assert_no_match "other users' clients: no process user" 'application.process.user = "pcuser1"' "$PACTL_OUT"
assert_match "own client: process user visible" 'application.process.user = "pcuser2"' "$PACTL_OUT"
pactl_ok pcadmin list sink-inputs
assert_match "admin sees the real names" 'secretA' "$PACTL_OUT"

# recording
rec() {   # rec USER ARGS…: parec for 1.5 s; REC_RC, REC_ERR, REC_BYTES
    REC_RC=0
    sys_as "$1" timeout 1.5 parec --raw "${@:2}" >"$SYS_T/rec.raw" 2>"$SYS_T/rec.err" || REC_RC=$?
    REC_ERR=$(cat "$SYS_T/rec.err")
    REC_BYTES=$(stat -c %s "$SYS_T/rec.raw")
}
rec pcuser2 -d null1.monitor
assert_match "pcuser2 recording null1.monitor: denied" 'Access denied' "$REC_ERR"
rec pcuser2
assert_match "pcuser2 recording the default source (a monitor): denied" 'Access denied' "$REC_ERR"
rec pcuser2 --monitor-stream="$A"
assert_match "pcuser2 recording pcuser1's stream: denied" 'Access denied' "$REC_ERR"
rec pcuser2 --monitor-stream="$B"
assert_eq "pcuser2 records its own stream (runs until timeout)" "124 0" "$REC_RC $(printf '%s' "$REC_ERR" | grep -c 'Access denied')"
rec pcadmin -d null1.monitor
assert_eq "admin records the monitor" "124 0" "$REC_RC $(printf '%s' "$REC_ERR" | grep -c 'Access denied')"
[ "$REC_BYTES" -gt 0 ] && sys_ok "admin's monitor recording has data ($REC_BYTES bytes)" ||
    sys_fail "admin's monitor recording is empty"

# record streams on an ordinary source: same ownership rules; no way onto a monitor
sys_bg sys_as pcuser1 parec --raw -d mic --stream-name=recA /dev/null
RA=
for _ in $(seq 100); do
    sys_pactl root list source-outputs
    RA=$(printf '%s\n' "$PACTL_OUT" | awk '/^Source Output #/ { i = substr($3, 2) } /media.name = "recA"/ { print i; exit }')
    [ -n "$RA" ] && break
    sleep 0.05
done
[ -n "$RA" ] || sys_fatal "pcuser1's record stream did not appear"
pactl_denied pcuser2 set-source-output-volume "$RA" 50%
pactl_denied pcuser2 set-source-output-mute "$RA" 1
pactl_denied pcuser2 move-source-output "$RA" null1.monitor
pcctl pcuser2 kill-source-output "$RA"
assert_eq "pcuser2 kills pcuser1's record stream: denied" "Failure: Access denied" "$PCCTL_OUT"
pactl_ok pcuser1 set-source-output-volume "$RA" 50% && sys_ok "owner sets its record stream's volume"
pactl_denied pcuser1 move-source-output "$RA" null1.monitor
pactl_ok pcadmin move-source-output "$RA" null1.monitor && sys_ok "admin moves a record stream onto a monitor"
pcctl pcuser1 kill-source-output "$RA"
assert_eq "owner kills its own record stream" OK "$PCCTL_OUT"

# kill: owner yes, other no (already checked), admin yes
sys_bg sys_as pcuser1 pacat --playback -d null1 --stream-name=secretA2 /dev/zero
A2=$(wait_stream secretA2) || sys_fatal "pcuser1's second stream did not appear"
pcctl pcuser1 kill-sink-input "$A2"
assert_eq "owner kills its own stream" OK "$PCCTL_OUT"
pcctl pcuser1 kill-client "$CA"
assert_eq "owner kills its own client" OK "$PCCTL_OUT"
pcctl pcadmin kill-sink-input "$B"
assert_eq "admin kills another user's stream" OK "$PCCTL_OUT"

# samples
pactl_ok pcuser1 upload-sample "$SYS_T/data/in.wav" bell && sys_ok "pcuser1 uploads 'bell'"
sys_pactl pcuser2 play-sample bell null1
assert_eq "pcuser2 cannot play pcuser1's 'bell'" "1 Failure: No such entity" "$PACTL_RC $PACTL_ERR"
pactl_ok pcuser1 play-sample bell null1 && sys_ok "pcuser1 plays its 'bell'"
pactl_ok root upload-sample "$SYS_T/data/in.wav" shared-bell && sys_ok "root uploads 'shared-bell'"
pactl_ok pcuser2 play-sample shared-bell null1 && sys_ok "pcuser2 plays root's shared sample"
pactl_denied pcuser2 remove-sample shared-bell
pactl_ok pcuser2 upload-sample "$SYS_T/data/in.wav" bell && sys_ok "pcuser2 uploads its own 'bell'"
pactl_ok root list short samples
assert_eq "two samples named 'bell' coexist" 2 "$(printf '%s\n' "$PACTL_OUT" | cut -f2 | grep -cx bell)"
pactl_ok pcuser2 remove-sample bell && sys_ok "pcuser2 removes its 'bell'"
pactl_ok pcuser1 play-sample bell null1 && sys_ok "pcuser1's 'bell' is still there"
pactl_ok pcuser2 list samples
assert_no_match "other users' sample properties redacted" 'application.process.user = "pcuser1"' "$PACTL_OUT"
pactl_ok pcadmin remove-sample shared-bell && sys_ok "admin removes the shared sample"

sys_stop_daemon 20 || sys_fail "daemon ignored SIGTERM"

# system-isolation = no: access group only, members act on each other's streams
sys_conf "system-isolation = no"
sys_start_daemon --disallow-exit --disallow-module-loading
sys_bg sys_as pcuser1 pacat --playback -d null1 --stream-name=openA /dev/zero
A=$(wait_stream openA) || sys_fatal "pcuser1's stream did not appear"
pactl_ok pcuser2 set-sink-input-volume "$A" 50% && sys_ok "without isolation pcuser2 sets pcuser1's volume"
pactl_ok pcuser2 list sink-inputs
assert_match "without isolation names are visible" 'media.name = "openA"' "$PACTL_OUT"
pactl_denied pcoutsider info
sys_stop_daemon 20 || sys_fail "daemon ignored SIGTERM"
sys_finish
