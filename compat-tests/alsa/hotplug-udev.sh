#!/bin/bash
# hotplug-udev: module-udev-detect follows cards through a real sd-device
# monitor. Runs as root in private mount + network namespaces (unshare -m -n):
# a tmpfs on /run/udev with a "control" file makes sd-device listen, and
# udev_inject sends udev-format events that only this namespace sees.
#   - simulated_cards=sim0:... is enumerated at load (card + sink appear);
#   - "add card7" (SOUND_INITIALIZED=1) → alsa_card.card7 with a sink on hw:7
#     (a simulated card through card-sim.conf); an "add" without
#     SOUND_INITIALIZED is ignored; the daemon runs with
#     --disallow-module-loading, so this also shows the loads are internal;
#   - a stream plays into card7's sink (its audio reaches hw7-0.raw), then
#     "remove card7" → the card and sink go, the stream is MOVED (pacat says
#     so, it is not killed) to the fallback pipe sink, and its audio keeps
#     arriving there (a sine at the right frequency, fitted over ≥ 1 s);
#   - garbage events (other subsystems, controlC7, bad card numbers) change
#     nothing and the daemon survives.
# Usage: hotplug-udev.sh UDEV_INJECT
INJECT=${1:-}
if [ -z "${HOTPLUG_IN_NS:-}" ]; then
    [ "$(id -u)" -eq 0 ] || { echo "[hotplug-udev] SKIP: needs root (unshare -m -n)" >&2; exit 77; }
    [ -x "$INJECT" ] || { echo "[hotplug-udev] SKIP: udev_inject not built" >&2; exit 77; }
    command -v unshare >/dev/null || { echo "[hotplug-udev] SKIP: no unshare" >&2; exit 77; }
    exec unshare -m -n env HOTPLUG_IN_NS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/card-lib.sh"
card_init
# private /run/udev (the host's /run is not touched: a tmpfs over /run in this
# mount namespace when /run/udev does not exist)
if [ -d /run/udev ]; then
    mount -t tmpfs tmpfs /run/udev || compat_skip "cannot mount a tmpfs on /run/udev"
else
    mount -t tmpfs tmpfs /run || compat_skip "cannot mount a tmpfs on /run"
    mkdir -p /run/udev
fi
touch /run/udev/control
ip link set lo up 2>/dev/null || true

compat_write_script "$(st_pipe_sink fallback s16le 48000 2)" "set-default-sink fallback" \
    "load-module module-udev-detect tsched=yes simulated_cards=sim0:pcm=cardB_play,ctl=no_such_ctl,desc=Static-0"
compat_start_daemon --disallow-module-loading
st_capture_start fallback 192000
card_wait_for sinks alsa_output.sim0.analog-stereo
assert_match "the static card is listed" 'Name: alsa_card.sim0' "$(card_section alsa_card.sim0)"

seq=100
inject() { seq=$((seq + 1)); "$INJECT" "$@" SEQNUM=$seq || compat_fail "udev_inject $* failed"; }

# not initialised yet: ignored
inject ACTION=add DEVPATH=/devices/virtual/sound/card7 SUBSYSTEM=sound ID_MODEL=SimCard
sleep 0.5
card__hasnt sinks alsa_output.card7.analog-stereo || compat_fail "a card without SOUND_INITIALIZED was loaded"
# garbage
inject ACTION=add DEVPATH=/devices/virtual/sound/card7/controlC7 SUBSYSTEM=sound SOUND_INITIALIZED=1
inject ACTION=add DEVPATH=/devices/virtual/sound/card99999999999 SUBSYSTEM=sound SOUND_INITIALIZED=1
inject ACTION=add DEVPATH=/devices/virtual/net/eth9 SUBSYSTEM=net SOUND_INITIALIZED=1
inject ACTION=add DEVPATH=/devices/virtual/sound/cardX SUBSYSTEM=sound SOUND_INITIALIZED=1
# the real one
inject ACTION=change DEVPATH=/devices/virtual/sound/card7 SUBSYSTEM=sound SOUND_INITIALIZED=1 \
    ID_MODEL=SimCard "ID_PATH=platform-sim:7"
card_wait_for sinks alsa_output.platform-sim_7.analog-stereo 15
C=$(card_section alsa_card.platform-sim_7)
assert_match "hotplugged card listed" 'Name: alsa_card.platform-sim_7' "$C"
assert_match "hotplugged card described from ID_MODEL" 'device.description = "SimCard"' "$C"
compat_pactl list short cards
assert_eq "exactly two cards (garbage ignored)" 2 "$(printf '%s\n' "$PACTL_OUT" | grep -c .)"
compat_pactl list short modules
assert_match "card7 was loaded by the daemon itself" 'module-alsa-card.*device_id="7"' "$PACTL_OUT"

# a stream into card7's sink
st_sig gen sine "$COMPAT_TMP/tone.wav" --seconds 20 --rate 48000 --freqs 997 || compat_fatal "gen failed"
compat_bg pacat -v --playback -d alsa_output.platform-sim_7.analog-stereo --file-format=wav \
    "$COMPAT_TMP/tone.wav" 2>"$COMPAT_TMP/logs/pacat.log"
PACAT=$COMPAT_BG_PID
st_wait_sink_inputs 1
sleep 1
[ "$(stat -c %s "$COMPAT_TMP/hw7-0.raw" 2>/dev/null || echo 0)" -gt 96000 ] ||
    compat_fail "the stream's audio did not reach card7's DAC (hw7-0.raw)"
mark=$(st_capture_size fallback)

inject ACTION=remove DEVPATH=/devices/virtual/sound/card7 SUBSYSTEM=sound
card_wait_gone sinks alsa_output.platform-sim_7.analog-stereo
compat_pactl list short cards
assert_no_match "card7 is gone" 'platform-sim_7' "$PACTL_OUT"
sleep 1.5
kill -0 "$PACAT" 2>/dev/null || compat_fail "pacat died: its stream was killed, not moved"
grep -q "Stream moved to device fallback" "$COMPAT_TMP/logs/pacat.log" ||
    compat_fail "pacat was not told that its stream moved to the fallback sink"
compat_pactl list short modules
assert_no_match "card7's module was unloaded" 'device_id="7"' "$PACTL_OUT"
st_capture_stop fallback
tail -c +$((mark + 1)) "$COMPAT_TMP/fallback.raw" >"$COMPAT_TMP/after.raw"
st_check "the stream's audio continues in the fallback sink after the removal" \
    fit "$COMPAT_TMP/after.raw" --rate 48000 --freqs 997,997 --min-snr 30
kill "$PACAT" 2>/dev/null

# add it again: the card comes back
inject ACTION=add DEVPATH=/devices/virtual/sound/card7 SUBSYSTEM=sound SOUND_INITIALIZED=1
card_wait_for sinks alsa_output.card7.analog-stereo 15
compat_daemon_alive || compat_fail "the daemon died"
pactl_ok info
card_finish
