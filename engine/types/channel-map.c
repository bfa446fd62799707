/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* channel-map.c: channel positions, names and maps.
 *
 * Like SampleSpec, a ChannelMap arrives from peers, so nothing here trusts
 * .channels: loops are bounded by the array size and validity is a separate
 * question (channel_map_valid()).
 *
 * Names and parsing follow what libpulse 16.1 prints and accepts (observed
 * through its public API): position names are case-sensitive; the aliases
 * "left", "right", "center" and "subwoofer" exist; a list may end in one
 * trailing comma ("front-left," is one channel) but may not contain an empty
 * element; the well-known names stand alone and are not list elements.
 *
 * channel_map_init_auto() is PulseAudio's default definition (RFC 3551 /
 * AIFF-C order) extended with aux channels for counts it does not define,
 * i.e. what a module gets for "channels=N" without "channel_map=".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "engine/base/macro.h"
#include "engine/types/channel-map.h"

static const char *const position_names[_CHANNEL_POSITION_N] = {
        [CHANNEL_MONO] = "mono",
        [CHANNEL_FRONT_LEFT] = "front-left",
        [CHANNEL_FRONT_RIGHT] = "front-right",
        [CHANNEL_FRONT_CENTER] = "front-center",
        [CHANNEL_REAR_CENTER] = "rear-center",
        [CHANNEL_REAR_LEFT] = "rear-left",
        [CHANNEL_REAR_RIGHT] = "rear-right",
        [CHANNEL_LFE] = "lfe",
        [CHANNEL_FRONT_LEFT_OF_CENTER] = "front-left-of-center",
        [CHANNEL_FRONT_RIGHT_OF_CENTER] = "front-right-of-center",
        [CHANNEL_SIDE_LEFT] = "side-left",
        [CHANNEL_SIDE_RIGHT] = "side-right",
        [CHANNEL_AUX0 + 0] = "aux0",
        [CHANNEL_AUX0 + 1] = "aux1",
        [CHANNEL_AUX0 + 2] = "aux2",
        [CHANNEL_AUX0 + 3] = "aux3",
        [CHANNEL_AUX0 + 4] = "aux4",
        [CHANNEL_AUX0 + 5] = "aux5",
        [CHANNEL_AUX0 + 6] = "aux6",
        [CHANNEL_AUX0 + 7] = "aux7",
        [CHANNEL_AUX0 + 8] = "aux8",
        [CHANNEL_AUX0 + 9] = "aux9",
        [CHANNEL_AUX0 + 10] = "aux10",
        [CHANNEL_AUX0 + 11] = "aux11",
        [CHANNEL_AUX0 + 12] = "aux12",
        [CHANNEL_AUX0 + 13] = "aux13",
        [CHANNEL_AUX0 + 14] = "aux14",
        [CHANNEL_AUX0 + 15] = "aux15",
        [CHANNEL_AUX0 + 16] = "aux16",
        [CHANNEL_AUX0 + 17] = "aux17",
        [CHANNEL_AUX0 + 18] = "aux18",
        [CHANNEL_AUX0 + 19] = "aux19",
        [CHANNEL_AUX0 + 20] = "aux20",
        [CHANNEL_AUX0 + 21] = "aux21",
        [CHANNEL_AUX0 + 22] = "aux22",
        [CHANNEL_AUX0 + 23] = "aux23",
        [CHANNEL_AUX0 + 24] = "aux24",
        [CHANNEL_AUX0 + 25] = "aux25",
        [CHANNEL_AUX0 + 26] = "aux26",
        [CHANNEL_AUX0 + 27] = "aux27",
        [CHANNEL_AUX0 + 28] = "aux28",
        [CHANNEL_AUX0 + 29] = "aux29",
        [CHANNEL_AUX0 + 30] = "aux30",
        [CHANNEL_AUX0 + 31] = "aux31",
        [CHANNEL_TOP_CENTER] = "top-center",
        [CHANNEL_TOP_FRONT_LEFT] = "top-front-left",
        [CHANNEL_TOP_FRONT_RIGHT] = "top-front-right",
        [CHANNEL_TOP_FRONT_CENTER] = "top-front-center",
        [CHANNEL_TOP_REAR_LEFT] = "top-rear-left",
        [CHANNEL_TOP_REAR_RIGHT] = "top-rear-right",
        [CHANNEL_TOP_REAR_CENTER] = "top-rear-center",
};

static const struct {
        const char *name;
        uint8_t pos;
} position_aliases[] = {
        { "left", CHANNEL_FRONT_LEFT },
        { "right", CHANNEL_FRONT_RIGHT },
        { "center", CHANNEL_FRONT_CENTER },
        { "subwoofer", CHANNEL_LFE },
};

#define FL CHANNEL_FRONT_LEFT
#define FR CHANNEL_FRONT_RIGHT
#define FC CHANNEL_FRONT_CENTER
#define RC CHANNEL_REAR_CENTER
#define RL CHANNEL_REAR_LEFT
#define RR CHANNEL_REAR_RIGHT
#define LFE CHANNEL_LFE
#define FLC CHANNEL_FRONT_LEFT_OF_CENTER
#define FRC CHANNEL_FRONT_RIGHT_OF_CENTER
#define SL CHANNEL_SIDE_LEFT
#define SR CHANNEL_SIDE_RIGHT

/* The AIFF definition for 1..6 channels; index = channels - 1. */
#define AIFF_MAX 6U
static const uint8_t aiff_maps[AIFF_MAX][AIFF_MAX] = {
        { CHANNEL_MONO },
        { FL, FR },
        { FL, FR, FC },
        { FL, FC, FR, RC },
        { FL, FR, FC, RL, RR },
        { FL, FLC, FC, FR, FRC, RC },
};

static const struct {
        const char *name;
        uint8_t channels;
        uint8_t map[8];
} well_known_maps[] = {
        { "mono", 1, { CHANNEL_MONO } },
        { "stereo", 2, { FL, FR } },
        { "surround-21", 3, { FL, FR, LFE } },
        { "surround-40", 4, { FL, FR, RL, RR } },
        { "surround-41", 5, { FL, FR, RL, RR, LFE } },
        { "surround-50", 5, { FL, FR, RL, RR, FC } },
        { "surround-51", 6, { FL, FR, RL, RR, FC, LFE } },
        { "surround-71", 8, { FL, FR, RL, RR, FC, LFE, SL, SR } },
};

bool channel_map_valid(const ChannelMap *m) {
        if (m->channels < 1 || m->channels > CHANNELS_MAX)
                return false;
        for (unsigned i = 0; i < m->channels; i++)
                if (m->map[i] >= _CHANNEL_POSITION_N)
                        return false;
        return true;
}

bool channel_map_equal(const ChannelMap *a, const ChannelMap *b) {
        if (a->channels != b->channels)
                return false;
        return memcmp(a->map, b->map, C_MIN((size_t)a->channels, sizeof(a->map))) == 0;
}

bool channel_map_init_auto(ChannelMap *m, unsigned channels) {
        unsigned base;

        if (channels < 1 || channels > CHANNELS_MAX)
                return false;
        base = C_MIN(channels, AIFF_MAX);
        memset(m, 0, sizeof(*m));
        m->channels = (uint8_t)channels;
        memcpy(m->map, aiff_maps[base - 1], base);
        for (unsigned i = base; i < channels; i++)
                m->map[i] = (uint8_t)(CHANNEL_AUX0 + (i - base));
        return true;
}

const char *channel_position_to_string(uint8_t pos) {
        return pos < _CHANNEL_POSITION_N ? position_names[pos] : NULL;
}

/* Looks up the n bytes at s (not NUL-terminated) as a position name. */
static int position_from_span(const char *s, size_t n) {
        for (size_t i = 0; i < _CHANNEL_POSITION_N; i++)
                if (strlen(position_names[i]) == n && memcmp(s, position_names[i], n) == 0)
                        return (int)i;
        for (size_t i = 0; i < C_ARRAY_SIZE(position_aliases); i++)
                if (strlen(position_aliases[i].name) == n &&
                    memcmp(s, position_aliases[i].name, n) == 0)
                        return position_aliases[i].pos;
        return -1;
}

int channel_position_from_string(const char *s) {
        if (!s)
                return -1;
        return position_from_span(s, strlen(s));
}

char *channel_map_snprint(char *buf, size_t n, const ChannelMap *m) {
        size_t pos = 0;

        if (n == 0)
                return buf;
        buf[0] = 0;
        if (!channel_map_valid(m)) {
                snprintf(buf, n, "(invalid)");
                return buf;
        }
        /* Append like one big snprintf: stop copying once the buffer is full. */
        for (unsigned i = 0; i < m->channels && pos < n - 1; i++) {
                int k = snprintf(buf + pos, n - pos, "%s%s", i ? "," : "",
                                 position_names[m->map[i]]);

                if (k < 0)
                        break;
                pos += (size_t)k;
        }
        return buf;
}

int channel_map_parse(ChannelMap *ret, const char *s) {
        ChannelMap m = { 0 };
        const char *p;

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < C_ARRAY_SIZE(well_known_maps); i++) {
                if (strcmp(s, well_known_maps[i].name) == 0) {
                        m.channels = well_known_maps[i].channels;
                        memcpy(m.map, well_known_maps[i].map, m.channels);
                        *ret = m;
                        return 0;
                }
        }

        p = s;
        while (*p) {
                size_t len = strcspn(p, ",");
                int pos;

                if (m.channels >= CHANNELS_MAX)
                        return -EINVAL;
                pos = position_from_span(p, len);
                if (pos < 0)
                        return -EINVAL;
                m.map[m.channels++] = (uint8_t)pos;
                p += len;
                if (*p == ',')
                        p++;            /* one trailing comma is tolerated, as in libpulse */
        }
        if (m.channels == 0)
                return -EINVAL;
        *ret = m;
        return 0;
}

bool channel_map_compatible(const ChannelMap *m, const SampleSpec *ss) {
        return channel_map_valid(m) && m->channels == ss->channels;
}
