#!/bin/bash
# The installed distribution files (units/): systemd-analyze verify of
# pulsecompat.service (as configured by meson, ExecStart pointed at the
# built binary) and pulsecompat.socket; systemd-analyze security --offline
# exposure at most 3.0 (docs/system-mode.md quotes the figure);
# systemd-sysusers and systemd-tmpfiles applied to a scratch root create
# pulse (member of audio), pulse-access, pulse-admin, /run/pulse 0755 and
# /var/lib/pulse 0700 owned by pulse. Needs no namespace; sysusers/tmpfiles
# parts need root.
set -u
NAME=t07-units
FAILS=0
log() { printf '[%s] %s\n' "$NAME" "$*" >&2; }
fail() { log "FAIL: $*"; FAILS=$((FAILS + 1)); }
ok() { log "ok: $*"; }
command -v systemd-analyze >/dev/null || { log "SKIP: systemd-analyze not installed"; exit 77; }
SRC=${SYSTEM_UNITS_SRC:?}
SERVICE=${SYSTEM_UNIT_SERVICE:?}
[ -f "$SERVICE" ] || { log "FATAL: $SERVICE not built"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/pcunits.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

mkdir "$T/units"
sed "s|^ExecStart=[^ ]*/pulsecompat |ExecStart=${PULSECOMPAT_BIN:?} |" "$SERVICE" >"$T/units/pulsecompat.service"
cp "$SRC/pulsecompat.socket" "$T/units/"
out=$(cd "$T/units" && systemd-analyze verify --man=no pulsecompat.service pulsecompat.socket 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [ -z "$out" ]; then ok "systemd-analyze verify: clean"; else fail "systemd-analyze verify (rc $rc): $out"; fi

out=$(cd "$T/units" && systemd-analyze security --offline=yes --no-pager pulsecompat.service 2>&1)
score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for pulsecompat.service: \([0-9.]*\).*/\1/p')
if [ -z "$score" ]; then
    log "systemd-analyze security --offline not available here: $(printf '%s' "$out" | tail -n 1)"
else
    log "systemd-analyze security: exposure $score"
    awk -v s="$score" 'BEGIN { exit !(s <= 3.0) }' && ok "exposure $score <= 3.0" || fail "exposure $score > 3.0"
fi

if [ "$(id -u)" -ne 0 ]; then
    log "not root: sysusers/tmpfiles checks skipped"
else
    mkdir -p "$T/root/etc"
    grep -vE '^(pulse|pulse-access|pulse-admin):' /etc/passwd >"$T/root/etc/passwd"
    grep -vE '^(pulse|pulse-access|pulse-admin):' /etc/group >"$T/root/etc/group"
    systemd-sysusers --root="$T/root" "$SRC/pulsecompat.sysusers" >/dev/null 2>&1 || fail "systemd-sysusers failed"
    grep -q '^pulse:x:[0-9]*:[0-9]*:.*:/run/pulse:' "$T/root/etc/passwd" && ok "sysusers: user pulse, home /run/pulse" ||
        fail "sysusers: no user pulse"
    for g in pulse pulse-access pulse-admin; do
        grep -q "^$g:" "$T/root/etc/group" && ok "sysusers: group $g" || fail "sysusers: no group $g"
    done
    grep -qE '^audio:[^:]*:[0-9]+:(.*,)?pulse(,|$)' "$T/root/etc/group" && ok "sysusers: pulse in audio" ||
        fail "sysusers: pulse not in audio"
    systemd-tmpfiles --root="$T/root" --create "$SRC/pulsecompat.tmpfiles" >/dev/null 2>&1 || fail "systemd-tmpfiles failed"
    pu=$(awk -F: '$1 == "pulse" { print $3 ":" $4 }' "$T/root/etc/passwd")
    [ "$(stat -c '%u:%g %a' "$T/root/run/pulse" 2>&1)" = "$pu 755" ] && ok "tmpfiles: /run/pulse 0755 pulse" ||
        fail "tmpfiles: /run/pulse is $(stat -c '%u:%g %a' "$T/root/run/pulse" 2>&1)"
    [ "$(stat -c '%u:%g %a' "$T/root/var/lib/pulse" 2>&1)" = "$pu 700" ] && ok "tmpfiles: /var/lib/pulse 0700 pulse" ||
        fail "tmpfiles: /var/lib/pulse is $(stat -c '%u:%g %a' "$T/root/var/lib/pulse" 2>&1)"
fi
grep -qx 'default-server = unix:/run/pulse/native' "$SRC/client.conf" && grep -qx 'autospawn = no' "$SRC/client.conf" &&
    ok "client.conf snippet" || fail "client.conf snippet"

[ "$FAILS" -eq 0 ] && { log "all checks passed"; exit 0; }
log "$FAILS check(s) failed"
exit 1
