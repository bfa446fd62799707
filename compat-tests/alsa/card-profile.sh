#!/bin/bash
# card-profile: pactl set-card-profile switches a simulated card's profiles.
#   duplex → output:  the source goes, the sink stays (same PCM: not recreated);
#   output → off:     the sink goes, a playing stream is rescued (MOVED) to the
#                     null sink and keeps playing;
#   off → duplex:     sink and source come back and play into the DAC again;
#   unknown profile / unavailable profile: errors, nothing changes.
# pactl subscribe must show, for each switch, the devices' events followed by
# "change on card #N" (card events after the device events, as PulseAudio).
. "$(dirname "$0")/card-lib.sh"
card_init
compat_write_script \
    "load-module module-alsa-card name=simA pcm_playback=cardA pcm_capture=cardA control=cardA" \
    "load-module module-alsa-card name=simB pcm_playback=cardB pcm_capture=cardB control=no_such_ctl"
compat_start_daemon
SINK=alsa_output.simA.analog-stereo
SRC=alsa_input.simA.analog-stereo
card_wait_for sinks "$SINK"
card_wait_for sources "$SRC"

compat_pactl list short cards
cidx=$(printf '%s\n' "$PACTL_OUT" | awk -F'\t' '$2 == "alsa_card.simA" { print $1 }')
[ -n "$cidx" ] || compat_fatal "card simA not listed"
compat_pactl list short sinks
sidx=$(printf '%s\n' "$PACTL_OUT" | awk -F'\t' -v n="$SINK" '$2 == n { print $1 }')

SUB=$COMPAT_TMP/subscribe.out
compat_bg stdbuf -oL pactl subscribe >"$SUB" 2>"$COMPAT_TMP/subscribe.err"
sleep 0.5

# duplex → output
pactl_ok set-card-profile alsa_card.simA output:analog-stereo
card_wait_gone sources "$SRC"
card__has sinks "$SINK" || compat_fail "the sink went away on duplex → output"
compat_pactl list short sinks
assert_eq "the sink was kept (same index)" "$sidx" \
    "$(printf '%s\n' "$PACTL_OUT" | awk -F'\t' -v n="$SINK" '$2 == n { print $1 }')"
assert_match "card shows the new active profile" 'Active Profile: output:analog-stereo$' \
    "$(card_section alsa_card.simA)"

# a stream on the card's sink survives output → off (rescued to the null sink)
st_sig gen sine "$COMPAT_TMP/tone.wav" --seconds 6 --rate 48000 --freqs 997 || compat_fatal "gen failed"
compat_bg pacat -v --playback -d "$SINK" --file-format=wav "$COMPAT_TMP/tone.wav" 2>"$COMPAT_TMP/logs/pacat.log"
PACAT=$COMPAT_BG_PID
st_wait_sink_inputs 1
sleep 0.8
before=$(stat -c %s "$COMPAT_TMP/cardA-play.raw" 2>/dev/null || echo 0)
[ "$before" -gt 48000 ] || compat_fail "the stream did not reach the DAC before the switch ($before bytes)"
pactl_ok set-card-profile alsa_card.simA off
card_wait_gone sinks "$SINK"
assert_match "card shows profile off" 'Active Profile: off$' "$(card_section alsa_card.simA)"
compat_pactl list sink-inputs
assert_match "the stream now plays on null1" $'^\tSink: [0-9]+$' "$PACTL_OUT"
sleep 0.5
kill -0 "$PACAT" 2>/dev/null || compat_fail "pacat died when its sink went away (killed instead of moved)"
grep -q "Stream moved to device null1" "$COMPAT_TMP/logs/pacat.log" ||
    compat_fail "pacat was not told its stream moved to null1"
after=$(stat -c %s "$COMPAT_TMP/cardA-play.raw")
sleep 0.3
[ "$(stat -c %s "$COMPAT_TMP/cardA-play.raw")" -eq "$after" ] ||
    compat_fail "the DAC is still being written with profile off"

# off → duplex: both devices back; new audio reaches the DAC
pactl_ok set-card-profile alsa_card.simA output:analog-stereo+input:analog-stereo
card_wait_for sinks "$SINK"
card_wait_for sources "$SRC"
kill "$PACAT" 2>/dev/null; wait "$PACAT" 2>/dev/null
st_sig gen index "$COMPAT_TMP/idx.raw" --raw --frames 24000 --rate 48000 || compat_fatal "gen failed"
{ cat "$COMPAT_TMP/idx.raw"; head -c 96000 /dev/zero; } >"$COMPAT_TMP/play.raw"
st_run 20 pacat pacat --playback -d "$SINK" --raw --format=s16le --rate=48000 --channels=2 \
    "$COMPAT_TMP/play.raw" || compat_fail "pacat after off → duplex failed"
sleep 0.3
card_check_index "audio reaches the DAC again after off → duplex" \
    "$COMPAT_TMP/cardA-play.raw" 24000

# errors: unknown profile, unknown card, unavailable profile (simB has no capture)
pactl_fails "Failure: No such entity" set-card-profile alsa_card.simA no-such-profile
pactl_fails "Failure: No such entity" set-card-profile alsa_card.nope off
compat_pactl set-card-profile alsa_card.simB input:analog-stereo
assert_eq "an unavailable profile cannot be activated" 1 "$PACTL_RC"
assert_match "simB keeps its profile" 'Active Profile: output:analog-stereo$' \
    "$(card_section alsa_card.simB)"

# the events, in order, for simA's card index
sleep 0.5
ev=$(grep -E "on card #$cidx|on (sink|source) #" "$SUB" | sed "s/^Event //")
printf '%s\n' "$ev" | sed "s/^/[$COMPAT_TEST_NAME]   event: /" >&2
card_changes=$(printf '%s\n' "$ev" | grep -c "'change' on card #$cidx")
[ "$card_changes" -ge 3 ] || compat_fail "expected ≥ 3 card change events, saw $card_changes"
# each switch's device events come before its card change: the last card event
# of the run follows the new sink and source
last_new_sink=$(printf '%s\n' "$ev" | grep -n "'new' on sink #" | tail -1 | cut -d: -f1)
last_card=$(printf '%s\n' "$ev" | grep -n "'change' on card #$cidx" | tail -1 | cut -d: -f1)
[ -n "$last_new_sink" ] && [ -n "$last_card" ] && [ "$last_card" -gt "$last_new_sink" ] ||
    compat_fail "card change event does not follow the new sink's event"
assert_match "the sink's removal is an event" "'remove' on sink #$sidx" "$ev"
card_finish
