# shellcheck shell=bash
# shellcheck disable=SC2034,SC2119,SC2120  # variables are used by the sourcing tests
# pulsecompat compat-test harness (bash library).
#
# Source it from a test script:
#
#     . "$(dirname "$0")/../harness/harness.sh"
#     compat_init                    # private temp dir + environment
#     compat_start_daemon [FLAGS…]   # start the daemon under test, wait for socket
#     pactl_ok info                  # run pactl, fail the test if it fails
#     assert_eq "what" "expected" "$got"
#     compat_finish                  # exit 0, or 1 if an assertion failed
#
# Which daemon runs:
#   COMPAT_REFERENCE=/usr/bin/pulseaudio  → the reference daemon (Debian's)
#   otherwise PULSECOMPAT_BIN             → pulsecompat (set by meson)
# A test that cannot run (no daemon, not root, …) exits 77 (meson "skip").
#
# Useful knobs: COMPAT_KEEP=1 keeps the temp dir; COMPAT_VERBOSE=1 echoes
# every pactl call; COMPAT_TIMEOUT (seconds, default 20) bounds each client.

set -u
set -o pipefail

COMPAT_HARNESS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
COMPAT_DIR=$(cd "$COMPAT_HARNESS_DIR/.." && pwd)
COMPAT_PY=${COMPAT_PY:-/usr/bin/python3}
COMPAT_TIMEOUT=${COMPAT_TIMEOUT:-20}
COMPAT_TEST_NAME=${COMPAT_TEST_NAME:-$(basename "${0%.*}")}
COMPAT_FAILS=0
COMPAT_DAEMON_PID=
COMPAT_DAEMON_PIDS=()
COMPAT_TMP=

# ---------------------------------------------------------------- messages
compat_log()  { printf '[%s] %s\n' "$COMPAT_TEST_NAME" "$*" >&2; }
compat_skip() {
    printf '[%s] SKIP: %s\n' "$COMPAT_TEST_NAME" "$*" >&2
    exit 77
}
compat_fatal() {
    printf '[%s] FATAL: %s\n' "$COMPAT_TEST_NAME" "$*" >&2
    COMPAT_FAILS=$((COMPAT_FAILS + 1))
    exit 1
}
compat_fail() {
    printf '[%s] FAIL: %s\n' "$COMPAT_TEST_NAME" "$*" >&2
    COMPAT_FAILS=$((COMPAT_FAILS + 1))
}

# ---------------------------------------------------------------- daemon choice
# Prints the daemon binary to test, or skips.
compat_daemon_bin() {
    if [ -n "${COMPAT_REFERENCE:-}" ]; then
        [ -x "$COMPAT_REFERENCE" ] ||
            compat_skip "COMPAT_REFERENCE=$COMPAT_REFERENCE is not installed/executable"
        printf '%s\n' "$COMPAT_REFERENCE"
    elif [ -n "${PULSECOMPAT_BIN:-}" ]; then
        [ -x "$PULSECOMPAT_BIN" ] ||
            compat_fatal "PULSECOMPAT_BIN=$PULSECOMPAT_BIN is not executable (not built?)"
        printf '%s\n' "$PULSECOMPAT_BIN"
    else
        compat_skip "neither PULSECOMPAT_BIN nor COMPAT_REFERENCE is set"
    fi
}

compat_need_prog() {
    local p
    for p in "$@"; do
        command -v "$p" >/dev/null 2>&1 || compat_skip "required program '$p' not found"
    done
}

# ---------------------------------------------------------------- environment
# compat_init: private temp dir with HOME, XDG_RUNTIME_DIR (0700), empty ALSA
# config, client.conf; exports the client environment.  Also installs the
# EXIT trap that stops daemons and prints logs on failure.
compat_init() {
    compat_need_prog pactl timeout
    [ -x "$COMPAT_PY" ] || compat_skip "$COMPAT_PY not found"
    COMPAT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pcompat-${COMPAT_TEST_NAME}.XXXXXX") ||
        compat_fatal "mktemp failed"
    trap compat__on_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    compat_env_setup "$COMPAT_TMP"
    COMPAT_BIN=$(compat_daemon_bin) || exit $?
}

# compat_env_setup DIR: lay out DIR and export the environment for a daemon
# living there (used by compat_init; the differential test calls it once per
# daemon).
compat_env_setup() {
    local t=$1
    mkdir -p "$t/home/.config/pulse" "$t/run" "$t/logs"
    chmod 0700 "$t/run" "$t/home" "$t/home/.config" "$t/home/.config/pulse"
    # An empty ALSA configuration: the ALSA "default" PCM can never route into
    # a pulse socket (or anywhere else) while the daemon or clients run.
    : >"$t/alsa.conf"
    # Private daemon.conf so /etc/pulse/daemon.conf settings don't leak in.
    printf '# pulsecompat compat-tests: built-in defaults only\n' \
        >"$t/home/.config/pulse/daemon.conf"
    cat >"$t/client.conf" <<'EOF'
# pulsecompat compat-tests client configuration
autospawn = no
EOF
    export HOME="$t/home"
    export XDG_RUNTIME_DIR="$t/run"
    export ALSA_CONFIG_PATH="$t/alsa.conf"
    export PULSE_CLIENTCONFIG="$t/client.conf"
    export LC_ALL=C LANG=C LANGUAGE=C
    # No D-Bus, no X11: point the buses at a path that does not exist so
    # nothing autolaunches or talks to a real session.
    export DBUS_SESSION_BUS_ADDRESS="unix:path=$t/no-such-dbus-socket"
    export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$t/no-such-dbus-socket"
    unset DISPLAY WAYLAND_DISPLAY XDG_CONFIG_HOME XDG_STATE_HOME \
        PULSE_RUNTIME_PATH PULSE_STATE_PATH PULSE_CONFIG_PATH PULSE_CONFIG \
        PULSE_SCRIPT PULSE_DLPATH PULSE_COOKIE PULSE_SINK PULSE_SOURCE \
        PULSE_PROP PULSE_PROP_OVERRIDE PULSE_LATENCY_MSEC PULSE_BINARY \
        PULSE_SYSTEM PULSE_INTERNAL PULSE_PASSED_FD LISTEN_FDS LISTEN_PID
    export COMPAT_SOCKET="$t/run/pulse/native"
    export PULSE_SERVER="unix:$COMPAT_SOCKET"
    export COMPAT_SCRIPT="$t/startup.pa"
    export COMPAT_LOG="$t/logs/daemon.log"
    compat_write_script
}

# compat_write_script [EXTRA LINE…]: the standard startup script, plus lines.
compat_write_script() {
    {
        echo "load-module module-native-protocol-unix"
        echo "load-module module-null-sink sink_name=null1 rate=44100 channels=2 sink_properties=device.description=Null-1"
        echo "load-module module-null-sink sink_name=null2 rate=44100 channels=2 sink_properties=device.description=Null-2"
        echo "set-default-sink null1"
        local l
        for l in "$@"; do printf '%s\n' "$l"; done
    } >"$COMPAT_SCRIPT"
}

# The fixed option set every test uses (pulseaudio's own option syntax).
# COMPAT_SHM=yes: with memfd SHM and the srbchannel (the '-shm' test variants).
COMPAT_BASE_FLAGS=(
    --daemonize=no --exit-idle-time=-1 --use-pid-file=no --system=no
    --realtime=no --high-priority=no --disable-shm="$([ "${COMPAT_SHM:-}" = yes ] && echo no || echo yes)"
    --log-target=stderr
)

# compat_start_daemon [EXTRA FLAGS…]: start $COMPAT_BIN with the startup
# script, wait (≤ 30 s) until the socket accepts connections.
compat_start_daemon() {
    local bin=${COMPAT_DAEMON_OVERRIDE:-$COMPAT_BIN}
    # the -shm variants check the transport in the debug log (compat_finish)
    [ "${COMPAT_SHM:-}" = yes ] && [ -z "${COMPAT_REFERENCE:-}" ] && set -- --log-level=debug "$@"
    : >>"$COMPAT_LOG"
    {
        printf '### %s -n -F %s' "$bin" "$COMPAT_SCRIPT"
        printf ' %q' "${COMPAT_BASE_FLAGS[@]}" "$@"
        printf '\n'
    } >>"$COMPAT_LOG"
    "$bin" -n -F "$COMPAT_SCRIPT" "${COMPAT_BASE_FLAGS[@]}" "$@" \
        </dev/null >>"$COMPAT_LOG" 2>&1 &
    COMPAT_DAEMON_PID=$!
    COMPAT_DAEMON_PIDS+=("$COMPAT_DAEMON_PID")
    compat_wait_socket "$COMPAT_SOCKET" "${COMPAT_START_TIMEOUT:-30}" ||
        compat_fatal "daemon did not come up (socket $COMPAT_SOCKET)"
}

# compat_wait_socket PATH SECS: wait until PATH is a socket that accepts a
# connection (one probe connection, closed at once), or the daemon died.
compat_wait_socket() {
    local path=$1 secs=$2
    local deadline=$((SECONDS + secs))
    while [ "$SECONDS" -le "$deadline" ]; do
        if [ -n "$COMPAT_DAEMON_PID" ] && ! kill -0 "$COMPAT_DAEMON_PID" 2>/dev/null; then
            compat_log "daemon (pid $COMPAT_DAEMON_PID) exited during start-up"
            return 1
        fi
        if [ -S "$path" ] && "$COMPAT_PY" - "$path" <<'EOF' 2>/dev/null; then
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(2)
s.connect(sys.argv[1])
s.close()
EOF
            return 0
        fi
        sleep 0.05
    done
    return 1
}

# compat_daemon_alive: true if the daemon process is still running.
compat_daemon_alive() {
    [ -n "$COMPAT_DAEMON_PID" ] && kill -0 "$COMPAT_DAEMON_PID" 2>/dev/null
}

# compat_wait_daemon_exit SECS: wait for the daemon to exit by itself; sets
# COMPAT_DAEMON_STATUS to its exit status.  Returns 1 on timeout.
compat_wait_daemon_exit() {
    local secs=$1 deadline
    deadline=$((SECONDS + secs))
    while compat_daemon_alive; do
        if [ "$SECONDS" -gt "$deadline" ]; then
            return 1
        fi
        sleep 0.05
    done
    COMPAT_DAEMON_STATUS=0
    wait "$COMPAT_DAEMON_PID" 2>/dev/null || COMPAT_DAEMON_STATUS=$?
    return 0
}

# compat_stop_daemon [PID]: SIGTERM, wait ≤ 5 s, then SIGKILL.
compat_stop_daemon() {
    local pid=${1:-$COMPAT_DAEMON_PID} i
    [ -n "$pid" ] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for i in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        if kill -0 "$pid" 2>/dev/null; then
            compat_log "daemon pid $pid ignored SIGTERM for 5 s, sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null
        fi
    fi
    wait "$pid" 2>/dev/null || true
    if [ "$pid" = "$COMPAT_DAEMON_PID" ]; then COMPAT_DAEMON_PID=; fi
}

compat__on_exit() {
    local rc=$?
    # cleanup must survive a closed stdout/stderr (e.g. piped into head)
    trap '' PIPE
    local pid
    # stop background helpers of the test (subscribe clients, …)
    for pid in ${COMPAT_BG_PIDS:-}; do
        kill -TERM "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    for pid in "${COMPAT_DAEMON_PIDS[@]}"; do
        compat_stop_daemon "$pid"
    done
    if [ "$rc" -eq 0 ] && [ "$COMPAT_FAILS" -gt 0 ]; then rc=1; fi
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "$COMPAT_TMP" ]; then
        local f
        for f in $(find "$COMPAT_TMP" -path '*/logs/*.log' -type f 2>/dev/null | sort); do
            echo "----- $f (last 200 lines) -----" >&2
            tail -n 200 "$f" >&2
        done
        if [ -n "${COMPAT_KEEP:-}" ]; then
            echo "----- end of logs; temp dir kept at $COMPAT_TMP -----" >&2
        else
            echo "----- end of logs; set COMPAT_KEEP=1 to keep the temp dir -----" >&2
        fi
    fi
    if [ -n "$COMPAT_TMP" ] && [ -z "${COMPAT_KEEP:-}" ]; then
        rm -rf "$COMPAT_TMP"
    fi
    exit "$rc"
}

# compat_finish: end of test.
compat_finish() {
    # the -shm variants: the clients really used memfd SHM and the srbchannel
    if [ "${COMPAT_SHM:-}" = yes ] && [ -z "${COMPAT_REFERENCE:-}" ] && [ -n "${COMPAT_DAEMON_PID:-}" ]; then
        grep -q "using the srbchannel" "$COMPAT_LOG" ||
            compat_fail "COMPAT_SHM=yes, but no client used the srbchannel (daemon log)"
    fi
    if [ "$COMPAT_FAILS" -gt 0 ]; then
        compat_log "$COMPAT_FAILS assertion(s) failed"
        exit 1
    fi
    compat_log "PASS"
    exit 0
}

# ---------------------------------------------------------------- clients
# compat_pactl ARGS…: run pactl (bounded); sets PACTL_OUT, PACTL_ERR (both
# without trailing newlines, like $(…)) and PACTL_RC.  Avoids extra forks:
# the transcripts run hundreds of these.
compat_pactl() {
    local o=$COMPAT_TMP/pactl.out e=$COMPAT_TMP/pactl.err
    [ -n "${COMPAT_VERBOSE:-}" ] && compat_log "\$ pactl $*"
    PACTL_RC=0
    timeout -k 2 "$COMPAT_TIMEOUT" pactl "$@" >"$o" 2>"$e" </dev/null || PACTL_RC=$?
    compat__slurp PACTL_OUT "$o"
    compat__slurp PACTL_ERR "$e"
    if [ "$PACTL_RC" -eq 124 ] || [ "$PACTL_RC" -eq 137 ]; then
        compat_fail "pactl $* timed out after ${COMPAT_TIMEOUT}s"
    fi
    return 0
}

# compat__slurp VAR FILE: VAR=$(<FILE) without a fork.
compat__slurp() {
    local __v
    IFS= read -r -d '' __v <"$2" || true
    while [[ $__v == *$'\n' ]]; do __v=${__v%$'\n'}; done
    printf -v "$1" '%s' "$__v"
}

# pactl_ok ARGS…: run pactl, record a failure if it exits non-zero.
# Output in PACTL_OUT.
pactl_ok() {
    compat_pactl "$@"
    if [ "$PACTL_RC" -ne 0 ]; then
        compat_fail "pactl $* exited $PACTL_RC (expected 0); stderr: $PACTL_ERR"
        return 1
    fi
    return 0
}

# pactl_fails EXPECTED_STDERR ARGS…: pactl must exit 1 with exactly that
# stderr.
pactl_fails() {
    local want=$1
    shift
    compat_pactl "$@"
    assert_eq "exit status of 'pactl $*'" 1 "$PACTL_RC"
    assert_eq "stderr of 'pactl $*'" "$want" "$PACTL_ERR"
}

# ---------------------------------------------------------------- assertions
# Each assertion prints expected vs got and counts a failure; it does not exit.

assert_eq() {
    local what=$1 want=$2 got=$3
    if [ "$want" != "$got" ]; then
        compat_fail "$what"
        {
            echo "  expected: |$(printf '%s' "$want" | sed -n '1p')|"
            printf '%s\n' "$want" | sed -n '2,$p' | sed 's/^/            |/; s/$/|/'
            echo "  got:      |$(printf '%s' "$got" | sed -n '1p')|"
            printf '%s\n' "$got" | sed -n '2,$p' | sed 's/^/            |/; s/$/|/'
            if [ "$(printf '%s\n' "$want" | wc -l)" -gt 2 ]; then
                echo "  diff (expected → got):"
                diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | sed 's/^/    /'
            fi
        } >&2
        return 1
    fi
    [ -n "${COMPAT_VERBOSE:-}" ] && compat_log "ok: $what"
    return 0
}

assert_ne() {
    local what=$1 unwanted=$2 got=$3
    if [ "$unwanted" = "$got" ]; then
        compat_fail "$what: got the value that must not appear: |$got|"
        return 1
    fi
    return 0
}

# assert_match WHAT ERE TEXT: TEXT (whole, multi-line allowed) contains a
# line matching the extended regex.
assert_match() {
    local what=$1 re=$2 got=$3
    if ! grep -Eq -- "$re" <<<"$got"; then
        compat_fail "$what"
        {
            echo "  expected a line matching: /$re/"
            echo "  got:"
            printf '%s\n' "$got" | sed 's/^/    |/'
        } >&2
        return 1
    fi
    return 0
}

assert_no_match() {
    local what=$1 re=$2 got=$3
    if grep -Eq -- "$re" <<<"$got"; then
        compat_fail "$what"
        {
            echo "  expected NO line matching: /$re/"
            echo "  got:"
            printf '%s\n' "$got" | sed 's/^/    |/'
        } >&2
        return 1
    fi
    return 0
}

# assert_line WHAT LINE TEXT: TEXT has a line exactly equal to LINE.
assert_line() {
    local what=$1 line=$2 got=$3
    if ! grep -Fxq -- "$line" <<<"$got"; then
        compat_fail "$what"
        {
            echo "  expected the line: |$line|"
            echo "  got:"
            printf '%s\n' "$got" | sed 's/^/    |/'
        } >&2
        return 1
    fi
    return 0
}

# ---------------------------------------------------------------- misc helpers
# compat_free_tcp_port: print a currently free TCP port on 127.0.0.1.
compat_free_tcp_port() {
    "$COMPAT_PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# compat_wait_for WHAT SECS CMD…: poll CMD (every 50 ms) until it succeeds.
compat_wait_for() {
    local what=$1 secs=$2
    shift 2
    local deadline=$((SECONDS + secs))
    while ! "$@"; do
        if [ "$SECONDS" -gt "$deadline" ]; then
            compat_fail "timed out after ${secs}s waiting for: $what"
            return 1
        fi
        sleep 0.05
    done
    return 0
}

# compat_bg CMD…: run CMD in the background, killed at exit; pid in COMPAT_BG_PID.
COMPAT_BG_PIDS=
compat_bg() {
    "$@" &
    COMPAT_BG_PID=$!
    COMPAT_BG_PIDS="$COMPAT_BG_PIDS $COMPAT_BG_PID"
}
