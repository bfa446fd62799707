/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* channel-map.h: channel positions and maps. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "engine/types/sample-spec.h"

enum {
        CHANNEL_MONO = 0,
        CHANNEL_FRONT_LEFT = 1,
        CHANNEL_FRONT_RIGHT = 2,
        CHANNEL_FRONT_CENTER = 3,
        CHANNEL_REAR_CENTER = 4,
        CHANNEL_REAR_LEFT = 5,
        CHANNEL_REAR_RIGHT = 6,
        CHANNEL_LFE = 7,
        CHANNEL_FRONT_LEFT_OF_CENTER = 8,
        CHANNEL_FRONT_RIGHT_OF_CENTER = 9,
        CHANNEL_SIDE_LEFT = 10,
        CHANNEL_SIDE_RIGHT = 11,
        CHANNEL_AUX0 = 12,      /* .. AUX31 = 43 */
        CHANNEL_TOP_CENTER = 44,
        CHANNEL_TOP_FRONT_LEFT = 45,
        CHANNEL_TOP_FRONT_RIGHT = 46,
        CHANNEL_TOP_FRONT_CENTER = 47,
        CHANNEL_TOP_REAR_LEFT = 48,
        CHANNEL_TOP_REAR_RIGHT = 49,
        CHANNEL_TOP_REAR_CENTER = 50,
        _CHANNEL_POSITION_N = 51,
};

typedef struct ChannelMap {
        uint8_t channels;
        uint8_t map[32];
} ChannelMap;

/* 1 <= channels <= 32 and every position < 51 */
bool channel_map_valid(const ChannelMap *m);
bool channel_map_equal(const ChannelMap *a, const ChannelMap *b);
/* PulseAudio's default ("aiff") map for n channels, as libpulse's
 * pa_channel_map_init_extend(m, n, PA_CHANNEL_MAP_AIFF) builds it: 1 mono;
 * 2 FL,FR; 3 FL,FR,FC; 4 FL,FC,FR,RC; 5 FL,FR,FC,RL,RR; 6 FL,FLC,FC,FR,FRC,RC;
 * n > 6: the 6-channel map followed by aux0..aux(n-7).
 * Return: false if channels is 0 or > 32 (m untouched). */
bool channel_map_init_auto(ChannelMap *m, unsigned channels);
/* "mono", "front-left", ..., "aux0".."aux31", "top-rear-center"; NULL if invalid */
const char *channel_position_to_string(uint8_t pos);
/* Accepts the names above plus the aliases "left", "right", "center", "subwoofer",
 * "rear-left" etc. Returns -1 if unknown. */
int channel_position_from_string(const char *s);
/* Comma-separated list, e.g. "front-left,front-right". Writes at most n bytes
 * (NUL-terminated); returns buf. An invalid map prints "(invalid)". */
char *channel_map_snprint(char *buf, size_t n, const ChannelMap *m);
/* Parses a comma-separated list or one of the well-known names "mono",
 * "stereo", "surround-21", "surround-40", "surround-41", "surround-50",
 * "surround-51", "surround-71". Return: 0 or -EINVAL. */
int channel_map_parse(ChannelMap *ret, const char *s);
/* true if the map is compatible with the spec (same channel count) */
bool channel_map_compatible(const ChannelMap *m, const SampleSpec *ss);
