#!/bin/bash
# ALSA 5. Hostile devices (simhw fault injection), with null1 as the default
#    sink next to module-alsa-sink alsa0 on card0:
#   a) busy: card0 is exclusive (a lock file) and alsa0 holds it; loading a
#      second module-alsa-sink on card0 fails cleanly (no crash);
#   b) -EIO from the device while a stream plays (error_trigger "EIO"): the
#      daemon logs the failure once and suspends alsa0; over the next 2 s it
#      uses < 10 % CPU (no busy loop) and still serves clients (paplay into
#      null1 works, pactl answers);
#   c) the device disappears (-ENODEV) under a playing stream of a new
#      module-alsa-sink on card0: the module is unloaded, the stream is moved
#      to the default sink and its paplay finishes normally;
#   d) an absurd pointer jump (100 s at once, "ABSURD"): handled as an xrun,
#      the stream keeps playing and finishes.
. "$(dirname "$0")/lib.sh"
al_init
T=$COMPAT_TMP
O=$SIMHW_OUT
compat_write_script \
    "load-module module-alsa-sink device=card0 control=card0 sink_name=alsa0 format=s16le rate=48000 channels=2"
compat_start_daemon
st_sig gen chirp "$T/short.wav" --seconds 0.5 --rate 48000 || compat_fatal "signal generation failed"
st_sig gen sine "$T/long.wav" --seconds 4 --freqs 440,660 || compat_fatal "signal generation failed"

# a) busy
compat_pactl load-module module-alsa-sink device=card0 sink_name=second
[ "$PACTL_RC" -ne 0 ] || compat_fail "a second sink on the busy card0 loaded"
compat_daemon_alive || compat_fatal "the daemon died on a busy device"
grep -q "Cannot open ALSA device 'card0'.*busy" "$COMPAT_LOG" ||
    compat_fail "no clear error for the busy device in the log"

# b) EIO
timeout -k 3 20 paplay -d alsa0 "$T/long.wav" >"$T/logs/paplay-eio.log" 2>&1 </dev/null &
pe=$!
COMPAT_BG_PIDS="${COMPAT_BG_PIDS:-} $pe"
sleep 0.7
echo EIO >"$O/card0-error"
suspended() { compat_pactl list short sinks; printf '%s\n' "$PACTL_OUT" | grep -q 'alsa0.*SUSPENDED'; }
compat_wait_for "alsa0 to be suspended after -EIO" 5 suspended
c0=$(al_cpu_ticks "$COMPAT_DAEMON_PID")
sleep 2
c1=$(al_cpu_ticks "$COMPAT_DAEMON_PID")
hz=$(getconf CLK_TCK)
compat_log "daemon CPU over 2 s after the failure: $((c1 - c0)) ticks (of $((2 * hz)))"
[ $((c1 - c0)) -lt $((2 * hz / 10)) ] || compat_fail "the daemon busy-loops after a device error"
n=$(grep -c "failed: Input/output error" "$COMPAT_LOG" || true)
[ "$n" -eq 1 ] || compat_fail "the -EIO failure should be logged once, got $n lines"
st_run 10 paplay-null paplay -d null1 "$T/short.wav" || compat_fail "paplay into null1 failed after the ALSA error"
kill "$pe" 2>/dev/null; wait "$pe" 2>/dev/null
rm -f "$O/card0-error"

# c) ENODEV: a fresh sink on card0 (alsa0 closed its PCM when suspended)
compat_pactl load-module module-alsa-sink device=card0 sink_name=alsa2 format=s16le rate=48000 channels=2
[ "$PACTL_RC" -eq 0 ] || compat_fatal "could not load a second sink on card0 after alsa0 closed it: $PACTL_ERR"
mod=$PACTL_OUT
timeout -k 3 20 paplay -d alsa2 "$T/long.wav" >"$T/logs/paplay-nodev.log" 2>&1 </dev/null &
pn=$!
sleep 0.7
echo ENODEV >"$O/card0-error"
gone() { compat_pactl list short modules; ! printf '%s\n' "$PACTL_OUT" | grep -q "^$mod[[:space:]]"; }
compat_wait_for "the module of the vanished device to be unloaded" 5 gone
rc=0; wait "$pn" || rc=$?
[ "$rc" -eq 0 ] || compat_fail "paplay on the vanished device exited $rc (its stream should move to null1)"
grep -q "The device is gone" "$COMPAT_LOG" || compat_fail "no log line about the vanished device"
rm -f "$O/card0-error"

# d) absurd pointer values
compat_pactl load-module module-alsa-sink device=card0 sink_name=alsa3 format=s16le rate=48000 channels=2
[ "$PACTL_RC" -eq 0 ] || compat_fatal "could not load alsa3: $PACTL_ERR"
timeout -k 3 20 paplay -d alsa3 "$T/long.wav" >"$T/logs/paplay-absurd.log" 2>&1 </dev/null &
pa=$!
sleep 0.7
echo ABSURD >"$O/card0-error"
rc=0; wait "$pa" || rc=$?
[ "$rc" -eq 0 ] || compat_fail "paplay through the absurd pointer jump exited $rc"
grep -q "fault absurd" "$O/card0-events.log" || compat_fail "the absurd fault was not injected"
grep -q "Sink 'alsa3': .* xrun(s) so far, recovered" "$COMPAT_LOG" ||
    compat_fail "the absurd pointer jump was not handled as a (recovered) xrun"
compat_daemon_alive || compat_fail "the daemon died"
compat_finish
