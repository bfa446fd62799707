#!/bin/bash
# card-hostile: the card commands on the wire (card_wire.py): bad addressing,
# NULL profile/port, unknown card/profile/port, extreme offsets, parse errors
# (drop that connection only), the card entry at protocol versions 35/28/25.
# Error codes are compared with the spec. Against the reference daemon
# (COMPAT_REFERENCE) only the card-less cases run: PulseAudio must agree.
. "$(dirname "$0")/card-lib.sh"
if [ -n "${COMPAT_REFERENCE:-}" ]; then
    st_init
    compat_start_daemon
    mode=nocard
else
    card_init
    compat_write_script \
        "load-module module-alsa-card name=simA pcm_playback=cardA pcm_capture=cardA control=cardA"
    compat_start_daemon
    card_wait_for sinks alsa_output.simA.analog-stereo
    mode=full
fi
export COMPAT_DIR
out=$(timeout -k 5 60 "$COMPAT_PY" "$CARD_DIR/card_wire.py" "$COMPAT_SOCKET" "$mode" 2>&1) ||
    compat_fail "card_wire.py reported failures"
printf '%s\n' "$out" | sed "s/^/[$COMPAT_TEST_NAME]   /" >&2
compat_daemon_alive || compat_fail "the daemon died"
pactl_ok info
card_finish
