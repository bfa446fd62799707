/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* format-info.c: stream/device format descriptions.
 *
 * A format is an encoding plus a proplist whose values are JSON texts stored
 * as NUL-terminated strings, exactly as libpulse writes them
 * (pa_format_info_from_sample_spec): format.sample_format = "s16le" with the
 * JSON quotes, format.rate = 44100, format.channels = 2 and, if a map is
 * known, format.channel_map = "front-left,front-right", in that order.
 *
 * Reading goes the other way for fixed formats only. We accept a single JSON
 * string or a single non-negative JSON integer, with JSON whitespace around
 * it; arrays, {"min","max"} ranges, escapes, fractions, exponents, signs and
 * leading zeros are refused (libpulse refuses the same, and a list of
 * candidates cannot become one spec anyway). Names go through the same
 * parsers as everywhere else (libpulse does that too, so "s16" and "S16LE"
 * are accepted). Where we are stricter than libpulse: a non-PCM format is
 * refused, and a channel map whose length differs from format.channels is
 * refused instead of being returned inconsistent. Where we are more
 * lenient: a missing format.channel_map yields the default map for the
 * channel count, where libpulse fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/base/macro.h"
#include "engine/types/format-info.h"

#define KEY_SAMPLE_FORMAT "format.sample_format"
#define KEY_RATE "format.rate"
#define KEY_CHANNELS "format.channels"
#define KEY_CHANNEL_MAP "format.channel_map"

/* Longest map text: 32 positions of up to 21 characters plus commas. */
#define MAP_TEXT_MAX 1024

static const char *const encoding_names[_ENCODING_N] = {
        [ENCODING_ANY] = "any",
        [ENCODING_PCM] = "pcm",
        [ENCODING_AC3_IEC61937] = "ac3-iec61937",
        [ENCODING_EAC3_IEC61937] = "eac3-iec61937",
        [ENCODING_MPEG_IEC61937] = "mpeg-iec61937",
        [ENCODING_DTS_IEC61937] = "dts-iec61937",
        [ENCODING_MPEG2_AAC_IEC61937] = "mpeg2-aac-iec61937",
        [ENCODING_TRUEHD_IEC61937] = "truehd-iec61937",
        [ENCODING_DTSHD_IEC61937] = "dtshd-iec61937",
};

const char *encoding_to_string(uint8_t e) {
        return e < _ENCODING_N ? encoding_names[e] : NULL;
}

FormatInfo *format_info_new(uint8_t encoding) {
        FormatInfo *f = calloc(1, sizeof(*f));

        if (!f)
                return NULL;
        f->encoding = encoding;
        f->props = proplist_new();
        if (!f->props) {
                free(f);
                return NULL;
        }
        return f;
}

FormatInfo *format_info_free(FormatInfo *f) {
        if (!f)
                return NULL;
        proplist_free(f->props);
        free(f);
        return NULL;
}

FormatInfo *format_info_copy(const FormatInfo *f) {
        FormatInfo *c = calloc(1, sizeof(*c));

        if (!c)
                return NULL;
        c->encoding = f->encoding;
        c->props = proplist_copy(f->props);
        if (!c->props) {
                free(c);
                return NULL;
        }
        return c;
}

bool format_info_valid(const FormatInfo *f) {
        return f && f->props && f->encoding < _ENCODING_N;
}

bool format_info_is_pcm(const FormatInfo *f) {
        return f && f->encoding == ENCODING_PCM;
}

FormatInfo *format_info_from_sample_spec(const SampleSpec *ss, const ChannelMap *map) {
        _c_cleanup_(format_info_freep) FormatInfo *f = NULL;
        FormatInfo *res;
        char buf[MAP_TEXT_MAX];

        if (!sample_spec_valid(ss))
                return NULL;
        if (map && !channel_map_compatible(map, ss))
                return NULL;
        f = format_info_new(ENCODING_PCM);
        if (!f)
                return NULL;
        if (proplist_setf(f->props, KEY_SAMPLE_FORMAT, "\"%s\"",
                          sample_format_to_string(ss->format)) < 0 ||
            proplist_setf(f->props, KEY_RATE, "%u", ss->rate) < 0 ||
            proplist_setf(f->props, KEY_CHANNELS, "%u", (unsigned)ss->channels) < 0)
                return NULL;
        if (map && proplist_setf(f->props, KEY_CHANNEL_MAP, "\"%s\"",
                                 channel_map_snprint(buf, sizeof(buf), map)) < 0)
                return NULL;
        res = f;
        f = NULL;
        return res;
}

static const char *json_skip_ws(const char *s) {
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
                s++;
        return s;
}

/* A single JSON string without escapes, copied (unquoted) into buf. */
static int json_get_string(const char *text, char *buf, size_t n) {
        const char *s = json_skip_ws(text), *end;
        size_t len;

        if (*s != '"')
                return -EINVAL;
        s++;
        end = s;
        while (*end && *end != '"') {
                if (*end == '\\' || (unsigned char)*end < 0x20)
                        return -EINVAL;
                end++;
        }
        if (*end != '"' || *json_skip_ws(end + 1))
                return -EINVAL;
        len = (size_t)(end - s);
        if (len >= n)
                return -EINVAL;
        memcpy(buf, s, len);
        buf[len] = 0;
        return 0;
}

/* A single non-negative JSON integer that fits in 32 bits. */
static int json_get_u32(const char *text, uint32_t *ret) {
        const char *s = json_skip_ws(text);
        uint64_t v = 0;

        if (*s < '0' || *s > '9')
                return -EINVAL;
        if (s[0] == '0' && s[1] >= '0' && s[1] <= '9')
                return -EINVAL;         /* JSON has no leading zeros */
        for (; *s >= '0' && *s <= '9'; s++) {
                v = v * 10 + (uint64_t)(*s - '0');
                if (v > UINT32_MAX)
                        return -EINVAL;
        }
        if (*json_skip_ws(s))
                return -EINVAL;
        *ret = (uint32_t)v;
        return 0;
}

int format_info_to_sample_spec(const FormatInfo *f, SampleSpec *ss, ChannelMap *map) {
        const char *t_format, *t_rate, *t_channels, *t_map;
        char name[32], mapbuf[MAP_TEXT_MAX];
        SampleSpec s;
        ChannelMap m;
        uint32_t rate, channels;

        if (!format_info_is_pcm(f) || !f->props)
                return -EINVAL;
        t_format = proplist_gets(f->props, KEY_SAMPLE_FORMAT);
        t_rate = proplist_gets(f->props, KEY_RATE);
        t_channels = proplist_gets(f->props, KEY_CHANNELS);
        if (!t_format || !t_rate || !t_channels)
                return -EINVAL;

        if (json_get_string(t_format, name, sizeof(name)) < 0 ||
            json_get_u32(t_rate, &rate) < 0 ||
            json_get_u32(t_channels, &channels) < 0)
                return -EINVAL;
        if (channels > CHANNELS_MAX)
                return -EINVAL;
        s.format = sample_format_from_string(name);
        s.rate = rate;
        s.channels = (uint8_t)channels;
        if (!sample_spec_valid(&s))
                return -EINVAL;

        if (map) {
                t_map = proplist_gets(f->props, KEY_CHANNEL_MAP);
                if (t_map) {
                        if (json_get_string(t_map, mapbuf, sizeof(mapbuf)) < 0 ||
                            channel_map_parse(&m, mapbuf) < 0 ||
                            !channel_map_compatible(&m, &s))
                                return -EINVAL;
                } else if (!channel_map_init_auto(&m, s.channels)) {
                        return -EINVAL;
                }
                *map = m;
        }
        *ss = s;
        return 0;
}
