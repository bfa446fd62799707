/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sbc-codec.c: SBC for A2DP and mSBC for HFP (see sbc-codec.h).
 *
 * Facts used (A2DP spec, SBC codec information element; RFC 3550 RTP):
 * the 4-byte element is sampling|channel-mode, blocks|subbands|allocation,
 * min bitpool, max bitpool. A media packet is a 12-byte RTP header (V=2,
 * PT=96, sequence +1 per packet, timestamp in PCM frames) + a 1-byte
 * payload header whose low 4 bits count the SBC frames that follow.
 *
 * Everything a remote device sends is checked before use: lengths by
 * subtraction, frame counts against the bytes present, and each decoded
 * frame's size against the negotiated configuration (libsbc re-reads the
 * parameters from every frame header, so a hostile stream could otherwise
 * switch the channel count under us).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include "engine/base/macro.h"
#include "hw/bluez/sbc-codec.h"

const uint8_t sbc_local_caps[4] = {
        SBC_RATE_16000 | SBC_RATE_32000 | SBC_RATE_44100 | SBC_RATE_48000 |
        SBC_CM_MONO | SBC_CM_DUAL | SBC_CM_STEREO | SBC_CM_JOINT,
        SBC_BLOCKS_4 | SBC_BLOCKS_8 | SBC_BLOCKS_12 | SBC_BLOCKS_16 |
        SBC_SUBBANDS_4 | SBC_SUBBANDS_8 | SBC_ALLOC_SNR | SBC_ALLOC_LOUDNESS,
        SBC_BITPOOL_MIN, SBC_BITPOOL_MAX_HQ,
};

static int pick(uint8_t avail, const uint8_t *prefs, size_t n, uint8_t *ret) {
        for (size_t i = 0; i < n; i++)
                if (avail & prefs[i]) {
                        *ret = prefs[i];
                        return 0;
                }
        return SBC_E_UNSUPPORTED;
}

static unsigned bitpool_limit(uint8_t mode, uint8_t subbands) {
        unsigned sb = subbands == SBC_SUBBANDS_8 ? 8 : 4;

        /* A2DP: at most 16·subbands per channel, 250 overall */
        return (mode == SBC_CM_MONO || mode == SBC_CM_DUAL) ? 16 * sb : C_MIN(32 * sb, 250);
}

int sbc_select_configuration(const uint8_t *caps, size_t n, uint8_t ret_config[4]) {
        static const uint8_t rates[] = { SBC_RATE_44100, SBC_RATE_48000, SBC_RATE_32000, SBC_RATE_16000 };
        static const uint8_t modes[] = { SBC_CM_JOINT, SBC_CM_STEREO, SBC_CM_DUAL, SBC_CM_MONO };
        static const uint8_t blocks[] = { SBC_BLOCKS_16, SBC_BLOCKS_12, SBC_BLOCKS_8, SBC_BLOCKS_4 };
        static const uint8_t subbands[] = { SBC_SUBBANDS_8, SBC_SUBBANDS_4 };
        static const uint8_t allocs[] = { SBC_ALLOC_LOUDNESS, SBC_ALLOC_SNR };
        uint8_t r, m, b, s, a, c0, c1;
        unsigned lo, hi;

        if (!caps || n != 4)
                return SBC_E_INVALID;
        if (caps[2] > caps[3])
                return SBC_E_INVALID;
        c0 = caps[0] & sbc_local_caps[0];
        c1 = caps[1] & sbc_local_caps[1];
        if (pick(c0 & 0xf0, rates, 4, &r) || pick(c0 & 0x0f, modes, 4, &m) ||
            pick(c1 & 0xf0, blocks, 4, &b) || pick(c1 & 0x0c, subbands, 2, &s) ||
            pick(c1 & 0x03, allocs, 2, &a))
                return SBC_E_UNSUPPORTED;
        lo = C_MAX((unsigned)caps[2], SBC_BITPOOL_MIN);
        hi = C_MIN(C_MIN((unsigned)caps[3], SBC_BITPOOL_MAX_HQ), bitpool_limit(m, s));
        if (lo > hi)
                return SBC_E_UNSUPPORTED;
        ret_config[0] = r | m;
        ret_config[1] = b | s | a;
        ret_config[2] = (uint8_t)lo;
        ret_config[3] = (uint8_t)hi;
        return 0;
}

static bool one_bit(uint8_t v) {
        return v && !(v & (v - 1));
}

int sbc_validate_configuration(const uint8_t *config, size_t n) {
        if (!config || n != 4)
                return SBC_E_INVALID;
        if (!one_bit(config[0] & 0xf0) || !one_bit(config[0] & 0x0f) ||
            !one_bit(config[1] & 0xf0) || !one_bit(config[1] & 0x0c) ||
            !one_bit(config[1] & 0x03))
                return SBC_E_INVALID;
        if ((config[0] & ~sbc_local_caps[0]) || (config[1] & ~sbc_local_caps[1]))
                return SBC_E_UNSUPPORTED;
        if (config[2] < SBC_BITPOOL_MIN || config[2] > config[3] ||
            config[3] > bitpool_limit(config[0] & 0x0f, config[1] & 0x0c))
                return SBC_E_UNSUPPORTED;
        return 0;
}

unsigned sbc_config_rate(const uint8_t config[4]) {
        return config[0] & SBC_RATE_48000 ? 48000 : config[0] & SBC_RATE_44100 ? 44100
               : config[0] & SBC_RATE_32000 ? 32000 : 16000;
}

unsigned sbc_config_channels(const uint8_t config[4]) {
        return (config[0] & SBC_CM_MONO) ? 1 : 2;
}

void sbc_config_describe(const uint8_t config[4], char *buf, size_t n) {
        uint8_t m = config[0] & 0x0f;
        unsigned blocks = config[1] & SBC_BLOCKS_16 ? 16 : config[1] & SBC_BLOCKS_12 ? 12
                          : config[1] & SBC_BLOCKS_8 ? 8 : 4;

        snprintf(buf, n, "%u Hz %s, %u blocks, %u subbands, %s allocation, bitpool %u..%u",
                 sbc_config_rate(config),
                 m == SBC_CM_JOINT ? "joint-stereo" : m == SBC_CM_STEREO ? "stereo"
                 : m == SBC_CM_DUAL ? "dual-channel" : "mono",
                 blocks, config[1] & SBC_SUBBANDS_8 ? 8 : 4,
                 config[1] & SBC_ALLOC_LOUDNESS ? "loudness" : "SNR", config[2], config[3]);
}

/* ---- encoder ---- */

int sbc_encoder_init(SbcEncoder *e, const uint8_t config[4], size_t mtu) {
        unsigned per;

        memset(e, 0, sizeof(*e));
        if (sbc_validate_configuration(config, 4))
                return SBC_E_INVALID;
        if (sbc_init_a2dp(&e->sbc, 0, config, 4) < 0)
                return SBC_E_INVALID;
        e->initialised = true;
        e->sbc.endian = SBC_LE;
        e->sbc.bitpool = config[3];     /* sbc_init_a2dp leaves the bitpool at 32 */
        e->codesize = sbc_get_codesize(&e->sbc);
        e->frame_len = sbc_get_frame_length(&e->sbc);
        e->pcm_frames_per_sbc = (unsigned)(e->codesize / (2 * sbc_config_channels(config)));
        if (!e->frame_len || mtu < A2DP_RTP_HEADER + A2DP_PAYLOAD_HEADER + e->frame_len) {
                sbc_encoder_done(e);
                return SBC_E_MTU;
        }
        per = (unsigned)((mtu - A2DP_RTP_HEADER - A2DP_PAYLOAD_HEADER) / e->frame_len);
        e->frames_per_packet = C_MIN(per, A2DP_MAX_FRAMES_PER_PACKET);
        e->ssrc = 1;
        return 0;
}

void sbc_encoder_done(SbcEncoder *e) {
        if (e->initialised)
                sbc_finish(&e->sbc);
        e->initialised = false;
}

size_t sbc_encoder_packet_pcm(const SbcEncoder *e) {
        return e->codesize * e->frames_per_packet;
}

static void put_be16(uint8_t *p, uint16_t v) {
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t)(v >> 24);
        p[1] = (uint8_t)(v >> 16);
        p[2] = (uint8_t)(v >> 8);
        p[3] = (uint8_t)v;
}

ssize_t sbc_encoder_packet(SbcEncoder *e, const void *pcm, uint8_t *out, size_t out_size) {
        const uint8_t *in = pcm;
        size_t pos = A2DP_RTP_HEADER + A2DP_PAYLOAD_HEADER;

        if (!e->initialised || out_size < pos + e->frame_len * e->frames_per_packet)
                return -EINVAL;
        for (unsigned i = 0; i < e->frames_per_packet; i++) {
                ssize_t written = 0;
                ssize_t used = sbc_encode(&e->sbc, in, e->codesize, out + pos, out_size - pos,
                                          &written);

                if (used != (ssize_t)e->codesize || written <= 0)
                        return -EINVAL;
                in += used;
                pos += (size_t)written;
        }
        out[0] = 0x80;                  /* V=2, no padding, no extension, no CSRC */
        out[1] = 96;                    /* dynamic payload type, marker clear */
        put_be16(out + 2, e->seq);
        put_be32(out + 4, e->timestamp);
        put_be32(out + 8, e->ssrc);
        out[12] = (uint8_t)(e->frames_per_packet & 0x0f);
        e->seq++;
        e->timestamp += e->frames_per_packet * e->pcm_frames_per_sbc;
        return (ssize_t)pos;
}

void sbc_encoder_skip_packet(SbcEncoder *e) {
        e->seq++;
        e->timestamp += e->frames_per_packet * e->pcm_frames_per_sbc;
}

/* ---- decoder ---- */

int sbc_decoder_init(SbcDecoder *d, const uint8_t config[4]) {
        memset(d, 0, sizeof(*d));
        if (sbc_validate_configuration(config, 4))
                return SBC_E_INVALID;
        if (sbc_init_a2dp(&d->sbc, 0, config, 4) < 0)
                return SBC_E_INVALID;
        d->sbc.endian = SBC_LE;
        d->initialised = true;
        return 0;
}

void sbc_decoder_done(SbcDecoder *d) {
        if (d->initialised)
                sbc_finish(&d->sbc);
        d->initialised = false;
}

ssize_t sbc_decoder_packet(SbcDecoder *d, const uint8_t *pkt, size_t n, uint8_t *out,
                           size_t out_size) {
        size_t pos, w = 0, hdr;
        unsigned nf, cc;
        uint16_t seq;

        if (!d->initialised || n < A2DP_RTP_HEADER + A2DP_PAYLOAD_HEADER || (pkt[0] & 0xc0) != 0x80)
                goto bad;
        cc = pkt[0] & 0x0f;
        hdr = A2DP_RTP_HEADER + 4 * cc;
        if (pkt[0] & 0x10)              /* header extension: skip it */
                goto bad;
        if (n < hdr + A2DP_PAYLOAD_HEADER)
                goto bad;
        if (pkt[hdr] & 0x80)            /* fragmented frames: not supported */
                goto bad;
        nf = pkt[hdr] & 0x0f;
        seq = (uint16_t)(pkt[2] << 8 | pkt[3]);
        if (d->have_seq && seq != d->next_seq)
                d->lost_packets += (uint16_t)(seq - d->next_seq);
        d->have_seq = true;
        d->next_seq = (uint16_t)(seq + 1);
        pos = hdr + A2DP_PAYLOAD_HEADER;
        for (unsigned i = 0; i < nf; i++) {
                size_t written = 0;
                ssize_t used;

                if (pos >= n)
                        goto bad;
                used = sbc_decode(&d->sbc, pkt + pos, n - pos, out + w, out_size - w, &written);
                if (used <= 0 || written == 0)
                        goto bad;
                /* a frame must match the negotiated parameters (size of its PCM) */
                if (w && written != w / i)
                        goto bad;
                pos += (size_t)used;
                w += written;
        }
        return (ssize_t)w;
bad:
        d->bad_packets++;
        return -SBC_E_INVALID;
}

/* ---- mSBC ---- */

static const uint8_t msbc_h2[4] = { 0x08, 0x38, 0xc8, 0xf8 };

int msbc_init(MsbcCodec *m) {
        memset(m, 0, sizeof(*m));
        if (sbc_init_msbc(&m->enc, 0) < 0)
                return -EINVAL;
        if (sbc_init_msbc(&m->dec, 0) < 0) {
                sbc_finish(&m->enc);
                return -EINVAL;
        }
        m->enc.endian = m->dec.endian = SBC_LE;
        m->initialised = true;
        return 0;
}

void msbc_done(MsbcCodec *m) {
        if (!m->initialised)
                return;
        sbc_finish(&m->enc);
        sbc_finish(&m->dec);
        m->initialised = false;
}

int msbc_encode(MsbcCodec *m, const void *pcm, uint8_t out[MSBC_PACKET]) {
        ssize_t written = 0, used;

        out[0] = 0x01;
        out[1] = msbc_h2[m->seq++ & 3];
        used = sbc_encode(&m->enc, pcm, MSBC_PCM_BYTES, out + 2, MSBC_FRAME, &written);
        if (used != (ssize_t)MSBC_PCM_BYTES || written != (ssize_t)MSBC_FRAME)
                return -EINVAL;
        out[MSBC_PACKET - 1] = 0;
        return 0;
}

static bool msbc_is_header(const uint8_t *p) {
        /* H2 sync (0x01 + one of the four sequence bytes) followed by the mSBC syncword */
        return p[0] == 0x01 && (p[1] == 0x08 || p[1] == 0x38 || p[1] == 0xc8 || p[1] == 0xf8) &&
               p[2] == 0xad;
}

size_t msbc_feed(MsbcCodec *m, const uint8_t *data, size_t n, uint8_t *out, size_t out_size) {
        size_t w = 0;

        while (n > 0) {
                size_t take = C_MIN(n, sizeof(m->rx) - m->rx_len), pos = 0;

                memcpy(m->rx + m->rx_len, data, take);
                m->rx_len += take;
                data += take;
                n -= take;
                for (;;) {
                        while (pos + 3 <= m->rx_len && !msbc_is_header(m->rx + pos))
                                pos++;
                        if (pos + 2 + MSBC_FRAME > m->rx_len)
                                break;
                        if (w + MSBC_PCM_BYTES <= out_size) {
                                size_t written = 0;
                                ssize_t used = sbc_decode(&m->dec, m->rx + pos + 2, MSBC_FRAME,
                                                          out + w, out_size - w, &written);

                                if (used == (ssize_t)MSBC_FRAME && written == MSBC_PCM_BYTES)
                                        w += written;
                                else
                                        m->bad_frames++;
                        } else {
                                m->bad_frames++;
                        }
                        pos += 2 + MSBC_FRAME;
                }
                if (pos > m->rx_len)
                        pos = m->rx_len;
                memmove(m->rx, m->rx + pos, m->rx_len - pos);
                m->rx_len -= pos;
        }
        return w;
}
