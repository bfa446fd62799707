#!/usr/bin/env bash
# tools/test.sh: install what is missing, build with AddressSanitizer + UBSan and
# run every test suite (unit, fuzz corpus, compat, compat against Debian's
# pulseaudio, conformance replay), then a bounded libFuzzer run.
# Ends with one summary line "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
tools/deps.sh test || exit 1

builddir=${BUILDDIR:-build-test}
if [ ! -d "$builddir/meson-info" ]; then
        meson setup "$builddir" -Db_sanitize=address,undefined -Db_lundef=false \
                --buildtype=debugoptimized >/dev/null || exit 1
fi
ninja -C "$builddir" || exit 1

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LC_ALL=C

meson test -C "$builddir" --print-errorlogs --num-processes 2 \
        --timeout-multiplier "${TIMEOUT_MULTIPLIER:-2}"
status=$?

fuzz_status=0
if [ -x protocol/wire/fuzz/run-fuzz.sh ] && command -v clang >/dev/null; then
        for t in fuzz-tagstruct fuzz-packet fuzz-srbchannel; do
                protocol/wire/fuzz/run-fuzz.sh "$t" "${FUZZ_SECONDS:-45}" || fuzz_status=1
        done
fi

# One closing line from meson's test log.
log="$builddir/meson-logs/testlog.json"
if [ -f "$log" ]; then
        /usr/bin/python3 - "$log" "$fuzz_status" <<'PY'
import json, sys
passed = failed = skipped = 0
bad = []
for line in open(sys.argv[1]):
    t = json.loads(line)
    r = t.get("result")
    if r in ("OK", "EXPECTEDFAIL"): passed += 1
    elif r == "SKIP": skipped += 1
    else:
        failed += 1
        bad.append(t)
if sys.argv[2] != "0":
    failed += 1
    print("FAILED: fuzzing found a crash (see the run-fuzz.sh output above)")
# CI keeps only the tail of the output: name each failure here, with the end of its log.
for t in bad:
    print(f"FAILED: {t.get('name')} ({t.get('result')}, {t.get('duration', 0):.1f} s)")
    out = (t.get("stdout") or "") + (t.get("stderr") or "")
    for l in out.strip().splitlines()[-15:]:
        print(f"    | {l[:200]}")
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
fi
[ $status -eq 0 ] && [ $fuzz_status -eq 0 ]
