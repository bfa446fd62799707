/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * resample.c: sample-rate conversion on interleaved float frames.
 *
 * Methods (names as PulseAudio prints them):
 *  - speex-float-N: speexdsp's windowed-sinc resampler at quality N,
 *    interleaved float API. "auto" is speex-float-1, PulseAudio's default.
 *  - speex-fixed-N: accepted and reported under its own name, but run
 *    through the same float path at quality N. "Fixed" names speexdsp's
 *    16-bit integer interface; distribution builds of speexdsp are floating
 *    point inside anyway, so going through s16 would only add quantisation,
 *    never change timing or latency.
 *  - trivial: nearest input sample (output k takes input round(k * in/out)).
 *  - copy: equal rates only; a memcpy.
 *  - peaks: per channel, each output frame is the largest |x| of the input
 *    frames it covers ([floor(k in/out), floor((k+1) in/out))); what
 *    PEAK_DETECT record streams report. (DspPeak in peak.c is the mono,
 *    queue-based variant for meters.)
 *
 * Position model. All methods advance through the input the same way:
 * output k is computed once input frame floor(k * num / den) is available,
 * num/den = in_rate/out_rate in lowest terms. speexdsp behaves exactly like
 * this (it pre-fills its history with zeros, so output 0 needs only input
 * 0). We keep a mirror of that position: @skip, the input frames still to
 * pass before the next output's frame, and @frac, the fractional part
 * (0..den-1), updated from the counts each call reports
 * (skip = position after the produced outputs - frames consumed). Note that
 * speex copies input in chunks of its internal buffer size and stops at a
 * chunk boundary once the output is full, so it may return with a few
 * frames of skip still owed; the formula covers that. The mirror gives an
 * exact dsp_resampler_input_frames_for() without peeking into speex
 * (checked against 100k random calls per ratio during development; the
 * unit test runs a shorter version, including rate changes).
 *
 * Rate changes (VARIABLE_RATE streams). speex_resampler_set_rate() rescales
 * the fractional position by new_den / old_den, rounding down (we do the
 * same to the mirror), and recomputes the sinc table. That rescaling is
 * done in 32 bits and fails outright (leaving speex half-updated) once
 * frac * new_den overflows, which coprime rates such as 96000 and 360523
 * reach easily. So we never give speex a ratio with a denominator above
 * 65535: ratio_approx() keeps in/out exact when it fits (every common rate
 * pair does) and otherwise uses the nearest continued-fraction convergent,
 * through speex_resampler_set_rate_frac(). The mirror uses the same ratio. When the filter
 * length changes (it grows with the downsampling ratio), speex keeps the
 * filter centred on the same input: a longer filter moves the read
 * position forward by half the growth, a shorter one replays half the
 * difference from its history ("magic samples") before new input. Both
 * shift the position by new_len/2 - old_len/2, which is the change in
 * speex_resampler_get_input_latency(); we apply it to @skip, which may
 * thus become negative (outputs available without new input). Filter
 * lengths are multiples of 8, so the halves are exact.
 *
 * Allocation on rate changes: speex *grows* its table and history buffers
 * with realloc when a ratio needs more, and never shrinks them. So creation,
 * in the control thread, drives speex through the largest sizes any input
 * rate up to max_in_rate can need (prewarm_speex()), then settles on the
 * real rate before any audio ran. Later changes up to that maximum reuse
 * the buffers (checked by interposing malloc/realloc over thousands of
 * random rate changes at qualities 0, 5, 10 and several output rates).
 *
 * Reset. speex_resampler_reset_mem() only clears the history of channel 0
 * (it zeroes nb_channels * (filt_len - 1) samples from the start of a buffer
 * laid out with a larger per-channel stride; measured on speexdsp 1.2.1:
 * channel 1 keeps old audio). We therefore push one filter length of zeros
 * through (speex accepts a NULL input for that) into a scratch buffer
 * allocated at creation, then reset again to zero the position counters.
 *
 * Delay: speex's output latency (half the filter, in output frames); the
 * other methods add none.
 */
#include <errno.h>
#include <math.h>
#include <speex/speex_resampler.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "engine/dsp/dsp.h"

#define SCRATCH_FRAMES 256U
/* keeps (n - 1) * num far below 2^64 in input_frames_for() */
#define FRAMES_LIMIT (UINT64_C(1) << 40)
/* speexdsp computes in 32 bits: old_den * new_den (rescaling the position on
 * a rate change) and base filter length (<= 256) * num must not overflow */
#define RATIO_DEN_MAX UINT32_C(65535)
#define RATIO_NUM_MAX (UINT32_C(1) << 24)

struct DspResampler {
        int method;                     /* resolved: never AUTO */
        unsigned channels;
        uint32_t in_rate;
        uint32_t out_rate;
        uint32_t max_in_rate;

        /* position model, see the head comment */
        uint32_t num;                   /* in_rate/out_rate = num/den: ratio_approx() */
        uint32_t den;
        uint32_t int_adv;               /* num / den */
        uint32_t frac_adv;              /* num % den */
        int64_t skip;                   /* may be < 0 for speex, see head comment */
        uint64_t frac;                  /* < den */
        bool started;                   /* speex has processed audio */

        SpeexResamplerState *speex;
        float *scratch;                 /* SCRATCH_FRAMES frames; speex, channels > 1 */
        float peak[DSP_CHANNELS_MAX];   /* peaks: running maximum per channel */
};

static const char *const speex_float_names[] = {
        "speex-float-0", "speex-float-1", "speex-float-2", "speex-float-3",
        "speex-float-4", "speex-float-5", "speex-float-6", "speex-float-7",
        "speex-float-8", "speex-float-9", "speex-float-10",
};

static const char *const speex_fixed_names[] = {
        "speex-fixed-0", "speex-fixed-1", "speex-fixed-2", "speex-fixed-3",
        "speex-fixed-4", "speex-fixed-5", "speex-fixed-6", "speex-fixed-7",
        "speex-fixed-8", "speex-fixed-9", "speex-fixed-10",
};

/* PulseAudio methods this build does not provide. */
static const char *const unsupported_names[] = {
        "src-sinc-best-quality", "src-sinc-medium-quality", "src-sinc-fastest",
        "src-zero-order-hold", "src-linear", "ffmpeg", "soxr-mq", "soxr-hq", "soxr-vhq",
};

const char *dsp_resample_method_to_string(int method) {
        if (method >= DSP_RESAMPLE_SPEEX_FLOAT_BASE && method <= DSP_RESAMPLE_SPEEX_FLOAT_MAX)
                return speex_float_names[method - DSP_RESAMPLE_SPEEX_FLOAT_BASE];
        if (method >= DSP_RESAMPLE_SPEEX_FIXED_BASE && method <= DSP_RESAMPLE_SPEEX_FIXED_MAX)
                return speex_fixed_names[method - DSP_RESAMPLE_SPEEX_FIXED_BASE];
        switch (method) {
        case DSP_RESAMPLE_TRIVIAL:
                return "trivial";
        case DSP_RESAMPLE_AUTO:
                return "auto";
        case DSP_RESAMPLE_COPY:
                return "copy";
        case DSP_RESAMPLE_PEAKS:
                return "peaks";
        default:
                return NULL;
        }
}

int dsp_resample_method_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        for (int m = 0; m < _DSP_RESAMPLE_N; m++)
                if (strcmp(s, dsp_resample_method_to_string(m)) == 0)
                        return m;
        for (size_t i = 0; i < sizeof(unsupported_names) / sizeof(*unsupported_names); i++)
                if (strcmp(s, unsupported_names[i]) == 0)
                        return -EOPNOTSUPP;
        return -EINVAL;
}

static bool is_speex(int method) {
        return method >= DSP_RESAMPLE_SPEEX_FLOAT_BASE && method <= DSP_RESAMPLE_SPEEX_FIXED_MAX;
}

static int speex_quality(int method) {
        if (method <= DSP_RESAMPLE_SPEEX_FLOAT_MAX)
                return method - DSP_RESAMPLE_SPEEX_FLOAT_BASE;
        return method - DSP_RESAMPLE_SPEEX_FIXED_BASE;
}

static uint32_t gcd32(uint32_t a, uint32_t b) {
        while (b) {
                uint32_t t = a % b;

                a = b;
                b = t;
        }
        return a;
}

/*
 * in/out in lowest terms, or, if that exceeds RATIO_NUM_MAX/RATIO_DEN_MAX,
 * the closest continued-fraction convergent within them (relative error
 * below 1/(q * q_next), around 1e-9 or better: far below any clock drift
 * a VARIABLE_RATE client corrects). See the head comment for the limits.
 */
static void ratio_approx(uint32_t in, uint32_t out, uint32_t *ret_num, uint32_t *ret_den) {
        uint32_t g = gcd32(in, out);
        uint64_t h1 = 1, h2 = 0, k1 = 0, k2 = 1, x = in, y = out;
        uint32_t p = in / g, q = out / g;

        if (p <= RATIO_NUM_MAX && q <= RATIO_DEN_MAX) {
                *ret_num = p;
                *ret_den = q;
                return;
        }
        p = 0;
        q = 1;
        while (y) {
                uint64_t a = x / y, h = a * h1 + h2, k = a * k1 + k2, t;

                if (h > RATIO_NUM_MAX || k > RATIO_DEN_MAX)
                        break;
                if (h > 0) {
                        p = (uint32_t)h;
                        q = (uint32_t)k;
                }
                h2 = h1;
                h1 = h;
                k2 = k1;
                k1 = k;
                t = x % y;
                x = y;
                y = t;
        }
        if (p == 0) {
                /* upsampling by more than RATIO_DEN_MAX: not a real stream */
                p = 1;
                q = RATIO_DEN_MAX;
        }
        *ret_num = p;
        *ret_den = q;
}

static void set_ratio(DspResampler *r, uint32_t in_rate, uint32_t num, uint32_t den) {
        r->in_rate = in_rate;
        r->num = num;
        r->den = den;
        r->int_adv = num / den;
        r->frac_adv = num % den;
}

/* Position of output 0 after creation or reset. */
static void model_start(DspResampler *r) {
        r->skip = 0;
        r->frac = 0;
        if (r->method == DSP_RESAMPLE_TRIVIAL) {
                /* round instead of truncate: nearest input sample */
                r->frac = r->den / 2;
        } else if (r->method == DSP_RESAMPLE_PEAKS && r->num > r->den) {
                /* emit output k at the last frame of its span:
                 * floor((k + 1) num / den) - 1 */
                r->skip = (r->num - r->den) / r->den;
                r->frac = (r->num - r->den) % r->den;
        }
        memset(r->peak, 0, sizeof(r->peak));
}

/* Position (relative to the current call's input) after @k more outputs. */
static int64_t model_advance(DspResampler *r, uint64_t k) {
        uint64_t t = r->frac + k * r->num;
        int64_t pos = r->skip + (int64_t)(t / r->den);

        r->frac = t % r->den;
        return pos;
}

static inline void step(const DspResampler *r, uint64_t *pos, uint64_t *frac) {
        *pos += r->int_adv;
        *frac += r->frac_adv;
        if (*frac >= r->den) {
                *frac -= r->den;
                (*pos)++;
        }
}

static void reset_speex(DspResampler *r) {
        speex_resampler_reset_mem(r->speex);
        if (r->channels > 1) {
                /* work around reset_mem clearing only channel 0: see head comment */
                spx_uint32_t need = 2 * (spx_uint32_t)speex_resampler_get_input_latency(r->speex);
                spx_uint32_t pushed = 0;

                while (pushed < need) {
                        spx_uint32_t il = need - pushed, ol = SCRATCH_FRAMES;

                        speex_resampler_process_interleaved_float(r->speex, NULL, &il,
                                                                  r->scratch, &ol);
                        if (!il && !ol)
                                break;
                        pushed += il;
                }
                speex_resampler_reset_mem(r->speex);
                /* speex counts the zero push as having started (it never clears that) */
                r->started = true;
        }
}

/* Tell speex "ratio p/q" for prewarming; p and q need no reduction. */
static int prewarm_ratio(DspResampler *r, uint64_t p, uint64_t q) {
        while (gcd32((uint32_t)p, (uint32_t)q) != 1)
                p++;    /* keep the denominator large: see prewarm_speex() */
        if (speex_resampler_set_rate_frac(r->speex, (spx_uint32_t)p, (spx_uint32_t)q,
                                          (spx_uint32_t)(p * r->out_rate / q),
                                          r->out_rate) != RESAMPLER_ERR_SUCCESS)
                return -ENOMEM;
        return 0;
}

/*
 * Drive a fresh speex state (not yet started, so nothing but buffer sizes
 * and tables change) through the ratios that need the largest buffers of
 * any input rate up to max_in_rate, then settle on in_rate. speex only
 * reallocates to grow. Its filter table is filt_len * oversample (+8),
 * unless the reduced denominator is at most the oversampling factor, in
 * which case it uses a smaller exact table (filt_len * den): so the probe
 * ratios get a large, coprime denominator. filt_len grows with the ratio
 * and oversampling halves above ratios 2, 4, 8 and 16, so the table peaks
 * just below those ratios or at the maximum; the history buffer peaks at
 * the maximum. The maximum is probed slightly above, so that rounding in
 * filt_len can never make a real rate need more.
 */
static int prewarm_speex(DspResampler *r) {
        static const uint32_t edges[] = { 2, 4, 8, 16 };
        uint64_t q = RATIO_DEN_MAX, p;
        int e;

        /* q such that max_in_rate / out_rate * q stays below RATIO_NUM_MAX */
        while (q > 64 && ((uint64_t)r->max_in_rate * q / r->out_rate + 2) * 2 > RATIO_NUM_MAX)
                q /= 2;

        p = ((uint64_t)r->max_in_rate * q + r->out_rate - 1) / r->out_rate + 1;
        e = prewarm_ratio(r, p, q);
        if (e < 0)
                return e;
        for (size_t i = 0; i < sizeof(edges) / sizeof(*edges); i++) {
                /* every rate up to max_in_rate may be set later, lower ones too */
                if ((uint64_t)edges[i] * r->out_rate >= r->max_in_rate)
                        continue;
                e = prewarm_ratio(r, edges[i] * q - 1, q);
                if (e < 0)
                        return e;
        }
        e = speex_resampler_set_rate_frac(r->speex, r->num, r->den, r->in_rate, r->out_rate);
        if (e != RESAMPLER_ERR_SUCCESS)
                return -ENOMEM;
        return 0;
}

int dsp_resampler_new_variable(DspResampler **ret, unsigned channels, uint32_t in_rate,
                               uint32_t out_rate, int method, uint32_t max_in_rate) {
        uint32_t num, den;
        DspResampler *r;
        int e;

        if (channels < 1 || channels > DSP_CHANNELS_MAX ||
            in_rate < 1 || in_rate > RATE_MAX || out_rate < 1 || out_rate > RATE_MAX ||
            max_in_rate < in_rate || max_in_rate > RATE_MAX ||
            method < 0 || method >= _DSP_RESAMPLE_N)
                return -EINVAL;
        if (method == DSP_RESAMPLE_AUTO)
                method = DSP_RESAMPLE_DEFAULT;
        if (method == DSP_RESAMPLE_COPY && in_rate != out_rate)
                return -EINVAL;

        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->method = method;
        r->channels = channels;
        r->out_rate = out_rate;
        r->max_in_rate = max_in_rate;
        ratio_approx(in_rate, out_rate, &num, &den);
        set_ratio(r, in_rate, num, den);

        if (is_speex(method)) {
                /* created at the largest rate first: see prewarm_speex() */
                ratio_approx(max_in_rate, out_rate, &num, &den);
                r->speex = speex_resampler_init_frac(channels, num, den, max_in_rate, out_rate,
                                                     speex_quality(method), &e);
                if (!r->speex || prewarm_speex(r) < 0)
                        goto fail;
                if (channels > 1) {
                        r->scratch = calloc((size_t)SCRATCH_FRAMES * channels, sizeof(float));
                        if (!r->scratch)
                                goto fail;
                }
        }

        model_start(r);
        *ret = r;
        return 0;

fail:
        dsp_resampler_free(r);
        return -ENOMEM;
}

int dsp_resampler_new(DspResampler **ret, unsigned channels, uint32_t in_rate,
                      uint32_t out_rate, int method) {
        return dsp_resampler_new_variable(ret, channels, in_rate, out_rate, method, in_rate);
}

DspResampler *dsp_resampler_free(DspResampler *r) {
        if (!r)
                return NULL;
        if (r->speex)
                speex_resampler_destroy(r->speex);
        free(r->scratch);
        free(r);
        return NULL;
}

int dsp_resampler_set_input_rate(DspResampler *r, uint32_t in_rate) {
        uint32_t old_den = r->den, num, den;

        if (in_rate < 1)
                return -EINVAL;
        if (in_rate > r->max_in_rate)
                return -ERANGE;
        if (r->method == DSP_RESAMPLE_COPY && in_rate != r->out_rate)
                return -EINVAL;
        if (in_rate == r->in_rate)
                return 0;

        ratio_approx(in_rate, r->out_rate, &num, &den);
        if (r->speex) {
                int old_lat = speex_resampler_get_input_latency(r->speex);
                int new_lat;

                /* cannot fail: buffers pre-sized, ratio within speex's 32-bit limits */
                if (speex_resampler_set_rate_frac(r->speex, num, den, in_rate, r->out_rate) !=
                    RESAMPLER_ERR_SUCCESS)
                        return -ENOMEM;
                new_lat = speex_resampler_get_input_latency(r->speex);
                /* a filter change moves the read position by half the length
                 * difference, whichever way (see head comment) */
                if (r->started)
                        r->skip += new_lat - old_lat;
        }

        set_ratio(r, in_rate, num, den);
        /* same rescaling speex applies to its fractional position */
        r->frac = r->frac * r->den / old_den;
        if (r->frac >= r->den)
                r->frac = r->den - 1;
        return 0;
}

static void process_trivial(DspResampler *r, const float *in, size_t in_max,
                            float *out, size_t out_max, size_t *ret_in, size_t *ret_out) {
        const unsigned ch = r->channels;
        uint64_t pos = (uint64_t)r->skip, frac = r->frac;
        size_t o = 0;

        while (o < out_max && pos < in_max) {
                memcpy(out + o * ch, in + pos * ch, ch * sizeof(*out));
                o++;
                step(r, &pos, &frac);
        }
        r->frac = frac;
        *ret_in = pos < in_max ? (size_t)pos : in_max;
        r->skip = (int64_t)(pos - *ret_in);
        *ret_out = o;
}

static void process_peaks(DspResampler *r, const float *in, size_t in_max,
                          float *out, size_t out_max, size_t *ret_in, size_t *ret_out) {
        const unsigned ch = r->channels;
        uint64_t pos = (uint64_t)r->skip, frac = r->frac, i = 0, end;
        size_t o = 0;

        for (;;) {
                /* frames before the emitting one only feed the running maximum */
                end = pos < in_max ? pos : in_max;
                for (; i < end; i++)
                        for (unsigned c = 0; c < ch; c++) {
                                float a = fabsf(in[i * ch + c]);

                                if (a > r->peak[c])
                                        r->peak[c] = a;
                        }
                if (pos >= in_max || o >= out_max)
                        break;

                for (unsigned c = 0; c < ch; c++) {
                        float a = fabsf(in[pos * ch + c]);

                        out[o * ch + c] = a > r->peak[c] ? a : r->peak[c];
                        r->peak[c] = 0.0f;
                }
                o++;
                i = pos + 1;
                step(r, &pos, &frac);
        }
        r->frac = frac;
        /* when upsampling, frame pos may already be folded (i = pos + 1): it is
         * emitted again next time, so it stays unconsumed */
        *ret_in = (size_t)(i < pos ? i : pos);
        r->skip = (int64_t)(pos - *ret_in);
        *ret_out = o;
}

static void process_speex(DspResampler *r, const float *in, size_t in_max,
                          float *out, size_t out_max, size_t *ret_in, size_t *ret_out) {
        spx_uint32_t il = in_max > UINT32_MAX ? UINT32_MAX : (spx_uint32_t)in_max;
        spx_uint32_t ol = out_max > UINT32_MAX ? UINT32_MAX : (spx_uint32_t)out_max;

        if (il && ol)
                r->started = true;
        speex_resampler_process_interleaved_float(r->speex, in, &il, out, &ol);

        /* speex may stop at one of its internal chunk boundaries with the
         * output full and still owe a few frames of skip: pos - il, not 0 */
        r->skip = model_advance(r, ol) - (int64_t)il;
        *ret_in = il;
        *ret_out = ol;
}

void dsp_resampler_process(DspResampler *r, const float *in, size_t *in_frames,
                           float *out, size_t *out_frames) {
        size_t in_max = *in_frames, out_max = *out_frames, n;

        switch (r->method) {
        case DSP_RESAMPLE_COPY:
                n = in_max < out_max ? in_max : out_max;
                memcpy(out, in, n * r->channels * sizeof(*out));
                *in_frames = *out_frames = n;
                break;
        case DSP_RESAMPLE_TRIVIAL:
                process_trivial(r, in, in_max, out, out_max, in_frames, out_frames);
                break;
        case DSP_RESAMPLE_PEAKS:
                process_peaks(r, in, in_max, out, out_max, in_frames, out_frames);
                break;
        default:
                process_speex(r, in, in_max, out, out_max, in_frames, out_frames);
                break;
        }
}

size_t dsp_resampler_input_frames_for(const DspResampler *r, size_t out_frames) {
        uint64_t n = out_frames;
        int64_t need;

        if (n == 0)
                return 0;
        if (r->method == DSP_RESAMPLE_COPY)
                return out_frames;
        if (n > FRAMES_LIMIT)
                n = FRAMES_LIMIT;
        /* output n - 1 reads frame skip + floor((frac + (n - 1) num) / den) */
        need = r->skip + (int64_t)((r->frac + (n - 1) * r->num) / r->den) + 1;
        if (need < 0)
                return 0;       /* speex still holds enough (magic samples) */
        return (uint64_t)need > SIZE_MAX ? SIZE_MAX : (size_t)need;
}

uint64_t dsp_resampler_delay_frames(const DspResampler *r) {
        if (!r->speex)
                return 0;
        return (uint64_t)speex_resampler_get_output_latency(r->speex);
}

void dsp_resampler_reset(DspResampler *r) {
        if (r->speex)
                reset_speex(r);
        model_start(r);
}

int dsp_resampler_get_method(const DspResampler *r) {
        return r->method;
}

uint32_t dsp_resampler_get_input_rate(const DspResampler *r) {
        return r->in_rate;
}

uint32_t dsp_resampler_get_output_rate(const DspResampler *r) {
        return r->out_rate;
}
