/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dsp.h: the real-time audio path: format conversion, remixing, volume, mixing,
 * resampling and peak detection.
 *
 * Everything here works on float32 interleaved, native endian, nominal range
 * [-1, 1] ("the mixing format"). Functions fall in two groups:
 *
 *  - setup (dsp_remap_init, dsp_resampler_new*, dsp_peak_init, the method
 *    name helpers): control thread only; these may allocate and fail;
 *  - per-buffer (everything else): safe for the data thread. They never
 *    allocate, lock, log or make system calls, and they cannot fail; bad
 *    arguments are the caller's bug (counts are clamped, never trusted for
 *    memory safety beyond what the caller passed).
 *
 * Buffers passed to one call must not overlap unless a function says so.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "engine/types/channel-map.h"
#include "engine/types/sample-spec.h"
#include "engine/types/volume.h"

typedef struct DspRemap DspRemap;
typedef struct DspResampler DspResampler;
typedef struct DspPeak DspPeak;

#define DSP_CHANNELS_MAX 32U

/* ---- convert.c: sample formats <-> float ---- */

/**
 * dsp_to_float() - decode samples of @format into floats.
 * @format:     a SampleFormat (wire byte)
 * @src:        n samples in @format, any alignment
 * @dst:        n floats
 * @n:          number of samples (frames * channels)
 *
 * Integers are scaled by 2^-(bits-1) (s16: x / 32768), u8 is offset by 128,
 * A-law/u-law use the G.711 reconstruction levels on the 16-bit scale.
 * Float32 input is passed through except NaN, which becomes 0 (one broken
 * client must not poison a whole mix). An invalid @format writes silence.
 */
void dsp_to_float(uint8_t format, const void *src, float *dst, size_t n);

/**
 * dsp_from_float() - encode floats as samples of @format.
 * @format:     a SampleFormat (wire byte)
 * @src:        n floats
 * @dst:        n samples in @format, any alignment
 * @n:          number of samples
 *
 * Integer formats are scaled (s16: x * 32768), rounded to nearest (ties to
 * even, via lrintf in the default rounding mode) and saturated to the
 * format's range; NaN encodes as 0. Float32 output is NOT clamped (the sink
 * or client gets what the mix produced: values beyond +-1 survive); only
 * NaN -> 0.
 * An invalid @format writes nothing.
 * For every format except s32, dsp_from_float(dsp_to_float(x)) == x byte for
 * byte (float32: except NaN; s24-32: when the unused top byte is the sign
 * extension; u-law keeps its "negative zero" 0x7F by decoding it to -0.0f).
 */
void dsp_from_float(uint8_t format, const float *src, void *dst, size_t n);

/* ---- remap.c: channel remapping and up/down-mixing ---- */

typedef enum DspRemapMode {
        DSP_REMAP_IDENTITY = 0, /* same layout: plain copy (or nothing when in place) */
        DSP_REMAP_COPY,         /* each output is one input channel or silence */
        DSP_REMAP_MATRIX,       /* general weighted sums */
} DspRemapMode;

/* Embeddable, no heap. Filled by dsp_remap_init(); read-only afterwards, so
 * one DspRemap may be used by any thread once published. */
struct DspRemap {
        uint8_t in_channels;
        uint8_t out_channels;
        uint8_t mode;                           /* DspRemapMode */
        int8_t copy_src[DSP_CHANNELS_MAX];      /* COPY: input index or -1 (silence) */
        uint8_t n_terms[DSP_CHANNELS_MAX];      /* MATRIX: non-zero inputs per output */
        uint8_t term_src[DSP_CHANNELS_MAX][DSP_CHANNELS_MAX];
        float matrix[DSP_CHANNELS_MAX][DSP_CHANNELS_MAX]; /* [out][in] gains */
};

/**
 * dsp_remap_init() - build the matrix that converts frames laid out as @in
 * into frames laid out as @out.
 * @r:          filled on success
 * @in:         input channel map
 * @out:        output channel map
 * @no_remap:   map by index (NO_REMAP_CHANNELS)
 * @no_remix:   copy same positions only (NO_REMIX_CHANNELS)
 *
 * The rules are described at the top of remap.c. Every row of the matrix
 * sums to at most 1, so remixing alone never clips.
 *
 * Return: 0, or -EINVAL if a map is invalid (0 or >32 channels, unknown position).
 */
int dsp_remap_init(DspRemap *r, const ChannelMap *in, const ChannelMap *out,
                   bool no_remap, bool no_remix);

/**
 * dsp_remap_run() - remap @frames frames from @in to @out.
 *
 * @in holds in_channels floats per frame, @out out_channels. They must not
 * overlap, except that @in == @out is allowed for DSP_REMAP_IDENTITY (then
 * nothing is done).
 */
void dsp_remap_run(const DspRemap *r, const float *in, float *out, size_t frames);

/* ---- mix.c: volume and mixing ---- */

/**
 * dsp_volume_factors() - linear gains of a software volume.
 * @v:          per-channel volume
 * @mute:       all gains 0
 * @out:        DSP_CHANNELS_MAX gains; entries at and beyond v->channels are 0
 *
 * Cubic scale: gain = (v / 65536)^3, so 65536 -> 1.0 and 32768 -> 0.125 exactly.
 */
void dsp_volume_factors(const CVolume *v, bool mute, float out[DSP_CHANNELS_MAX]);

/* true if every one of the first @channels gains is exactly 1 (apply can be skipped) */
bool dsp_volume_factors_unity(const float *factors, unsigned channels);

/* buf[f][c] *= factors[c], in place */
void dsp_apply_volume(float *buf, size_t frames, unsigned channels, const float *factors);

/* acc[f][c] += in[f][c] * factors[c]; factors NULL means all 1.0 */
void dsp_mix_add(float *acc, const float *in, size_t frames, unsigned channels,
                 const float *factors);

/* dst[f][c] = in[f][c] * factors[c] (first stream of a mix: saves clearing acc) */
void dsp_mix_set(float *dst, const float *in, size_t frames, unsigned channels,
                 const float *factors);

/* ---- resample.c: sample-rate conversion ---- */

/* Values are ours; the *names* are PulseAudio's (`--dump-resample-methods`
 * order, unsupported ones left out). */
typedef enum DspResampleMethod {
        DSP_RESAMPLE_TRIVIAL = 0,
        DSP_RESAMPLE_SPEEX_FLOAT_BASE = 1,      /* + quality 0..10 */
        DSP_RESAMPLE_SPEEX_FLOAT_MAX = DSP_RESAMPLE_SPEEX_FLOAT_BASE + 10,
        DSP_RESAMPLE_SPEEX_FIXED_BASE,          /* + quality 0..10 */
        DSP_RESAMPLE_SPEEX_FIXED_MAX = DSP_RESAMPLE_SPEEX_FIXED_BASE + 10,
        DSP_RESAMPLE_AUTO,                      /* = speex-float-1 */
        DSP_RESAMPLE_COPY,                      /* same rate only */
        DSP_RESAMPLE_PEAKS,                     /* per output frame: max |x| per channel */
        _DSP_RESAMPLE_N,
} DspResampleMethod;

#define DSP_RESAMPLE_DEFAULT (DSP_RESAMPLE_SPEEX_FLOAT_BASE + 1)

/**
 * dsp_resample_method_from_string() - parse a resample method name.
 *
 * Return: a DspResampleMethod (>= 0); -EOPNOTSUPP for a name PulseAudio
 * knows but we do not implement ("src-*", "ffmpeg", "soxr-*"); -EINVAL for
 * anything else.
 */
int dsp_resample_method_from_string(const char *s);

/* "speex-float-1" etc.; NULL for an invalid method. Iterating 0.._DSP_RESAMPLE_N-1
 * gives the list `--dump-resample-methods` prints. */
const char *dsp_resample_method_to_string(int method);

/**
 * dsp_resampler_new() - create a resampler for a fixed input rate.
 * @ret:        the new resampler
 * @channels:   1..32
 * @in_rate:    input rate, 1..RATE_MAX
 * @out_rate:   output rate, 1..RATE_MAX
 * @method:     a DspResampleMethod; AUTO becomes speex-float-1
 *
 * Same as dsp_resampler_new_variable() with max_in_rate = @in_rate.
 *
 * Return: 0; -EINVAL for bad arguments (including COPY with different rates);
 * -ENOMEM.
 */
int dsp_resampler_new(DspResampler **ret, unsigned channels, uint32_t in_rate,
                      uint32_t out_rate, int method);

/**
 * dsp_resampler_new_variable() - create a resampler whose input rate may change.
 * @max_in_rate: highest input rate dsp_resampler_set_input_rate() will accept
 *               (>= @in_rate, <= RATE_MAX)
 *
 * speexdsp grows its filter tables when the rate ratio needs a longer
 * filter; we provoke that growth here, in the control thread, for every
 * ratio up to @max_in_rate / @out_rate, so later rate changes up to that
 * bound never allocate. For VARIABLE_RATE streams pass e.g. RATE_MAX or a
 * sensible bound (memory grows with the downsampling ratio).
 *
 * Return: as dsp_resampler_new().
 */
int dsp_resampler_new_variable(DspResampler **ret, unsigned channels, uint32_t in_rate,
                               uint32_t out_rate, int method, uint32_t max_in_rate);

/* Frees r (NULL is fine); returns NULL. Control thread. */
DspResampler *dsp_resampler_free(DspResampler *r);

/**
 * dsp_resampler_set_input_rate() - change the input rate (VARIABLE_RATE).
 *
 * Data-thread safe: no allocation for rates up to the max_in_rate given at
 * creation (speex recomputes its filter table, which is bounded CPU work).
 * The output continues without a reset.
 *
 * Return: 0; -EINVAL for 0 or (COPY) a rate different from the output rate;
 * -ERANGE above max_in_rate (recreate the resampler in the control thread).
 */
int dsp_resampler_set_input_rate(DspResampler *r, uint32_t in_rate);

/**
 * dsp_resampler_process() - resample.
 * @in:         *in_frames frames of input
 * @in_frames:  in: frames available; out: frames consumed
 * @out:        room for *out_frames frames
 * @out_frames: in: room; out: frames produced
 *
 * Stops when the output is full or the input is used up. Unconsumed input
 * must be offered again next time. Given at least
 * dsp_resampler_input_frames_for(r, n) input frames and room for n, it
 * produces exactly n frames (after a rate change that lengthens speex's
 * filter this may be off for one call; it resynchronises itself).
 */
void dsp_resampler_process(DspResampler *r, const float *in, size_t *in_frames,
                           float *out, size_t *out_frames);

/* Input frames needed to produce @out_frames output frames from the current state. */
size_t dsp_resampler_input_frames_for(const DspResampler *r, size_t out_frames);

/* Delay the resampler adds, in output frames (speex: filter group delay; others 0). */
uint64_t dsp_resampler_delay_frames(const DspResampler *r);

/* Forget all history (after flush/seek/move); the next output starts fresh. */
void dsp_resampler_reset(DspResampler *r);

/* The method in use (AUTO resolved), for introspection. */
int dsp_resampler_get_method(const DspResampler *r);
uint32_t dsp_resampler_get_input_rate(const DspResampler *r);
uint32_t dsp_resampler_get_output_rate(const DspResampler *r);

/* ---- peak.c: peak meter for PEAK_DETECT record streams ---- */

#define DSP_PEAK_RING 64U

/* Embeddable. One output value per in_rate/out_rate input frames: the
 * largest |x| of any channel over those frames (mono, what VU meters read). */
struct DspPeak {
        uint32_t in_rate;
        uint32_t out_rate;
        uint32_t channels;
        uint64_t phase;         /* += out_rate per input frame; emit at >= in_rate */
        float current;          /* running max of the value being built */
        uint32_t head;          /* oldest queued value */
        uint32_t count;         /* queued values */
        float ring[DSP_PEAK_RING];
};

/**
 * dsp_peak_init() - set up a peak meter.
 * @channels:   channels of the input (1..32)
 * @in_rate:    input frame rate
 * @out_rate:   peak values per second (e.g. 25)
 *
 * Return: 0, or -EINVAL for bad counts/rates or out_rate > 63 * in_rate
 * (one frame would finish more values than the ring holds).
 */
int dsp_peak_init(DspPeak *p, unsigned channels, uint32_t in_rate, uint32_t out_rate);

/* Drop queued values and the partial one. */
void dsp_peak_reset(DspPeak *p);

/* Feed input; returns frames consumed, < @frames only if DSP_PEAK_RING values
 * are waiting (pop, then push the rest). */
size_t dsp_peak_push(DspPeak *p, const float *in, size_t frames);

/* Take up to @max finished values (oldest first); returns how many. */
size_t dsp_peak_pop(DspPeak *p, float *out, size_t max);
