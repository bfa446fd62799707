# shellcheck shell=bash
# compat-tests/streams: helpers shared by the stream/audio-engine tests.
#
# Sources the common harness (../harness/harness.sh: private temp dir,
# HOME, XDG_RUNTIME_DIR, empty ALSA config, LC_ALL=C, daemon start/stop,
# assertions) and adds pipe-sink capture helpers and the signal tool.
#
#   . "$(dirname "$0")/lib.sh"
#   st_init
#   compat_write_script "$(st_pipe_sink pipe1)"
#   compat_start_daemon
#   st_capture_start pipe1          # cat FIFO > $COMPAT_TMP/pipe1.raw
#   … play …
#   st_settle pipe1 0.3             # let 0.3 s more of sink output arrive
#   st_capture_stop pipe1
#   st_sig find in.wav "$COMPAT_TMP/pipe1.raw"

STREAMS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../harness/harness.sh
. "$STREAMS_DIR/../harness/harness.sh"

declare -A ST_CAP_PID=()
declare -A ST_CAP_BPS=()

# st_init: harness init plus the tools every stream test needs.
st_init() {
    compat_init
    compat_need_prog paplay pacat parec
    export LC_ALL=C PYTHONDONTWRITEBYTECODE=1
    # compat_init points ALSA_CONFIG_PATH at a private, empty file; insist
    [ -n "${ALSA_CONFIG_PATH:-}" ] || compat_fatal "ALSA_CONFIG_PATH not set by the harness"
}

# st_sig ARGS…: run the signal tool (bounded); output goes to stdout.
st_sig() {
    timeout -k 5 120 "$COMPAT_PY" "$STREAMS_DIR/sig.py" "$@"
}

# st_check WHAT ARGS…: run an analysis of sig.py; print its report; record a
# failure if it fails.
st_check() {
    local what=$1 out rc=0
    shift
    out=$(st_sig "$@" 2>&1) || rc=$?
    printf '%s\n' "$out" | sed "s/^/[$COMPAT_TEST_NAME]   /" >&2
    if [ "$rc" -ne 0 ]; then
        compat_fail "$what"
        return 1
    fi
    compat_log "ok: $what"
    return 0
}

# st_pipe_sink NAME [FORMAT [RATE [CHANNELS [EXTRA…]]]]: the startup-script line
# for a real-time-paced pipe sink writing into $COMPAT_TMP/NAME.fifo.
st_pipe_sink() {
    local name=$1 fmt=${2:-s16le} rate=${3:-44100} ch=${4:-2}
    shift $(( $# < 4 ? $# : 4 ))
    printf 'load-module module-pipe-sink file=%s sink_name=%s format=%s rate=%s channels=%s use_system_clock_for_timing=yes%s\n' \
        "$COMPAT_TMP/$name.fifo" "$name" "$fmt" "$rate" "$ch" "${*:+ $*}"
}

# st_capture_start NAME [BYTES_PER_SECOND]: read NAME's FIFO into
# $COMPAT_TMP/NAME.raw in the background (killed at exit).
st_capture_start() {
    local name=$1 bps=${2:-176400} fifo=$COMPAT_TMP/$1.fifo
    local deadline=$((SECONDS + 5))
    while [ ! -p "$fifo" ]; do
        if [ "$SECONDS" -gt "$deadline" ]; then
            compat_fatal "pipe sink FIFO $fifo was not created by the daemon"
        fi
        sleep 0.05
    done
    : >"$COMPAT_TMP/$name.raw"
    compat_bg cat "$fifo" >"$COMPAT_TMP/$name.raw"
    ST_CAP_PID[$name]=$COMPAT_BG_PID
    ST_CAP_BPS[$name]=$bps
}

st_capture_size() {
    stat -c %s "$COMPAT_TMP/$1.raw" 2>/dev/null || echo 0
}

# st_settle NAME SECS: wait until SECS more seconds of sink output have
# arrived in NAME's capture (PulseAudio's pipe sink renders continuously),
# bounded by 2·SECS + 1 s.  Never fails: a sink that stops writing when idle
# only turns this into a plain (longer) sleep, with a note.
st_settle() {
    local name=$1 secs=$2 start want us limit_us t0
    us=$(st__usec "$secs")
    start=$(st_capture_size "$name")
    want=$((start + ${ST_CAP_BPS[$name]} * us / 1000000))
    limit_us=$((2 * us + 1000000))
    t0=$(st__now_us)
    while [ "$(st_capture_size "$name")" -lt "$want" ]; do
        if [ $(($(st__now_us) - t0)) -gt "$limit_us" ]; then
            compat_log "note: sink $name wrote only $(($(st_capture_size "$name") - start)) bytes in $((limit_us / 1000)) ms"
            break
        fi
        sleep 0.05
    done
}

# st__now_us: monotonic-enough microseconds (EPOCHREALTIME without the dot).
st__now_us() { local t=${EPOCHREALTIME/./}; echo "${t#0}"; }
# st__usec SECS: decimal seconds → integer microseconds (bash only).
st__usec() {
    local int=${1%%.*} frac=
    [[ $1 == *.* ]] && frac=${1#*.}
    frac=${frac}000000
    echo $(( ${int:-0} * 1000000 + 10#${frac:0:6} ))
}

# st_capture_stop NAME: stop reading NAME's FIFO.
st_capture_stop() {
    local pid=${ST_CAP_PID[$1]:-}
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    ST_CAP_PID[$1]=
}

# st_count_sink_inputs: number of sink inputs (pactl list short).
st_count_sink_inputs() {
    compat_pactl list short sink-inputs
    if [ -z "$PACTL_OUT" ]; then echo 0; else printf '%s\n' "$PACTL_OUT" | wc -l; fi
}

st__n_inputs_ge() { [ "$(st_count_sink_inputs)" -ge "$1" ]; }
st__n_inputs_eq() { [ "$(st_count_sink_inputs)" -eq "$1" ]; }

# st_wait_sink_inputs N [SECS]: wait until at least N sink inputs exist.
st_wait_sink_inputs() {
    compat_wait_for "$1 sink input(s) to exist" "${2:-10}" st__n_inputs_ge "$1"
}

# st_wait_no_sink_inputs [SECS]
st_wait_no_sink_inputs() {
    compat_wait_for "all sink inputs to go away" "${1:-10}" st__n_inputs_eq 0
}

# st_run SECS LOGNAME CMD…: run a client bounded by SECS; stdout+stderr to
# $COMPAT_TMP/logs/LOGNAME.log (shown on failure); returns its exit status.
st_run() {
    local secs=$1 log=$COMPAT_TMP/logs/$2.log rc=0
    shift 2
    timeout -k 3 "$secs" "$@" </dev/null >>"$log" 2>&1 || rc=$?
    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        compat_fail "'$*' did not finish within ${secs}s"
    fi
    return "$rc"
}

