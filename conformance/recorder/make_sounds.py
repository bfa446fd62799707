#!/usr/bin/python3
"""Generate the short, deterministic test sounds used by the corpus.

    make_sounds.py OUTDIR

All files are computed from closed-form sine formulas (no dither, no
randomness), so re-running gives byte-identical files.
"""
import math
import os
import struct
import sys


def wav_bytes(fmt_tag, channels, rate, bits, data):
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", fmt_tag, channels, rate, rate * block, block, bits)
    if fmt_tag != 1:
        fmt += struct.pack("<H", 0)  # cbSize: non-PCM fmt chunks are 18 bytes
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    if fmt_tag == 3:
        # non-PCM formats carry a 'fact' chunk with the frame count
        chunks += b"fact" + struct.pack("<II", 4, len(data) // block)
    chunks += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


def s16_tone(rate, channels, seconds, freqs, amp):
    n = int(rate * seconds)
    out = bytearray()
    for i in range(n):
        for c in range(channels):
            v = amp * math.sin(2 * math.pi * freqs[c] * i / rate)
            out += struct.pack("<h", int(round(v * 32767)))
    return bytes(out)


def f32_tone(rate, seconds, freq, amp):
    n = int(rate * seconds)
    return b"".join(struct.pack("<f", amp * math.sin(2 * math.pi * freq * i / rate)) for i in range(n))


SOUNDS = {
    # name: (description, generator)
    "tone-s16le-44100-stereo.wav": ("0.5 s, s16le 44100 Hz stereo, 440 Hz left / 660 Hz right, amplitude 0.3",
                                    lambda: wav_bytes(1, 2, 44100, 16, s16_tone(44100, 2, 0.5, [440, 660], 0.3))),
    "tone-s16le-44100-stereo.raw": ("same samples as tone-s16le-44100-stereo.wav without the RIFF header (for pacat)",
                                    lambda: s16_tone(44100, 2, 0.5, [440, 660], 0.3)),
    "tone-f32le-48000-mono.wav": ("0.5 s, float32le 48000 Hz mono, 523.25 Hz, amplitude 0.25 (WAVE_FORMAT_IEEE_FLOAT)",
                                  lambda: wav_bytes(3, 1, 48000, 32, f32_tone(48000, 0.5, 523.25, 0.25))),
    "tone-s16le-8000-mono-3s.wav": ("3 s, s16le 8000 Hz mono, 300 Hz, amplitude 0.3 (long but small: moves, kills)",
                                    lambda: wav_bytes(1, 1, 8000, 16, s16_tone(8000, 1, 3.0, [300], 0.3))),
    "tone-s16le-8000-mono-1s.wav": ("1 s, s16le 8000 Hz mono, 500 Hz, amplitude 0.3 (second concurrent client)",
                                    lambda: wav_bytes(1, 1, 8000, 16, s16_tone(8000, 1, 1.0, [500], 0.3))),
    "click-s16le-44100-mono.wav": ("0.1 s, s16le 44100 Hz mono, 1000 Hz, amplitude 0.5 (sample cache)",
                                   lambda: wav_bytes(1, 1, 44100, 16, s16_tone(44100, 1, 0.1, [1000], 0.5))),
}


def write_all(out):
    os.makedirs(out, exist_ok=True)
    for name, (_, gen) in SOUNDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(gen())


def main():
    write_all(sys.argv[1] if len(sys.argv) > 1 else ".")


if __name__ == "__main__":
    main()
