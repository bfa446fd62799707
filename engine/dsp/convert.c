/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * convert.c: the 13 wire sample formats to and from float32.
 *
 * Scale: an N-bit signed integer x maps to x / 2^(N-1), so the most negative
 * value is exactly -1.0 and the most positive one is 1 - 2^-(N-1). For
 * s16/s24/u8 this division is exact in float (at most 24 significant bits),
 * and the way back (multiply, round to nearest, saturate) therefore returns
 * the identical integer: the round trip is lossless, which the tests check
 * for every s16/u8/A-law/u-law value. s32 keeps only 24 significant bits in
 * float; that loss is accepted (the mix is float anyway).
 *
 * Rounding uses lrintf(), i.e. the current rounding mode, which in our
 * threads is the default round-to-nearest-even. Values are clamped *before*
 * conversion so lrintf never sees an out-of-range or NaN argument (NaN is
 * tested first and becomes 0). Build with -fno-math-errno (the meson
 * snippet does) so lrintf compiles to one instruction instead of a call.
 *
 * Float32 output is not clamped: a float sink receives the mix as it is
 * (levels above full scale included). Only NaN is replaced, both ways.
 *
 * G.711: written from the ITU-T G.711 definition. Decoded values are placed
 * on the 16-bit scale (u-law: +-0..32124, A-law: +-8..32256); the encoders
 * quantise to the segment whose reconstruction level is nearest, so
 * decode -> encode is the identity on all 256 codes. u-law has two zeros
 * (0xFF = +0, 0x7F = -0); we decode 0x7F to -0.0f and the encoder looks at
 * the sign bit of the float, so even that code survives a round trip.
 *
 * Byte order: every access goes through memcpy (any alignment; compiles to a
 * plain load) plus a byte swap when the format's endianness differs from the
 * host's. 24-bit packed samples are assembled byte by byte. s24-32 keeps the
 * sample in the low 24 bits of a 32-bit word; the top byte is ignored on
 * input and written as the sign extension on output.
 *
 * Per-buffer functions: no allocation, no locks, no syscalls.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "engine/dsp/dsp.h"

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_LE true
#elif __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define HOST_LE false
#else
#error "unknown byte order"
#endif

#define _always_inline_ inline __attribute__((__always_inline__))

/* The converters below take @swap as a constant after inlining (each caller
 * branches once per buffer, not per sample), so the per-sample loops carry
 * no branch and GCC vectorises them (see the meson snippet's c_args). */

static _always_inline_ uint16_t load16(const uint8_t *p, bool swap) {
        uint16_t v;

        memcpy(&v, p, sizeof(v));
        return swap ? __builtin_bswap16(v) : v;
}

static _always_inline_ void store16(uint8_t *p, uint16_t v, bool swap) {
        if (swap)
                v = __builtin_bswap16(v);
        memcpy(p, &v, sizeof(v));
}

static _always_inline_ uint32_t load32(const uint8_t *p, bool swap) {
        uint32_t v;

        memcpy(&v, p, sizeof(v));
        return swap ? __builtin_bswap32(v) : v;
}

static _always_inline_ void store32(uint8_t *p, uint32_t v, bool swap) {
        if (swap)
                v = __builtin_bswap32(v);
        memcpy(p, &v, sizeof(v));
}

/* Two's complement sign extension of a 24-bit value held in the low bits. */
static inline int32_t sext24(uint32_t v) {
        return (int32_t)((v & 0xFFFFFFu) ^ 0x800000u) - 0x800000;
}

/*
 * Scale, round and saturate one float to a signed integer range. @scale is
 * 2^(bits-1); @lo/@hi are the integer limits as floats (exactly
 * representable for 8/16/24 bits). NaN -> 0. Written as selects, not
 * early returns, so that loops over it vectorise (NaN != NaN).
 */
static _always_inline_ int32_t quantize(float x, float scale, float lo, float hi) {
        float v = x * scale;

        v = v != v ? 0.0f : v;
        v = v < lo ? lo : v;
        v = v > hi ? hi : v;
        return (int32_t)lrintf(v);
}

static inline int32_t quantize_s32(float x) {
        float v;

        if (isnan(x))
                return 0;
        v = x * 2147483648.0f;
        if (v <= -2147483648.0f)
                return INT32_MIN;
        /* the largest float below 2^31 is 2^31 - 128, so this is the only upper limit */
        if (v >= 2147483648.0f)
                return INT32_MAX;
        return (int32_t)lrintf(v);
}

/* ---- G.711 ---- */

/*
 * u-law code (bits inverted on the wire) = sign | exponent(3) | mantissa(4).
 * Magnitude on the 16-bit scale: ((2m + 33) << e) - 33 in G.711's 14-bit
 * units, times 4 = ((8m + 132) << e) - 132.
 */
static inline float ulaw_decode(uint8_t code) {
        unsigned u = (uint8_t)~code;
        unsigned e = (u >> 4) & 7;
        unsigned m = u & 0x0F;
        float f = (float)((int)(((m << 3) + 132) << e) - 132) * (1.0f / 32768.0f);

        return (u & 0x80) ? -f : f;
}

static inline uint8_t ulaw_encode(float x) {
        int32_t v = quantize(x, 32768.0f, -32768.0f, 32767.0f);
        bool neg = v < 0 || (v == 0 && signbit(x) && !isnan(x));
        uint32_t mag = neg ? (uint32_t)-v : (uint32_t)v;
        unsigned e, m;

        /* Adding 132 puts each segment's decision levels on powers of two,
         * halfway between reconstruction levels: plain shifts then quantise
         * to the nearest level. 32635 + 132 is the largest value segment 7 holds. */
        if (mag > 32635)
                mag = 32635;
        mag += 132;
        e = (unsigned)(31 - __builtin_clz(mag)) - 7;
        m = (mag >> (e + 3)) & 0x0F;
        return (uint8_t)~((neg ? 0x80u : 0u) | (e << 4) | m);
}

/*
 * A-law code (even bits inverted on the wire, XOR 0x55) = sign (1 = positive)
 * | exponent(3) | mantissa(4). Magnitude on the 16-bit scale: segment 0 is
 * 16m + 8, segment e > 0 is (16m + 264) << (e - 1): always the middle of
 * the code's input interval, and never zero.
 */
static inline float alaw_decode(uint8_t code) {
        unsigned a = code ^ 0x55u;
        unsigned e = (a >> 4) & 7;
        unsigned m = a & 0x0F;
        unsigned mag = e ? ((m << 4) + 264) << (e - 1) : (m << 4) + 8;
        float f = (float)mag * (1.0f / 32768.0f);

        return (a & 0x80) ? f : -f;
}

static inline uint8_t alaw_encode(float x) {
        int32_t v = quantize(x, 32768.0f, -32768.0f, 32767.0f);
        bool neg = v < 0;
        uint32_t mag = neg ? (uint32_t)-v : (uint32_t)v;
        unsigned e, m;

        if (mag > 32767)
                mag = 32767;
        if (mag < 256) {
                e = 0;
                m = mag >> 4;
        } else {
                e = (unsigned)(31 - __builtin_clz(mag)) - 7;
                m = (mag >> (e + 3)) & 0x0F;
        }
        return (uint8_t)(((neg ? 0u : 0x80u) | (e << 4) | m) ^ 0x55u);
}

/* ---- decoding ---- */

static _always_inline_ void s16_to_float_(const uint8_t *s, float *d, size_t n, bool swap) {
        for (size_t i = 0; i < n; i++)
                d[i] = (float)(int16_t)load16(s + 2 * i, swap) * (1.0f / 32768.0f);
}

static _always_inline_ void s32_to_float_(const uint8_t *s, float *d, size_t n, bool swap) {
        for (size_t i = 0; i < n; i++)
                d[i] = (float)(int32_t)load32(s + 4 * i, swap) * (1.0f / 2147483648.0f);
}

static _always_inline_ void s24_32_to_float_(const uint8_t *s, float *d, size_t n, bool swap) {
        for (size_t i = 0; i < n; i++)
                d[i] = (float)sext24(load32(s + 4 * i, swap)) * (1.0f / 8388608.0f);
}

static _always_inline_ void s24_to_float_(const uint8_t *s, float *d, size_t n, bool le) {
        for (size_t i = 0; i < n; i++, s += 3) {
                uint32_t v = le ? s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16
                                : s[2] | (uint32_t)s[1] << 8 | (uint32_t)s[0] << 16;

                d[i] = (float)sext24(v) * (1.0f / 8388608.0f);
        }
}

static _always_inline_ void f32_to_float_(const uint8_t *s, float *d, size_t n, bool swap) {
        for (size_t i = 0; i < n; i++) {
                uint32_t u = load32(s + 4 * i, swap);
                float f;

                memcpy(&f, &u, sizeof(f));
                d[i] = isnan(f) ? 0.0f : f;
        }
}

/* One instantiation per byte order: see _always_inline_ above. */
#define BOTH_ORDERS(name, src_t, dst_t)                                         \
        static void name(src_t s, dst_t d, size_t n, bool flag) {               \
                if (flag)                                                       \
                        name##_(s, d, n, true);                                 \
                else                                                            \
                        name##_(s, d, n, false);                                \
        }

BOTH_ORDERS(s16_to_float, const uint8_t *, float *)
BOTH_ORDERS(s32_to_float, const uint8_t *, float *)
BOTH_ORDERS(s24_32_to_float, const uint8_t *, float *)
BOTH_ORDERS(s24_to_float, const uint8_t *, float *)
BOTH_ORDERS(f32_to_float, const uint8_t *, float *)

void dsp_to_float(uint8_t format, const void *src, float *dst, size_t n) {
        const uint8_t *s = src;

        switch (format) {
        case SAMPLE_U8:
                for (size_t i = 0; i < n; i++)
                        dst[i] = (float)((int)s[i] - 128) * (1.0f / 128.0f);
                break;
        case SAMPLE_ALAW:
                for (size_t i = 0; i < n; i++)
                        dst[i] = alaw_decode(s[i]);
                break;
        case SAMPLE_ULAW:
                for (size_t i = 0; i < n; i++)
                        dst[i] = ulaw_decode(s[i]);
                break;
        case SAMPLE_S16LE:
        case SAMPLE_S16BE:
                s16_to_float(s, dst, n, (format == SAMPLE_S16LE) != HOST_LE);
                break;
        case SAMPLE_FLOAT32LE:
        case SAMPLE_FLOAT32BE:
                f32_to_float(s, dst, n, (format == SAMPLE_FLOAT32LE) != HOST_LE);
                break;
        case SAMPLE_S32LE:
        case SAMPLE_S32BE:
                s32_to_float(s, dst, n, (format == SAMPLE_S32LE) != HOST_LE);
                break;
        case SAMPLE_S24LE:
        case SAMPLE_S24BE:
                s24_to_float(s, dst, n, format == SAMPLE_S24LE);
                break;
        case SAMPLE_S24_32LE:
        case SAMPLE_S24_32BE:
                s24_32_to_float(s, dst, n, (format == SAMPLE_S24_32LE) != HOST_LE);
                break;
        default:
                memset(dst, 0, n * sizeof(*dst));
                break;
        }
}

/* ---- encoding ---- */

static _always_inline_ void float_to_s16_(const float *s, uint8_t *d, size_t n, bool swap) {
        for (size_t i = 0; i < n; i++)
                store16(d + 2 * i, (uint16_t)quantize(s[i], 32768.0f, -32768.0f, 32767.0f),
                        swap);
}

static _always_inline_ void float_to_s32_(const float *s, uint8_t *d, size_t n, bool swap) {
        for (size_t i = 0; i < n; i++)
                store32(d + 4 * i, (uint32_t)quantize_s32(s[i]), swap);
}

static _always_inline_ void float_to_s24_32_(const float *s, uint8_t *d, size_t n, bool swap) {
        for (size_t i = 0; i < n; i++)
                store32(d + 4 * i,
                        (uint32_t)quantize(s[i], 8388608.0f, -8388608.0f, 8388607.0f), swap);
}

static _always_inline_ void float_to_s24_(const float *s, uint8_t *d, size_t n, bool le) {
        for (size_t i = 0; i < n; i++, d += 3) {
                uint32_t v = (uint32_t)quantize(s[i], 8388608.0f, -8388608.0f, 8388607.0f);

                d[le ? 0 : 2] = (uint8_t)v;
                d[1] = (uint8_t)(v >> 8);
                d[le ? 2 : 0] = (uint8_t)(v >> 16);
        }
}

static _always_inline_ void float_to_f32_(const float *s, uint8_t *d, size_t n, bool swap) {
        for (size_t i = 0; i < n; i++) {
                float f = isnan(s[i]) ? 0.0f : s[i];
                uint32_t u;

                memcpy(&u, &f, sizeof(u));
                store32(d + 4 * i, u, swap);
        }
}

BOTH_ORDERS(float_to_s16, const float *, uint8_t *)
BOTH_ORDERS(float_to_s32, const float *, uint8_t *)
BOTH_ORDERS(float_to_s24_32, const float *, uint8_t *)
BOTH_ORDERS(float_to_s24, const float *, uint8_t *)
BOTH_ORDERS(float_to_f32, const float *, uint8_t *)

void dsp_from_float(uint8_t format, const float *src, void *dst, size_t n) {
        uint8_t *d = dst;

        switch (format) {
        case SAMPLE_U8:
                for (size_t i = 0; i < n; i++)
                        d[i] = (uint8_t)(quantize(src[i], 128.0f, -128.0f, 127.0f) + 128);
                break;
        case SAMPLE_ALAW:
                for (size_t i = 0; i < n; i++)
                        d[i] = alaw_encode(src[i]);
                break;
        case SAMPLE_ULAW:
                for (size_t i = 0; i < n; i++)
                        d[i] = ulaw_encode(src[i]);
                break;
        case SAMPLE_S16LE:
        case SAMPLE_S16BE:
                float_to_s16(src, d, n, (format == SAMPLE_S16LE) != HOST_LE);
                break;
        case SAMPLE_FLOAT32LE:
        case SAMPLE_FLOAT32BE:
                float_to_f32(src, d, n, (format == SAMPLE_FLOAT32LE) != HOST_LE);
                break;
        case SAMPLE_S32LE:
        case SAMPLE_S32BE:
                float_to_s32(src, d, n, (format == SAMPLE_S32LE) != HOST_LE);
                break;
        case SAMPLE_S24LE:
        case SAMPLE_S24BE:
                float_to_s24(src, d, n, format == SAMPLE_S24LE);
                break;
        case SAMPLE_S24_32LE:
        case SAMPLE_S24_32BE:
                float_to_s24_32(src, d, n, (format == SAMPLE_S24_32LE) != HOST_LE);
                break;
        default:
                /* unknown format: we cannot know the size; write nothing */
                break;
        }
}
