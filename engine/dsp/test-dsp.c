/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-dsp.c: unit tests for engine/dsp (one Suite per area).
 *
 * What the mixer relies on: conversions are exact where the format allows
 * (every s16/u8/A-law/u-law value and all of s24 survive float and back
 * byte for byte), saturate instead of wrapping, and honour byte order;
 * remixing never amplifies (rows sum to <= 1) and keeps sides apart;
 * cubic volume; the resampler's quality (SNR of a resampled sine against
 * the ideal one), its frame accounting (input_frames_for() is exact) and
 * rate changes; peak values of a known signal.
 */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/dsp/dsp.h"

/* native-endian formats, for tests that use C integer arrays */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define S16NE SAMPLE_S16LE
#define S32NE SAMPLE_S32LE
#define F32NE SAMPLE_FLOAT32LE
#else
#define S16NE SAMPLE_S16BE
#define S32NE SAMPLE_S32BE
#define F32NE SAMPLE_FLOAT32BE
#endif

#define CMAP(n, ...) ((ChannelMap){ .channels = (n), .map = { __VA_ARGS__ } })
#define FL CHANNEL_FRONT_LEFT
#define FR CHANNEL_FRONT_RIGHT
#define FC CHANNEL_FRONT_CENTER
#define LFE CHANNEL_LFE
#define RL CHANNEL_REAR_LEFT
#define RR CHANNEL_REAR_RIGHT
#define SL CHANNEL_SIDE_LEFT
#define SR CHANNEL_SIDE_RIGHT
#define MONO CHANNEL_MONO
#define AUX(n) (CHANNEL_AUX0 + (n))

static const ChannelMap map_mono = CMAP(1, MONO);
static const ChannelMap map_stereo = CMAP(2, FL, FR);
static const ChannelMap map_51 = CMAP(6, FL, FR, FC, LFE, RL, RR);
static const ChannelMap map_71 = CMAP(8, FL, FR, FC, LFE, RL, RR, SL, SR);

/* ======================= convert ======================= */

/* to_float then from_float over a byte buffer of n samples; must be identical */
static void check_round_trip(uint8_t format, const uint8_t *bytes, size_t n) {
        size_t ss = sample_format_size(format);
        float *f = malloc(n * sizeof(float));
        uint8_t *back = malloc(n * ss);

        ck_assert_ptr_nonnull(f);
        ck_assert_ptr_nonnull(back);
        dsp_to_float(format, bytes, f, n);
        dsp_from_float(format, f, back, n);
        for (size_t i = 0; i < n * ss; i++)
                if (back[i] != bytes[i])
                        ck_abort_msg("format %u: sample %zu byte %zu: %02x -> %02x", format,
                                     i / ss, i % ss, bytes[i], back[i]);
        free(back);
        free(f);
}

START_TEST(test_round_trip_8bit) {
        static const uint8_t formats[] = { SAMPLE_U8, SAMPLE_ALAW, SAMPLE_ULAW };
        uint8_t all[256];

        for (unsigned i = 0; i < 256; i++)
                all[i] = (uint8_t)i;
        for (size_t k = 0; k < sizeof(formats); k++)
                check_round_trip(formats[k], all, 256);
}
END_TEST

START_TEST(test_round_trip_s16) {
        uint8_t buf[65536 * 2];

        for (unsigned i = 0; i < 65536; i++) {
                buf[2 * i] = (uint8_t)i;
                buf[2 * i + 1] = (uint8_t)(i >> 8);
        }
        check_round_trip(SAMPLE_S16LE, buf, 65536);
        check_round_trip(SAMPLE_S16BE, buf, 65536);
}
END_TEST

/* every 24-bit value packed little endian; every 7th one big endian and in
 * 32-bit containers (same code paths with the other byte order) */
START_TEST(test_round_trip_s24) {
        enum { CHUNK = 1 << 16 };
        uint8_t *b3 = malloc(CHUNK * 3), *b4 = malloc(CHUNK * 4);

        ck_assert_ptr_nonnull(b3);
        ck_assert_ptr_nonnull(b4);
        for (uint32_t base = 0; base < (1u << 24); base += CHUNK) {
                for (uint32_t i = 0; i < CHUNK; i++) {
                        uint32_t v = base + i;

                        b3[3 * i] = (uint8_t)v;
                        b3[3 * i + 1] = (uint8_t)(v >> 8);
                        b3[3 * i + 2] = (uint8_t)(v >> 16);
                }
                check_round_trip(SAMPLE_S24LE, b3, CHUNK);
        }
        for (uint32_t base = 0; base < (1u << 24); base += 7 * CHUNK) {
                for (uint32_t i = 0; i < CHUNK; i++) {
                        uint32_t v = (base + 7 * i) & 0xFFFFFFu;
                        /* sign-extended 32-bit container */
                        uint32_t w = (v & 0x800000u) ? (v | 0xFF000000u) : v;

                        b3[3 * i] = (uint8_t)(v >> 16);
                        b3[3 * i + 1] = (uint8_t)(v >> 8);
                        b3[3 * i + 2] = (uint8_t)v;
                        for (int b = 0; b < 4; b++)
                                b4[4 * i + b] = (uint8_t)(w >> (8 * b));        /* LE */
                }
                check_round_trip(SAMPLE_S24BE, b3, CHUNK);
                check_round_trip(SAMPLE_S24_32LE, b4, CHUNK);
                for (uint32_t i = 0; i < CHUNK; i++) {
                        uint8_t t;

                        /* reverse each container: now BE */
                        t = b4[4 * i];
                        b4[4 * i] = b4[4 * i + 3];
                        b4[4 * i + 3] = t;
                        t = b4[4 * i + 1];
                        b4[4 * i + 1] = b4[4 * i + 2];
                        b4[4 * i + 2] = t;
                }
                check_round_trip(SAMPLE_S24_32BE, b4, CHUNK);
        }
        free(b4);
        free(b3);
}
END_TEST

START_TEST(test_round_trip_float_s32) {
        static const float vals[] = { 0.0f, -0.0f, 0.5f, -1.0f, 1.0f, 1e-30f, -3.25f,
                                      123456.0f, INFINITY, -INFINITY };
        /* s32 values with at most 24 significant bits survive float */
        static const int32_t ivals[] = { 0, 1, -1, INT32_MIN, 0x40000000, -0x40000000,
                                         0x7FFFFF80, 0x12345600, -0x12345600 };
        uint8_t buf[sizeof(vals)], ib[sizeof(ivals)];
        float f[16];

        for (int le = 0; le < 2; le++) {
                uint8_t fmt = le ? SAMPLE_FLOAT32LE : SAMPLE_FLOAT32BE;

                dsp_from_float(fmt, vals, buf, 10);
                dsp_to_float(fmt, buf, f, 10);
                ck_assert_mem_eq(f, vals, sizeof(vals));        /* bit exact, not clamped */
                check_round_trip(fmt, buf, 10);

                fmt = le ? SAMPLE_S32LE : SAMPLE_S32BE;
                for (size_t i = 0; i < 9; i++) {
                        uint32_t u = (uint32_t)ivals[i];

                        for (int b = 0; b < 4; b++)
                                ib[4 * i + b] = (uint8_t)(u >> (le ? 8 * b : 24 - 8 * b));
                }
                check_round_trip(fmt, ib, 9);
        }
}
END_TEST

START_TEST(test_endianness) {
        static const uint8_t s16be[] = { 0x12, 0x34 }, s16le[] = { 0x34, 0x12 };
        static const uint8_t s24be[] = { 0x12, 0x34, 0x56 }, s24le[] = { 0x56, 0x34, 0x12 };
        /* top byte is padding: ignored on input */
        static const uint8_t s2432le[] = { 0x56, 0x34, 0x12, 0xAB };
        static const uint8_t s2432be[] = { 0xAB, 0x12, 0x34, 0x56 };
        static const uint8_t s32be[] = { 0x40, 0x00, 0x00, 0x00 };
        static const uint8_t s32le[] = { 0x00, 0x00, 0x00, 0xC0 };
        static const uint8_t f32be[] = { 0x3F, 0x00, 0x00, 0x00 };
        static const uint8_t f32le[] = { 0x00, 0x00, 0x80, 0xBE };
        static const uint8_t neg24be[] = { 0x80, 0x00, 0x00 };
        uint8_t out[4];
        float f;

        dsp_to_float(SAMPLE_S16BE, s16be, &f, 1);
        ck_assert_float_eq(f, 0x1234 / 32768.0f);
        dsp_to_float(SAMPLE_S16LE, s16le, &f, 1);
        ck_assert_float_eq(f, 0x1234 / 32768.0f);
        dsp_from_float(SAMPLE_S16BE, &f, out, 1);
        ck_assert_mem_eq(out, s16be, 2);

        dsp_to_float(SAMPLE_S24BE, s24be, &f, 1);
        ck_assert_float_eq(f, 0x123456 / 8388608.0f);
        dsp_to_float(SAMPLE_S24LE, s24le, &f, 1);
        ck_assert_float_eq(f, 0x123456 / 8388608.0f);
        dsp_to_float(SAMPLE_S24BE, neg24be, &f, 1);
        ck_assert_float_eq(f, -1.0f);

        dsp_to_float(SAMPLE_S24_32LE, s2432le, &f, 1);
        ck_assert_float_eq(f, 0x123456 / 8388608.0f);
        dsp_to_float(SAMPLE_S24_32BE, s2432be, &f, 1);
        ck_assert_float_eq(f, 0x123456 / 8388608.0f);
        dsp_from_float(SAMPLE_S24_32BE, &f, out, 1);
        ck_assert_mem_eq(out, ((uint8_t[]){ 0x00, 0x12, 0x34, 0x56 }), 4);

        dsp_to_float(SAMPLE_S32BE, s32be, &f, 1);
        ck_assert_float_eq(f, 0.5f);
        dsp_to_float(SAMPLE_S32LE, s32le, &f, 1);
        ck_assert_float_eq(f, -0.5f);

        dsp_to_float(SAMPLE_FLOAT32BE, f32be, &f, 1);
        ck_assert_float_eq(f, 0.5f);
        dsp_to_float(SAMPLE_FLOAT32LE, f32le, &f, 1);
        ck_assert_float_eq(f, -0.25f);
}
END_TEST

START_TEST(test_saturation_rounding) {
        static const float in[] = { 2.0f, -2.0f, 1.0f, -1.0f, NAN, 0.5f / 32768.0f,
                                    1.5f / 32768.0f, -0.6f / 32768.0f };
        static const int16_t want16[] = { 32767, -32768, 32767, -32768, 0, 0, 2, -1 };
        static const uint8_t want8[] = { 255, 0, 255, 0, 128, 128, 128, 128 };
        int16_t s16[8];
        uint8_t u8[8], b[8 * 4];
        int32_t s32[8];
        float f[8];

        dsp_from_float(S16NE, in, s16, 8);
        for (int i = 0; i < 8; i++)
                ck_assert_int_eq(s16[i], want16[i]);
        dsp_from_float(SAMPLE_U8, in, u8, 8);
        ck_assert_mem_eq(u8, want8, 8);

        dsp_from_float(S32NE, in, s32, 5);
        ck_assert_int_eq(s32[0], INT32_MAX);
        ck_assert_int_eq(s32[1], INT32_MIN);
        ck_assert_int_eq(s32[2], INT32_MAX);
        ck_assert_int_eq(s32[3], INT32_MIN);
        ck_assert_int_eq(s32[4], 0);

        dsp_from_float(SAMPLE_S24LE, in, b, 2);
        ck_assert_mem_eq(b, ((uint8_t[]){ 0xFF, 0xFF, 0x7F, 0x00, 0x00, 0x80 }), 6);
        dsp_from_float(SAMPLE_S24BE, in, b, 2);
        ck_assert_mem_eq(b, ((uint8_t[]){ 0x7F, 0xFF, 0xFF, 0x80, 0x00, 0x00 }), 6);

        /* float32 is not clamped; NaN becomes 0 both ways */
        dsp_from_float(F32NE, in, b, 5);
        dsp_to_float(F32NE, b, f, 5);
        ck_assert_float_eq(f[0], 2.0f);
        ck_assert_float_eq(f[1], -2.0f);
        ck_assert_float_eq(f[4], 0.0f);
        memcpy(b, &(float){ NAN }, 4);
        dsp_to_float(F32NE, b, f, 1);
        ck_assert_float_eq(f[0], 0.0f);
}
END_TEST

START_TEST(test_g711_levels) {
        static const uint8_t ucodes[] = { 0xFF, 0x7F, 0x80, 0x00, 0xFE, 0xEF };
        static const float uwant[] = { 0, 0, 32124, -32124, 8, 132 };
        static const uint8_t acodes[] = { 0xD5, 0x55, 0xAA, 0x2A };
        static const float awant[] = { 8, -8, 32256, -32256 };
        static const float full[] = { 1.0f, -1.0f, 0.0f, -0.0f };
        uint8_t c[4];
        float f[6];

        dsp_to_float(SAMPLE_ULAW, ucodes, f, 6);
        for (int i = 0; i < 6; i++)
                ck_assert_float_eq(f[i] * 32768.0f, uwant[i]);
        ck_assert(!signbit(f[0]) && signbit(f[1]));
        dsp_to_float(SAMPLE_ALAW, acodes, f, 4);
        for (int i = 0; i < 4; i++)
                ck_assert_float_eq(f[i] * 32768.0f, awant[i]);

        dsp_from_float(SAMPLE_ULAW, full, c, 4);
        ck_assert_mem_eq(c, ((uint8_t[]){ 0x80, 0x00, 0xFF, 0x7F }), 4);
        dsp_from_float(SAMPLE_ALAW, full, c, 4);
        ck_assert_mem_eq(c, ((uint8_t[]){ 0xAA, 0x2A, 0xD5, 0xD5 }), 4);

        /* monotonic: a rising ramp never decodes lower than before */
        for (int s = -32768; s < 32767; s += 7) {
                float x[2] = { s / 32768.0f, (s + 7) / 32768.0f }, y[2];

                dsp_from_float(SAMPLE_ULAW, x, c, 2);
                dsp_to_float(SAMPLE_ULAW, c, y, 2);
                ck_assert(y[0] <= y[1]);
                dsp_from_float(SAMPLE_ALAW, x, c, 2);
                dsp_to_float(SAMPLE_ALAW, c, y, 2);
                ck_assert(y[0] <= y[1]);
                /* nearest level: error within half the largest step (1024) */
                ck_assert(fabsf(y[0] - x[0]) * 32768.0f <= 1024.0f);
        }
}
END_TEST

START_TEST(test_mix_clips_once) {
        static const int16_t a[] = { 32767, -32768, 20000, -20000 };
        static const int16_t b[] = { 32767, -32768, 20000, 10000 };
        int16_t out[4];
        float fa[4], fb[4];

        dsp_to_float(S16NE, a, fa, 4);
        dsp_to_float(S16NE, b, fb, 4);
        dsp_mix_add(fa, fb, 4, 1, NULL);
        dsp_from_float(S16NE, fa, out, 4);
        ck_assert_int_eq(out[0], 32767);
        ck_assert_int_eq(out[1], -32768);
        ck_assert_int_eq(out[2], 32767);
        ck_assert_int_eq(out[3], -10000);
}
END_TEST

/* ======================= remap ======================= */

static void check_rows_normalised(const DspRemap *r) {
        for (unsigned o = 0; o < r->out_channels; o++) {
                float sum = 0.0f;

                for (unsigned i = 0; i < r->in_channels; i++) {
                        ck_assert(r->matrix[o][i] >= 0.0f);
                        sum += r->matrix[o][i];
                }
                ck_assert_msg(sum <= 1.0f + 1e-6f, "row %u sums to %f", o, sum);
        }
}

START_TEST(test_remap_identity) {
        DspRemap r;
        float in[4] = { 0.1f, 0.2f, 0.3f, 0.4f }, out[4];

        ck_assert_int_eq(dsp_remap_init(&r, &map_stereo, &map_stereo, false, false), 0);
        ck_assert_int_eq(r.mode, DSP_REMAP_IDENTITY);
        dsp_remap_run(&r, in, out, 2);
        ck_assert_mem_eq(in, out, sizeof(in));
        dsp_remap_run(&r, in, in, 2);  /* in place is allowed for identity */
}
END_TEST

START_TEST(test_remap_mono_stereo) {
        DspRemap r;
        float in[3] = { 0.5f, -1.0f, 0.25f }, out[6];
        float st[4] = { 1.0f, 0.5f, -1.0f, -0.5f }, mo[2];

        ck_assert_int_eq(dsp_remap_init(&r, &map_mono, &map_stereo, false, false), 0);
        ck_assert_int_eq(r.mode, DSP_REMAP_COPY);
        dsp_remap_run(&r, in, out, 3);
        for (int i = 0; i < 3; i++) {
                ck_assert_float_eq(out[2 * i], in[i]);
                ck_assert_float_eq(out[2 * i + 1], in[i]);
        }

        ck_assert_int_eq(dsp_remap_init(&r, &map_stereo, &map_mono, false, false), 0);
        ck_assert_int_eq(r.mode, DSP_REMAP_MATRIX);
        dsp_remap_run(&r, st, mo, 2);
        ck_assert_float_eq(mo[0], 0.75f);
        ck_assert_float_eq(mo[1], -0.75f);

        /* mono -> 5.1: everything but the LFE */
        ck_assert_int_eq(dsp_remap_init(&r, &map_mono, &map_51, false, false), 0);
        for (unsigned o = 0; o < 6; o++)
                ck_assert_float_eq(r.matrix[o][0], o == 3 ? 0.0f : 1.0f);
}
END_TEST

START_TEST(test_remap_downmix) {
        DspRemap r;
        float in[6], out[2];

        ck_assert_int_eq(dsp_remap_init(&r, &map_51, &map_stereo, false, false), 0);
        check_rows_normalised(&r);
        /* left output only from left/centre inputs, never right or LFE */
        ck_assert_float_eq(r.matrix[0][1], 0.0f);
        ck_assert_float_eq(r.matrix[0][5], 0.0f);
        ck_assert_float_eq(r.matrix[0][3], 0.0f);
        ck_assert_float_eq(r.matrix[1][0], 0.0f);
        ck_assert_float_eq(r.matrix[1][4], 0.0f);
        ck_assert_float_eq(r.matrix[1][3], 0.0f);
        ck_assert_float_eq_tol(r.matrix[0][0], 0.4f, 1e-6f);
        ck_assert_float_eq_tol(r.matrix[0][4], 0.4f, 1e-6f);
        ck_assert_float_eq_tol(r.matrix[0][2], 0.2f, 1e-6f);

        /* full scale everywhere never exceeds full scale */
        for (int i = 0; i < 6; i++)
                in[i] = 1.0f;
        dsp_remap_run(&r, in, out, 1);
        ck_assert(out[0] <= 1.0f && out[1] <= 1.0f);
        /* a left-only signal stays left */
        memset(in, 0, sizeof(in));
        in[4] = 1.0f;
        dsp_remap_run(&r, in, out, 1);
        ck_assert(out[0] > 0.0f);
        ck_assert_float_eq(out[1], 0.0f);

        ck_assert_int_eq(dsp_remap_init(&r, &map_71, &map_stereo, false, false), 0);
        check_rows_normalised(&r);
        for (unsigned i = 0; i < 8; i++) {
                unsigned p = map_71.map[i];
                bool left = p == FL || p == RL || p == SL, right = p == FR || p == RR || p == SR;

                if (left)
                        ck_assert_float_eq(r.matrix[1][i], 0.0f);
                if (right)
                        ck_assert_float_eq(r.matrix[0][i], 0.0f);
                if (p == LFE)
                        ck_assert(r.matrix[0][i] == 0.0f && r.matrix[1][i] == 0.0f);
        }

        /* 7.1 -> 5.1: side channels split between front and rear */
        ck_assert_int_eq(dsp_remap_init(&r, &map_71, &map_51, false, false), 0);
        check_rows_normalised(&r);
        ck_assert_float_eq_tol(r.matrix[0][6], 1.0f / 3, 1e-6f);
        ck_assert_float_eq_tol(r.matrix[4][6], 1.0f / 3, 1e-6f);
        ck_assert_float_eq(r.matrix[3][3], 1.0f);      /* LFE -> LFE */
}
END_TEST

START_TEST(test_remap_upmix) {
        DspRemap r;

        ck_assert_int_eq(dsp_remap_init(&r, &map_stereo, &map_51, false, false), 0);
        check_rows_normalised(&r);
        ck_assert_float_eq(r.matrix[0][0], 1.0f);      /* FL */
        ck_assert_float_eq(r.matrix[1][1], 1.0f);      /* FR */
        ck_assert_float_eq(r.matrix[2][0], 0.5f);      /* FC = (L + R) / 2 */
        ck_assert_float_eq(r.matrix[2][1], 0.5f);
        ck_assert_float_eq(r.matrix[3][0] + r.matrix[3][1], 0.0f); /* no LFE */
        ck_assert_float_eq(r.matrix[4][0], 1.0f);      /* RL from FL */
        ck_assert_float_eq(r.matrix[4][1], 0.0f);
        ck_assert_float_eq(r.matrix[5][1], 1.0f);      /* RR from FR */

        /* 5.1 -> 7.1: side from front and rear of the same side */
        ck_assert_int_eq(dsp_remap_init(&r, &map_51, &map_71, false, false), 0);
        check_rows_normalised(&r);
        ck_assert_float_eq(r.matrix[6][0], 0.5f);
        ck_assert_float_eq(r.matrix[6][4], 0.5f);
        ck_assert_float_eq(r.matrix[7][1], 0.5f);
        ck_assert_float_eq(r.matrix[7][5], 0.5f);
}
END_TEST

START_TEST(test_remap_flags) {
        static const ChannelMap swapped = CMAP(2, FR, FL);
        DspRemap r;

        /* no_remap: by index, even though positions differ */
        ck_assert_int_eq(dsp_remap_init(&r, &map_stereo, &swapped, true, false), 0);
        ck_assert_int_eq(r.mode, DSP_REMAP_IDENTITY);
        ck_assert_int_eq(dsp_remap_init(&r, &map_51, &map_stereo, true, false), 0);
        ck_assert_int_eq(r.mode, DSP_REMAP_COPY);
        ck_assert_int_eq(r.copy_src[0], 0);
        ck_assert_int_eq(r.copy_src[1], 1);
        ck_assert_int_eq(dsp_remap_init(&r, &map_mono, &map_stereo, true, false), 0);
        ck_assert_int_eq(r.copy_src[0], 0);
        ck_assert_int_eq(r.copy_src[1], -1);

        /* by position otherwise */
        ck_assert_int_eq(dsp_remap_init(&r, &map_stereo, &swapped, false, false), 0);
        ck_assert_int_eq(r.mode, DSP_REMAP_COPY);
        ck_assert_int_eq(r.copy_src[0], 1);
        ck_assert_int_eq(r.copy_src[1], 0);

        /* no_remix: only shared positions */
        ck_assert_int_eq(dsp_remap_init(&r, &map_51, &map_stereo, false, true), 0);
        ck_assert_int_eq(r.mode, DSP_REMAP_COPY);
        ck_assert_int_eq(r.copy_src[0], 0);
        ck_assert_int_eq(r.copy_src[1], 1);
        ck_assert_int_eq(dsp_remap_init(&r, &map_stereo, &map_mono, false, true), 0);
        ck_assert_int_eq(r.copy_src[0], -1);
        ck_assert_int_eq(dsp_remap_init(&r, &map_stereo, &map_51, false, true), 0);
        ck_assert_int_eq(r.copy_src[2], -1);
        ck_assert_int_eq(r.copy_src[4], -1);
}
END_TEST

START_TEST(test_remap_aux) {
        static const ChannelMap a = CMAP(3, AUX(0), AUX(1), AUX(2));
        static const ChannelMap b = CMAP(3, FL, AUX(1), AUX(5));
        static const ChannelMap bad = CMAP(2, FL, 99);
        DspRemap r;

        /* aux1 by position, aux0 paired with the left-over aux5, aux2 dropped */
        ck_assert_int_eq(dsp_remap_init(&r, &a, &b, false, false), 0);
        ck_assert_int_eq(r.mode, DSP_REMAP_COPY);
        ck_assert_int_eq(r.copy_src[0], -1);
        ck_assert_int_eq(r.copy_src[1], 1);
        ck_assert_int_eq(r.copy_src[2], 0);

        /* only aux, nothing shared: by index */
        ck_assert_int_eq(dsp_remap_init(&r, &a, &map_stereo, false, false), 0);
        ck_assert_int_eq(r.copy_src[0], 0);
        ck_assert_int_eq(r.copy_src[1], 1);

        ck_assert_int_eq(dsp_remap_init(&r, &bad, &map_stereo, false, false), -EINVAL);
        ck_assert_int_eq(dsp_remap_init(&r, &CMAP(0, 0), &map_stereo, false, false), -EINVAL);
}
END_TEST

/* every pair of auto maps and a few others, with every flag: rows normalised,
 * full scale in stays <= full scale */
START_TEST(test_remap_all_pairs) {
        ChannelMap maps[16];
        unsigned n = 0;
        float in[32], out[32];
        DspRemap r;

        for (unsigned c = 1; c <= 8; c++)
                ck_assert(channel_map_init_auto(&maps[n++], c));
        maps[n++] = CMAP(3, FL, FR, FC);
        maps[n++] = CMAP(4, FL, FR, RL, RR);
        maps[n++] = CMAP(3, FL, FR, LFE);
        maps[n++] = CMAP(4, FL, FR, SL, SR);
        maps[n++] = CMAP(2, FC, CHANNEL_REAR_CENTER);
        maps[n++] = CMAP(3, CHANNEL_TOP_FRONT_LEFT, CHANNEL_TOP_FRONT_RIGHT, CHANNEL_TOP_CENTER);
        maps[n++] = CMAP(1, FR);

        for (unsigned a = 0; a < n; a++)
                for (unsigned b = 0; b < n; b++)
                        for (int flags = 0; flags < 3; flags++) {
                                ck_assert_int_eq(dsp_remap_init(&r, &maps[a], &maps[b],
                                                                flags == 1, flags == 2), 0);
                                check_rows_normalised(&r);
                                for (int i = 0; i < 32; i++)
                                        in[i] = 1.0f;
                                dsp_remap_run(&r, in, out, 1);
                                for (unsigned o = 0; o < maps[b].channels; o++)
                                        ck_assert(out[o] <= 1.0f + 1e-6f);
                        }
}
END_TEST

/* ======================= mix ======================= */

START_TEST(test_volume_factors) {
        CVolume v = { .channels = 3, .values = { VOLUME_NORM, 32768, 0 } };
        float f[DSP_CHANNELS_MAX];

        dsp_volume_factors(&v, false, f);
        ck_assert(f[0] == 1.0f);
        ck_assert(f[1] == 0.125f);                      /* 50 % is exactly 1/8 */
        ck_assert(f[2] == 0.0f);
        ck_assert(f[3] == 0.0f);
        ck_assert(!dsp_volume_factors_unity(f, 2));
        ck_assert(dsp_volume_factors_unity(f, 1));

        v.values[2] = 2 * VOLUME_NORM;
        dsp_volume_factors(&v, false, f);
        ck_assert(f[2] == 8.0f);

        dsp_volume_factors(&v, true, f);
        for (unsigned c = 0; c < DSP_CHANNELS_MAX; c++)
                ck_assert(f[c] == 0.0f);
}
END_TEST

START_TEST(test_apply_and_mix) {
        float buf[12], acc[12], in[12];
        static const float g2[] = { 0.5f, 0.25f }, g3[] = { 1.0f, 0.5f, 0.0f };
        static const float same[] = { 0.5f, 0.5f, 0.5f };

        for (int i = 0; i < 12; i++)
                buf[i] = in[i] = (float)(i + 1);

        dsp_apply_volume(buf, 6, 2, g2);
        for (int i = 0; i < 12; i++)
                ck_assert_float_eq(buf[i], in[i] * g2[i % 2]);

        memcpy(buf, in, sizeof(in));
        dsp_apply_volume(buf, 4, 3, g3);
        for (int i = 0; i < 12; i++)
                ck_assert_float_eq(buf[i], in[i] * g3[i % 3]);

        dsp_mix_set(acc, in, 4, 3, g3);
        dsp_mix_add(acc, in, 4, 3, NULL);
        dsp_mix_add(acc, in, 4, 3, same);
        for (int i = 0; i < 12; i++)
                ck_assert_float_eq(acc[i], in[i] * (g3[i % 3] + 1.0f + 0.5f));

        dsp_mix_set(acc, in, 6, 2, g2);
        dsp_mix_add(acc, in, 6, 2, g2);
        for (int i = 0; i < 12; i++)
                ck_assert_float_eq(acc[i], 2.0f * in[i] * g2[i % 2]);

        /* muted stream contributes exact silence, even infinities */
        in[0] = INFINITY;
        dsp_mix_set(acc, in, 4, 3, (float[]){ 0, 0, 0 });
        for (int i = 0; i < 12; i++)
                ck_assert_float_eq(acc[i], 0.0f);
}
END_TEST

/* ======================= resample ======================= */

START_TEST(test_method_names) {
        char name[32];

        for (int m = 0; m < _DSP_RESAMPLE_N; m++) {
                const char *s = dsp_resample_method_to_string(m);

                ck_assert_ptr_nonnull(s);
                ck_assert_int_eq(dsp_resample_method_from_string(s), m);
        }
        for (int q = 0; q <= 10; q++) {
                snprintf(name, sizeof(name), "speex-float-%d", q);
                ck_assert_int_eq(dsp_resample_method_from_string(name),
                                 DSP_RESAMPLE_SPEEX_FLOAT_BASE + q);
                snprintf(name, sizeof(name), "speex-fixed-%d", q);
                ck_assert_int_eq(dsp_resample_method_from_string(name),
                                 DSP_RESAMPLE_SPEEX_FIXED_BASE + q);
        }
        ck_assert_int_eq(dsp_resample_method_from_string("auto"), DSP_RESAMPLE_AUTO);
        ck_assert_int_eq(dsp_resample_method_from_string("soxr-vhq"), -EOPNOTSUPP);
        ck_assert_int_eq(dsp_resample_method_from_string("ffmpeg"), -EOPNOTSUPP);
        ck_assert_int_eq(dsp_resample_method_from_string("speex-float-11"), -EINVAL);
        ck_assert_int_eq(dsp_resample_method_from_string(""), -EINVAL);
        ck_assert_int_eq(dsp_resample_method_from_string(NULL), -EINVAL);
        ck_assert_ptr_null(dsp_resample_method_to_string(_DSP_RESAMPLE_N));
        ck_assert_ptr_null(dsp_resample_method_to_string(-1));
}
END_TEST

START_TEST(test_resampler_new_args) {
        DspResampler *r = NULL;

        ck_assert_int_eq(dsp_resampler_new(&r, 0, 44100, 48000, DSP_RESAMPLE_AUTO), -EINVAL);
        ck_assert_int_eq(dsp_resampler_new(&r, 33, 44100, 48000, DSP_RESAMPLE_AUTO), -EINVAL);
        ck_assert_int_eq(dsp_resampler_new(&r, 2, 0, 48000, DSP_RESAMPLE_AUTO), -EINVAL);
        ck_assert_int_eq(dsp_resampler_new(&r, 2, 44100, RATE_MAX + 1, DSP_RESAMPLE_AUTO),
                         -EINVAL);
        ck_assert_int_eq(dsp_resampler_new(&r, 2, 44100, 48000, _DSP_RESAMPLE_N), -EINVAL);
        ck_assert_int_eq(dsp_resampler_new(&r, 2, 44100, 48000, DSP_RESAMPLE_COPY), -EINVAL);
        ck_assert_int_eq(dsp_resampler_new_variable(&r, 2, 44100, 48000, DSP_RESAMPLE_AUTO,
                                                    44099), -EINVAL);
        ck_assert_ptr_null(r);

        ck_assert_int_eq(dsp_resampler_new(&r, 2, 44100, 48000, DSP_RESAMPLE_AUTO), 0);
        ck_assert_int_eq(dsp_resampler_get_method(r), DSP_RESAMPLE_SPEEX_FLOAT_BASE + 1);
        ck_assert_str_eq(dsp_resample_method_to_string(dsp_resampler_get_method(r)),
                         "speex-float-1");
        ck_assert_uint_gt(dsp_resampler_delay_frames(r), 0);
        ck_assert_int_eq(dsp_resampler_set_input_rate(r, 44101), -ERANGE);
        ck_assert_int_eq(dsp_resampler_set_input_rate(r, 0), -EINVAL);
        ck_assert_int_eq(dsp_resampler_set_input_rate(r, 22050), 0);
        ck_assert_uint_eq(dsp_resampler_get_input_rate(r), 22050);
        r = dsp_resampler_free(r);
        ck_assert_ptr_null(r);
        ck_assert_ptr_null(dsp_resampler_free(NULL));
}
END_TEST

/*
 * Resample a 1 kHz sine (amplitude 0.5) from in_rate to out_rate in 10 ms
 * pulls sized by input_frames_for(), then compare with the ideal sine at
 * out_rate. The filter delay is taken from a least-squares fit of the phase
 * (and checked against delay_frames()); SNR = ideal power / error power.
 */
static double sine_snr(int method, unsigned channels, uint32_t in_rate, uint32_t out_rate,
                       double *ret_delay) {
        const double f0 = 1000.0, amp = 0.5;
        const size_t in_total = in_rate * 2, out_total = out_rate * 2 - out_rate / 10;
        float *in = malloc(in_total * channels * sizeof(float));
        float *out = malloc(out_total * channels * sizeof(float));
        size_t in_pos = 0, out_pos = 0, skip;
        double sc = 0, ss = 0, s2 = 0, c2 = 0, sxc = 0, a, b, phase, sig = 0, err = 0;
        DspResampler *r;

        ck_assert_ptr_nonnull(in);
        ck_assert_ptr_nonnull(out);
        for (size_t i = 0; i < in_total; i++)
                for (unsigned c = 0; c < channels; c++)
                        in[i * channels + c] = (float)(amp * sin(2 * M_PI * f0 * i / in_rate));

        ck_assert_int_eq(dsp_resampler_new(&r, channels, in_rate, out_rate, method), 0);
        while (out_pos < out_total) {
                size_t want = out_rate / 100, need, got_in, got_out;

                if (want > out_total - out_pos)
                        want = out_total - out_pos;
                need = dsp_resampler_input_frames_for(r, want);
                ck_assert_uint_le(in_pos + need, in_total);
                got_in = need;
                got_out = want;
                dsp_resampler_process(r, in + in_pos * channels, &got_in,
                                      out + out_pos * channels, &got_out);
                ck_assert_uint_eq(got_out, want);       /* exactly as promised */
                ck_assert_uint_le(got_in, need);
                in_pos += got_in;
                out_pos += got_out;
        }

        /* fit a sin + b cos at f0 on channel 0, after the filter's start-up */
        skip = out_rate / 10;
        for (size_t k = skip; k < out_total; k++) {
                double w = 2 * M_PI * f0 * k / out_rate, y = out[k * channels];

                ss += y * sin(w);
                sc += y * cos(w);
                s2 += sin(w) * sin(w);
                c2 += cos(w) * cos(w);
                sxc += sin(w) * cos(w);
        }
        a = (ss * c2 - sc * sxc) / (s2 * c2 - sxc * sxc);
        b = (sc * s2 - ss * sxc) / (s2 * c2 - sxc * sxc);
        phase = atan2(-b, a);           /* y = amp sin(w - phase) */
        *ret_delay = phase / (2 * M_PI * f0) * out_rate;
        if (*ret_delay < 0)
                *ret_delay += (double)out_rate / f0;

        /* ideal sine of the nominal amplitude, delayed by the fitted delay */
        for (size_t k = skip; k < out_total; k++) {
                double ideal = amp * sin(2 * M_PI * f0 * (k - *ret_delay) / out_rate);

                for (unsigned c = 0; c < channels; c++) {
                        double e = out[k * channels + c] - ideal;

                        sig += ideal * ideal;
                        err += e * e;
                }
        }
        dsp_resampler_free(r);
        free(out);
        free(in);
        return 10 * log10(sig / err);
}

START_TEST(test_resample_snr) {
        double delay, snr;
        DspResampler *r;

        snr = sine_snr(DSP_RESAMPLE_SPEEX_FLOAT_BASE + 1, 2, 44100, 48000, &delay);
        ck_assert_int_eq(dsp_resampler_new(&r, 2, 44100, 48000, DSP_RESAMPLE_AUTO), 0);
        printf("speex-float-1 44100->48000 1 kHz: SNR %.1f dB, fitted delay %.2f frames, "
               "reported %" PRIu64 "\n", snr, delay, dsp_resampler_delay_frames(r));
        ck_assert_msg(snr > 60.0, "SNR %.1f dB", snr);
        ck_assert(fabs(delay - (double)dsp_resampler_delay_frames(r)) <= 1.0);
        dsp_resampler_free(r);

        snr = sine_snr(DSP_RESAMPLE_SPEEX_FLOAT_BASE + 1, 1, 48000, 44100, &delay);
        printf("speex-float-1 48000->44100 1 kHz: SNR %.1f dB\n", snr);
        ck_assert_msg(snr > 60.0, "SNR %.1f dB", snr);

        snr = sine_snr(DSP_RESAMPLE_SPEEX_FLOAT_BASE + 5, 1, 44100, 48000, &delay);
        printf("speex-float-5 44100->48000 1 kHz: SNR %.1f dB\n", snr);
        ck_assert_msg(snr > 80.0, "SNR %.1f dB", snr);

        snr = sine_snr(DSP_RESAMPLE_TRIVIAL, 1, 44100, 48000, &delay);
        printf("trivial 44100->48000 1 kHz: SNR %.1f dB\n", snr);
        ck_assert_msg(snr > 10.0, "SNR %.1f dB", snr);
}
END_TEST

/* Random pull sizes: input_frames_for(n) input always yields exactly n, and is minimal. */
static void check_counts(int method, unsigned channels, uint32_t in_rate, uint32_t out_rate) {
        enum { MAXF = 4096 };
        float *in = calloc((size_t)MAXF * 50 * channels, sizeof(float));
        float *out = calloc((size_t)MAXF * channels, sizeof(float));
        uint64_t total_in = 0, total_out = 0;
        DspResampler *r;

        ck_assert_ptr_nonnull(in);
        ck_assert_ptr_nonnull(out);
        ck_assert_int_eq(dsp_resampler_new(&r, channels, in_rate, out_rate, method), 0);
        srand(1);
        for (int it = 0; it < 300; it++) {
                size_t cap = (size_t)((uint64_t)MAXF * 40 * out_rate / in_rate) + 1;
                size_t n = 1 + (size_t)rand() % 1000, need, gi, go;

                if (n > cap)
                        n = cap;
                need = dsp_resampler_input_frames_for(r, n);

                ck_assert_uint_le(need, (size_t)MAXF * 50);
                if (it % 3 == 0 && need > 0) {
                        /* one frame less must not be enough */
                        gi = need - 1;
                        go = n;
                        dsp_resampler_process(r, in, &gi, out, &go);
                        ck_assert_uint_lt(go, n);
                        total_in += gi;
                        total_out += go;
                        n -= go;
                        need = dsp_resampler_input_frames_for(r, n);
                        if (n == 0)
                                continue;
                }
                /* extra input is fine: it may be consumed up to the position of
                 * the next output, never beyond what was given */
                gi = need + (size_t)(rand() % 3);
                go = n;
                dsp_resampler_process(r, in, &gi, out, &go);
                ck_assert_msg(go == n, "%s %u->%u: produced %zu of %zu",
                              dsp_resample_method_to_string(method), in_rate, out_rate, go, n);
                ck_assert_uint_le(gi, need + 2);
                total_in += gi;
                total_out += go;
        }
        /* long-run ratio: consumed input ~ produced * in/out (peaks emits at the
         * end of each span, so it may be up to one span ahead) */
        ck_assert(llabs((long long)total_in - (long long)(total_out * in_rate / out_rate)) <=
                  2 + (long long)((in_rate + out_rate - 1) / out_rate));
        dsp_resampler_free(r);
        free(out);
        free(in);
}

START_TEST(test_resample_counts) {
        static const uint32_t rates[][2] = {
                { 44100, 48000 }, { 48000, 44100 }, { 8000, 48000 }, { 48000, 8000 },
                { 48000, 48000 }, { 22050, 44100 }, { 96000, 44100 }, { 48000, 25 },
        };
        static const int methods[] = { DSP_RESAMPLE_SPEEX_FLOAT_BASE + 1,
                                       DSP_RESAMPLE_SPEEX_FIXED_BASE + 3,
                                       DSP_RESAMPLE_TRIVIAL, DSP_RESAMPLE_PEAKS };

        for (size_t m = 0; m < sizeof(methods) / sizeof(*methods); m++)
                for (size_t k = 0; k < sizeof(rates) / sizeof(*rates); k++) {
                        /* 1920:1 with a sinc filter is 30k taps per output: slow, and
                         * not a real use (meters use peaks) */
                        if (rates[k][1] == 25 && methods[m] != DSP_RESAMPLE_TRIVIAL &&
                            methods[m] != DSP_RESAMPLE_PEAKS)
                                continue;
                        check_counts(methods[m], 2, rates[k][0], rates[k][1]);
                }
        check_counts(DSP_RESAMPLE_COPY, 3, 48000, 48000);
}
END_TEST

/* VARIABLE_RATE: change the input rate mid-stream; pulls stay exact for upsampling
 * ratios and the consumption follows the new rate. */
START_TEST(test_resample_variable_rate) {
        static const uint32_t steps[] = { 44100, 44200, 43900, 48000, 44100 };
        float *in = calloc(48000 * 2, sizeof(float)), *out = calloc(4800 * 2, sizeof(float));
        DspResampler *r;

        ck_assert_int_eq(dsp_resampler_new_variable(&r, 2, 44100, 48000,
                                                    DSP_RESAMPLE_SPEEX_FLOAT_BASE + 1, 48000),
                         0);
        for (size_t s = 0; s < sizeof(steps) / sizeof(*steps); s++) {
                uint64_t ti = 0, to = 0;

                ck_assert_int_eq(dsp_resampler_set_input_rate(r, steps[s]), 0);
                for (int it = 0; it < 50; it++) {       /* 0.5 s in 10 ms pulls */
                        size_t n = 480, need = dsp_resampler_input_frames_for(r, n);
                        size_t gi = need, go = n;

                        dsp_resampler_process(r, in, &gi, out, &go);
                        ck_assert_uint_eq(go, n);
                        ck_assert_uint_le(gi, need);
                        ti += gi;
                        to += go;
                }
                ck_assert(llabs((long long)ti - (long long)(to * steps[s] / 48000)) <= 2);
        }
        ck_assert_int_eq(dsp_resampler_set_input_rate(r, 48001), -ERANGE);
        dsp_resampler_free(r);

        /* random rates: the filter length changes with the ratio and speex shifts
         * its position (or replays history) accordingly; coprime rates need the
         * ratio approximation. Pulls stay exact throughout. */
        for (int k = 0; k < 2; k++) {
                uint32_t out_rate = k ? 96000 : 8000;

                ck_assert_int_eq(dsp_resampler_new_variable(&r, 2, 8000, out_rate,
                                                            DSP_RESAMPLE_SPEEX_FLOAT_BASE + 3,
                                                            RATE_MAX), 0);
                srand(2);
                for (int it = 0; it < 2000; it++) {
                        size_t n = 1 + (size_t)rand() % 100, need, gi, go;

                        if (it % 7 == 0) {
                                uint32_t rate = 1 + (uint32_t)rand() % (4 * out_rate);

                                ck_assert_int_eq(dsp_resampler_set_input_rate(r, rate), 0);
                        }
                        need = dsp_resampler_input_frames_for(r, n);
                        ck_assert_uint_le(need, 48000);
                        gi = need;
                        go = n;
                        dsp_resampler_process(r, in, &gi, out, &go);
                        ck_assert_msg(go == n, "out %u, iteration %d: produced %zu of %zu",
                                      out_rate, it, go, n);
                }
                dsp_resampler_free(r);
        }
        free(out);
        free(in);
}
END_TEST

START_TEST(test_resample_trivial_copy_peaks) {
        static const float in[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
        static const float pin[8] = { 0.1f, -0.5f, 0.2f, 0.3f, -0.9f, 0.0f, 0.4f, 0.1f };
        float out[16];
        size_t gi, go;
        DspResampler *r;

        /* trivial 1:2: nearest sample, output k = in[round(k / 2)] */
        ck_assert_int_eq(dsp_resampler_new(&r, 1, 1000, 2000, DSP_RESAMPLE_TRIVIAL), 0);
        gi = 4;
        go = 16;
        dsp_resampler_process(r, in, &gi, out, &go);
        ck_assert_uint_eq(gi, 4);
        ck_assert_uint_eq(go, 7);
        ck_assert_mem_eq(out, ((float[]){ 0, 1, 1, 2, 2, 3, 3 }), 7 * sizeof(float));
        ck_assert_uint_eq(dsp_resampler_delay_frames(r), 0);
        dsp_resampler_free(r);

        /* trivial 3:1 */
        ck_assert_int_eq(dsp_resampler_new(&r, 1, 3000, 1000, DSP_RESAMPLE_TRIVIAL), 0);
        gi = 8;
        go = 16;
        dsp_resampler_process(r, in, &gi, out, &go);
        ck_assert_uint_eq(go, 3);
        ck_assert_mem_eq(out, ((float[]){ 0, 3, 6 }), 3 * sizeof(float));
        dsp_resampler_free(r);

        /* copy */
        ck_assert_int_eq(dsp_resampler_new(&r, 2, 48000, 48000, DSP_RESAMPLE_COPY), 0);
        gi = 4;
        go = 3;
        dsp_resampler_process(r, in, &gi, out, &go);
        ck_assert_uint_eq(gi, 3);
        ck_assert_uint_eq(go, 3);
        ck_assert_mem_eq(out, in, 6 * sizeof(float));
        ck_assert_int_eq(dsp_resampler_set_input_rate(r, 44100), -EINVAL);
        dsp_resampler_free(r);

        /* peaks 4:1, two channels: per channel max |x| of each group of 4 frames */
        ck_assert_int_eq(dsp_resampler_new(&r, 2, 4000, 1000, DSP_RESAMPLE_PEAKS), 0);
        gi = 4;
        go = 4;
        dsp_resampler_process(r, pin, &gi, out, &go);
        ck_assert_uint_eq(gi, 4);
        ck_assert_uint_eq(go, 1);
        ck_assert_float_eq(out[0], 0.9f);      /* frames 0,1: left 0.1, 0.2, -0.9, 0.4 */
        ck_assert_float_eq(out[1], 0.5f);      /* right -0.5, 0.3, 0.0, 0.1 */
        dsp_resampler_free(r);
}
END_TEST

/* After reset, silence in gives exact silence out on every channel (speexdsp's
 * own reset leaves channel 1's history behind; see resample.c). */
START_TEST(test_resample_reset) {
        float in[2000], out[4000];
        size_t gi, go;
        DspResampler *r;

        for (int i = 0; i < 2000; i++)
                in[i] = (float)((i * 7919) % 2001) / 1000.0f - 1.0f;
        ck_assert_int_eq(dsp_resampler_new(&r, 2, 44100, 48000, DSP_RESAMPLE_AUTO), 0);
        gi = 1000;
        go = 2000;
        dsp_resampler_process(r, in, &gi, out, &go);
        dsp_resampler_reset(r);

        memset(in, 0, sizeof(in));
        gi = 200;
        go = 2000;
        dsp_resampler_process(r, in, &gi, out, &go);
        ck_assert_uint_eq(gi, 200);
        ck_assert_uint_gt(go, 200);
        for (size_t i = 0; i < go * 2; i++)
                ck_assert_float_eq(out[i], 0.0f);
        /* and the position model is back at the start */
        dsp_resampler_reset(r);
        ck_assert_uint_eq(dsp_resampler_input_frames_for(r, 160), 147);
        dsp_resampler_free(r);
}
END_TEST

/* ======================= peak ======================= */

START_TEST(test_peak_known_signal) {
        float *in = calloc(48000 * 2, sizeof(float)), out[DSP_PEAK_RING];
        DspPeak p;

        ck_assert_int_eq(dsp_peak_init(&p, 2, 48000, 25), 0);
        /* 1 s of stereo: a 0.1 hum, a -0.9 spike in the right channel in value 2's
         * span (frames 3840..5759), a 0.5 one in the left at the end of value 10's */
        for (int i = 0; i < 48000; i++)
                in[2 * i] = in[2 * i + 1] = (i % 2) ? 0.1f : -0.1f;
        in[2 * 4000 + 1] = -0.9f;
        in[2 * (10 * 1920 + 1919)] = 0.5f;

        ck_assert_uint_eq(dsp_peak_push(&p, in, 1000), 1000);
        ck_assert_uint_eq(dsp_peak_pop(&p, out, DSP_PEAK_RING), 0);    /* not yet 1920 */
        ck_assert_uint_eq(dsp_peak_push(&p, in + 2000, 47000), 47000);
        ck_assert_uint_eq(dsp_peak_pop(&p, out, DSP_PEAK_RING), 25);
        for (int k = 0; k < 25; k++)
                ck_assert_float_eq(out[k], k == 2 ? 0.9f : k == 10 ? 0.5f : 0.1f);
        free(in);

        ck_assert_int_eq(dsp_peak_init(&p, 1, 1000, 64 * 1000), -EINVAL);
        ck_assert_int_eq(dsp_peak_init(&p, 0, 1000, 25), -EINVAL);
}
END_TEST

START_TEST(test_peak_ring_and_ratios) {
        float in[4000], out[DSP_PEAK_RING];
        size_t n, total = 0, pushed = 0;
        DspPeak p;

        /* 2 frames per value: 4000 frames = 2000 values, ring holds 64 */
        for (int i = 0; i < 4000; i++)
                in[i] = (float)(i % 100) / 100.0f;
        ck_assert_int_eq(dsp_peak_init(&p, 1, 2000, 1000), 0);
        while (pushed < 4000) {
                n = dsp_peak_push(&p, in + pushed, 4000 - pushed);
                pushed += n;
                if (pushed < 4000)
                        ck_assert_uint_eq(p.count, DSP_PEAK_RING);
                n = dsp_peak_pop(&p, out, DSP_PEAK_RING);
                for (size_t k = 0; k < n; k++)
                        ck_assert_float_eq(out[k], in[2 * (total + k) + 1]);
                total += n;
        }
        ck_assert_uint_eq(total, 2000);

        /* 1 frame -> 3 values, each that frame's peak */
        ck_assert_int_eq(dsp_peak_init(&p, 1, 1000, 3000), 0);
        ck_assert_uint_eq(dsp_peak_push(&p, (float[]){ -0.5f, 0.25f }, 2), 2);
        ck_assert_uint_eq(dsp_peak_pop(&p, out, 16), 6);
        ck_assert_mem_eq(out, ((float[]){ 0.5f, 0.5f, 0.5f, 0.25f, 0.25f, 0.25f }),
                         6 * sizeof(float));

        /* non-integer ratio: 44100 frames at 26 Hz give exactly 26 values */
        ck_assert_int_eq(dsp_peak_init(&p, 1, 44100, 26), 0);
        total = 0;
        for (size_t left = 44100; left > 0;) {
                size_t len = left < 4000 ? left : 4000;

                for (size_t off = 0; off < len;)
                        off += dsp_peak_push(&p, in + off, len - off);
                total += dsp_peak_pop(&p, out, DSP_PEAK_RING);
                left -= len;
        }
        ck_assert_uint_eq(total, 26);
        dsp_peak_reset(&p);
        ck_assert_uint_eq(p.count, 0);
}
END_TEST

static Suite *convert_suite(void) {
        Suite *s = suite_create("convert");
        TCase *tc = tcase_create("convert");

        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_round_trip_8bit);
        tcase_add_test(tc, test_round_trip_s16);
        tcase_add_test(tc, test_round_trip_s24);
        tcase_add_test(tc, test_round_trip_float_s32);
        tcase_add_test(tc, test_endianness);
        tcase_add_test(tc, test_saturation_rounding);
        tcase_add_test(tc, test_g711_levels);
        tcase_add_test(tc, test_mix_clips_once);
        suite_add_tcase(s, tc);
        return s;
}

static Suite *remap_suite(void) {
        Suite *s = suite_create("remap");
        TCase *tc = tcase_create("remap");

        tcase_add_test(tc, test_remap_identity);
        tcase_add_test(tc, test_remap_mono_stereo);
        tcase_add_test(tc, test_remap_downmix);
        tcase_add_test(tc, test_remap_upmix);
        tcase_add_test(tc, test_remap_flags);
        tcase_add_test(tc, test_remap_aux);
        tcase_add_test(tc, test_remap_all_pairs);
        suite_add_tcase(s, tc);
        return s;
}

static Suite *mix_suite(void) {
        Suite *s = suite_create("mix");
        TCase *tc = tcase_create("mix");

        tcase_add_test(tc, test_volume_factors);
        tcase_add_test(tc, test_apply_and_mix);
        suite_add_tcase(s, tc);
        return s;
}

static Suite *resample_suite(void) {
        Suite *s = suite_create("resample");
        TCase *tc = tcase_create("resample");

        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_method_names);
        tcase_add_test(tc, test_resampler_new_args);
        tcase_add_test(tc, test_resample_snr);
        tcase_add_test(tc, test_resample_counts);
        tcase_add_test(tc, test_resample_variable_rate);
        tcase_add_test(tc, test_resample_trivial_copy_peaks);
        tcase_add_test(tc, test_resample_reset);
        suite_add_tcase(s, tc);
        return s;
}

static Suite *peak_suite(void) {
        Suite *s = suite_create("peak");
        TCase *tc = tcase_create("peak");

        tcase_add_test(tc, test_peak_known_signal);
        tcase_add_test(tc, test_peak_ring_and_ratios);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(convert_suite());
        int failed;

        srunner_add_suite(sr, remap_suite());
        srunner_add_suite(sr, mix_suite());
        srunner_add_suite(sr, resample_suite());
        srunner_add_suite(sr, peak_suite());
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
