/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-tagstruct.c: the tagstruct reader, getter by getter, with a round-trip oracle.
 *
 * Input layout: byte 0 is n (mod 33), bytes 1..n are getter selectors, the
 * rest is the tagstruct. With n = 0 the target reads "by tag": it looks at
 * the next tag byte and calls the matching getter, so any well-formed
 * tagstruct (a packet payload, e.g. from a recorded session) is read
 * completely. With n > 0 the selectors are used in a cycle, which also
 * sends getters at values of another type. Either way reading stops at the
 * first error (each successful getter consumes at least one byte, so the
 * loop is bounded by the input size).
 *
 * Oracles, besides the sanitizers:
 *  - every value read successfully is written back with the writer; for
 *    the canonical encodings (everything but proplists and format infos,
 *    where a repeated key collapses) the bytes must equal exactly the
 *    bytes consumed; proplists and format infos must read back equal and
 *    no longer than the input;
 *  - after an error, one more getter must change neither the position
 *    nor the error (sticky), and tagstruct_end() must return that error.
 * A violation aborts, which the fuzzer reports as a crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/base/macro.h"
#include "protocol/wire/proto.h"
#include "protocol/wire/tagstruct.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
        OP_U8,
        OP_U32,
        OP_U64,
        OP_S64,
        OP_USEC,
        OP_BOOL,
        OP_TIMEVAL,
        OP_STRING,
        OP_STRING_OR_NULL,
        OP_SAMPLE_SPEC,
        OP_CHANNEL_MAP,
        OP_CVOLUME,
        OP_VOLUME,
        OP_ARBITRARY,
        OP_PROPLIST,
        OP_FORMAT_INFO,
        _OP_N,
};

#define CHECK(x)                                                                         \
        do {                                                                             \
                if (!(x)) {                                                              \
                        fprintf(stderr, "fuzz-tagstruct: check failed: %s (%s:%d)\n", #x, \
                                __FILE__, __LINE__);                                    \
                        abort();                                                         \
                }                                                                        \
        } while (0)

/* The writer's bytes must equal what the reader consumed. */
static void check_same_bytes(TagstructWriter *w, const Tagstruct *ts, size_t start) {
        CHECK(tagstruct_writer_error(w) == 0);
        CHECK(w->size == ts->pos - start);
        CHECK(memcmp(w->data, ts->data + start, w->size) == 0);
        tagstruct_writer_deinit(w);
}

static void check_proplist_roundtrip(const Proplist *p, size_t consumed) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        Proplist *again = proplist_new();
        Tagstruct ts;

        if (!again)
                return;
        tagstruct_put_proplist(&w, p);
        CHECK(tagstruct_writer_error(&w) == 0);
        CHECK(w.size <= consumed);
        ts = TAGSTRUCT_READER(w.data, w.size);
        tagstruct_get_proplist(&ts, again);
        CHECK(tagstruct_end(&ts) == 0);
        CHECK(proplist_equal(p, again));
        proplist_free(again);
        tagstruct_writer_deinit(&w);
}

/* Runs one getter; returns false once the reader is in error. */
static bool run_op(Tagstruct *ts, unsigned op, uint8_t selector) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        size_t start = ts->pos;

        switch (op) {
        case OP_U8: {
                uint8_t v;

                tagstruct_get_u8(ts, &v);
                if (!ts->error) {
                        tagstruct_put_u8(&w, v);
                        check_same_bytes(&w, ts, start);
                }
                break;
        }
        case OP_U32: {
                uint32_t v;

                tagstruct_get_u32(ts, &v);
                if (!ts->error) {
                        tagstruct_put_u32(&w, v);
                        check_same_bytes(&w, ts, start);
                }
                break;
        }
        case OP_U64:
        case OP_USEC: {
                uint64_t v;

                if (op == OP_U64)
                        tagstruct_get_u64(ts, &v);
                else
                        tagstruct_get_usec(ts, &v);
                if (!ts->error) {
                        if (op == OP_U64)
                                tagstruct_put_u64(&w, v);
                        else
                                tagstruct_put_usec(&w, v);
                        check_same_bytes(&w, ts, start);
                }
                break;
        }
        case OP_S64: {
                int64_t v;

                tagstruct_get_s64(ts, &v);
                if (!ts->error) {
                        tagstruct_put_s64(&w, v);
                        check_same_bytes(&w, ts, start);
                }
                break;
        }
        case OP_BOOL: {
                bool v;

                tagstruct_get_bool(ts, &v);
                if (!ts->error) {
                        tagstruct_put_bool(&w, v);
                        check_same_bytes(&w, ts, start);
                }
                break;
        }
        case OP_TIMEVAL: {
                struct timeval v;

                tagstruct_get_timeval(ts, &v);
                if (!ts->error) {
                        tagstruct_put_timeval(&w, &v);
                        check_same_bytes(&w, ts, start);
                }
                break;
        }
        case OP_STRING:
        case OP_STRING_OR_NULL: {
                const char *s;

                if (op == OP_STRING)
                        tagstruct_get_string(ts, &s);
                else
                        tagstruct_get_string_or_null(ts, &s);
                if (!ts->error) {
                        CHECK(op == OP_STRING_OR_NULL || s);
                        /* NUL-terminated inside the buffer */
                        CHECK(!s || (const uint8_t *)s + strlen(s) < ts->data + ts->size);
                        tagstruct_put_string(&w, s);
                        check_same_bytes(&w, ts, start);
                }
                break;
        }
        case OP_SAMPLE_SPEC: {
                SampleSpec v;

                tagstruct_get_sample_spec(ts, &v);
                if (!ts->error) {
                        tagstruct_put_sample_spec(&w, &v);
                        check_same_bytes(&w, ts, start);
                }
                break;
        }
        case OP_CHANNEL_MAP: {
                ChannelMap v;

                tagstruct_get_channel_map(ts, &v);
                if (!ts->error) {
                        CHECK(v.channels <= CHANNELS_MAX);
                        tagstruct_put_channel_map(&w, &v);
                        check_same_bytes(&w, ts, start);
                }
                break;
        }
        case OP_CVOLUME: {
                CVolume v;

                tagstruct_get_cvolume(ts, &v);
                if (!ts->error) {
                        CHECK(v.channels <= CHANNELS_MAX);
                        tagstruct_put_cvolume(&w, &v);
                        check_same_bytes(&w, ts, start);
                }
                break;
        }
        case OP_VOLUME: {
                Volume v;

                tagstruct_get_volume(ts, &v);
                if (!ts->error) {
                        tagstruct_put_volume(&w, v);
                        check_same_bytes(&w, ts, start);
                }
                break;
        }
        case OP_ARBITRARY: {
                const uint8_t *p;
                size_t n = (selector >> 5) & 3;

                /* Selector bit 7: expect the length the data announces (so the
                 * fuzzer can reach the body); otherwise a small fixed one. */
                if ((selector & 0x80) && ts->size - ts->pos >= 5)
                        n = (size_t)ts->data[ts->pos + 1] << 24 | (size_t)ts->data[ts->pos + 2] << 16 |
                            (size_t)ts->data[ts->pos + 3] << 8 | ts->data[ts->pos + 4];
                tagstruct_get_arbitrary(ts, n, &p);
                if (!ts->error) {
                        CHECK(p || n == 0);
                        tagstruct_put_arbitrary(&w, p, n);
                        check_same_bytes(&w, ts, start);
                }
                break;
        }
        case OP_PROPLIST: {
                Proplist *p = proplist_new();

                if (!p)
                        return false;
                tagstruct_get_proplist(ts, p);
                if (!ts->error)
                        check_proplist_roundtrip(p, ts->pos - start);
                proplist_free(p);
                break;
        }
        case OP_FORMAT_INFO: {
                FormatInfo *f;

                tagstruct_get_format_info(ts, &f);
                CHECK(!ts->error == !!f);
                if (f) {
                        TagstructWriter w2 = TAGSTRUCT_WRITER_NULL(w2);
                        FormatInfo *again;
                        Tagstruct ts2;

                        tagstruct_put_format_info(&w2, f);
                        CHECK(tagstruct_writer_error(&w2) == 0);
                        CHECK(w2.size <= ts->pos - start);
                        ts2 = TAGSTRUCT_READER(w2.data, w2.size);
                        tagstruct_get_format_info(&ts2, &again);
                        CHECK(tagstruct_end(&ts2) == 0);
                        CHECK(again && again->encoding == f->encoding);
                        CHECK(proplist_equal(again->props, f->props));
                        format_info_free(again);
                        format_info_free(f);
                        tagstruct_writer_deinit(&w2);
                }
                break;
        }
        }
        CHECK(ts->pos <= ts->size);
        if (!ts->error)
                CHECK(ts->pos > start);
        return !ts->error;
}

/* The getter for the tag at the current position ("read by tag" mode). */
static unsigned op_for_tag(const Tagstruct *ts, unsigned *alternate) {
        if (ts->pos >= ts->size)
                return OP_U32;
        switch (ts->data[ts->pos]) {
        case TAG_U8:
                return OP_U8;
        case TAG_U64:
                return OP_U64;
        case TAG_S64:
                return OP_S64;
        case TAG_USEC:
                return OP_USEC;
        case TAG_BOOLEAN_TRUE:
        case TAG_BOOLEAN_FALSE:
                return OP_BOOL;
        case TAG_TIMEVAL:
                return OP_TIMEVAL;
        case TAG_STRING:
                return (*alternate)++ & 1 ? OP_STRING : OP_STRING_OR_NULL;
        case TAG_STRING_NULL:
                return OP_STRING_OR_NULL;
        case TAG_SAMPLE_SPEC:
                return OP_SAMPLE_SPEC;
        case TAG_CHANNEL_MAP:
                return OP_CHANNEL_MAP;
        case TAG_CVOLUME:
                return OP_CVOLUME;
        case TAG_VOLUME:
                return OP_VOLUME;
        case TAG_ARBITRARY:
                return OP_ARBITRARY;
        case TAG_PROPLIST:
                return OP_PROPLIST;
        case TAG_FORMAT_INFO:
                return OP_FORMAT_INFO;
        default:
                return OP_U32;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const uint8_t *sel;
        size_t nsel, start, pos;
        unsigned alternate = 0;
        Tagstruct ts;
        int err;

        if (size < 1)
                return 0;
        nsel = C_MIN((size_t)(data[0] % 33), size - 1);
        sel = data + 1;
        ts = TAGSTRUCT_READER(data + 1 + nsel, size - 1 - nsel);

        for (size_t i = 0; !tagstruct_eof(&ts); i++) {
                uint8_t s = nsel ? sel[i % nsel] : 0x80;
                unsigned op = nsel ? s % _OP_N : op_for_tag(&ts, &alternate);

                start = ts.pos;
                if (!run_op(&ts, op, s))
                        break;
                CHECK(ts.pos > start);
        }

        err = tagstruct_error(&ts);
        if (err) {
                /* sticky: nothing moves any more, whatever is asked */
                pos = ts.pos;
                for (unsigned op = 0; op < _OP_N; op++) {
                        CHECK(!run_op(&ts, op, 0x80));
                        CHECK(ts.pos == pos);
                        CHECK(tagstruct_error(&ts) == err);
                }
                CHECK(tagstruct_end(&ts) == err);
        } else {
                CHECK(tagstruct_eof(&ts));
                CHECK(tagstruct_end(&ts) == 0);
        }
        CHECK(err >= 0 && err <= TAGSTRUCT_E_NOMEM);
        return 0;
}
