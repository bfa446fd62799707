#!/usr/bin/python3
"""Signal checks of compat-tests/alsa (standard library only; run with /usr/bin/python3).

  fitwav FILE.wav --freqs F1,F2 [--min-snr DB] [--rate R] [--bits B] [--min-seconds S]
      Reads a WAV written by the simulated card (16/32-bit integer or 32-bit
      float), takes the non-silent part (minus 50 ms at each end) and fits one
      sine per channel (channel i: frequency Fi) by least squares; prints the
      SNR (fitted sine vs residual) per channel. Fails below --min-snr, or if
      the rate/bits differ from --rate/--bits, or if less than --min-seconds
      of signal is there.
  level FILE.wav --skip S --seconds T
      Prints the RMS level (dBFS) of channel 0 over [S, S+T) seconds.
  looped RUNS_JSON FRAMES MIN_FRAMES
      RUNS_JSON is the output of sig.py runs on a capture of a looped file of
      FRAMES indexed frames: passes if the capture is one contiguous stretch
      of the loop (every run but the first starts at 0, every run but the
      last ends at FRAMES) of at least MIN_FRAMES frames.
"""
import json
import math
import struct
import sys
import wave


def read_wav(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise SystemExit("not a WAV: %s" % path)
    tag, ch, rate, _, _, bits = struct.unpack("<HHIIHH", data[20:36])
    pcm = data[44:]
    n = len(pcm) // (bits // 8)
    if bits == 16:
        s = struct.unpack("<%dh" % n, pcm[:n * 2])
        scale = 32768.0
    elif bits == 32 and tag == 3:
        s = struct.unpack("<%df" % n, pcm[:n * 4])
        scale = 1.0
    elif bits == 32:
        s = struct.unpack("<%di" % n, pcm[:n * 4])
        scale = 2147483648.0
    else:
        raise SystemExit("unsupported WAV: %d bits" % bits)
    frames = n // ch
    chans = [[s[i * ch + c] / scale for i in range(frames)] for c in range(ch)]
    return rate, bits, chans


def fit(x, freq, rate):
    # least squares on [sin, cos, 1]
    w = 2 * math.pi * freq / rate
    ss = sc = cc = s1 = c1 = n = 0.0
    xs = xc = x1 = 0.0
    for i, v in enumerate(x):
        s, c = math.sin(w * i), math.cos(w * i)
        ss += s * s; sc += s * c; cc += c * c; s1 += s; c1 += c; n += 1
        xs += v * s; xc += v * c; x1 += v
    # solve 3x3
    m = [[ss, sc, s1, xs], [sc, cc, c1, xc], [s1, c1, n, x1]]
    for i in range(3):
        p = max(range(i, 3), key=lambda r: abs(m[r][i]))
        m[i], m[p] = m[p], m[i]
        for r in range(3):
            if r != i and m[i][i]:
                f = m[r][i] / m[i][i]
                m[r] = [a - f * b for a, b in zip(m[r], m[i])]
    a, b, d = (m[i][3] / m[i][i] if m[i][i] else 0.0 for i in range(3))
    sig = res = 0.0
    for i, v in enumerate(x):
        y = a * math.sin(w * i) + b * math.cos(w * i) + d
        sig += y * y
        res += (v - y) ** 2
    return 10 * math.log10(sig / res) if res > 0 else 200.0, math.sqrt(a * a + b * b)


def cmd_fitwav(args):
    path = args[0]
    opts = dict(zip(args[1::2], args[2::2]))
    freqs = [float(f) for f in opts["--freqs"].split(",")]
    rate, bits, chans = read_wav(path)
    ok = True
    print("wav: rate %d, %d bits, %d channels, %.3f s" % (rate, bits, len(chans), len(chans[0]) / rate))
    if "--rate" in opts and int(opts["--rate"]) != rate:
        print("FAIL: rate %d, expected %s" % (rate, opts["--rate"]))
        ok = False
    if "--bits" in opts and int(opts["--bits"]) != bits:
        print("FAIL: %d bits, expected %s" % (bits, opts["--bits"]))
        ok = False
    nz = [i for i, v in enumerate(chans[0]) if abs(v) > 1e-4]
    if not nz:
        print("FAIL: only silence")
        return 1
    a, b = nz[0] + rate // 20, nz[-1] - rate // 20
    secs = (b - a) / rate
    if secs < float(opts.get("--min-seconds", "0.5")):
        print("FAIL: only %.3f s of signal" % secs)
        return 1
    # at most 1.5 s (pure python is slow)
    b = min(b, a + int(1.5 * rate))
    for c, ch in enumerate(chans[:len(freqs)]):
        snr, amp = fit(ch[a:b], freqs[c], rate)
        print("channel %d: %.1f Hz amplitude %.4f SNR %.1f dB" % (c, freqs[c], amp, snr))
        if snr < float(opts.get("--min-snr", "40")):
            print("FAIL: SNR below %s dB" % opts.get("--min-snr", "40"))
            ok = False
    return 0 if ok else 1


def cmd_level(args):
    opts = dict(zip(args[1::2], args[2::2]))
    rate, bits, chans = read_wav(args[0])
    a = int(float(opts["--skip"]) * rate)
    b = a + int(float(opts["--seconds"]) * rate)
    x = chans[0][a:b]
    if not x:
        print("-inf")
        return 1
    rms = math.sqrt(sum(v * v for v in x) / len(x))
    print("%.2f" % (20 * math.log10(rms) if rms > 0 else -200.0))
    return 0


def cmd_looped(args):
    runs = json.loads(args[0])
    frames, need = int(args[1]), int(args[2])
    runs = [r for r in runs if r[1] > 0]
    total = sum(r[1] for r in runs)
    ok = bool(runs) and total >= need
    for i, r in enumerate(runs):
        if i > 0 and r[0] % 1000000 != 0:
            ok = False
        if i < len(runs) - 1 and (r[0] % 1000000) + r[1] != frames:
            ok = False
    print("capture: %d runs %s, %d frames: %s" % (len(runs), runs[:4], total,
                                                  "a contiguous stretch of the looped input" if ok else "BROKEN"))
    return 0 if ok else 1


if __name__ == "__main__":
    cmd = sys.argv[1]
    sys.exit({"fitwav": cmd_fitwav, "level": cmd_level, "looped": cmd_looped}[cmd](sys.argv[2:]))
