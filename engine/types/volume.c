/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* volume.c: PulseAudio's cubic software volume scale.
 *
 * Clients see these numbers (pactl prints them, mixers round-trip them), so
 * the conversions reproduce libpulse 16.1 bit for bit; the formulas and
 * rounding below were checked against its public functions over every volume
 * up to 300000 and a stride through the rest of the range, and against
 * millions of random dB, linear and product inputs:
 *  - linear = (v / 65536)^3, computed as f * f * f;
 *  - dB = 20 * log10(linear) (NOT 60 * log10(v / 65536), which differs in
 *    the last bits);
 *  - from linear: lround(cbrt(linear) * 65536), clamped to VOLUME_MAX;
 *    NaN gives VOLUME_MAX and anything <= 0 gives 0;
 *  - from dB: -inf is muted, everything else goes through the linear path,
 *    so -200 dB is 30, not 0 (only values below about -289 dB round to 0);
 *  - multiply: (a * b + 32768) / 65536 in 64 bits (round half up), clamped
 *    to VOLUME_MAX; an invalid operand gives VOLUME_INVALID.
 *  - cvolume_avg and cvolume_scale truncate.
 *
 * volume_parse() is our own (libpulse has no public parser). It refuses
 * anything that is not exactly one of its forms, and reports out-of-range
 * values as -ERANGE instead of clamping them. Numbers are converted without
 * the locale (the daemon may run with LC_NUMERIC set).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "engine/base/macro.h"
#include "engine/types/volume.h"

bool cvolume_valid(const CVolume *v) {
        if (v->channels < 1 || v->channels > CHANNELS_MAX)
                return false;
        for (unsigned i = 0; i < v->channels; i++)
                if (v->values[i] > VOLUME_MAX)
                        return false;
        return true;
}

bool cvolume_equal(const CVolume *a, const CVolume *b) {
        if (a->channels != b->channels)
                return false;
        for (unsigned i = 0; i < a->channels && i < CHANNELS_MAX; i++)
                if (a->values[i] != b->values[i])
                        return false;
        return true;
}

CVolume *cvolume_set(CVolume *c, unsigned channels, Volume v) {
        c_assert(channels <= CHANNELS_MAX);
        channels = C_MIN(channels, CHANNELS_MAX);
        c->channels = (uint8_t)channels;
        for (unsigned i = 0; i < channels; i++)
                c->values[i] = v;
        return c;
}

Volume cvolume_max(const CVolume *c) {
        Volume m = VOLUME_MUTED;

        for (unsigned i = 0; i < c->channels && i < CHANNELS_MAX; i++)
                m = C_MAX(m, c->values[i]);
        return m;
}

Volume cvolume_avg(const CVolume *c) {
        unsigned n = C_MIN((unsigned)c->channels, CHANNELS_MAX);
        uint64_t sum = 0;

        if (n == 0)
                return VOLUME_MUTED;
        for (unsigned i = 0; i < n; i++)
                sum += c->values[i];
        return (Volume)(sum / n);
}

CVolume *cvolume_scale(CVolume *c, Volume max) {
        unsigned n = C_MIN((unsigned)c->channels, CHANNELS_MAX);
        Volume t = cvolume_max(c);

        if (t == VOLUME_MUTED)
                return cvolume_set(c, n, max);
        for (unsigned i = 0; i < n; i++) {
                uint64_t v = (uint64_t)c->values[i] * max / t;

                c->values[i] = v > VOLUME_MAX ? VOLUME_MAX : (Volume)v;
        }
        return c;
}

double volume_to_linear(Volume v) {
        double f;

        if (v > VOLUME_MAX)
                return 0.0;
        f = (double)v / VOLUME_NORM;
        return f * f * f;
}

/* cbrt(linear) * 65536 before rounding and clamping; NaN stays NaN. */
static double linear_to_raw(double linear) {
        if (linear <= 0.0)
                return 0.0;
        return cbrt(linear) * VOLUME_NORM;
}

static Volume raw_to_volume(double raw) {
        if (!(raw < (double)VOLUME_MAX))        /* also NaN, as libpulse */
                return VOLUME_MAX;
        return (Volume)lround(raw);
}

Volume volume_from_linear(double linear) {
        return raw_to_volume(linear_to_raw(linear));
}

double volume_to_db(Volume v) {
        if (v == VOLUME_MUTED || v > VOLUME_MAX)
                return -INFINITY;
        return 20.0 * log10(volume_to_linear(v));
}

Volume volume_from_db(double db) {
        if (isinf(db) && db < 0)
                return VOLUME_MUTED;
        return volume_from_linear(pow(10.0, db / 20.0));
}

Volume volume_multiply(Volume a, Volume b) {
        uint64_t r;

        if (a > VOLUME_MAX || b > VOLUME_MAX)
                return VOLUME_INVALID;
        r = ((uint64_t)a * b + VOLUME_NORM / 2) / VOLUME_NORM;
        return r > VOLUME_MAX ? VOLUME_MAX : (Volume)r;
}

char *volume_snprint_verbose(char *buf, size_t n, Volume v) {
        unsigned pct;

        if (n == 0)
                return buf;
        if (v > VOLUME_MAX) {
                snprintf(buf, n, "(invalid)");
                return buf;
        }
        pct = (unsigned)(((uint64_t)v * 100 + VOLUME_NORM / 2) / VOLUME_NORM);
        if (v == VOLUME_MUTED)
                snprintf(buf, n, "%u / %3u%% / -inf dB", v, pct);
        else
                snprintf(buf, n, "%u / %3u%% / %0.2f dB", v, pct, volume_to_db(v));
        return buf;
}

/*
 * Parses "[+-]DIGITS[.DIGITS]" (the whole of s[0..len)) into a double
 * without consulting the locale: the digits are re-spelled as
 * "DIGITSe-FRACLEN", which strtod() reads the same in every locale and
 * rounds correctly. Sets *ret_dot if a fraction was present.
 */
static int parse_decimal(const char *s, size_t len, double *ret, bool *ret_dot) {
        char buf[80];
        size_t i = 0, k = 0, frac = 0;
        bool neg = false, dot = false, digits = false;
        double d;

        if (i < len && (s[i] == '+' || s[i] == '-'))
                neg = s[i++] == '-';
        for (; i < len; i++) {
                if (s[i] >= '0' && s[i] <= '9') {
                        if (k < 64)
                                buf[k] = s[i];
                        k++;
                        digits = true;
                        if (dot)
                                frac++;
                } else if (s[i] == '.' && !dot && digits) {
                        dot = true;
                } else {
                        return -EINVAL;
                }
        }
        if (!digits || (dot && frac == 0))
                return -EINVAL;
        if (k > 64)
                return -ERANGE;         /* absurdly long: call it out of range */
        snprintf(buf + k, sizeof(buf) - k, "e-%zu", frac);
        d = strtod(buf, NULL);
        *ret = neg ? -d : d;
        *ret_dot = dot;
        return 0;
}

static bool ends_with(const char *s, size_t len, const char *suffix, size_t *ret_len) {
        size_t n = strlen(suffix);

        if (len < n || strcasecmp(s + len - n, suffix) != 0)
                return false;
        *ret_len = len - n;
        return true;
}

int volume_parse(const char *s, Volume *ret) {
        size_t len, nlen;
        double d, raw;
        bool dot;
        int r;

        if (!s)
                return -EINVAL;
        len = strlen(s);

        if (ends_with(s, len, "%", &nlen)) {
                r = parse_decimal(s, nlen, &d, &dot);
                if (r < 0)
                        return r;
                raw = d * VOLUME_NORM / 100.0;
        } else if (ends_with(s, len, "dB", &nlen)) {
                r = parse_decimal(s, nlen, &d, &dot);
                if (r < 0)
                        return r;
                raw = linear_to_raw(pow(10.0, d / 20.0));
        } else {
                r = parse_decimal(s, len, &d, &dot);
                if (r < 0)
                        return r;
                if (dot) {
                        if (d < 0)
                                return -ERANGE;
                        raw = linear_to_raw(d);
                } else {
                        raw = d;        /* a raw volume: already an integer */
                }
        }

        if (!(raw >= 0.0) || !(raw < (double)VOLUME_MAX + 0.5))
                return -ERANGE;
        *ret = (Volume)lround(raw);
        return 0;
}
