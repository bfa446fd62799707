#!/bin/bash
# ALSA 3. Hardware volume through the simulated card's mixer (ctl card0,
#    element Master: 0..100, -50 dB + 0.5 dB/step, lowest step = mute):
#   a) the sink has HW_VOLUME_CTRL, HW_MUTE_CTRL and DECIBEL_VOLUME;
#   b) pactl set-sink-volume 50% (-18.06 dB) puts the mixer at -18.50 dB
#      (the step at or below), and 5 % (-78 dB, below the hardware range)
#      at -49.50 dB (the lowest non-mute step; the rest is software);
#      set-sink-mute 1 turns the Master switch off;
#   c) amixer -D card0 sset Master -- -6dB (another process) shows up as a
#      sink CHANGE event in pactl subscribe, and pactl get-sink-volume then
#      reports -6.00 dB.
. "$(dirname "$0")/lib.sh"
al_init
compat_need_prog amixer
T=$COMPAT_TMP
compat_write_script \
    "load-module module-alsa-sink device=card0 control=card0 sink_name=alsa0 format=s16le rate=48000 channels=2"
compat_start_daemon

master() { amixer -D card0 sget Master 2>&1 | grep -m1 'Front Left:' ; }

compat_pactl list sinks
printf '%s\n' "$PACTL_OUT" | grep -q 'Flags:.*HW_MUTE_CTRL.*HW_VOLUME_CTRL.*DECIBEL_VOLUME' ||
    compat_fail "sink flags lack HW_VOLUME_CTRL/HW_MUTE_CTRL/DECIBEL_VOLUME: $(printf '%s\n' "$PACTL_OUT" | grep Flags:)"

pactl set-sink-volume alsa0 50% || compat_fail "set-sink-volume failed"
m=$(master); compat_log "after 50%: $m"
[[ $m == *"[-18.50dB]"* ]] || compat_fail "50% should set the mixer to -18.50dB: $m"
pactl set-sink-volume alsa0 5% || compat_fail "set-sink-volume failed"
m=$(master); compat_log "after 5%: $m"
[[ $m == *"[-49.50dB]"* ]] || compat_fail "5% should set the mixer to its lowest step -49.50dB: $m"
compat_pactl get-sink-volume alsa0
compat_log "pactl: $PACTL_OUT"
[[ $PACTL_OUT == *" 5% "* ]] || compat_fail "the sink volume should stay 5% (software does the rest): $PACTL_OUT"
pactl set-sink-mute alsa0 1 || compat_fail "set-sink-mute failed"
m=$(master); compat_log "after mute: $m"
[[ $m == *"[off]"* ]] || compat_fail "mute should switch Master off: $m"
pactl set-sink-mute alsa0 0
pactl set-sink-volume alsa0 100%

# c) a change by another process
timeout -k 2 20 pactl subscribe >"$T/events.txt" 2>&1 &
sub=$!
COMPAT_BG_PIDS="${COMPAT_BG_PIDS:-} $sub"
sleep 0.5
: >"$T/events.txt"
amixer -q -D card0 sset Master -- -6dB || compat_fail "amixer failed"
got_change() { grep -q "Event 'change' on sink #" "$T/events.txt"; }
compat_wait_for "a sink change event" 5 got_change || compat_fail "no sink CHANGE event after amixer"
compat_pactl get-sink-volume alsa0
compat_log "after amixer -6dB: $PACTL_OUT"
[[ $PACTL_OUT == *"-6.00 dB"* ]] || compat_fail "get-sink-volume should report -6.00 dB: $PACTL_OUT"
compat_finish
