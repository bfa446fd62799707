# shellcheck shell=bash
# compat-tests/alsa/card-lib.sh: helpers of the card-*.sh / hotplug-*.sh tests.
#
# Sources the stream helpers (../streams/lib.sh → ../harness/harness.sh) and
# points ALSA at card-sim.conf: simulated cards cardA (duplex, mixer with a
# headphone jack), cardB (output only, no mixer) and hw:N → a simulated card
# (for hotplugged cards). Audio the simulated cards play lands in
# $COMPAT_TMP/<pcm>-play.raw (S16LE 48 kHz stereo, appended across reopens).
# These tests drive pulsecompat only: module-alsa-card's pcm_playback= /
# pcm_capture= overrides do not exist in PulseAudio.

CARD_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../streams/lib.sh
. "$CARD_DIR/../streams/lib.sh"

card_init() {
    st_init
    [ -z "${COMPAT_REFERENCE:-}" ] ||
        compat_skip "module-alsa-card with simulated PCM names is pulsecompat-only"
    [ -n "${SIMHW_LIB:-}" ] && [ -f "$SIMHW_LIB/libasound_module_pcm_simhw.so" ] ||
        compat_skip "the simhw ALSA plugin is not built (SIMHW_LIB=${SIMHW_LIB:-})"
    export ALSA_CONFIG_PATH="$CARD_DIR/card-sim.conf"
    export SIMHW_OUT="$COMPAT_TMP"
    # No UCM configuration anywhere: the fixed profiles are used.
    mkdir -p "$COMPAT_TMP/ucm2"
    export ALSA_CONFIG_UCM2="$COMPAT_TMP/ucm2" ALSA_CONFIG_UCM="$COMPAT_TMP/ucm2"
    echo 0 >"$COMPAT_TMP/cardA.jack"
}

# card_section NAME: the "pactl list cards" block of card NAME → stdout.
card_section() {
    compat_pactl list cards
    printf '%s\n' "$PACTL_OUT" | awk -v n="Name: $1" '
        /^Card #/ { keep = 0; buf = $0; next }
        index($0, n) && buf != "" { keep = 1; print buf; buf = "" }
        keep { print }'
}

# device_section KIND NAME: the "pactl list sinks|sources" block of NAME.
device_section() {
    compat_pactl list "$1"
    printf '%s\n' "$PACTL_OUT" | awk -v n="Name: $2" '
        /^(Sink|Source) #/ { keep = 0; buf = $0; next }
        index($0, n) && buf != "" { keep = 1; print buf; buf = "" }
        keep { print }'
}

# short_names KIND: the names of "pactl list short KIND", one per line.
short_names() {
    compat_pactl list short "$1"
    printf '%s\n' "$PACTL_OUT" | awk -F'\t' 'NF > 1 { print $2 }'
}

card__has() { short_names "$1" | grep -Fxq -- "$2"; }
card__hasnt() { ! card__has "$1" "$2"; }
# card_wait_for KIND NAME [SECS]: wait until NAME is listed.
card_wait_for() { compat_wait_for "$1 $2 to appear" "${3:-10}" card__has "$1" "$2"; }
card_wait_gone() { compat_wait_for "$1 $2 to go away" "${3:-10}" card__hasnt "$1" "$2"; }

# card_check_index WHAT CAPTURE FRAMES [MIN_PERCENT]: CAPTURE (raw S16 stereo)
# holds indexed frames 0..FRAMES-1 (sig.py gen index) exactly, in order, each
# at most once, covering at least MIN_PERCENT (default 97) of them. Gaps of
# silence (an underrun of the simulated DAC under load) are tolerated, wrong
# or reordered samples are not.
card_check_index() {
    local what=$1 cap=$2 frames=$3 minpct=${4:-97} runs res rc=0
    runs=$(st_sig runs "$cap") || { compat_fail "$what: analysis failed"; return 1; }
    res=$("$COMPAT_PY" - "$runs" "$frames" "$minpct" <<'PY'
import json, sys
runs, n, minpct = json.loads(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
runs = [r for r in runs if r[1] >= 16]        # ignore stray matches of the magic
covered, last_end, fails = 0, 0, []
for first, cnt, at in runs:
    if first < last_end:
        fails.append("frames %d.. played again or out of order (after %d)" % (first, last_end))
    if first + cnt > n:
        fails.append("index %d beyond the file (%d frames)" % (first + cnt, n))
    covered += cnt
    last_end = max(last_end, first + cnt)
pct = 100.0 * covered / n
print("%d run(s), %d of %d frames (%.1f%%) found in order" % (len(runs), covered, n, pct))
if pct < minpct:
    fails.append("only %.1f%% of the frames arrived (need %.0f%%)" % (pct, minpct))
for f in fails:
    print("FAIL: " + f)
sys.exit(1 if fails else 0)
PY
) || rc=$?
    printf '%s\n' "$res" | sed "s/^/[$COMPAT_TEST_NAME]   /" >&2
    if [ "$rc" -ne 0 ]; then compat_fail "$what"; return 1; fi
    compat_log "ok: $what"
}

# card_finish: stop the daemon, fail on any sanitizer report in its log
# (ASan/UBSan builds print them without failing the daemon), then finish.
card_finish() {
    compat_stop_daemon
    if grep -E "runtime error|AddressSanitizer|LeakSanitizer" "$COMPAT_LOG" >&2; then
        compat_fail "the daemon's log has sanitizer reports"
    fi
    compat_finish
}
