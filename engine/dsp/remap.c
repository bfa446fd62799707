/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * remap.c: channel remapping and up/down-mixing by channel position.
 *
 * dsp_remap_init() (control thread) turns two channel maps into a gain
 * matrix M[out][in]; dsp_remap_run() (data thread) computes
 * out[o] = sum_i M[o][i] * in[i] for each frame. The matrix is then
 * classified so the common cases run cheaply: IDENTITY (same layout),
 * COPY (every output is one input or silence: reordering, dropping,
 * mono -> N duplication) and MATRIX (weighted sums, via a per-row list of
 * the non-zero terms).
 *
 * Geometry. Each position has a *side* (left, right, centre, LFE, aux), a
 * *depth* (0 front, 1 side, 2 rear) and a *height* (top or not); the
 * distance between two positions of one side is 2 * |depth difference|
 * + (1 if heights differ). "Nearest" below means the channels at the
 * smallest distance; ties share equally. Front-left-of-centre counts as
 * front-left, mono as front-centre.
 *
 * Rules, in order (first that applies):
 *  1. Identical maps: identity.
 *  2. no_remap: by index; input i goes to output i, extra inputs are
 *     dropped, missing ones are silent (also wins over no_remix).
 *  3. no_remix: an output copies the input with the same position
 *     (the average if the input repeats it); everything else is silent.
 *  4. One map has only aux channels and the maps share no position: by
 *     index as in 2 (there is no geometry to go by).
 *  5. Otherwise:
 *     a. Same position -> gain 1.
 *     b. Aux channels never mix with positions; aux inputs left over after
 *        a. go to left-over aux outputs in order.
 *     c. Each input without a same-position output is folded in:
 *        - mono: into every output except LFE and aux, gain 1 each;
 *        - LFE: dropped (an LFE output would have matched in a.);
 *        - left/right: into the nearest outputs of its side, its gain of
 *          1 split equally among them; if that side has no outputs, into
 *          the nearest centre outputs (mono included), else the other side;
 *        - centre: into the nearest centre outputs; if there are none,
 *          half to the nearest left and half to the nearest right outputs
 *          (all of it if only one side exists). 5.1 -> stereo thus gives
 *          L' = L + RL + C/2 before normalisation.
 *     d. Each output that still receives nothing is derived (upmix):
 *        - mono: the average of all inputs except LFE and aux;
 *        - left/right: the average of the nearest inputs of its side (so
 *          rear-left and side-left come from front-left when only stereo
 *          exists), else of the nearest centre inputs, else the other side;
 *        - centre: the nearest centre inputs, else (left + right) / 2 from
 *          the nearest inputs of each side (stereo -> FC = (FL + FR) / 2);
 *        - LFE: silent. We do not synthesise bass from full-range channels
 *          (PulseAudio's default, enable-lfe-remixing = no);
 *        - aux: silent.
 *     e. Every row whose gains sum to more than 1 is scaled to sum to 1,
 *        so remixing can never push a full-scale input over full scale
 *        (stereo -> mono = (L + R) / 2; 5.1 -> stereo
 *        L' = 0.4 L + 0.4 RL + 0.2 C).
 *
 * The per-buffer function reads the struct only; it does not allocate.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "engine/dsp/dsp.h"

enum {
        SIDE_LEFT,
        SIDE_RIGHT,
        SIDE_CENTER,
        SIDE_LFE,
        SIDE_AUX,
};

typedef struct PosInfo {
        uint8_t side;
        uint8_t depth;  /* 0 front, 1 side, 2 rear */
        uint8_t top;
} PosInfo;

static PosInfo pos_info(uint8_t pos) {
        switch (pos) {
        case CHANNEL_MONO:
        case CHANNEL_FRONT_CENTER:
                return (PosInfo){ SIDE_CENTER, 0, 0 };
        case CHANNEL_FRONT_LEFT:
        case CHANNEL_FRONT_LEFT_OF_CENTER:
                return (PosInfo){ SIDE_LEFT, 0, 0 };
        case CHANNEL_FRONT_RIGHT:
        case CHANNEL_FRONT_RIGHT_OF_CENTER:
                return (PosInfo){ SIDE_RIGHT, 0, 0 };
        case CHANNEL_REAR_CENTER:
                return (PosInfo){ SIDE_CENTER, 2, 0 };
        case CHANNEL_REAR_LEFT:
                return (PosInfo){ SIDE_LEFT, 2, 0 };
        case CHANNEL_REAR_RIGHT:
                return (PosInfo){ SIDE_RIGHT, 2, 0 };
        case CHANNEL_LFE:
                return (PosInfo){ SIDE_LFE, 0, 0 };
        case CHANNEL_SIDE_LEFT:
                return (PosInfo){ SIDE_LEFT, 1, 0 };
        case CHANNEL_SIDE_RIGHT:
                return (PosInfo){ SIDE_RIGHT, 1, 0 };
        case CHANNEL_TOP_CENTER:
                return (PosInfo){ SIDE_CENTER, 1, 1 };
        case CHANNEL_TOP_FRONT_LEFT:
                return (PosInfo){ SIDE_LEFT, 0, 1 };
        case CHANNEL_TOP_FRONT_RIGHT:
                return (PosInfo){ SIDE_RIGHT, 0, 1 };
        case CHANNEL_TOP_FRONT_CENTER:
                return (PosInfo){ SIDE_CENTER, 0, 1 };
        case CHANNEL_TOP_REAR_LEFT:
                return (PosInfo){ SIDE_LEFT, 2, 1 };
        case CHANNEL_TOP_REAR_RIGHT:
                return (PosInfo){ SIDE_RIGHT, 2, 1 };
        case CHANNEL_TOP_REAR_CENTER:
                return (PosInfo){ SIDE_CENTER, 2, 1 };
        default:
                return (PosInfo){ SIDE_AUX, 0, 0 };     /* CHANNEL_AUX0..AUX31 */
        }
}

static unsigned pos_distance(uint8_t a, uint8_t b) {
        PosInfo x = pos_info(a), y = pos_info(b);
        unsigned d = x.depth > y.depth ? x.depth - y.depth : y.depth - x.depth;

        return 2 * d + (x.top != y.top);
}

static bool map_ok(const ChannelMap *m) {
        if (!m || m->channels < 1 || m->channels > DSP_CHANNELS_MAX)
                return false;
        for (unsigned i = 0; i < m->channels; i++)
                if (m->map[i] >= _CHANNEL_POSITION_N)
                        return false;
        return true;
}

/* Bit i set for each channel i of @m on @side. */
static uint32_t side_mask(const ChannelMap *m, unsigned side) {
        uint32_t mask = 0;

        for (unsigned i = 0; i < m->channels; i++)
                if (pos_info(m->map[i]).side == side)
                        mask |= UINT32_C(1) << i;
        return mask;
}

/* The channels of @mask (in @m) nearest to position @pos. */
static uint32_t nearest(const ChannelMap *m, uint32_t mask, uint8_t pos) {
        unsigned best = ~0u;
        uint32_t r = 0;

        for (unsigned i = 0; i < m->channels; i++) {
                unsigned d;

                if (!(mask & (UINT32_C(1) << i)))
                        continue;
                d = pos_distance(pos, m->map[i]);
                if (d < best) {
                        best = d;
                        r = 0;
                }
                if (d == best)
                        r |= UINT32_C(1) << i;
        }
        return r;
}

/* Add @gain, split equally over the outputs in @outs, to column @in. */
static void spread_out(DspRemap *r, uint32_t outs, unsigned in, float gain) {
        float g = gain / (float)__builtin_popcount(outs);

        for (unsigned o = 0; o < r->out_channels; o++)
                if (outs & (UINT32_C(1) << o))
                        r->matrix[o][in] += g;
}

/* Add @gain, split equally over the inputs in @ins, to row @out. */
static void spread_in(DspRemap *r, unsigned out, uint32_t ins, float gain) {
        float g = gain / (float)__builtin_popcount(ins);

        for (unsigned i = 0; i < r->in_channels; i++)
                if (ins & (UINT32_C(1) << i))
                        r->matrix[out][i] += g;
}

static void build_by_index(DspRemap *r) {
        unsigned n = r->in_channels < r->out_channels ? r->in_channels : r->out_channels;

        for (unsigned i = 0; i < n; i++)
                r->matrix[i][i] = 1.0f;
}

/* Rule 5a (and rule 3): same position. Returns in/out "matched" masks. */
static void build_same_position(DspRemap *r, const ChannelMap *in, const ChannelMap *out,
                                uint32_t *in_matched, uint32_t *out_matched) {
        *in_matched = *out_matched = 0;
        for (unsigned o = 0; o < out->channels; o++)
                for (unsigned i = 0; i < in->channels; i++)
                        if (in->map[i] == out->map[o]) {
                                r->matrix[o][i] = 1.0f;
                                *in_matched |= UINT32_C(1) << i;
                                *out_matched |= UINT32_C(1) << o;
                        }
}

/* Rule 5c for one left/right input channel. */
static void fold_side(DspRemap *r, const ChannelMap *out, unsigned i, uint8_t pos,
                      unsigned side) {
        unsigned other = side == SIDE_LEFT ? SIDE_RIGHT : SIDE_LEFT;
        uint32_t t;

        t = nearest(out, side_mask(out, side), pos);
        if (!t)
                t = nearest(out, side_mask(out, SIDE_CENTER), pos);
        if (!t)
                t = nearest(out, side_mask(out, other), pos);
        if (t)
                spread_out(r, t, i, 1.0f);
}

/* Rule 5c for one centre input channel. */
static void fold_center(DspRemap *r, const ChannelMap *out, unsigned i, uint8_t pos) {
        uint32_t c, lt, rt;

        c = nearest(out, side_mask(out, SIDE_CENTER), pos);
        if (c) {
                spread_out(r, c, i, 1.0f);
                return;
        }
        lt = nearest(out, side_mask(out, SIDE_LEFT), pos);
        rt = nearest(out, side_mask(out, SIDE_RIGHT), pos);
        if (lt && rt) {
                spread_out(r, lt, i, 0.5f);
                spread_out(r, rt, i, 0.5f);
        } else if (lt | rt) {
                spread_out(r, lt | rt, i, 1.0f);
        }
}

/* Rule 5d for one output channel that receives nothing yet. */
static void derive(DspRemap *r, const ChannelMap *in, unsigned o, uint8_t pos) {
        PosInfo p = pos_info(pos);
        uint32_t s, lt, rt;

        if (pos == CHANNEL_MONO) {
                s = side_mask(in, SIDE_LEFT) | side_mask(in, SIDE_RIGHT) |
                    side_mask(in, SIDE_CENTER);
                if (s)
                        spread_in(r, o, s, 1.0f);
                return;
        }

        switch (p.side) {
        case SIDE_LEFT:
        case SIDE_RIGHT:
                s = nearest(in, side_mask(in, p.side), pos);
                if (!s)
                        s = nearest(in, side_mask(in, SIDE_CENTER), pos);
                if (!s)
                        s = nearest(in, side_mask(in, p.side == SIDE_LEFT ? SIDE_RIGHT
                                                                          : SIDE_LEFT), pos);
                if (s)
                        spread_in(r, o, s, 1.0f);
                break;
        case SIDE_CENTER:
                s = nearest(in, side_mask(in, SIDE_CENTER), pos);
                if (s) {
                        spread_in(r, o, s, 1.0f);
                        break;
                }
                lt = nearest(in, side_mask(in, SIDE_LEFT), pos);
                rt = nearest(in, side_mask(in, SIDE_RIGHT), pos);
                if (lt && rt) {
                        spread_in(r, o, lt, 0.5f);
                        spread_in(r, o, rt, 0.5f);
                } else if (lt | rt) {
                        spread_in(r, o, lt | rt, 1.0f);
                }
                break;
        default:
                /* LFE and aux outputs stay silent */
                break;
        }
}

static void build_remix(DspRemap *r, const ChannelMap *in, const ChannelMap *out) {
        uint32_t in_matched, out_matched, in_aux, out_aux;

        /* a. same position */
        build_same_position(r, in, out, &in_matched, &out_matched);

        /* b. left-over aux channels in order */
        in_aux = side_mask(in, SIDE_AUX) & ~in_matched;
        out_aux = side_mask(out, SIDE_AUX) & ~out_matched;
        while (in_aux && out_aux) {
                unsigned i = (unsigned)__builtin_ctz(in_aux);
                unsigned o = (unsigned)__builtin_ctz(out_aux);

                r->matrix[o][i] = 1.0f;
                in_aux &= in_aux - 1;
                out_aux &= out_aux - 1;
        }

        /* c. fold inputs that have no same-position output */
        for (unsigned i = 0; i < in->channels; i++) {
                uint8_t pos = in->map[i];

                if (in_matched & (UINT32_C(1) << i))
                        continue;
                if (pos == CHANNEL_MONO) {
                        uint32_t t = ~(side_mask(out, SIDE_LFE) | side_mask(out, SIDE_AUX));

                        for (unsigned o = 0; o < out->channels; o++)
                                if (t & (UINT32_C(1) << o))
                                        r->matrix[o][i] += 1.0f;
                        continue;
                }
                switch (pos_info(pos).side) {
                case SIDE_LEFT:
                case SIDE_RIGHT:
                        fold_side(r, out, i, pos, pos_info(pos).side);
                        break;
                case SIDE_CENTER:
                        fold_center(r, out, i, pos);
                        break;
                default:
                        /* LFE without an LFE output is dropped; aux handled in b. */
                        break;
                }
        }

        /* d. derive outputs that receive nothing */
        for (unsigned o = 0; o < out->channels; o++) {
                bool empty = true;

                for (unsigned i = 0; i < in->channels; i++)
                        if (r->matrix[o][i] != 0.0f)
                                empty = false;
                if (empty)
                        derive(r, in, o, out->map[o]);
        }
}

static bool share_position(const ChannelMap *a, const ChannelMap *b) {
        for (unsigned i = 0; i < a->channels; i++)
                for (unsigned j = 0; j < b->channels; j++)
                        if (a->map[i] == b->map[j])
                                return true;
        return false;
}

/* Rule e, then the fast-path classification and the term lists. */
static void finish(DspRemap *r) {
        bool copy = true, identity = r->in_channels == r->out_channels;

        for (unsigned o = 0; o < r->out_channels; o++) {
                float sum = 0.0f;
                unsigned n = 0;

                for (unsigned i = 0; i < r->in_channels; i++)
                        sum += r->matrix[o][i];
                if (sum > 1.0f)
                        for (unsigned i = 0; i < r->in_channels; i++)
                                r->matrix[o][i] /= sum;

                r->copy_src[o] = -1;
                for (unsigned i = 0; i < r->in_channels; i++) {
                        if (r->matrix[o][i] == 0.0f)
                                continue;
                        r->term_src[o][n++] = (uint8_t)i;
                        r->copy_src[o] = (int8_t)i;
                }
                r->n_terms[o] = (uint8_t)n;

                if (n > 1 || (n == 1 && r->matrix[o][r->copy_src[o]] != 1.0f))
                        copy = false;
                if (n != 1 || r->copy_src[o] != (int8_t)o)
                        identity = false;
        }

        if (identity && copy)
                r->mode = DSP_REMAP_IDENTITY;
        else if (copy)
                r->mode = DSP_REMAP_COPY;
        else
                r->mode = DSP_REMAP_MATRIX;
}

int dsp_remap_init(DspRemap *r, const ChannelMap *in, const ChannelMap *out,
                   bool no_remap, bool no_remix) {
        uint32_t in_matched, out_matched;
        bool in_all_aux, out_all_aux;

        if (!map_ok(in) || !map_ok(out))
                return -EINVAL;

        memset(r, 0, sizeof(*r));
        r->in_channels = in->channels;
        r->out_channels = out->channels;

        in_all_aux = side_mask(in, SIDE_AUX) == (UINT32_MAX >> (32 - in->channels));
        out_all_aux = side_mask(out, SIDE_AUX) == (UINT32_MAX >> (32 - out->channels));

        if (in->channels == out->channels &&
            memcmp(in->map, out->map, in->channels) == 0)
                build_by_index(r);                              /* 1 */
        else if (no_remap)
                build_by_index(r);                              /* 2 */
        else if (no_remix)
                build_same_position(r, in, out, &in_matched, &out_matched); /* 3 */
        else if ((in_all_aux || out_all_aux) && !share_position(in, out))
                build_by_index(r);                              /* 4 */
        else
                build_remix(r, in, out);                        /* 5 */

        finish(r);
        return 0;
}

void dsp_remap_run(const DspRemap *r, const float *in, float *out, size_t frames) {
        const unsigned ic = r->in_channels, oc = r->out_channels;

        switch (r->mode) {
        case DSP_REMAP_IDENTITY:
                if (in != out)
                        memcpy(out, in, frames * ic * sizeof(*out));
                break;
        case DSP_REMAP_COPY:
                if (ic == 1) {
                        /* mono -> N: the most common upmix */
                        for (size_t f = 0; f < frames; f++)
                                for (unsigned o = 0; o < oc; o++)
                                        out[f * oc + o] = r->copy_src[o] < 0 ? 0.0f : in[f];
                        break;
                }
                for (size_t f = 0; f < frames; f++, in += ic, out += oc)
                        for (unsigned o = 0; o < oc; o++)
                                out[o] = r->copy_src[o] < 0 ? 0.0f : in[r->copy_src[o]];
                break;
        default:
                for (size_t f = 0; f < frames; f++, in += ic, out += oc)
                        for (unsigned o = 0; o < oc; o++) {
                                const uint8_t *src = r->term_src[o];
                                float acc = 0.0f;

                                for (unsigned k = 0; k < r->n_terms[o]; k++)
                                        acc += r->matrix[o][src[k]] * in[src[k]];
                                out[o] = acc;
                        }
                break;
        }
}
