# shellcheck shell=bash
# compat-tests/alsa: helpers of the ALSA backend tests (simulated card, simhw).
#
# Sources the streams helpers (harness.sh + sig.py, pacat/paplay helpers) and
# points ALSA at the simulated card: ALSA_CONFIG_PATH = compat-tests/simhw/simhw.conf,
# SIMHW_LIB = the plugin's build dir (from meson), SIMHW_OUT = this test's temp dir
# (card0-play.wav, card0-events.log, card0-mixer.state, ... live there).
#
#   . "$(dirname "$0")/lib.sh"
#   al_init
#   compat_write_script "load-module module-alsa-sink device=card0 control=card0 sink_name=alsa0"
#   compat_start_daemon
ALSA_TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../streams/lib.sh
. "$ALSA_TESTS_DIR/../streams/lib.sh"

al_init() {
    st_init
    [ -z "${COMPAT_REFERENCE:-}" ] || compat_skip "ALSA backend tests run against pulsecompat only"
    [ -n "${SIMHW_LIB:-}" ] && [ -f "$SIMHW_LIB/libasound_module_pcm_simhw.so" ] ||
        compat_skip "SIMHW_LIB does not hold libasound_module_pcm_simhw.so (alsa-lib missing?)"
    export ALSA_CONFIG_PATH="$ALSA_TESTS_DIR/../simhw/simhw.conf"
    export SIMHW_OUT="$COMPAT_TMP/simhw"
    mkdir -p "$SIMHW_OUT"
    # the daemon's own threads run at nice -15 where allowed (test set-up only)
    AL_PY="$COMPAT_PY $ALSA_TESTS_DIR/alsa_sig.py"
}

# al_renice: raise the daemon's threads (best effort).
al_renice() {
    local t
    for t in /proc/"$COMPAT_DAEMON_PID"/task/*; do renice -n -15 -p "${t##*/}" >/dev/null 2>&1; done
}

# al_sig ARGS…: run alsa_sig.py (bounded).
al_sig() {
    timeout -k 5 120 "$COMPAT_PY" "$ALSA_TESTS_DIR/alsa_sig.py" "$@"
}

# al_check WHAT ARGS…: run an alsa_sig.py analysis; report; record failure.
al_check() {
    local what=$1 out rc=0
    shift
    out=$(al_sig "$@" 2>&1) || rc=$?
    printf '%s\n' "$out" | sed "s/^/[$COMPAT_TEST_NAME]   /" >&2
    if [ "$rc" -ne 0 ]; then
        compat_fail "$what"
        return 1
    fi
    compat_log "ok: $what"
    return 0
}

# al_wav_data WAV OUT: the PCM of a simhw WAV (44-byte header) as raw bytes.
al_wav_data() {
    tail -c +45 "$1" >"$2"
}

# al_events CARD: the card's event log (may be empty).
al_events() {
    cat "$SIMHW_OUT/$1-events.log" 2>/dev/null || true
}

# al_wait_stopped CARD [SECONDS]: wait (default 5 s) until the card's playback
# PCM is stopped (as many "playback stop" as "playback start" events). The
# simulated DAC writes what it played to CARDNAME-play.wav only when the
# application looks at the pointer (or stops the PCM); an idle sink keeps a deep
# queue of silence and looks rarely (every ~0.5 s), then stops after
# ALSA_IDLE_STOP_USEC (1 s). Once it has stopped (the last start/stop event is
# a stop), everything it played is in the file.
al_wait_stopped() {
    local card=$1 secs=${2:-5} i last
    for ((i = 0; i < secs * 20; i++)); do
        last=$(awk '$2 == "playback" && ($3 == "start" || $3 == "stop") { l = $3 } END { print l }' \
            "$SIMHW_OUT/$card-events.log" 2>/dev/null)
        [ "$last" = stop ] && return 0
        sleep 0.05
    done
    compat_fail "$card: the sink did not stop its PCM within $secs s of going idle"
    return 1
}

# al_cpu_ticks PID: utime+stime of a process in clock ticks.
al_cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0
}
