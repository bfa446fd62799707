/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sbc-codec.h: A2DP SBC capability negotiation, RTP packetising and the mSBC
 * framing of HFP, on top of libsbc. Pure functions and plain state (no I/O,
 * no D-Bus), so the unit tests drive them directly.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sbc/sbc.h>

/* SBC codec information element (A2DP), byte 0 and 1 bits. */
enum {
        SBC_RATE_16000 = 0x80,
        SBC_RATE_32000 = 0x40,
        SBC_RATE_44100 = 0x20,
        SBC_RATE_48000 = 0x10,
        SBC_CM_MONO = 0x08,
        SBC_CM_DUAL = 0x04,
        SBC_CM_STEREO = 0x02,
        SBC_CM_JOINT = 0x01,
        SBC_BLOCKS_4 = 0x80,
        SBC_BLOCKS_8 = 0x40,
        SBC_BLOCKS_12 = 0x20,
        SBC_BLOCKS_16 = 0x10,
        SBC_SUBBANDS_4 = 0x08,
        SBC_SUBBANDS_8 = 0x04,
        SBC_ALLOC_SNR = 0x02,
        SBC_ALLOC_LOUDNESS = 0x01,
};

#define SBC_BITPOOL_MIN 2U
#define SBC_BITPOOL_MAX_HQ 53U          /* the highest bitpool we ask for (high quality) */
#define A2DP_RTP_HEADER 12U
#define A2DP_PAYLOAD_HEADER 1U
#define A2DP_MAX_FRAMES_PER_PACKET 15U

/* Our own capabilities (what we register with Media1.RegisterEndpoint). */
extern const uint8_t sbc_local_caps[4];

/* Outcomes (positive codes). */
enum {
        _SBC_E_SUCCESS,
        SBC_E_INVALID,          /* malformed (wrong length, bad bits) */
        SBC_E_UNSUPPORTED,      /* well-formed but outside what both sides can do */
        SBC_E_MTU,              /* the MTU cannot carry one frame */
};

/* Picks the best configuration both sides allow: 44.1 > 48 > 32 > 16 kHz, joint stereo >
 * stereo > dual > mono, 16 > 12 > 8 > 4 blocks, 8 > 4 subbands, loudness > SNR, bitpool
 * min..max(caps) clamped to 2..53.
 * Return: 0, SBC_E_INVALID (n != 4, min > max), SBC_E_UNSUPPORTED (no common value). */
int sbc_select_configuration(const uint8_t *caps, size_t n, uint8_t ret_config[4]);
/* A configuration pushed by the remote side: exactly one bit per field, within our
 * capabilities, 2 <= min <= max <= 250.
 * Return: 0, SBC_E_INVALID, SBC_E_UNSUPPORTED. */
int sbc_validate_configuration(const uint8_t *config, size_t n);
unsigned sbc_config_rate(const uint8_t config[4]);
unsigned sbc_config_channels(const uint8_t config[4]);
/* One line for logs and the message API: "44100 Hz joint-stereo 16 blocks 8 subbands ..." */
void sbc_config_describe(const uint8_t config[4], char *buf, size_t n);

/* A2DP packetiser (sink role: we send). */
typedef struct SbcEncoder {
        sbc_t sbc;
        bool initialised;
        size_t codesize;        /* PCM bytes per SBC frame */
        size_t frame_len;       /* bytes per SBC frame */
        unsigned frames_per_packet;
        unsigned pcm_frames_per_sbc;    /* PCM frames (per channel samples) per SBC frame */
        uint16_t seq;
        uint32_t timestamp;     /* in PCM frames */
        uint32_t ssrc;
} SbcEncoder;

/* Return: 0, SBC_E_INVALID (bad config), SBC_E_MTU (MTU too small for one frame). */
int sbc_encoder_init(SbcEncoder *e, const uint8_t config[4], size_t mtu);
void sbc_encoder_done(SbcEncoder *e);
/* PCM bytes one packet consumes. */
size_t sbc_encoder_packet_pcm(const SbcEncoder *e);
/* Encodes one packet from pcm (sbc_encoder_packet_pcm() bytes) into out (>= mtu bytes).
 * Advances seq and timestamp. Return: the packet length, or -EINVAL. */
ssize_t sbc_encoder_packet(SbcEncoder *e, const void *pcm, uint8_t *out, size_t out_size);
/* Advances seq/timestamp as if a packet went out (a packet that had to be dropped). */
void sbc_encoder_skip_packet(SbcEncoder *e);

/* A2DP depacketiser (source role: we receive). */
typedef struct SbcDecoder {
        sbc_t sbc;
        bool initialised;
        uint16_t next_seq;
        bool have_seq;
        uint64_t lost_packets;
        uint64_t bad_packets;
} SbcDecoder;

int sbc_decoder_init(SbcDecoder *d, const uint8_t config[4]);
void sbc_decoder_done(SbcDecoder *d);
/* Decodes one RTP/SBC packet into out (S16LE, interleaved).
 * Return: bytes of PCM written (>= 0), or SBC_E_INVALID for a malformed packet (counted
 * in bad_packets; nothing written). Never reads outside pkt[0..n). */
ssize_t sbc_decoder_packet(SbcDecoder *d, const uint8_t *pkt, size_t n, uint8_t *out,
                           size_t out_size);

/* mSBC (HFP wideband): 60-byte SCO packets = H2 header (0x01, 0x08/0x38/0xc8/0xf8) +
 * 57-byte frame + 1 pad byte; 120 samples of 16 kHz mono per frame. */
#define MSBC_PACKET 60U
#define MSBC_FRAME 57U
#define MSBC_PCM_BYTES 240U

typedef struct MsbcCodec {
        sbc_t enc;
        sbc_t dec;
        bool initialised;
        unsigned seq;
        uint8_t rx[2 * MSBC_PACKET];    /* reassembly of a byte stream into frames */
        size_t rx_len;
        uint64_t bad_frames;
} MsbcCodec;

int msbc_init(MsbcCodec *m);
void msbc_done(MsbcCodec *m);
/* 240 PCM bytes -> one 60-byte packet. Return 0 or -EINVAL. */
int msbc_encode(MsbcCodec *m, const void *pcm, uint8_t out[MSBC_PACKET]);
/* Feeds received bytes (any split); decoded PCM goes to out. Resynchronises on the H2
 * header. Return: PCM bytes written (a multiple of 240). */
size_t msbc_feed(MsbcCodec *m, const uint8_t *data, size_t n, uint8_t *out, size_t out_size);
