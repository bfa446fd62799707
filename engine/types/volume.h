/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* volume.h: volumes on PulseAudio's cubic software scale.
 *
 * A volume is a u32: 0 = muted, VOLUME_NORM (0x10000) = 100 % = 0 dB,
 * VOLUME_MAX = 0x7FFFFFFF, VOLUME_INVALID = 0xFFFFFFFF. Linear amplitude
 * factor = (v / 65536)^3; dB = 60 * log10(v / 65536).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "engine/types/channel-map.h"

typedef uint32_t Volume;

#define VOLUME_MUTED 0U
#define VOLUME_NORM 0x10000U
#define VOLUME_MAX 0x7FFFFFFFU
#define VOLUME_INVALID 0xFFFFFFFFU
#define VOLUME_UI_MAX 99957U /* +11 dB */

typedef struct CVolume {
        uint8_t channels;
        Volume values[32];
} CVolume;

/* 1 <= channels <= 32 and every value <= VOLUME_MAX */
bool cvolume_valid(const CVolume *v);
bool cvolume_equal(const CVolume *a, const CVolume *b);
/* Set all n channels to v. */
CVolume *cvolume_set(CVolume *c, unsigned channels, Volume v);
Volume cvolume_max(const CVolume *c);
Volume cvolume_avg(const CVolume *c);
/* Scales c so that its maximum becomes max, preserving balance (PulseAudio's
 * cvolume_scale); if c's max is 0 every channel becomes max. */
CVolume *cvolume_scale(CVolume *c, Volume max);

/* Conversions, bit-exact with libpulse. Only -inf dB is muted by definition;
 * other small values round to 0 below about -289 dB (-200 dB gives 30). */
double volume_to_linear(Volume v);
Volume volume_from_linear(double linear);
double volume_to_db(Volume v);          /* -INFINITY for 0 */
Volume volume_from_db(double db);
/* a * b on the cubic scale: round(a * b / 65536), clamped to VOLUME_MAX;
 * VOLUME_INVALID if either operand is > VOLUME_MAX (as libpulse) */
Volume volume_multiply(Volume a, Volume b);

/* "65536 / 100% / 0.00 dB" as pactl shows it (used by logs and --dump output) */
char *volume_snprint_verbose(char *buf, size_t n, Volume v);
/* Parses a volume the way the startup script and module arguments give it:
 * a plain integer (raw, 0..VOLUME_MAX), "NN%" (percent, may be fractional),
 * "NNdB" / "-NNdB" (decibels), or a decimal with a dot ("0.5" = linear factor).
 * Return: 0, or -EINVAL / -ERANGE. */
int volume_parse(const char *s, Volume *ret);
