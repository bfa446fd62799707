#!/bin/bash
# card-info: module-alsa-card on two simulated cards, seen through pactl.
#   simA (cardA: playback + capture, mixer with Master/Capture and a
#         "Headphone Jack", unplugged): all four profiles available, the
#         duplex profile (highest priority) active; ports speaker (unknown),
#         headphones (not available, from the jack), mic; a sink and a source
#         whose card index is the card's and whose ports are the card's.
#   simB (cardB: capture does not open, no mixer): input and duplex
#         unavailable, output active, no ports.
# Then audio: a known file played into simA's sink comes out of the
# simulated DAC byte for byte.
. "$(dirname "$0")/card-lib.sh"
card_init
compat_write_script \
    "load-module module-alsa-card name=simA pcm_playback=cardA pcm_capture=cardA control=cardA description=\"Simulated A\" tsched=yes" \
    "load-module module-alsa-card name=simB pcm_playback=cardB pcm_capture=cardB control=no_such_ctl"
compat_start_daemon

A=$(card_section alsa_card.simA)
assert_match "card simA is listed with its driver" $'^\tDriver: module-alsa-card.c$' "$A"
assert_match "simA description" 'device.description = "Simulated A"' "$A"
assert_match "simA output profile" \
    'output:analog-stereo: Analog Stereo Output \(sinks: 1, sources: 0, priority: 6500, available: yes\)' "$A"
assert_match "simA duplex profile" \
    'output:analog-stereo\+input:analog-stereo: Analog Stereo Duplex \(sinks: 1, sources: 1, priority: 6565, available: yes\)' "$A"
assert_match "simA input profile" \
    'input:analog-stereo: Analog Stereo Input \(sinks: 0, sources: 1, priority: 65, available: yes\)' "$A"
assert_match "simA off profile" 'off: Off \(sinks: 0, sources: 0, priority: 0, available: yes\)' "$A"
assert_match "simA starts with the duplex profile" \
    'Active Profile: output:analog-stereo\+input:analog-stereo$' "$A"
assert_match "simA speaker port" 'analog-output-speaker: Speakers \(type: Speaker, priority: 10000, latency offset: 0 usec, availability unknown\)' "$A"
assert_match "simA headphones port, unplugged" 'analog-output-headphones: Headphones \(type: Headphones, priority: 9900, latency offset: 0 usec, not available\)' "$A"
assert_match "simA mic port" 'analog-input-mic: Microphone \(type: Mic, priority: 8700, latency offset: 0 usec, availability unknown\)' "$A"
assert_match "ports list their profiles" \
    'Part of profile\(s\): output:analog-stereo, output:analog-stereo\+input:analog-stereo' "$A"

B=$(card_section alsa_card.simB)
assert_match "simB input unavailable" 'input:analog-stereo: .*available: no\)' "$B"
assert_match "simB duplex unavailable" 'output:analog-stereo\+input:analog-stereo: .*available: no\)' "$B"
assert_match "simB starts with output" 'Active Profile: output:analog-stereo$' "$B"
assert_no_match "simB has no ports" 'analog-(output|input)' "$B"

compat_pactl list short cards
cidx=$(printf '%s\n' "$PACTL_OUT" | awk -F'\t' '$2 == "alsa_card.simA" { print $1 }')
[ -n "$cidx" ] || compat_fatal "card simA not in 'pactl list short cards'"

S=$(device_section sinks alsa_output.simA.analog-stereo)
assert_match "simA sink exists" 'Name: alsa_output.simA.analog-stereo' "$S"
assert_match "sink names the card (alsa.card_name / device.api)" 'device.api = "alsa"' "$S"
assert_match "sink lists the speaker port" $'^\t\tanalog-output-speaker: Speakers' "$S"
assert_match "sink lists the headphones port" $'^\t\tanalog-output-headphones: Headphones .*not available' "$S"
assert_match "sink's active port is the speaker (headphones unplugged)" 'Active Port: analog-output-speaker' "$S"
assert_no_match "sink does not list input ports" 'analog-input-mic' "$S"
I=$(device_section sources alsa_input.simA.analog-stereo)
assert_match "simA source exists with the mic port" 'Active Port: analog-input-mic' "$I"


# SET_SINK_PORT on a card device, and back
pactl_ok set-sink-port alsa_output.simA.analog-stereo analog-output-headphones
S=$(device_section sinks alsa_output.simA.analog-stereo)
assert_match "set-sink-port switched to headphones" 'Active Port: analog-output-headphones' "$S"
pactl_ok set-sink-port alsa_output.simA.analog-stereo analog-output-speaker
compat_pactl set-sink-port alsa_output.simA.analog-stereo analog-input-mic
assert_eq "an input port on a sink is refused" 1 "$PACTL_RC"

# audio: a 1 s indexed file (then 0.5 s of silence, so a late drain cannot
# cut it) through the card's sink into the simulated DAC, sample for sample
st_sig gen index "$COMPAT_TMP/in.raw" --raw --frames 48000 --rate 48000 || compat_fatal "signal generation failed"
{ cat "$COMPAT_TMP/in.raw"; head -c 96000 /dev/zero; } >"$COMPAT_TMP/play.raw"
st_run 20 pacat pacat --playback -d alsa_output.simA.analog-stereo --raw --format=s16le \
    --rate=48000 --channels=2 "$COMPAT_TMP/play.raw" || compat_fail "pacat into the card's sink failed"
sleep 0.3
card_check_index "the file reached the simulated DAC sample for sample" \
    "$COMPAT_TMP/cardA-play.raw" 48000

# module-detect: enumerates a (static) card list once; unloading it unloads the card
pactl_ok load-module module-detect "simulated_cards=det0:pcm_playback=cardB_play,desc=Detected"
detmod=$PACTL_OUT
card_wait_for sinks alsa_output.det0.analog-stereo
assert_match "module-detect loaded the card" 'device.description = "Detected"' \
    "$(card_section alsa_card.det0)"
pactl_ok unload-module "$detmod"
card_wait_gone sinks alsa_output.det0.analog-stereo
compat_pactl load-module module-detect "simulated_cards=bad key:pcm=x"
assert_eq "an invalid simulated_cards= is refused" 1 "$PACTL_RC"
card_finish
