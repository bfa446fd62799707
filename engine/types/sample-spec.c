/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sample-spec.c: sample formats and specs.
 *
 * A SampleSpec is a plain value that arrives from peers (tagstruct 'a'), so
 * every function here accepts any bit pattern: sizes and timings of an invalid
 * spec are 0 rather than a division by zero. Formats are kept as the wire byte
 * (uint8_t), never as the enum, so an out-of-range byte cannot index past a
 * table.
 *
 * Byte/time conversions work on whole frames (a partial frame neither lasts
 * nor yields time) and truncate, as libpulse does. Intermediate products use
 * 128-bit arithmetic and saturate at UINT64_MAX, where libpulse would wrap.
 *
 * Name parsing accepts the aliases pulseaudio(1) accepts for
 * default-sample-format, case-insensitively. One deliberate difference:
 * libpulse 16.1 maps "s32re" to s24be (a table slip); here it is s32be.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include "engine/base/macro.h"
#include "engine/types/sample-spec.h"

#define USEC_PER_SEC 1000000U

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define NE(le, be) (be)
#define RE(le, be) (le)
#else
#define NE(le, be) (le)
#define RE(le, be) (be)
#endif

static const char *const format_names[_SAMPLE_N] = {
        [SAMPLE_U8] = "u8",
        [SAMPLE_ALAW] = "aLaw",
        [SAMPLE_ULAW] = "uLaw",
        [SAMPLE_S16LE] = "s16le",
        [SAMPLE_S16BE] = "s16be",
        [SAMPLE_FLOAT32LE] = "float32le",
        [SAMPLE_FLOAT32BE] = "float32be",
        [SAMPLE_S32LE] = "s32le",
        [SAMPLE_S32BE] = "s32be",
        [SAMPLE_S24LE] = "s24le",
        [SAMPLE_S24BE] = "s24be",
        [SAMPLE_S24_32LE] = "s24-32le",
        [SAMPLE_S24_32BE] = "s24-32be",
};

static const uint8_t format_sizes[_SAMPLE_N] = {
        [SAMPLE_U8] = 1,
        [SAMPLE_ALAW] = 1,
        [SAMPLE_ULAW] = 1,
        [SAMPLE_S16LE] = 2,
        [SAMPLE_S16BE] = 2,
        [SAMPLE_FLOAT32LE] = 4,
        [SAMPLE_FLOAT32BE] = 4,
        [SAMPLE_S32LE] = 4,
        [SAMPLE_S32BE] = 4,
        [SAMPLE_S24LE] = 3,
        [SAMPLE_S24BE] = 3,
        [SAMPLE_S24_32LE] = 4,
        [SAMPLE_S24_32BE] = 4,
};

/* Aliases beyond the canonical names (which are matched case-insensitively too). */
static const struct {
        const char *name;
        uint8_t format;
} format_aliases[] = {
        { "8", SAMPLE_U8 },
        { "mulaw", SAMPLE_ULAW },
        { "s16ne", NE(SAMPLE_S16LE, SAMPLE_S16BE) },
        { "s16", NE(SAMPLE_S16LE, SAMPLE_S16BE) },
        { "16", NE(SAMPLE_S16LE, SAMPLE_S16BE) },
        { "s16re", RE(SAMPLE_S16LE, SAMPLE_S16BE) },
        { "float32ne", NE(SAMPLE_FLOAT32LE, SAMPLE_FLOAT32BE) },
        { "float32", NE(SAMPLE_FLOAT32LE, SAMPLE_FLOAT32BE) },
        { "float", NE(SAMPLE_FLOAT32LE, SAMPLE_FLOAT32BE) },
        { "float32re", RE(SAMPLE_FLOAT32LE, SAMPLE_FLOAT32BE) },
        { "s32ne", NE(SAMPLE_S32LE, SAMPLE_S32BE) },
        { "s32", NE(SAMPLE_S32LE, SAMPLE_S32BE) },
        { "32", NE(SAMPLE_S32LE, SAMPLE_S32BE) },
        { "s32re", RE(SAMPLE_S32LE, SAMPLE_S32BE) },
        { "s24ne", NE(SAMPLE_S24LE, SAMPLE_S24BE) },
        { "s24", NE(SAMPLE_S24LE, SAMPLE_S24BE) },
        { "24", NE(SAMPLE_S24LE, SAMPLE_S24BE) },
        { "s24re", RE(SAMPLE_S24LE, SAMPLE_S24BE) },
        { "s24-32ne", NE(SAMPLE_S24_32LE, SAMPLE_S24_32BE) },
        { "s24-32", NE(SAMPLE_S24_32LE, SAMPLE_S24_32BE) },
        { "s24-32re", RE(SAMPLE_S24_32LE, SAMPLE_S24_32BE) },
};

bool sample_spec_valid(const SampleSpec *ss) {
        return ss->format < _SAMPLE_N &&
               ss->channels >= 1 && ss->channels <= CHANNELS_MAX &&
               ss->rate > 0 && ss->rate <= RATE_MAX;
}

bool sample_spec_equal(const SampleSpec *a, const SampleSpec *b) {
        return a->format == b->format && a->channels == b->channels && a->rate == b->rate;
}

size_t sample_format_size(uint8_t format) {
        return format < _SAMPLE_N ? format_sizes[format] : 0;
}

size_t sample_spec_frame_size(const SampleSpec *ss) {
        if (!sample_spec_valid(ss))
                return 0;
        return sample_format_size(ss->format) * ss->channels;
}

size_t sample_spec_bytes_per_second(const SampleSpec *ss) {
        return sample_spec_frame_size(ss) * ss->rate;
}

static uint64_t saturate_u64(unsigned __int128 x) {
        return x > UINT64_MAX ? UINT64_MAX : (uint64_t)x;
}

uint64_t sample_spec_bytes_to_usec(uint64_t nbytes, const SampleSpec *ss) {
        size_t fs = sample_spec_frame_size(ss);
        unsigned __int128 frames;

        if (fs == 0)
                return 0;
        frames = nbytes / fs;
        return saturate_u64(frames * USEC_PER_SEC / ss->rate);
}

uint64_t sample_spec_usec_to_bytes(uint64_t usec, const SampleSpec *ss) {
        size_t fs = sample_spec_frame_size(ss);
        unsigned __int128 frames;

        if (fs == 0)
                return 0;
        frames = (unsigned __int128)usec * ss->rate / USEC_PER_SEC;
        return saturate_u64(frames * fs);
}

const char *sample_format_to_string(uint8_t format) {
        return format < _SAMPLE_N ? format_names[format] : NULL;
}

uint8_t sample_format_from_string(const char *s) {
        if (!s)
                return SAMPLE_INVALID;
        for (size_t i = 0; i < _SAMPLE_N; i++)
                if (strcasecmp(s, format_names[i]) == 0)
                        return (uint8_t)i;
        for (size_t i = 0; i < C_ARRAY_SIZE(format_aliases); i++)
                if (strcasecmp(s, format_aliases[i].name) == 0)
                        return format_aliases[i].format;
        return SAMPLE_INVALID;
}
