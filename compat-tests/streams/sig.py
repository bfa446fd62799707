#!/usr/bin/python3
"""Test-signal generation and capture analysis for compat-tests/streams.

Python 3 standard library only (run with /usr/bin/python3).  Every signal
is generated deterministically here; nothing is read from outside the
test's temp dir.

Generators (write a WAV, or raw PCM with --raw):
  gen chirp   OUT  [--seconds S] [--rate R]    s16 stereo: L = chirp
                                               100 Hz → 8 kHz, R = a
                                               counter pattern
  gen mono    OUT  [--seconds S]               s16 mono: chirp + counter
  gen index   OUT  --start N --frames M        s16 stereo "indexed" frames:
                                               every frame encodes its own
                                               index (see index_frame)
  gen sine    OUT  --freqs F1,F2 --amp A       s16 stereo, one sine per
                                               channel
  gen mixa / gen mixb OUT                      loud signals for the mixer
                                               test (their sum saturates)
  (all: --lead SECS prepends that much digital silence)

Analysis (print findings; exit status 0 = check passed, 1 = failed):
  find EXPECTED.wav CAPTURE.raw [--trail-silence SECS]
  fit CAPTURE.raw --format s16le|float32le --rate R --freqs F1,F2
      [--min-snr DB] [--expect-seconds S]
  convert CAPTURE.raw SOURCE.wav --to float32le|stereo [--min-snr DB]
  mix CAPTURE.raw A.wav B.wav --gain-b G [--tol LSB]
  runs CAPTURE.raw                   decoded runs of indexed frames
"""
import argparse
import array
import json
import math
import sys
import wave

RATE = 44100
INDEX_MAGIC = 0x5A00  # high byte of the right channel of an indexed frame


def eprint(*a):
    print(*a, file=sys.stderr)


# ----------------------------------------------------------------- I/O
def write_pcm(path, samples, channels, rate, raw=False):
    data = samples.tobytes()
    if raw:
        with open(path, "wb") as f:
            f.write(data)
        return
    w = wave.open(path, "wb")
    w.setnchannels(channels)
    w.setsampwidth(2)
    w.setframerate(rate)
    w.writeframes(data)
    w.close()


def read_wav(path):
    w = wave.open(path, "rb")
    info = (w.getframerate(), w.getnchannels(), w.getsampwidth())
    data = w.readframes(w.getnframes())
    w.close()
    return info, data


def read_raw(path):
    with open(path, "rb") as f:
        return f.read()


def s16(data):
    a = array.array("h")
    a.frombytes(data[: len(data) - len(data) % 2])
    return a


def f32(data):
    a = array.array("f")
    a.frombytes(data[: len(data) - len(data) % 4])
    return a


def clamp16(v):
    return -32768 if v < -32768 else 32767 if v > 32767 else v


# ----------------------------------------------------------------- generators
def counter(n):
    """A deterministic, never-repeating-looking 16-bit pattern."""
    return ((n * 7919 + 12345) & 0xFFFF) - 32768


def gen_chirp(seconds, rate):
    n_frames = int(seconds * rate)
    out = array.array("h")
    f0, f1 = 100.0, 8000.0
    k = (f1 - f0) / seconds
    for n in range(n_frames):
        t = n / rate
        ph = 2 * math.pi * (f0 * t + 0.5 * k * t * t)
        left = int(round(20000 * math.sin(ph + 0.3)))
        right = counter(n) // 2
        out.append(left)
        out.append(right)
    return out, 2


def gen_mono(seconds, rate):
    n_frames = int(seconds * rate)
    out = array.array("h")
    for n in range(n_frames):
        t = n / rate
        v = 16000 * math.sin(2 * math.pi * (300 * t + 1500 * t * t) + 0.5)
        out.append(clamp16(int(round(v)) + counter(n) // 16))
    return out, 1


def index_frame(i):
    """Frame i: L = low 16 bits of i, R = 0x5A00 | bits 16..23 of i."""
    lo = i & 0xFFFF
    return (lo - 65536 if lo >= 32768 else lo), INDEX_MAGIC | ((i >> 16) & 0xFF)


def gen_index(start, frames):
    out = array.array("h")
    for i in range(start, start + frames):
        left, right = index_frame(i)
        out.append(left)
        out.append(right)
    return out, 2


def gen_sine(seconds, rate, freqs, amp):
    n_frames = int(seconds * rate)
    out = array.array("h")
    for n in range(n_frames):
        for f in freqs:
            out.append(int(round(amp * 32767 * math.sin(2 * math.pi * f * n / rate))))
    return out, len(freqs)


def gen_mix(which, seconds, rate):
    """Two loud signals whose sum clips often, even with B at 0.125."""
    n_frames = int(seconds * rate)
    out = array.array("h")
    for n in range(n_frames):
        t = n / rate
        if which == "a":
            left = 30500 * math.sin(2 * math.pi * 440 * t + 0.2)
            right = 30500 * math.sin(2 * math.pi * 660 * t + 1.0)
            d = counter(n) // 64
        else:
            left = 24000 * math.cos(2 * math.pi * 550 * t)
            right = 24000 * math.cos(2 * math.pi * 330 * t + 0.7)
            d = counter(n + 999) // 64
        out.append(clamp16(int(round(left)) + d))
        out.append(clamp16(int(round(right)) - d))
    return out, 2


# ----------------------------------------------------------------- helpers
def nonsilent_span(samples, channels, thresh=0):
    """(first, last+1) frame indexes whose absolute value exceeds thresh."""
    n = len(samples) // channels
    first = None
    for i in range(n):
        if any(abs(samples[i * channels + c]) > thresh for c in range(channels)):
            first = i
            break
    if first is None:
        return None
    last = first
    for i in range(n - 1, first - 1, -1):
        if any(abs(samples[i * channels + c]) > thresh for c in range(channels)):
            last = i
            break
    return first, last + 1


def describe_capture(cap, frame_bytes=4):
    a = s16(cap)
    span = nonsilent_span(a, 2)
    msg = "capture: %d bytes (%.3f s of s16 stereo 44.1k)" % (len(cap), len(cap) / 176400.0)
    if span is None:
        return msg + "; entirely silent"
    return msg + "; non-silent frames %d..%d (%d frames)" % (span[0], span[1], span[1] - span[0])


def longest_prefix_match(expected, cap, probe=256):
    """Diagnose a failed search: where does the start of the expected data
    appear, and how far does the match extend?"""
    best = (0, -1)
    pos = cap.find(expected[:probe])
    while pos >= 0:
        n = probe
        while n < len(expected) and pos + n < len(cap) and cap[pos + n] == expected[n]:
            n += 1
        if n > best[0]:
            best = (n, pos)
        pos = cap.find(expected[:probe], pos + 1)
    return best


def fit_sine(x, w):
    """Least-squares fit of a·sin(wn) + b·cos(wn) + c to x.  Returns
    (signal power, residual power, amplitude)."""
    n = len(x)
    s = [math.sin(w * i) for i in range(n)]
    co = [math.cos(w * i) for i in range(n)]
    # normal equations for [a, b, c]
    ss = sum(v * v for v in s)
    cc = sum(v * v for v in co)
    sc = sum(s[i] * co[i] for i in range(n))
    s1 = sum(s)
    c1 = sum(co)
    xs = sum(x[i] * s[i] for i in range(n))
    xc = sum(x[i] * co[i] for i in range(n))
    x1 = sum(x)
    m = [[ss, sc, s1, xs], [sc, cc, c1, xc], [s1, c1, float(n), x1]]
    for col in range(3):
        piv = max(range(col, 3), key=lambda r: abs(m[r][col]))
        m[col], m[piv] = m[piv], m[col]
        for r in range(3):
            if r != col and m[col][col] != 0:
                f = m[r][col] / m[col][col]
                for k in range(col, 4):
                    m[r][k] -= f * m[col][k]
    a, b, c = (m[i][3] / m[i][i] for i in range(3))
    res = 0.0
    sig = 0.0
    for i in range(n):
        model = a * s[i] + b * co[i] + c
        sig += (model - c) ** 2
        res += (x[i] - model) ** 2
    return sig / n, res / n, math.hypot(a, b)


def snr_db(sig, res):
    if res <= 0:
        return 999.0
    if sig <= 0:
        return -999.0
    return 10 * math.log10(sig / res)


# ----------------------------------------------------------------- commands
def cmd_gen(args):
    rate = args.rate
    if args.kind == "chirp":
        smp, ch = gen_chirp(args.seconds, rate)
    elif args.kind == "mono":
        smp, ch = gen_mono(args.seconds, rate)
    elif args.kind == "index":
        smp, ch = gen_index(args.start, args.frames)
    elif args.kind == "sine":
        smp, ch = gen_sine(args.seconds, rate, [float(f) for f in args.freqs.split(",")], args.amp)
    elif args.kind in ("mixa", "mixb"):
        smp, ch = gen_mix(args.kind[-1], args.seconds, rate)
    else:
        eprint("unknown kind", args.kind)
        return 2
    if args.lead:
        smp = array.array("h", bytes(2 * ch * int(args.lead * rate))) + smp
    write_pcm(args.out, smp, ch, rate, raw=args.raw)
    return 0


def load_expected(path):
    if path.endswith(".wav"):
        return read_wav(path)[1]
    return read_raw(path)


def cmd_find(args):
    """Exact, contiguous search of the expected PCM in the capture."""
    exp = load_expected(args.expected)
    cap = read_raw(args.capture)
    fb = args.frame_bytes
    pos = cap.find(exp)
    if pos < 0:
        n, where = longest_prefix_match(exp, cap)
        print("NOT FOUND: %d expected bytes not in the capture" % len(exp))
        print(describe_capture(cap))
        if where >= 0:
            print("longest match of the expected start: %d bytes (%.1f%%) at capture offset %d;"
                  " first differing expected byte %d" % (n, 100.0 * n / len(exp), where, n))
            if where + n < len(cap):
                ctx = n - n % fb
                print("  expected frames there: %s" % exp[ctx:ctx + 16].hex())
                print("  captured frames there: %s" % cap[where + ctx:where + ctx + 16].hex())
        else:
            print("not even the first 256 expected bytes occur in the capture")
        return 1
    second = cap.find(exp, pos + 1)
    print("FOUND %d bytes at capture offset %d (frame %d, %.4f s)" % (
        len(exp), pos, pos // fb, pos / (fb * args.rate)))
    rc = 0
    if pos % fb:
        print("FAIL: offset %d is not frame aligned (frame size %d)" % (pos, fb))
        rc = 1
    if second >= 0 and not args.allow_repeat:
        print("FAIL: the data appears a second time at offset %d" % second)
        rc = 1
    if args.trail_silence:
        n = int(args.trail_silence * args.rate) * fb
        tail = cap[pos + len(exp):pos + len(exp) + n]
        if len(tail) < n:
            print("note: only %d bytes after the data were captured (wanted %d)" % (len(tail), n))
        nz = next((i for i, b in enumerate(tail) if b), None)
        if nz is not None:
            print("FAIL: non-silent byte %d bytes after the end of the data" % nz)
            rc = 1
        else:
            print("followed by %d bytes of silence" % len(tail))
    return rc


def decode(cap, fmt, channels):
    if fmt == "s16le":
        return [v / 32768.0 for v in s16(cap)]
    if fmt == "float32le":
        return list(f32(cap))
    raise SystemExit("unsupported format " + fmt)


def cmd_fit(args):
    """Resampling check: every channel is a pure sine of a known frequency;
    fit each (least squares: amplitude, phase, DC — equivalent to aligning an
    ideal sine by cross-correlation) and report the SNR."""
    freqs = [float(f) for f in args.freqs.split(",")]
    ch = len(freqs)
    cap = read_raw(args.capture)
    x = decode(cap, args.format, ch)
    span = nonsilent_span(x, ch, thresh=1e-3)
    if span is None:
        print("FAIL: capture is silent (%d bytes)" % len(cap))
        return 1
    first, end = span
    dur = (end - first) / args.rate
    print("non-silent: frames %d..%d = %.4f s at %d Hz" % (first, end, dur, args.rate))
    rc = 0
    if args.expect_seconds and abs(dur - args.expect_seconds) > args.duration_tol:
        print("FAIL: duration %.4f s, expected %.4f ± %.3f s" % (dur, args.expect_seconds,
                                                                 args.duration_tol))
        rc = 1
    # analyse the middle, away from the resampler's start/end transients
    mid0 = first + (end - first) // 4
    mid1 = min(end - (end - first) // 4, mid0 + args.rate // 2)
    for c, f in enumerate(freqs):
        seg = x[mid0 * ch + c:mid1 * ch:ch]
        sig, res, amp = fit_sine(seg, 2 * math.pi * f / args.rate)
        snr = snr_db(sig, res)
        ok = snr >= args.min_snr and abs(amp - args.amp) <= args.amp * 0.02
        print("channel %d: %.0f Hz fit over %d frames: SNR %.1f dB (threshold %.1f), amplitude %.4f "
              "(expected %.4f ± 2%%) %s" % (c, f, len(seg), snr, args.min_snr, amp, args.amp,
                                            "ok" if ok else "FAIL"))
        if not ok:
            rc = 1
    return rc


def cmd_convert(args):
    """Format / channel conversion: the expected output is computed here
    (s16 → float32: v / 32768; mono → stereo: the sample on both channels).
    Exact byte match is tried first; otherwise SNR after alignment."""
    (rate, chans, width), src = read_wav(args.source)
    a = s16(src)
    if args.to == "float32le":
        exp = array.array("f", [v / 32768.0 for v in a])
        out_ch = chans
    elif args.to == "stereo":
        if chans != 1:
            raise SystemExit("source must be mono")
        exp = array.array("h")
        for v in a:
            exp.append(v)
            exp.append(v)
        out_ch = 2
    else:
        raise SystemExit("bad --to")
    eb = exp.tobytes()
    cap = read_raw(args.capture)
    pos = cap.find(eb)
    fb = exp.itemsize * out_ch
    if pos >= 0 and pos % fb == 0:
        print("EXACT: expected %s output (%d bytes) found at capture offset %d (frame %d)" % (
            args.to, len(eb), pos, pos // fb))
        return 0
    # not exact: align on the first non-silent frame (± 64 frames) and
    # measure the SNR of the difference
    if args.to == "float32le":
        x = list(f32(cap))
        e = [v for v in exp]
    else:
        x = [v / 32768.0 for v in s16(cap)]
        e = [v / 32768.0 for v in exp]
    span = nonsilent_span(x, out_ch, thresh=1e-6)
    if span is None:
        print("FAIL: capture is silent")
        return 1
    espan = nonsilent_span(e, out_ch, thresh=1e-6)
    base = span[0] - espan[0]
    best = None
    nfr = len(e) // out_ch
    for d in range(-64, 65):
        off = base + d
        if off < 0 or (off + nfr) * out_ch > len(x):
            continue
        err = 0.0
        for i in range(0, min(len(e), 4000)):
            err += (x[off * out_ch + i] - e[i]) ** 2
        if best is None or err < best[0]:
            best = (err, off)
    if best is None:
        print("FAIL: the capture is too short for the expected %d frames" % nfr)
        print(describe_capture(cap))
        return 1
    off = best[1]
    sig = sum(v * v for v in e)
    res = sum((x[off * out_ch + i] - e[i]) ** 2 for i in range(len(e)))
    snr = snr_db(sig, res)
    maxerr = max(abs(x[off * out_ch + i] - e[i]) for i in range(len(e)))
    ok = snr >= args.min_snr
    print("NOT EXACT: best alignment at frame %d: SNR %.1f dB (threshold %.1f), max |error| %.3g "
          "(%s)" % (off, snr, args.min_snr, maxerr, "ok" if ok else "FAIL"))
    return 0 if ok else 1


def cmd_mix(args):
    """Two streams into one sink.  A is played first (alone for a while),
    then B.  Find A exactly (its solo part), find where B starts from the
    residual, then require out == clamp(A + gain_b·B) sample-wise within
    ±tol LSB over all of B."""
    _, a_bytes = read_wav(args.a)
    _, b_bytes = read_wav(args.b)
    A, B = s16(a_bytes), s16(b_bytes)
    cap = read_raw(args.capture)
    X = s16(cap)
    probe = a_bytes[:4 * 4410]  # first 100 ms of A, played alone
    pos = cap.find(probe)
    if pos < 0 or pos % 4:
        print("FAIL: the solo start of stream A (first 100 ms) is not in the capture")
        print(describe_capture(cap))
        return 1
    da = pos // 2  # sample offset of A in X
    print("stream A starts at capture frame %d" % (da // 2))
    # residual where A plays: where does B start?
    nA = len(A)
    start_b = None
    for i in range(0, min(nA, len(X) - da)):
        if abs(X[da + i] - A[i]) > max(args.tol, 2):
            start_b = (da + i) // 2 * 2
            break
    if start_b is None:
        print("FAIL: stream B never appears on top of stream A")
        return 1
    g = args.gain_b
    # exact offset of B: try a window of candidate offsets around start_b
    best = None
    for cand in range(start_b - 2 * 40, start_b + 2 * 41, 2):
        if cand < da:
            continue
        err = 0
        for i in range(0, 2 * 2000):
            j = cand + i
            if j - da >= nA or j >= len(X):
                break
            exp = clamp16(int(round(A[j - da] + g * B[i])))
            err += abs(X[j] - exp)
        if best is None or err < best[0]:
            best = (err, cand)
    db = best[1]
    print("stream B starts at capture frame %d (%.4f s after A)" % (db // 2, (db - da) / 2 / RATE))
    # full comparison over the overlap
    nb = len(B)
    if db + nb > len(X):
        print("FAIL: capture ends before stream B does")
        return 1
    maxdev = 0
    hist = {}
    clipped = 0
    n = 0
    for i in range(nb):
        j = db + i
        av = A[j - da] if 0 <= j - da < nA else 0
        s = av + g * B[i]
        exp = clamp16(int(round(s)))
        if s > 32767 or s < -32768:
            clipped += 1
        dev = X[j] - exp
        hist[dev] = hist.get(dev, 0) + 1
        if abs(dev) > maxdev:
            maxdev = abs(dev)
        n += 1
    top = sorted(hist.items(), key=lambda kv: -kv[1])[:6]
    print("compared %d samples (%d of them saturated in the ideal sum): max |deviation| %d LSB "
          "(tolerance %d); deviation histogram %s" % (n, clipped, maxdev, args.tol, top))
    rc = 0
    if clipped < args.min_clipped:
        print("FAIL: only %d saturated samples; the signals were meant to clip" % clipped)
        rc = 1
    if maxdev > args.tol:
        print("FAIL: deviation %d LSB > %d" % (maxdev, args.tol))
        rc = 1
    return rc


def runs_of(cap):
    """Decode indexed frames: list of [first_index, n_frames, capture_frame]."""
    X = s16(cap)
    runs = []
    cur = None
    for f in range(len(X) // 2):
        r = X[2 * f + 1]
        if (r & 0xFF00) != INDEX_MAGIC:
            cur = None
            continue
        idx = ((r & 0xFF) << 16) | (X[2 * f] & 0xFFFF)
        if cur is not None and idx == cur[0] + cur[1] and f == cur[2] + cur[1]:
            cur[1] += 1
        else:
            cur = [idx, 1, f]
            runs.append(cur)
    return runs


def cmd_runs(args):
    runs = runs_of(read_raw(args.capture))
    print(json.dumps(runs))
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("kind")
    g.add_argument("out")
    g.add_argument("--seconds", type=float, default=1.0)
    g.add_argument("--rate", type=int, default=RATE)
    g.add_argument("--start", type=int, default=0)
    g.add_argument("--frames", type=int, default=RATE)
    g.add_argument("--freqs", default="997,4999")
    g.add_argument("--amp", type=float, default=0.5)
    g.add_argument("--raw", action="store_true")
    g.add_argument("--lead", type=float, default=0.0, help="seconds of silence before")
    f = sub.add_parser("find")
    f.add_argument("expected")
    f.add_argument("capture")
    f.add_argument("--frame-bytes", type=int, default=4)
    f.add_argument("--rate", type=int, default=RATE)
    f.add_argument("--trail-silence", type=float, default=0.0)
    f.add_argument("--allow-repeat", action="store_true")
    fi = sub.add_parser("fit")
    fi.add_argument("capture")
    fi.add_argument("--format", default="s16le")
    fi.add_argument("--rate", type=int, required=True)
    fi.add_argument("--freqs", required=True)
    fi.add_argument("--amp", type=float, default=0.5)
    fi.add_argument("--min-snr", type=float, default=40.0)
    fi.add_argument("--expect-seconds", type=float, default=0.0)
    fi.add_argument("--duration-tol", type=float, default=0.01)
    c = sub.add_parser("convert")
    c.add_argument("capture")
    c.add_argument("source")
    c.add_argument("--to", required=True)
    c.add_argument("--min-snr", type=float, default=90.0)
    m = sub.add_parser("mix")
    m.add_argument("capture")
    m.add_argument("a")
    m.add_argument("b")
    m.add_argument("--gain-b", type=float, default=1.0)
    m.add_argument("--tol", type=int, default=0)
    m.add_argument("--min-clipped", type=int, default=100)
    r = sub.add_parser("runs")
    r.add_argument("capture")
    args = ap.parse_args()
    return {"gen": cmd_gen, "find": cmd_find, "fit": cmd_fit, "convert": cmd_convert,
            "mix": cmd_mix, "runs": cmd_runs}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
