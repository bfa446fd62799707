/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sample-spec.h: sample formats and specs as the wire carries them. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum SampleFormat {
        SAMPLE_U8 = 0,
        SAMPLE_ALAW = 1,
        SAMPLE_ULAW = 2,
        SAMPLE_S16LE = 3,
        SAMPLE_S16BE = 4,
        SAMPLE_FLOAT32LE = 5,
        SAMPLE_FLOAT32BE = 6,
        SAMPLE_S32LE = 7,
        SAMPLE_S32BE = 8,
        SAMPLE_S24LE = 9,
        SAMPLE_S24BE = 10,
        SAMPLE_S24_32LE = 11,
        SAMPLE_S24_32BE = 12,
        _SAMPLE_N,
        SAMPLE_INVALID = 0xFF,
} SampleFormat;

#define CHANNELS_MAX 32U
#define RATE_MAX (384000U * 101U / 100U) /* 387840 */

typedef struct SampleSpec {
        uint8_t format;   /* SampleFormat, kept as the wire byte */
        uint8_t channels;
        uint32_t rate;
} SampleSpec;

/* format < 13, 1 <= channels <= 32, 0 < rate <= RATE_MAX */
bool sample_spec_valid(const SampleSpec *ss);
bool sample_spec_equal(const SampleSpec *a, const SampleSpec *b);
/* bytes per sample of one channel; 0 for an invalid format */
size_t sample_format_size(uint8_t format);
/* bytes per frame (all channels); 0 if invalid */
size_t sample_spec_frame_size(const SampleSpec *ss);
/* bytes per second */
size_t sample_spec_bytes_per_second(const SampleSpec *ss);
/* microseconds that nbytes of audio last (rounded down) */
uint64_t sample_spec_bytes_to_usec(uint64_t nbytes, const SampleSpec *ss);
/* bytes for usec, rounded down to whole frames */
uint64_t sample_spec_usec_to_bytes(uint64_t usec, const SampleSpec *ss);

/* Names as PulseAudio prints and parses them: "u8", "aLaw", "uLaw", "s16le",
 * "s16be", "float32le", "float32be", "s32le", "s32be", "s24le", "s24be",
 * "s24-32le", "s24-32be"; sample_format_to_string returns NULL for invalid. */
const char *sample_format_to_string(uint8_t format);
/* Also accepts aliases: "s16"/"s16ne", "float32"/"float32ne"/"float", "s32ne",
 * "s24ne", "s24-32ne" (native = little endian here), "s16re" etc. (reverse),
 * "ulaw"/"mulaw", "alaw" (case-insensitive for these). Returns SAMPLE_INVALID if unknown. */
uint8_t sample_format_from_string(const char *s);
