# shellcheck shell=bash
# shellcheck disable=SC2034  # variables are used by the sourcing tests
# compat-tests/system: helpers for the system-mode tests (run as root).
#
#   . "$(dirname "$0")/lib.sh"
#   sys_init "$@"            # re-exec in a private mount namespace, lay it out
#   sys_start_daemon [FLAGS…] # pulsecompat --system …, wait for /run/pulse/native
#   sys_pactl USER ARGS…     # pactl as USER (setpriv), sets PACTL_OUT/ERR/RC
#   sys_finish
#
# Nothing on the host is touched: the test re-executes itself under
# `unshare --mount` and, inside, mounts a private tmpfs over /run and over
# /var/lib, and bind-mounts copies of /etc/passwd and /etc/group that add
# throwaway accounts (and, when it exists, a private /etc/pulse/system.pa):
#
#   pulse      60990  primary group pulse (60990), member of audio
#   pcuser1    61001  member of pulse-access
#   pcuser2    61002  member of pulse-access
#   pcadmin    61003  member of pulse-access and pulse-admin
#   pcoutsider 61004  in neither
#   pcprimary  61005  primary group pulse-access (not in its member list)
#   groups pulse 60990, pulse-access 60991, pulse-admin 60992
#
# The mounts vanish with the namespace when the test ends. Skips (exit 77)
# when not root, or when unshare/setpriv/mount namespaces are unavailable.

set -u
set -o pipefail

SYS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SYS_TEST_NAME=${SYS_TEST_NAME:-$(basename "${0%.*}")}
SYS_PY=${SYS_PY:-/usr/bin/python3}
SYS_TIMEOUT=${SYS_TIMEOUT:-20}
SYS_FAILS=0
SYS_DAEMON_PID=
SYS_BG_PIDS=()
SYS_T=/run/pctest                 # test files (inside the private /run)
SYS_SOCKET=/run/pulse/native
SYS_LOG=

sys_log()  { printf '[%s] %s\n' "$SYS_TEST_NAME" "$*" >&2; }
sys_skip() { printf '[%s] SKIP: %s\n' "$SYS_TEST_NAME" "$*" >&2; exit 77; }
sys_fatal() { printf '[%s] FATAL: %s\n' "$SYS_TEST_NAME" "$*" >&2; SYS_FAILS=$((SYS_FAILS + 1)); exit 1; }
sys_fail() { printf '[%s] FAIL: %s\n' "$SYS_TEST_NAME" "$*" >&2; SYS_FAILS=$((SYS_FAILS + 1)); }
sys_ok()   { sys_log "ok: $*"; }

sys_need_prog() {
    local p
    for p in "$@"; do
        command -v "$p" >/dev/null 2>&1 || sys_skip "required program '$p' not found"
    done
}

# sys_init "$@": checks, then (outside) re-exec in a new mount namespace,
# (inside) the private /run, /var/lib, accounts and config.
sys_init() {
    [ "$(id -u)" = 0 ] || sys_skip "must run as root (system mode drops from root to 'pulse')"
    sys_need_prog unshare setpriv mount timeout pactl
    [ -x "$SYS_PY" ] || sys_skip "$SYS_PY not found"
    [ -n "${PULSECOMPAT_BIN:-}" ] || sys_skip "PULSECOMPAT_BIN not set"
    [ -x "$PULSECOMPAT_BIN" ] || sys_fatal "PULSECOMPAT_BIN=$PULSECOMPAT_BIN is not executable"
    if [ -z "${PCSYS_IN_NS:-}" ]; then
        unshare --mount --propagation private true 2>/dev/null ||
            sys_skip "unshare --mount does not work here (no mount namespaces?)"
        PCSYS_IN_NS=1 exec unshare --mount --propagation private -- bash "$0" "$@"
    fi
    mount -t tmpfs -o mode=0755 pctest-run /run || sys_skip "cannot mount a tmpfs on /run"
    mount -t tmpfs -o mode=0755 pctest-varlib /var/lib || sys_fatal "cannot mount a tmpfs on /var/lib"
    mkdir -p "$SYS_T/etc" "$SYS_T/home" "$SYS_T/logs" "$SYS_T/data"
    chmod 1777 "$SYS_T/data"
    SYS_LOG=$SYS_T/logs/daemon.log
    : >"$SYS_LOG"
    trap sys__on_exit EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    sys__accounts
    sys__config
}

sys__accounts() {
    # drop any host entries with our names, add ours
    grep -vE '^(pulse|pcuser1|pcuser2|pcadmin|pcoutsider|pcprimary):' /etc/passwd >"$SYS_T/etc/passwd"
    cat >>"$SYS_T/etc/passwd" <<'EOF'
pulse:x:60990:60990:PulseAudio system daemon (test):/run/pulse:/usr/sbin/nologin
pcuser1:x:61001:61001::/run/pctest/home/pcuser1:/bin/sh
pcuser2:x:61002:61002::/run/pctest/home/pcuser2:/bin/sh
pcadmin:x:61003:61003::/run/pctest/home/pcadmin:/bin/sh
pcoutsider:x:61004:61004::/run/pctest/home/pcoutsider:/bin/sh
pcprimary:x:61005:60991::/run/pctest/home/pcprimary:/bin/sh
EOF
    grep -vE '^(pulse|pulse-access|pulse-admin|pcuser1|pcuser2|pcadmin|pcoutsider|audio):' /etc/group \
        >"$SYS_T/etc/group"
    cat >>"$SYS_T/etc/group" <<'EOF'
audio:x:29:pulse
pulse:x:60990:
pulse-access:x:60991:pcuser1,pcuser2,pcadmin
pulse-admin:x:60992:pcadmin
pcuser1:x:61001:
pcuser2:x:61002:
pcadmin:x:61003:
pcoutsider:x:61004:
EOF
    mount --bind "$SYS_T/etc/passwd" /etc/passwd || sys_fatal "bind mount of /etc/passwd failed"
    mount --bind "$SYS_T/etc/group" /etc/group || sys_fatal "bind mount of /etc/group failed"
    [ "$(id -u pcuser1 2>/dev/null)" = 61001 ] ||
        sys_skip "the throwaway accounts are not visible through NSS (nsswitch not using files?)"
    local u
    for u in root pcuser1 pcuser2 pcadmin pcoutsider pcprimary; do
        mkdir -p "$SYS_T/home/$u/.config/pulse"
        [ "$u" = root ] || chown -R "$u:$(id -g "$u")" "$SYS_T/home/$u"
        chmod 0700 "$SYS_T/home/$u"
    done
}

sys__config() {
    printf 'autospawn = no\n' >"$SYS_T/client.conf"
    : >"$SYS_T/alsa.conf"
    chmod 0644 "$SYS_T/client.conf" "$SYS_T/alsa.conf"
    # daemon.conf: built-in defaults plus what a test adds (sys_conf)
    printf '# pulsecompat system-mode tests\n' >"$SYS_T/daemon.conf"
    export PULSE_CONFIG=$SYS_T/daemon.conf
    unset PULSE_RUNTIME_PATH PULSE_STATE_PATH PULSE_CONFIG_PATH PULSE_SCRIPT PULSE_DLPATH \
        XDG_RUNTIME_DIR XDG_CONFIG_HOME LISTEN_FDS LISTEN_PID LISTEN_FDNAMES NOTIFY_SOCKET \
        WATCHDOG_USEC WATCHDOG_PID PULSECOMPAT_TEST_HOTPLUG_FIFO PULSE_SERVER
    export LC_ALL=C
    sys_write_script
    if [ -e /etc/pulse/system.pa ]; then
        # the daemon must pick /etc/pulse/system.pa by itself in system mode
        mount --bind "$SYS_T/system.pa" /etc/pulse/system.pa || sys_fatal "bind mount of system.pa failed"
    else
        printf 'default-script-file = %s\n' "$SYS_T/system.pa" >>"$SYS_T/daemon.conf"
    fi
}

# sys_conf LINE…: append daemon.conf lines.
sys_conf() {
    printf '%s\n' "$@" >>"$SYS_T/daemon.conf"
}

# sys_write_script [EXTRA LINE…]: system.pa = native protocol, a pipe sink
# (pipe1, s16le 44.1 kHz stereo, FIFO /run/pulse/pipe1.fifo), a null sink.
sys_write_script() {
    {
        echo "load-module module-native-protocol-unix"
        echo "load-module module-pipe-sink file=/run/pulse/pipe1.fifo sink_name=pipe1 format=s16le rate=44100 channels=2 use_system_clock_for_timing=yes"
        echo "load-module module-null-sink sink_name=null1 rate=44100 channels=2"
        echo "set-default-sink null1"
        local l
        for l in "$@"; do printf '%s\n' "$l"; done
    } >"$SYS_T/system.pa"
    chmod 0644 "$SYS_T/system.pa"
}

# ---------------------------------------------------------------- daemon
# sys_start_daemon [FLAGS…]: pulsecompat --system in the foreground (in the
# background of the test), wait until the socket accepts a connection.
sys_start_daemon() {
    printf '### %s --system' "$PULSECOMPAT_BIN" >>"$SYS_LOG"
    printf ' %q' --daemonize=no --log-target=stderr --log-level=info "$@" >>"$SYS_LOG"
    printf '\n' >>"$SYS_LOG"
    "$PULSECOMPAT_BIN" --system --daemonize=no --log-target=stderr --log-level=info "$@" \
        </dev/null >>"$SYS_LOG" 2>&1 &
    SYS_DAEMON_PID=$!
    sys_wait_socket "$SYS_SOCKET" 30 || sys_fatal "daemon did not come up (socket $SYS_SOCKET)"
}

# sys_wait_socket PATH SECS
sys_wait_socket() {
    local path=$1 deadline=$((SECONDS + $2))
    while [ "$SECONDS" -le "$deadline" ]; do
        if [ -n "$SYS_DAEMON_PID" ] && ! kill -0 "$SYS_DAEMON_PID" 2>/dev/null; then
            sys_log "daemon (pid $SYS_DAEMON_PID) exited during start-up"
            return 1
        fi
        if [ -S "$path" ] && "$SYS_PY" - "$path" <<'EOF' 2>/dev/null; then
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

sys_daemon_alive() {
    [ -n "$SYS_DAEMON_PID" ] && kill -0 "$SYS_DAEMON_PID" 2>/dev/null
}

# sys_stop_daemon [SECS]: SIGTERM, wait; SYS_DAEMON_STATUS = exit status.
# Returns 1 if it did not exit in time (then it is killed).
sys_stop_daemon() {
    local secs=${1:-20} deadline
    SYS_DAEMON_STATUS=
    sys_daemon_alive || { wait "$SYS_DAEMON_PID" 2>/dev/null; SYS_DAEMON_STATUS=$?; SYS_DAEMON_PID=; return 0; }
    kill -TERM "$SYS_DAEMON_PID"
    deadline=$((SECONDS + secs))
    while sys_daemon_alive; do
        if [ "$SECONDS" -gt "$deadline" ]; then
            kill -KILL "$SYS_DAEMON_PID" 2>/dev/null
            wait "$SYS_DAEMON_PID" 2>/dev/null
            SYS_DAEMON_PID=
            return 1
        fi
        sleep 0.05
    done
    wait "$SYS_DAEMON_PID"
    SYS_DAEMON_STATUS=$?
    SYS_DAEMON_PID=
    return 0
}

# ---------------------------------------------------------------- clients
# sys_as USER CMD…: run CMD as USER (uid, gid and the group database's
# supplementary groups) with a clean client environment. USER root: no setpriv.
sys_as() {
    local user=$1
    shift
    local envv=(env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$SYS_T/home/$user" LC_ALL=C
        USER="$user" LOGNAME="$user"
        PULSE_SERVER="unix:$SYS_SOCKET" PULSE_CLIENTCONFIG="$SYS_T/client.conf"
        ALSA_CONFIG_PATH="$SYS_T/alsa.conf" PYTHONDONTWRITEBYTECODE=1
        DBUS_SESSION_BUS_ADDRESS="unix:path=$SYS_T/no-such-bus"
        DBUS_SYSTEM_BUS_ADDRESS="unix:path=$SYS_T/no-such-bus")
    if [ "$user" = root ]; then
        "${envv[@]}" "$@"
    else
        setpriv --reuid="$user" --regid="$(id -g "$user")" --init-groups -- "${envv[@]}" "$@"
    fi
}

# sys_pactl USER ARGS…: PACTL_OUT, PACTL_ERR, PACTL_RC.
sys_pactl() {
    local user=$1
    shift
    PACTL_RC=0
    PACTL_OUT=$(sys_as "$user" timeout -k 5 "$SYS_TIMEOUT" pactl "$@" 2>"$SYS_T/pactl.err") || PACTL_RC=$?
    PACTL_ERR=$(cat "$SYS_T/pactl.err")
}

# pactl_ok USER ARGS…: must succeed.
pactl_ok() {
    sys_pactl "$@"
    if [ "$PACTL_RC" -ne 0 ]; then
        sys_fail "pactl as $1: '${*:2}' failed (rc $PACTL_RC): $PACTL_ERR"
        return 1
    fi
    return 0
}

# pactl_denied USER ARGS…: must fail with "Access denied".
pactl_denied() {
    sys_pactl "$@"
    if [ "$PACTL_RC" -eq 0 ] || ! grep -q "Access denied" <<<"$PACTL_ERR"; then
        sys_fail "pactl as $1: '${*:2}' expected 'Access denied', got rc $PACTL_RC: $PACTL_OUT $PACTL_ERR"
        return 1
    fi
    sys_ok "$1: '${*:2}' → Access denied"
    return 0
}

# sys_bg CMD…: background helper, killed at exit; SYS_BG_PID.
sys_bg() {
    "$@" &
    SYS_BG_PID=$!
    SYS_BG_PIDS+=("$SYS_BG_PID")
}

# sys_make_wav PATH [FRAMES]: s16le 44.1 kHz stereo WAV with a non-silent
# pattern (readable by everybody); the bare PCM goes to PATH.pcm.
sys_make_wav() {
    "$SYS_PY" - "$1" "${2:-22050}" <<'PY'
import struct, sys, wave
w = wave.open(sys.argv[1], "wb")
w.setnchannels(2); w.setsampwidth(2); w.setframerate(44100)
frames = b"".join(struct.pack("<hh", (i * 37) % 20000 - 10000, 12345 - (i * 11) % 24000)
                  for i in range(int(sys.argv[2])))
w.writeframes(frames)
w.close()
open(sys.argv[1] + ".pcm", "wb").write(frames)
PY
    chmod 0644 "$1" "$1.pcm"
}

# ---------------------------------------------------------------- assertions
assert_eq() {
    if [ "$2" != "$3" ]; then
        sys_fail "$1: expected '$2', got '$3'"
        return 1
    fi
    sys_ok "$1"
}

assert_match() {
    if ! grep -qE -- "$2" <<<"$3"; then
        sys_fail "$1: '$3' does not match /$2/"
        return 1
    fi
    sys_ok "$1"
}

assert_no_match() {
    if grep -qE -- "$2" <<<"$3"; then
        sys_fail "$1: unexpected /$2/ in: $3"
        return 1
    fi
    sys_ok "$1"
}

# /proc/PID/status field
proc_status() {
    awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ +/, ""); print; exit }' "/proc/$1/status"
}

# ---------------------------------------------------------------- teardown
sys__on_exit() {
    local rc=$? p
    for p in "${SYS_BG_PIDS[@]}"; do
        kill "$p" 2>/dev/null
    done
    if sys_daemon_alive; then
        kill -TERM "$SYS_DAEMON_PID" 2>/dev/null
        sleep 0.3
        kill -KILL "$SYS_DAEMON_PID" 2>/dev/null
    fi
    wait 2>/dev/null
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] || [ "$SYS_FAILS" -ne 0 ]; then
        sys_log "---- daemon log ($SYS_LOG) ----"
        tail -n 80 "$SYS_LOG" >&2 2>/dev/null
    fi
}

sys_finish() {
    if [ "$SYS_FAILS" -ne 0 ]; then
        sys_log "$SYS_FAILS check(s) failed"
        exit 1
    fi
    sys_log "all checks passed"
    exit 0
}
