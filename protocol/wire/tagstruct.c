/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tagstruct.c: the tagstruct codec.
 *
 * Every read goes through ts_take(), which checks bounds by subtraction and
 * makes the first failure sticky, so a parser can call its getters in a row
 * and check once at the end. Nothing here allocates except proplist entries
 * and format infos, and those are bounded (PROPLIST_VALUE_MAX per value,
 * PROPLIST_ENTRIES_MAX entries); the packet itself is already bounded by the
 * frame limit, so a hostile packet can make us use at most a small multiple
 * of its own size.
 */
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "engine/base/macro.h"
#include "protocol/wire/tagstruct.h"
#include "protocol/wire/proto.h"
#include "protocol/wire/byteorder.h"

static const uint8_t *ts_take(Tagstruct *ts, size_t n) {
        if (!ts->error && n > ts->size - ts->pos)
                ts->error = TAGSTRUCT_E_SHORT;
        if (ts->error)
                return NULL;
        ts->pos += n;
        return ts->data + ts->pos - n;
}

/* Consumes one tag byte if it equals want. */
static bool ts_tag(Tagstruct *ts, uint8_t want) {
        const uint8_t *p;

        if (ts->error)
                return false;
        if (ts->pos >= ts->size) {
                ts->error = TAGSTRUCT_E_SHORT;
                return false;
        }
        if (ts->data[ts->pos] != want) {
                ts->error = TAGSTRUCT_E_TYPE;
                return false;
        }
        p = ts_take(ts, 1);
        return p != NULL;
}


static uint64_t be64(const uint8_t *p) {
        return (uint64_t)be32_read(p) << 32 | be32_read(p + 4);
}

static bool ts_raw_u32(Tagstruct *ts, uint32_t *ret) {
        const uint8_t *p = ts_take(ts, 4);

        if (!p)
                return false;
        *ret = be32_read(p);
        return true;
}

void tagstruct_get_u8(Tagstruct *ts, uint8_t *ret) {
        const uint8_t *p;

        *ret = 0;
        if (!ts_tag(ts, TAG_U8) || !(p = ts_take(ts, 1)))
                return;
        *ret = *p;
}

void tagstruct_get_u32(Tagstruct *ts, uint32_t *ret) {
        *ret = 0;
        if (ts_tag(ts, TAG_U32))
                ts_raw_u32(ts, ret);
}

static void get_64(Tagstruct *ts, uint8_t tag, uint64_t *ret) {
        const uint8_t *p;

        *ret = 0;
        if (!ts_tag(ts, tag) || !(p = ts_take(ts, 8)))
                return;
        *ret = be64(p);
}

void tagstruct_get_u64(Tagstruct *ts, uint64_t *ret) {
        get_64(ts, TAG_U64, ret);
}

void tagstruct_get_s64(Tagstruct *ts, int64_t *ret) {
        uint64_t v;

        get_64(ts, TAG_S64, &v);
        *ret = (int64_t)v;
}

void tagstruct_get_usec(Tagstruct *ts, uint64_t *ret) {
        get_64(ts, TAG_USEC, ret);
}

void tagstruct_get_bool(Tagstruct *ts, bool *ret) {
        *ret = false;
        if (ts->error)
                return;
        if (ts->pos >= ts->size) {
                ts->error = TAGSTRUCT_E_SHORT;
                return;
        }
        switch (ts->data[ts->pos]) {
        case TAG_BOOLEAN_TRUE:
                *ret = true;
                break;
        case TAG_BOOLEAN_FALSE:
                break;
        default:
                ts->error = TAGSTRUCT_E_TYPE;
                return;
        }
        ts->pos++;
}

void tagstruct_get_timeval(Tagstruct *ts, struct timeval *ret) {
        uint32_t s = 0, us = 0;

        memset(ret, 0, sizeof(*ret));
        if (!ts_tag(ts, TAG_TIMEVAL) || !ts_raw_u32(ts, &s) || !ts_raw_u32(ts, &us))
                return;
        ret->tv_sec = s;
        ret->tv_usec = us;
}

/* Reads the NUL-terminated string body after a 't' tag. */
static void ts_string_body(Tagstruct *ts, const char **ret) {
        const uint8_t *start = ts->data + ts->pos;
        const uint8_t *nul = memchr(start, 0, ts->size - ts->pos);

        if (!nul) {
                ts->error = TAGSTRUCT_E_INVALID;
                return;
        }
        ts_take(ts, (size_t)(nul - start) + 1);
        *ret = (const char *)start;
}

void tagstruct_get_string(Tagstruct *ts, const char **ret) {
        *ret = NULL;
        if (ts_tag(ts, TAG_STRING))
                ts_string_body(ts, ret);
}

void tagstruct_get_string_or_null(Tagstruct *ts, const char **ret) {
        *ret = NULL;
        if (ts->error)
                return;
        if (ts->pos < ts->size && ts->data[ts->pos] == TAG_STRING_NULL) {
                ts->pos++;
                return;
        }
        tagstruct_get_string(ts, ret);
}

void tagstruct_get_sample_spec(Tagstruct *ts, SampleSpec *ret) {
        const uint8_t *p;

        memset(ret, 0, sizeof(*ret));
        if (!ts_tag(ts, TAG_SAMPLE_SPEC) || !(p = ts_take(ts, 6)))
                return;
        ret->format = p[0];
        ret->channels = p[1];
        ret->rate = be32_read(p + 2);
}

void tagstruct_get_channel_map(Tagstruct *ts, ChannelMap *ret) {
        const uint8_t *p;

        memset(ret, 0, sizeof(*ret));
        if (!ts_tag(ts, TAG_CHANNEL_MAP) || !(p = ts_take(ts, 1)))
                return;
        if (*p > CHANNELS_MAX) {
                ts->error = TAGSTRUCT_E_INVALID;
                return;
        }
        ret->channels = *p;
        if (!(p = ts_take(ts, ret->channels))) {
                ret->channels = 0;
                return;
        }
        memcpy(ret->map, p, ret->channels);
}

void tagstruct_get_cvolume(Tagstruct *ts, CVolume *ret) {
        const uint8_t *p;

        memset(ret, 0, sizeof(*ret));
        if (!ts_tag(ts, TAG_CVOLUME) || !(p = ts_take(ts, 1)))
                return;
        if (*p > CHANNELS_MAX) {
                ts->error = TAGSTRUCT_E_INVALID;
                return;
        }
        ret->channels = *p;
        if (!(p = ts_take(ts, (size_t)ret->channels * 4))) {
                ret->channels = 0;
                return;
        }
        for (unsigned i = 0; i < ret->channels; i++)
                ret->values[i] = be32_read(p + 4 * i);
}

void tagstruct_get_volume(Tagstruct *ts, Volume *ret) {
        *ret = 0;
        if (ts_tag(ts, TAG_VOLUME))
                ts_raw_u32(ts, ret);
}

void tagstruct_get_arbitrary(Tagstruct *ts, size_t n, const uint8_t **ret) {
        uint32_t len;

        *ret = NULL;
        if (!ts_tag(ts, TAG_ARBITRARY) || !ts_raw_u32(ts, &len))
                return;
        if (len != n) {
                ts->error = TAGSTRUCT_E_INVALID;
                return;
        }
        *ret = ts_take(ts, n);
}

void tagstruct_get_proplist(Tagstruct *ts, Proplist *p) {
        if (!ts_tag(ts, TAG_PROPLIST))
                return;
        for (;;) {
                const char *key;
                const uint8_t *value;
                uint32_t n;
                int r;

                tagstruct_get_string_or_null(ts, &key);
                if (ts->error || !key)
                        return;
                if (!proplist_key_valid(key)) {
                        ts->error = TAGSTRUCT_E_INVALID;
                        return;
                }
                tagstruct_get_u32(ts, &n);
                if (ts->error)
                        return;
                if (n > PROPLIST_VALUE_MAX) {
                        ts->error = TAGSTRUCT_E_INVALID;
                        return;
                }
                tagstruct_get_arbitrary(ts, n, &value);
                if (ts->error)
                        return;
                r = proplist_set(p, key, value, n);
                if (r == -ENOMEM)
                        ts->error = TAGSTRUCT_E_NOMEM;
                else if (r < 0)
                        ts->error = TAGSTRUCT_E_INVALID;
                if (ts->error)
                        return;
        }
}

void tagstruct_get_format_info(Tagstruct *ts, FormatInfo **ret) {
        FormatInfo *f;
        uint8_t enc;

        *ret = NULL;
        if (!ts_tag(ts, TAG_FORMAT_INFO))
                return;
        tagstruct_get_u8(ts, &enc);
        if (ts->error)
                return;
        f = format_info_new(enc);
        if (!f) {
                ts->error = TAGSTRUCT_E_NOMEM;
                return;
        }
        tagstruct_get_proplist(ts, f->props);
        if (ts->error) {
                format_info_free(f);
                return;
        }
        *ret = f;
}

bool tagstruct_eof(const Tagstruct *ts) {
        return ts->pos >= ts->size;
}

int tagstruct_end(const Tagstruct *ts) {
        if (ts->error)
                return ts->error;
        return ts->pos < ts->size ? TAGSTRUCT_E_TRAILING : 0;
}

/* ---- writer ---- */

void tagstruct_writer_deinit(TagstructWriter *w) {
        free(w->data);
        *w = (TagstructWriter)TAGSTRUCT_WRITER_NULL(*w);
}

uint8_t *tagstruct_writer_steal(TagstructWriter *w, size_t *ret_size) {
        uint8_t *d = w->data;

        *ret_size = w->size;
        *w = (TagstructWriter)TAGSTRUCT_WRITER_NULL(*w);
        return d;
}

static uint8_t *tw_extend(TagstructWriter *w, size_t n) {
        if (w->error)
                return NULL;
        if (n > w->allocated - w->size) {
                size_t na = C_MAX(w->allocated * 2, w->size + n + 64);
                uint8_t *d = realloc(w->data, na);

                if (!d) {
                        w->error = -ENOMEM;
                        return NULL;
                }
                w->data = d;
                w->allocated = na;
        }
        w->size += n;
        return w->data + w->size - n;
}


void tagstruct_put_u8(TagstructWriter *w, uint8_t v) {
        uint8_t *p = tw_extend(w, 2);

        if (p) {
                p[0] = TAG_U8;
                p[1] = v;
        }
}

void tagstruct_put_u32(TagstructWriter *w, uint32_t v) {
        uint8_t *p = tw_extend(w, 5);

        if (p) {
                p[0] = TAG_U32;
                be32_write(p + 1, v);
        }
}

static void put_64(TagstructWriter *w, uint8_t tag, uint64_t v) {
        uint8_t *p = tw_extend(w, 9);

        if (p) {
                p[0] = tag;
                be32_write(p + 1, (uint32_t)(v >> 32));
                be32_write(p + 5, (uint32_t)v);
        }
}

void tagstruct_put_u64(TagstructWriter *w, uint64_t v) {
        put_64(w, TAG_U64, v);
}

void tagstruct_put_s64(TagstructWriter *w, int64_t v) {
        put_64(w, TAG_S64, (uint64_t)v);
}

void tagstruct_put_usec(TagstructWriter *w, uint64_t v) {
        put_64(w, TAG_USEC, v);
}

void tagstruct_put_bool(TagstructWriter *w, bool v) {
        uint8_t *p = tw_extend(w, 1);

        if (p)
                p[0] = v ? TAG_BOOLEAN_TRUE : TAG_BOOLEAN_FALSE;
}

void tagstruct_put_timeval(TagstructWriter *w, const struct timeval *tv) {
        uint8_t *p = tw_extend(w, 9);

        if (p) {
                p[0] = TAG_TIMEVAL;
                be32_write(p + 1, (uint32_t)tv->tv_sec);
                be32_write(p + 5, (uint32_t)tv->tv_usec);
        }
}

void tagstruct_put_string(TagstructWriter *w, const char *s) {
        uint8_t *p;
        size_t n;

        if (!s) {
                p = tw_extend(w, 1);
                if (p)
                        p[0] = TAG_STRING_NULL;
                return;
        }
        n = strlen(s) + 1;
        p = tw_extend(w, 1 + n);
        if (p) {
                p[0] = TAG_STRING;
                memcpy(p + 1, s, n);
        }
}

void tagstruct_put_sample_spec(TagstructWriter *w, const SampleSpec *ss) {
        uint8_t *p = tw_extend(w, 7);

        if (p) {
                p[0] = TAG_SAMPLE_SPEC;
                p[1] = ss->format;
                p[2] = ss->channels;
                be32_write(p + 3, ss->rate);
        }
}

void tagstruct_put_channel_map(TagstructWriter *w, const ChannelMap *m) {
        unsigned n = C_MIN(m->channels, CHANNELS_MAX);
        uint8_t *p = tw_extend(w, 2 + n);

        if (p) {
                p[0] = TAG_CHANNEL_MAP;
                p[1] = (uint8_t)n;
                memcpy(p + 2, m->map, n);
        }
}

void tagstruct_put_cvolume(TagstructWriter *w, const CVolume *v) {
        unsigned n = C_MIN(v->channels, CHANNELS_MAX);
        uint8_t *p = tw_extend(w, 2 + 4 * n);

        if (p) {
                p[0] = TAG_CVOLUME;
                p[1] = (uint8_t)n;
                for (unsigned i = 0; i < n; i++)
                        be32_write(p + 2 + 4 * i, v->values[i]);
        }
}

void tagstruct_put_volume(TagstructWriter *w, Volume v) {
        uint8_t *p = tw_extend(w, 5);

        if (p) {
                p[0] = TAG_VOLUME;
                be32_write(p + 1, v);
        }
}

void tagstruct_put_arbitrary(TagstructWriter *w, const void *data, size_t n) {
        uint8_t *p = tw_extend(w, 5 + n);

        if (p) {
                p[0] = TAG_ARBITRARY;
                be32_write(p + 1, (uint32_t)n);
                if (n)
                        memcpy(p + 5, data, n);
        }
}

void tagstruct_put_proplist(TagstructWriter *w, const Proplist *pl) {
        uint8_t *p = tw_extend(w, 1);

        if (!p)
                return;
        p[0] = TAG_PROPLIST;
        if (pl) {
                size_t st = 0, n;
                const void *d;
                const char *key;

                while ((key = proplist_iterate(pl, &st, &d, &n))) {
                        tagstruct_put_string(w, key);
                        tagstruct_put_u32(w, (uint32_t)n);
                        tagstruct_put_arbitrary(w, d, n);
                }
        }
        tagstruct_put_string(w, NULL);
}

void tagstruct_put_format_info(TagstructWriter *w, const FormatInfo *f) {
        uint8_t *p = tw_extend(w, 1);

        if (!p)
                return;
        p[0] = TAG_FORMAT_INFO;
        tagstruct_put_u8(w, f ? f->encoding : ENCODING_INVALID);
        tagstruct_put_proplist(w, f ? f->props : NULL);
}
