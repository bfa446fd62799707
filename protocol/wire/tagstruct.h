/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tagstruct.h: typed reader and writer for the native protocol's tagstruct.
 *
 * Reader: one getter per tag, no varargs. The first failure is sticky: every
 * later getter does nothing and leaves its output untouched-but-zeroed, and
 * tagstruct_end() reports it (or TAGSTRUCT_E_TRAILING when bytes are left).
 * Strings are returned as pointers into the packet buffer, which must stay
 * alive while they are used; they are guaranteed NUL-terminated inside it.
 *
 * Writer: appends to a growable buffer; an allocation failure is sticky too
 * and reported by tagstruct_writer_error().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>
#include "engine/types/sample-spec.h"
#include "engine/types/channel-map.h"
#include "engine/types/volume.h"
#include "engine/types/proplist.h"
#include "engine/types/format-info.h"

enum {
        _TAGSTRUCT_E_SUCCESS,
        TAGSTRUCT_E_SHORT,      /* ran out of data */
        TAGSTRUCT_E_TYPE,       /* wrong tag byte */
        TAGSTRUCT_E_INVALID,    /* value malformed (string without NUL, n > 32, bad key ...) */
        TAGSTRUCT_E_TRAILING,   /* bytes left after the last expected value */
        TAGSTRUCT_E_NOMEM,      /* allocation failed while building a proplist/format */
};

typedef struct Tagstruct {
        const uint8_t *data;
        size_t size;
        size_t pos;
        int error;
} Tagstruct;

#define TAGSTRUCT_READER(d, n) ((Tagstruct){ .data = (const uint8_t *)(d), .size = (n) })

void tagstruct_get_u8(Tagstruct *ts, uint8_t *ret);
void tagstruct_get_u32(Tagstruct *ts, uint32_t *ret);
void tagstruct_get_u64(Tagstruct *ts, uint64_t *ret);
void tagstruct_get_s64(Tagstruct *ts, int64_t *ret);
void tagstruct_get_usec(Tagstruct *ts, uint64_t *ret);
void tagstruct_get_bool(Tagstruct *ts, bool *ret);
void tagstruct_get_timeval(Tagstruct *ts, struct timeval *ret);
/* 't' only (NULL is a type error) */
void tagstruct_get_string(Tagstruct *ts, const char **ret);
/* 't' or 'N' */
void tagstruct_get_string_or_null(Tagstruct *ts, const char **ret);
void tagstruct_get_sample_spec(Tagstruct *ts, SampleSpec *ret);
void tagstruct_get_channel_map(Tagstruct *ts, ChannelMap *ret);
void tagstruct_get_cvolume(Tagstruct *ts, CVolume *ret);
void tagstruct_get_volume(Tagstruct *ts, Volume *ret);
/* exactly n bytes */
void tagstruct_get_arbitrary(Tagstruct *ts, size_t n, const uint8_t **ret);
/* Fills p (which the caller allocated); entries are added with REPLACE semantics. */
void tagstruct_get_proplist(Tagstruct *ts, Proplist *p);
/* Allocates *ret (NULL on any error). */
void tagstruct_get_format_info(Tagstruct *ts, FormatInfo **ret);
bool tagstruct_eof(const Tagstruct *ts);
/* The sticky error, else TAGSTRUCT_E_TRAILING if data is left, else 0. */
int tagstruct_end(const Tagstruct *ts);
/* The sticky error only. */
static inline int tagstruct_error(const Tagstruct *ts) {
        return ts->error;
}

typedef struct TagstructWriter {
        uint8_t *data;
        size_t size;
        size_t allocated;
        int error;
} TagstructWriter;

#define TAGSTRUCT_WRITER_NULL(x) { 0 }

void tagstruct_writer_deinit(TagstructWriter *w);
/* Hands the buffer to the caller; the writer is empty afterwards. */
uint8_t *tagstruct_writer_steal(TagstructWriter *w, size_t *ret_size);
static inline int tagstruct_writer_error(const TagstructWriter *w) {
        return w->error;
}

void tagstruct_put_u8(TagstructWriter *w, uint8_t v);
void tagstruct_put_u32(TagstructWriter *w, uint32_t v);
void tagstruct_put_u64(TagstructWriter *w, uint64_t v);
void tagstruct_put_s64(TagstructWriter *w, int64_t v);
void tagstruct_put_usec(TagstructWriter *w, uint64_t v);
void tagstruct_put_bool(TagstructWriter *w, bool v);
void tagstruct_put_timeval(TagstructWriter *w, const struct timeval *tv);
void tagstruct_put_string(TagstructWriter *w, const char *s);   /* NULL -> 'N' */
void tagstruct_put_sample_spec(TagstructWriter *w, const SampleSpec *ss);
void tagstruct_put_channel_map(TagstructWriter *w, const ChannelMap *m);
void tagstruct_put_cvolume(TagstructWriter *w, const CVolume *v);
void tagstruct_put_volume(TagstructWriter *w, Volume v);
void tagstruct_put_arbitrary(TagstructWriter *w, const void *data, size_t n);
void tagstruct_put_proplist(TagstructWriter *w, const Proplist *p);   /* NULL = empty */
void tagstruct_put_format_info(TagstructWriter *w, const FormatInfo *f);
