#!/bin/bash
# System mode start-up (docs/system-mode.md, spec system-mode.md §4): the
# daemon creates /run/pulse (0755) and the state dir (0700) for 'pulse',
# drops to pulse with its group-database groups (audio) and no capability
# in any set, NoNewPrivs; socket, cookie and pid file belong to pulse;
# SIGTERM and -k stop it cleanly (socket and pid file removed). Refusals:
# not root; a runtime dir owned by another user.
. "$(dirname "$0")/lib.sh"
sys_init "$@"

sys_start_daemon --disallow-exit --disallow-module-loading
pid=$SYS_DAEMON_PID
assert_eq "Uid (real, effective, saved, fs)" "60990 60990 60990 60990" "$(proc_status "$pid" Uid | tr -s '\t ' ' ')"
assert_eq "Gid (real, effective, saved, fs)" "60990 60990 60990 60990" "$(proc_status "$pid" Gid | tr -s '\t ' ' ')"
groups=" $(proc_status "$pid" Groups) "
assert_match "supplementary groups include audio (29)" ' 29 ' "$groups"
assert_match "supplementary groups include pulse (60990)" ' 60990 ' "$groups"
assert_no_match "no root group" ' 0 ' "$groups"
for f in CapInh CapPrm CapEff CapBnd CapAmb; do
    assert_eq "$f empty" 0000000000000000 "$(proc_status "$pid" $f)"
done
assert_eq "NoNewPrivs" 1 "$(proc_status "$pid" NoNewPrivs)"

assert_eq "runtime dir owner and mode" "pulse:pulse 755 directory" "$(stat -c '%U:%G %a %F' /run/pulse)"
assert_eq "state dir owner and mode" "pulse:pulse 700 directory" "$(stat -c '%U:%G %a %F' /var/lib/pulse)"
assert_eq "socket" "pulse:pulse 777 socket" "$(stat -c '%U:%G %a %F' /run/pulse/native)"
assert_eq "cookie (pulseaudio's place)" "pulse:pulse 600 256" \
    "$(stat -c '%U:%G %a %s' /run/pulse/.config/pulse/cookie 2>&1)"
assert_eq "pid file content" "$pid" "$(tr -d '\n' </run/pulse/pid)"
assert_eq "pid file owner" "pulse:pulse" "$(stat -c '%U:%G' /run/pulse/pid)"
# (the environment the daemon sets with setenv() is not visible in
# /proc/PID/environ; the cookie's place above shows XDG_CONFIG_HOME took effect)
# system.pa was run (it is the only place pipe1 comes from)
pactl_ok root list short sinks && assert_match "system.pa ran" 'pipe1' "$PACTL_OUT"
pactl_ok root info && assert_match "server runs as pulse" '^User Name: pulse$' "$PACTL_OUT"
if grep -q "Running in system mode, but --disallow" "$SYS_LOG"; then
    sys_fail "warned about --disallow-* although both were given"
fi

"$PULSECOMPAT_BIN" --system --check
assert_eq "--system --check while running" 0 "$?"

# SIGTERM: clean exit, socket and pid file gone
sys_stop_daemon 20 || sys_fail "daemon ignored SIGTERM for 20 s"
assert_eq "exit status after SIGTERM" 0 "$SYS_DAEMON_STATUS"
[ -e /run/pulse/native ] && sys_fail "socket left behind after SIGTERM"
[ -e /run/pulse/pid ] && sys_fail "pid file left behind after SIGTERM"
"$PULSECOMPAT_BIN" --system --check
assert_eq "--system --check after exit" 1 "$?"

# second start over the existing directories; -k stops it; warnings without --disallow-*
sys_start_daemon
grep -q "Running in system mode, but --disallow-exit not set" "$SYS_LOG" ||
    sys_fail "no warning about a missing --disallow-exit"
"$PULSECOMPAT_BIN" --system -k || sys_fail "pulsecompat --system -k failed"
deadline=$((SECONDS + 20))
while sys_daemon_alive && [ "$SECONDS" -le "$deadline" ]; do sleep 0.05; done
sys_daemon_alive && sys_fail "-k did not stop the daemon"
wait "$SYS_DAEMON_PID"
assert_eq "exit status after -k" 0 "$?"
SYS_DAEMON_PID=
[ -e /run/pulse/native ] && sys_fail "socket left behind after -k"

# -D (how init scripts start pulseaudio --system): the parent returns 0 once
# the daemon is ready; the daemon is a dropped pulse process
timeout 30 "$PULSECOMPAT_BIN" --system -D --disallow-exit --disallow-module-loading \
    --log-target="file:$SYS_T/logs/daemonized.log" --log-level=info </dev/null
assert_eq "--system -D: parent's exit status" 0 "$?"
dpid=$(tr -d '\n' </run/pulse/pid 2>/dev/null)
if [ -n "$dpid" ] && kill -0 "$dpid" 2>/dev/null; then
    assert_eq "-D daemon runs as pulse" "60990 60990 60990 60990" "$(proc_status "$dpid" Uid | tr -s '\t ' ' ')"
    assert_eq "-D daemon: CapEff empty" 0000000000000000 "$(proc_status "$dpid" CapEff)"
    pactl_ok pcuser1 info && sys_ok "-D daemon serves clients"
    "$PULSECOMPAT_BIN" --system -k || sys_fail "-k of the -D daemon failed"
    for _ in $(seq 400); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.05; done
    kill -0 "$dpid" 2>/dev/null && sys_fail "-D daemon survived -k"
    [ -e /run/pulse/native ] && sys_fail "socket left behind by the -D daemon"
else
    sys_fail "no running -D daemon (pid file: '$dpid'); log: $(tail -n 5 "$SYS_T/logs/daemonized.log" 2>&1)"
fi

# refusals
out=$(sys_as pcuser1 "$PULSECOMPAT_BIN" --system --daemonize=no 2>&1)
rc=$?
assert_eq "non-root --system: exit status" 1 "$rc"
assert_match "non-root --system: message" 'requires starting as root' "$out"

chown pcuser1:pcuser1 /run/pulse
out=$(timeout 20 "$PULSECOMPAT_BIN" --system --daemonize=no --log-target=stderr 2>&1)
rc=$?
assert_eq "runtime dir of another user: exit status" 1 "$rc"
assert_match "runtime dir of another user: message" 'owned by another user' "$out"
chown root:root /run/pulse
mv /run/pulse /run/pulse.real
ln -s /run/pctest/data /run/pulse
out=$(timeout 20 "$PULSECOMPAT_BIN" --system --daemonize=no --log-target=stderr 2>&1)
rc=$?
assert_eq "runtime dir is a symlink: exit status" 1 "$rc"
assert_match "runtime dir is a symlink: message" "Failed to create '/run/pulse': Not a directory" "$out"
rm /run/pulse
mv /run/pulse.real /run/pulse

# with only the capabilities pulsecompat.service leaves in the bounding set,
# and directories as tmpfiles.d creates them
chown pulse:pulse /run/pulse /var/lib/pulse
printf '### (setpriv --bounding-set=-all,+setuid,+setgid,+setpcap,+chown,+fowner)\n' >>"$SYS_LOG"
setpriv --bounding-set=-all,+setuid,+setgid,+setpcap,+chown,+fowner --inh-caps=-all -- \
    "$PULSECOMPAT_BIN" --system --daemonize=no --disallow-exit --disallow-module-loading \
    --log-target=stderr --log-level=info </dev/null >>"$SYS_LOG" 2>&1 &
SYS_DAEMON_PID=$!
sys_wait_socket "$SYS_SOCKET" 30 || sys_fatal "daemon did not start with the unit's bounding set"
assert_eq "unit bounding set: Uid" "60990 60990 60990 60990" "$(proc_status "$SYS_DAEMON_PID" Uid | tr -s '\t ' ' ')"
assert_eq "unit bounding set: CapBnd empty" 0000000000000000 "$(proc_status "$SYS_DAEMON_PID" CapBnd)"
pactl_ok pcuser1 info && sys_ok "unit bounding set: clients served"
sys_stop_daemon 20 || sys_fail "daemon ignored SIGTERM"

sys_finish
