#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# run-fuzz.sh TARGET SECONDS: a bounded libFuzzer run of one fuzz target.
#
#   protocol/wire/fuzz/run-fuzz.sh fuzz-packet 120
#   protocol/wire/fuzz/run-fuzz.sh fuzz-tagstruct 60
#
# Builds TARGET-libfuzzer with clang in build-fuzz/ (configured once with
# -Dfuzz=true, ASan+UBSan and -fsanitize=fuzzer-no-link for every library,
# so the fuzzer gets coverage of the code under test), then runs it for at
# most SECONDS over the seed corpora in corpus/TARGET*/. The seed
# directories are only read: inputs libFuzzer finds go into a temporary
# directory, never into the tree. Exit status 0 when no crash was found.
#
# On a crash the reproducer is kept in $FUZZ_ARTIFACTS (default
# build-fuzz/fuzz-artifacts/TARGET/); replay it without libFuzzer with the
# gcc-built driver: build/protocol/wire/fuzz/TARGET FILE (add FUZZ_LOG=1 for
# fuzz-packet to see the server's log and replies). Fix the bug, then copy
# the reproducer into corpus/TARGET/ so it stays a regression test.
#
# Environment: FUZZ_BUILDDIR (default build-fuzz), FUZZ_ARTIFACTS,
# FUZZ_KEEP_CORPUS=DIR (keep the new inputs there instead of deleting them),
# FUZZ_JOBS (parallel fuzzing processes, default 1), extra libFuzzer flags in
# FUZZ_FLAGS (e.g. "-max_len=65536").
set -euo pipefail

if [ $# -ne 2 ] || ! [[ $2 =~ ^[0-9]+$ ]]; then
        echo "Usage: $0 TARGET SECONDS" >&2
        exit 2
fi
target=$1
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
builddir=${FUZZ_BUILDDIR:-$root/build-fuzz}
artifacts=${FUZZ_ARTIFACTS:-$builddir/fuzz-artifacts/$target}

if [ ! -d "$here/corpus/$target" ]; then
        echo "run-fuzz.sh: unknown target $target (no $here/corpus/$target)" >&2
        exit 2
fi
if ! command -v clang >/dev/null; then
        echo "run-fuzz.sh: clang is needed (apt-get install clang libclang-rt-14-dev)" >&2
        exit 2
fi

if [ ! -f "$builddir/build.ninja" ]; then
        CC=clang meson setup "$builddir" "$root" -Dfuzz=true -Db_lundef=false \
                -Db_sanitize=address,undefined -Dc_args=-fsanitize=fuzzer-no-link \
                --buildtype=debugoptimized >"$builddir.setup.log" 2>&1 || {
                cat "$builddir.setup.log" >&2
                exit 1
        }
        rm -f "$builddir.setup.log"
fi
ninja -C "$builddir" "protocol/wire/fuzz/$target-libfuzzer" >/dev/null || {
        ninja -C "$builddir" "protocol/wire/fuzz/$target-libfuzzer" >&2
        exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/run-fuzz-$target.XXXXXX")
cleanup() {
        if [ -n "${FUZZ_KEEP_CORPUS:-}" ]; then
                mkdir -p "$FUZZ_KEEP_CORPUS"
                cp -n "$work"/new/* "$FUZZ_KEEP_CORPUS"/ 2>/dev/null || true
        fi
        rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/new" "$artifacts"

# The first directory receives new inputs; the seed directories are read only.
seeds=()
for d in "$here/corpus/$target" "$here/corpus/$target-sessions"; do
        [ -d "$d" ] && seeds+=("$d")
done

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
jobs=${FUZZ_JOBS:-1}
extra=()
[ "$jobs" -gt 1 ] && extra+=(-jobs="$jobs" -workers="$jobs")
# shellcheck disable=SC2206
extra+=(${FUZZ_FLAGS:-})

echo "run-fuzz.sh: $target for ${seconds}s over ${seeds[*]}"
set +e
(cd "$work" && "$builddir/protocol/wire/fuzz/$target-libfuzzer" \
        -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "${extra[@]}" "$work/new" "${seeds[@]}")
status=$?
set -e
if [ $status -ne 0 ]; then
        echo "run-fuzz.sh: $target FAILED (exit $status); reproducers in $artifacts:" >&2
        ls -l "$artifacts" >&2 || true
        exit 1
fi
echo "run-fuzz.sh: $target: no crash in ${seconds}s ($(ls "$work/new" | wc -l) new inputs)"
