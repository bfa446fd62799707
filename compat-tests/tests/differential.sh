#!/bin/bash
# Differential test: the same pactl transcript (differential.commands, plus
# the events of a subscriber running alongside) against Debian's pulseaudio
# and against the daemon under test, compared line by line after
# diff-normalise.py (the one documented normalisation table).
#
# Side A: ${COMPAT_DIFF_REFERENCE:-/usr/bin/pulseaudio}  (skip if absent)
# Side B: the daemon under test ($PULSECOMPAT_BIN, or $COMPAT_REFERENCE in
#         the reference pass, where the test then checks that the
#         normalisation makes two reference runs identical).
. "$(dirname "$0")/../harness/harness.sh"
compat_init
compat_need_prog stdbuf
REF=${COMPAT_DIFF_REFERENCE:-/usr/bin/pulseaudio}
[ -x "$REF" ] || compat_skip "reference daemon $REF not installed"
HERE=$(cd "$(dirname "$0")" && pwd)
NORMALISE="$COMPAT_DIR/diff-normalise.py"
COMMANDS="$HERE/differential.commands"

# run_side NAME DAEMON: run the transcript in $COMPAT_TMP/NAME; writes
# $COMPAT_TMP/NAME.transcript
run_side() {
    local name=$1 daemon=$2
    local dir=$COMPAT_TMP/$name out=$COMPAT_TMP/$name.transcript
    mkdir -p "$dir"
    compat_env_setup "$dir"
    COMPAT_DAEMON_OVERRIDE=$daemon compat_start_daemon
    # event subscriber (harness/subscribe.py prints pactl-subscribe lines and
    # signals readiness through a file, so no probe clients are needed and
    # client indexes are the same on every run)
    local sub=$dir/subscribe.out ready=$dir/subscribe.ready
    compat_bg "$COMPAT_PY" "$COMPAT_HARNESS_DIR/subscribe.py" "$COMPAT_SOCKET" "$ready" \
        >"$sub" 2>"$dir/subscribe.err"
    local subpid=$COMPAT_BG_PID
    compat_wait_for "$name: subscriber ready" 60 test -e "$ready" ||
        compat_fatal "$name: subscriber not ready: $(cat "$dir/subscribe.err")"
    local k line
    {
        while IFS= read -r line; do
            case "$line" in '' | '#'*) continue ;; esac
            eval "set -- $line"
            compat_pactl "$@"
            printf '$ pactl %s\n' "$line"
            [ -n "$PACTL_OUT" ] && printf '%s\n' "$PACTL_OUT"
            [ -n "$PACTL_ERR" ] && printf '%s\n' "$PACTL_ERR" | sed 's/^/stderr: /'
            printf '[exit %s]\n' "$PACTL_RC"
        done <"$COMMANDS"
        # final sync on the subscriber, then append what it saw
        compat_pactl list short clients
        k=$(printf '%s\n' "$PACTL_OUT" | cut -f1 | sort -n | tail -n 1)
        compat_wait_for "$name: final sync event" 60 grep -qx "Event 'remove' on client #$k" "$sub"
        local end
        end=$(grep -nx "Event 'remove' on client #$k" "$sub" | cut -d: -f1)
        echo "=== events seen by the subscriber"
        sed -n "1,$((end - 3))p" "$sub"
    } >"$out.raw"
    sed "s|$COMPAT_TMP/$name|@TMP@|g" "$out.raw" >"$out"
    kill -TERM "$subpid" 2>/dev/null
    wait "$subpid" 2>/dev/null
    compat_stop_daemon
    compat_log "$name: ran the transcript with $daemon"
}

run_side reference "$REF"
run_side tested "$COMPAT_BIN"

"$COMPAT_PY" "$NORMALISE" <"$COMPAT_TMP/reference.transcript" >"$COMPAT_TMP/reference.norm"
"$COMPAT_PY" "$NORMALISE" <"$COMPAT_TMP/tested.transcript" >"$COMPAT_TMP/tested.norm"
[ -s "$COMPAT_TMP/reference.norm" ] || compat_fatal "empty reference transcript"
if ! diff -u --label "reference ($REF)" --label "tested ($COMPAT_BIN)" \
    "$COMPAT_TMP/reference.norm" "$COMPAT_TMP/tested.norm" >"$COMPAT_TMP/diff.out"; then
    compat_fail "transcripts differ after normalisation ($(grep -c '^[-+][^-+]' "$COMPAT_TMP/diff.out") lines)"
    head -n 400 "$COMPAT_TMP/diff.out" >&2
fi
if [ -n "${COMPAT_DIFF_SAVE:-}" ]; then
    cp "$COMPAT_TMP/reference.transcript" "$COMPAT_TMP/tested.transcript" \
        "$COMPAT_TMP/reference.norm" "$COMPAT_TMP/tested.norm" "$COMPAT_DIFF_SAVE"/
fi
compat_log "compared $(wc -l <"$COMPAT_TMP/reference.norm") normalised lines"
compat_finish
