/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* format-info.h: stream/device format descriptions (encoding + JSON-valued proplist). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include "engine/types/proplist.h"
#include "engine/types/sample-spec.h"
#include "engine/types/channel-map.h"

typedef enum Encoding {
        ENCODING_ANY = 0,
        ENCODING_PCM = 1,
        ENCODING_AC3_IEC61937 = 2,
        ENCODING_EAC3_IEC61937 = 3,
        ENCODING_MPEG_IEC61937 = 4,
        ENCODING_DTS_IEC61937 = 5,
        ENCODING_MPEG2_AAC_IEC61937 = 6,
        ENCODING_TRUEHD_IEC61937 = 7,
        ENCODING_DTSHD_IEC61937 = 8,
        _ENCODING_N,
        ENCODING_INVALID = 0xFF,
} Encoding;

typedef struct FormatInfo {
        uint8_t encoding;
        Proplist *props;     /* never NULL once initialised */
} FormatInfo;

FormatInfo *format_info_new(uint8_t encoding);   /* empty proplist; NULL on OOM */
FormatInfo *format_info_free(FormatInfo *f);
static inline void format_info_freep(FormatInfo **f) { if (*f) format_info_free(*f); }
FormatInfo *format_info_copy(const FormatInfo *f);
bool format_info_valid(const FormatInfo *f);    /* encoding < _ENCODING_N */
bool format_info_is_pcm(const FormatInfo *f);
/* Builds a PCM format with format.sample_format ("\"s16le\""), format.rate,
 * format.channels, format.channel_map ("\"front-left,front-right\"") as JSON text
 * values, as PulseAudio does. map may be NULL. */
FormatInfo *format_info_from_sample_spec(const SampleSpec *ss, const ChannelMap *map);
/* Extracts a fixed spec (and map, if given) from a PCM format info whose values
 * are single JSON values. Without format.channel_map, *map is the default map
 * (channel_map_init_auto). Return: 0, -EINVAL (not PCM / missing / ranges / lists /
 * map length differs from format.channels). */
int format_info_to_sample_spec(const FormatInfo *f, SampleSpec *ss, ChannelMap *map);
const char *encoding_to_string(uint8_t e);     /* "pcm", "ac3-iec61937", ..., "any"; NULL invalid */
