#!/bin/bash
# Run the compat tests without meson (the meson way is
# `meson test -C build --suite compat` / `--suite compat-reference`).
#
#   compat-tests/run.sh [-j N] [-v] [TEST…]
#
# Daemon under test: $PULSECOMPAT_BIN, or Debian's daemon with
# COMPAT_REFERENCE=/usr/bin/pulseaudio.  TEST names are the script names in
# tests/ without .sh, plus "async-volume" (built here with cc + pkg-config).
# Prints one line per test and a final "N passed, N failed, N skipped".
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
JOBS=$(nproc 2>/dev/null || echo 2)
VERBOSE=
while [ $# -gt 0 ]; do
    case "$1" in
        -j) JOBS=$2; shift 2 ;;
        -j*) JOBS=${1#-j}; shift ;;
        -v) VERBOSE=1; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) break ;;
    esac
done

ALL=(info-list modules volume defaults suspend send-message subscribe exit
     disallow cookie tcp hostile async-volume differential)
if [ $# -gt 0 ]; then TESTS=("$@"); else TESTS=("${ALL[@]}"); fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pcompat-run.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

ASYNC_BIN=
for t in "${TESTS[@]}"; do
    if [ "$t" = async-volume ]; then
        if command -v cc >/dev/null && pkg-config --exists libpulse 2>/dev/null &&
            cc -Wall -Wextra -O1 -o "$WORK/async-volume" \
                "$HERE/tests/async-volume.c" "$HERE/harness/pcompat-async.c" \
                -I"$HERE/harness" $(pkg-config --cflags --libs libpulse) 2>"$WORK/cc.log"; then
            ASYNC_BIN=$WORK/async-volume
        else
            echo "async-volume: cannot build (cc/libpulse-dev missing?)" >&2
            cat "$WORK/cc.log" >&2 2>/dev/null
        fi
    fi
done

run_one() {  # run_one NAME LOG → exit status
    local t=$1 log=$2
    export COMPAT_TEST_NAME=$t
    if [ "$t" = async-volume ]; then
        [ -n "$ASYNC_BIN" ] || { echo "SKIP: cannot build async-volume" >"$log"; return 77; }
        bash "$HERE/harness/run-with-daemon.sh" "$ASYNC_BIN" >"$log" 2>&1
    else
        [ -f "$HERE/tests/$t.sh" ] || { echo "no such test: $t" >"$log"; return 99; }
        bash "$HERE/tests/$t.sh" >"$log" 2>&1
    fi
}

declare -A PIDS=()
pass=0 fail=0 skip=0
finish() {  # finish KEY STATUS   (KEY = N:NAME, log in $WORK/KEY.log)
    local key=$1 rc=$2 t=${1#*:}
    local log=$WORK/$key.log
    case "$rc" in
        0) pass=$((pass + 1)); echo "PASS  $t" ;;
        77) skip=$((skip + 1)); echo "SKIP  $t: $(grep -m1 'SKIP' "$log")" ;;
        *) fail=$((fail + 1)); echo "FAIL  $t (exit $rc)"
           [ -n "$VERBOSE" ] || sed 's/^/    /' "$log" | tail -n 80 ;;
    esac
    [ -n "$VERBOSE" ] && sed 's/^/    /' "$log"
    return 0
}
reap() {
    local t rc
    for t in "${!PIDS[@]}"; do
        if ! kill -0 "${PIDS[$t]}" 2>/dev/null; then
            rc=0; wait "${PIDS[$t]}" || rc=$?
            unset "PIDS[$t]"
            finish "$t" "$rc"
        fi
    done
}
n=0
for t in "${TESTS[@]}"; do
    while [ "${#PIDS[@]}" -ge "$JOBS" ]; do reap; sleep 0.1; done
    n=$((n + 1))
    run_one "$t" "$WORK/$n:$t.log" &
    PIDS[$n:$t]=$!
done
while [ "${#PIDS[@]}" -gt 0 ]; do reap; sleep 0.1; done

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
