/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * peak.c: the peak meter behind PEAK_DETECT record streams.
 *
 * Meters (pavucontrol) open a float32 mono record stream at a low rate,
 * typically 25 Hz, and read one value per frame: the peak absolute sample
 * of the audio that frame stands for. So the meter needs no filtering at
 * all, only a running maximum over in_rate / out_rate input frames, taken
 * over every channel (one mono value per output frame).
 *
 * Timing: a phase accumulator gains out_rate per input frame and a value
 * is finished each time it reaches in_rate, so over any stretch exactly
 * floor(frames * out_rate / in_rate) values come out (+-1 for the partial
 * one) whatever the ratio, without drift. If out_rate > in_rate one input
 * frame finishes several values (each gets that frame's peak).
 *
 * Finished values wait in a small ring (DSP_PEAK_RING) until the record
 * path pops them; push stops when the ring is full rather than dropping or
 * allocating, and reports how far it got. The caller converts the popped
 * floats to the stream's format and channel count (dsp_from_float, copy
 * per channel).
 *
 * Per-buffer functions: no allocation, no locks, no syscalls.
 */
#include <errno.h>
#include <math.h>
#include <string.h>
#include "engine/dsp/dsp.h"

int dsp_peak_init(DspPeak *p, unsigned channels, uint32_t in_rate, uint32_t out_rate) {
        if (channels < 1 || channels > DSP_CHANNELS_MAX ||
            in_rate < 1 || in_rate > RATE_MAX || out_rate < 1 || out_rate > RATE_MAX)
                return -EINVAL;
        /* one input frame must never finish more values than the ring holds */
        if ((uint64_t)out_rate > (uint64_t)(DSP_PEAK_RING - 1) * in_rate)
                return -EINVAL;
        memset(p, 0, sizeof(*p));
        p->channels = channels;
        p->in_rate = in_rate;
        p->out_rate = out_rate;
        return 0;
}

void dsp_peak_reset(DspPeak *p) {
        p->phase = 0;
        p->current = 0.0f;
        p->head = 0;
        p->count = 0;
}

size_t dsp_peak_push(DspPeak *p, const float *in, size_t frames) {
        const unsigned ch = p->channels;
        size_t f;

        for (f = 0; f < frames; f++, in += ch) {
                float fm = 0.0f;        /* this frame's peak (NaN never wins) */

                /* a frame that finishes several values needs room for all */
                if (p->count + (p->phase + p->out_rate) / p->in_rate > DSP_PEAK_RING)
                        break;
                for (unsigned c = 0; c < ch; c++) {
                        float a = fabsf(in[c]);

                        if (a > fm)
                                fm = a;
                }
                if (fm > p->current)
                        p->current = fm;
                p->phase += p->out_rate;
                while (p->phase >= p->in_rate) {
                        p->phase -= p->in_rate;
                        p->ring[(p->head + p->count) % DSP_PEAK_RING] = p->current;
                        p->count++;
                        /* further values finished by this same frame hold its peak */
                        p->current = p->phase >= p->in_rate ? fm : 0.0f;
                }
        }
        return f;
}

size_t dsp_peak_pop(DspPeak *p, float *out, size_t max) {
        size_t n = 0;

        while (n < max && p->count > 0) {
                out[n++] = p->ring[p->head];
                p->head = (p->head + 1) % DSP_PEAK_RING;
                p->count--;
        }
        return n;
}
