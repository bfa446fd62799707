/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-tagstruct.c: unit tests of the tagstruct codec (protocol/wire/tagstruct.c).
 *
 * What is covered, by TCase:
 *  - scalars, strings, sample spec, channel map, cvolume, volume, arbitrary:
 *    writer -> reader round trips, the exact bytes of each tag (spec §5.1)
 *    and every limit at N and N + 1 (n = 32 / 33 channels, ...);
 *  - proplist and format info: nesting, the doubled length, the value limit
 *    (65536 / 65537), invalid keys, the missing 'N' terminator;
 *  - sticky errors and tagstruct_end() (trailing bytes);
 *  - truncation: every proper prefix of a packet holding every tag must fail
 *    and never read outside its buffer (each prefix lives in its own heap
 *    block of exactly that size so AddressSanitizer sees any over-read);
 *  - byte-exact packets from the spec (the AUTH reply of native-protocol.md §4).
 *
 * Check forks per test (the default); the fixture counts open fds and fails
 * a test that leaks one.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include "engine/base/macro.h"
#include "protocol/wire/tagstruct.h"
#include "protocol/wire/proto.h"
#include "engine/base/test-fds.h"

/* ---- helpers ---- */

static int fds_at_setup;

static void setup(void) {
        fds_at_setup = count_fds();
}

static void teardown(void) {
        ck_assert_int_eq(count_fds(), fds_at_setup);
}

/* The writer's bytes in a heap block of exactly their size (ASan-checked reads). */
typedef struct Buf {
        uint8_t *data;
        size_t size;
} Buf;

static Buf writer_take(TagstructWriter *w) {
        Buf b;

        ck_assert_int_eq(tagstruct_writer_error(w), 0);
        b.data = tagstruct_writer_steal(w, &b.size);
        return b;
}

static Buf buf_copy(const void *p, size_t n) {
        Buf b = { malloc(n ? n : 1), n };

        ck_assert_ptr_nonnull(b.data);
        if (p && n)
                memcpy(b.data, p, n);
        else if (n)
                memset(b.data, 0, n);
        return b;
}

static void buf_free(Buf *b) {
        free(b->data);
        b->data = NULL;
}

static void assert_bytes(const Buf *b, const uint8_t *want, size_t n) {
        ck_assert_uint_eq(b->size, n);
        ck_assert_mem_eq(b->data, want, n);
}

/* Reads a blob containing one proplist; returns tagstruct_end(). */
static int read_one_proplist(const uint8_t *p, size_t n, Proplist *pl) {
        Buf b = buf_copy(p, n);
        Tagstruct ts = TAGSTRUCT_READER(b.data, b.size);
        int r;

        tagstruct_get_proplist(&ts, pl);
        r = tagstruct_end(&ts);
        buf_free(&b);
        return r;
}

/* ---- scalars ---- */

START_TEST(test_u8_roundtrip) {
        static const uint8_t want[] = { 'B', 0x00, 'B', 0x7f, 'B', 0xff };
        static const uint8_t vals[] = { 0, 0x7f, 0xff };
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        Tagstruct ts;
        Buf b;

        for (size_t i = 0; i < sizeof(vals); i++)
                tagstruct_put_u8(&w, vals[i]);
        b = writer_take(&w);
        assert_bytes(&b, want, sizeof(want));
        ts = TAGSTRUCT_READER(b.data, b.size);
        for (size_t i = 0; i < sizeof(vals); i++) {
                uint8_t v = 1;

                tagstruct_get_u8(&ts, &v);
                ck_assert_uint_eq(v, vals[i]);
        }
        ck_assert(tagstruct_eof(&ts));
        ck_assert_int_eq(tagstruct_end(&ts), 0);
        buf_free(&b);
}
END_TEST

START_TEST(test_u32_roundtrip) {
        static const uint8_t want[] = { 'L', 0, 0, 0, 0, 'L', 0x12, 0x34, 0x56, 0x78,
                                        'L', 0xff, 0xff, 0xff, 0xff };
        static const uint32_t vals[] = { 0, 0x12345678, UINT32_MAX };
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        Tagstruct ts;
        Buf b;

        for (size_t i = 0; i < 3; i++)
                tagstruct_put_u32(&w, vals[i]);
        b = writer_take(&w);
        assert_bytes(&b, want, sizeof(want));
        ts = TAGSTRUCT_READER(b.data, b.size);
        for (size_t i = 0; i < 3; i++) {
                uint32_t v = 1;

                tagstruct_get_u32(&ts, &v);
                ck_assert_uint_eq(v, vals[i]);
        }
        ck_assert_int_eq(tagstruct_end(&ts), 0);
        buf_free(&b);
}
END_TEST

START_TEST(test_u64_s64_usec_roundtrip) {
        static const uint8_t want[] = {
                'R', 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                'r', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf0, 0x00,
                'U', 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                'r', 0x80, 0, 0, 0, 0, 0, 0, 0,
        };
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        Tagstruct ts;
        uint64_t u, us;
        int64_t s, smin;
        Buf b;

        tagstruct_put_u64(&w, 0x0102030405060708ULL);
        tagstruct_put_s64(&w, -4096);
        tagstruct_put_usec(&w, UINT64_MAX);
        tagstruct_put_s64(&w, INT64_MIN);
        b = writer_take(&w);
        assert_bytes(&b, want, sizeof(want));
        ts = TAGSTRUCT_READER(b.data, b.size);
        tagstruct_get_u64(&ts, &u);
        tagstruct_get_s64(&ts, &s);
        tagstruct_get_usec(&ts, &us);
        tagstruct_get_s64(&ts, &smin);
        ck_assert_int_eq(tagstruct_end(&ts), 0);
        ck_assert(u == 0x0102030405060708ULL);
        ck_assert(s == -4096);
        ck_assert(us == UINT64_MAX);
        ck_assert(smin == INT64_MIN);
        buf_free(&b);
}
END_TEST

START_TEST(test_64_tags_distinct) {
        /* 'R', 'r' and 'U' share a layout but are different tags. */
        static const uint8_t wire[] = { 'U', 0, 0, 0, 0, 0, 0, 0, 1 };
        Tagstruct ts = TAGSTRUCT_READER(wire, sizeof(wire));
        uint64_t v = 5;
        int64_t s = 5;

        tagstruct_get_u64(&ts, &v);
        ck_assert_int_eq(tagstruct_error(&ts), TAGSTRUCT_E_TYPE);
        ck_assert(v == 0);
        ts = TAGSTRUCT_READER(wire, sizeof(wire));
        tagstruct_get_s64(&ts, &s);
        ck_assert_int_eq(tagstruct_error(&ts), TAGSTRUCT_E_TYPE);
        ck_assert(s == 0);
}
END_TEST

START_TEST(test_bool_roundtrip) {
        static const uint8_t want[] = { '1', '0' };
        static const uint8_t bad[] = { 'B', 1 };
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        Tagstruct ts;
        bool t = false, f = true;
        Buf b;

        tagstruct_put_bool(&w, true);
        tagstruct_put_bool(&w, false);
        b = writer_take(&w);
        assert_bytes(&b, want, sizeof(want));
        ts = TAGSTRUCT_READER(b.data, b.size);
        tagstruct_get_bool(&ts, &t);
        tagstruct_get_bool(&ts, &f);
        ck_assert_int_eq(tagstruct_end(&ts), 0);
        ck_assert(t);
        ck_assert(!f);
        buf_free(&b);

        /* No "boolean" tag: 'B' 1 (a u8) is a type error, and so is an empty buffer a short one. */
        ts = TAGSTRUCT_READER(bad, sizeof(bad));
        tagstruct_get_bool(&ts, &t);
        ck_assert_int_eq(tagstruct_error(&ts), TAGSTRUCT_E_TYPE);
        ck_assert(!t);
        ts = TAGSTRUCT_READER(bad, 0);
        tagstruct_get_bool(&ts, &t);
        ck_assert_int_eq(tagstruct_error(&ts), TAGSTRUCT_E_SHORT);
}
END_TEST

START_TEST(test_timeval_roundtrip) {
        static const uint8_t want[] = { 'T', 0x65, 0x00, 0x00, 0x01, 0x00, 0x0f, 0x42, 0x3f };
        struct timeval tv = { .tv_sec = 0x65000001, .tv_usec = 999999 }, out;
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        Tagstruct ts;
        Buf b;

        tagstruct_put_timeval(&w, &tv);
        b = writer_take(&w);
        assert_bytes(&b, want, sizeof(want));
        ts = TAGSTRUCT_READER(b.data, b.size);
        tagstruct_get_timeval(&ts, &out);
        ck_assert_int_eq(tagstruct_end(&ts), 0);
        ck_assert_int_eq(out.tv_sec, tv.tv_sec);
        ck_assert_int_eq(out.tv_usec, tv.tv_usec);
        buf_free(&b);
}
END_TEST

START_TEST(test_wrong_tag_each_getter) {
        /* Every getter refuses a value of another type with E_TYPE, consuming nothing. */
        static const uint8_t wire[] = { 'L', 0, 0, 0, 1 };
        static const uint8_t wire_str[] = { 't', 'a', 0 };
        Tagstruct ts;
        uint8_t u8;
        uint64_t u64;
        int64_t s64;
        bool b;
        struct timeval tv;
        const char *s;
        SampleSpec ss;
        ChannelMap m;
        CVolume cv;
        Volume v;
        const uint8_t *arb;
        FormatInfo *fi;
        uint32_t u32;

#define EXPECT_TYPE(call, data)                                                 \
        do {                                                                    \
                ts = TAGSTRUCT_READER(data, sizeof(data));                      \
                call;                                                           \
                ck_assert_int_eq(tagstruct_error(&ts), TAGSTRUCT_E_TYPE);       \
                ck_assert_uint_eq(ts.pos, 0);                                   \
        } while (0)
        EXPECT_TYPE(tagstruct_get_u8(&ts, &u8), wire);
        EXPECT_TYPE(tagstruct_get_u64(&ts, &u64), wire);
        EXPECT_TYPE(tagstruct_get_s64(&ts, &s64), wire);
        EXPECT_TYPE(tagstruct_get_usec(&ts, &u64), wire);
        EXPECT_TYPE(tagstruct_get_bool(&ts, &b), wire);
        EXPECT_TYPE(tagstruct_get_timeval(&ts, &tv), wire);
        EXPECT_TYPE(tagstruct_get_string(&ts, &s), wire);
        EXPECT_TYPE(tagstruct_get_string_or_null(&ts, &s), wire);
        EXPECT_TYPE(tagstruct_get_sample_spec(&ts, &ss), wire);
        EXPECT_TYPE(tagstruct_get_channel_map(&ts, &m), wire);
        EXPECT_TYPE(tagstruct_get_cvolume(&ts, &cv), wire);
        EXPECT_TYPE(tagstruct_get_volume(&ts, &v), wire);
        EXPECT_TYPE(tagstruct_get_arbitrary(&ts, 1, &arb), wire);
        EXPECT_TYPE(tagstruct_get_format_info(&ts, &fi), wire);
        EXPECT_TYPE(tagstruct_get_u32(&ts, &u32), wire_str);
        {
                Proplist *pl = proplist_new();

                ck_assert_ptr_nonnull(pl);
                EXPECT_TYPE(tagstruct_get_proplist(&ts, pl), wire);
                proplist_free(pl);
        }
#undef EXPECT_TYPE
}
END_TEST

/* ---- strings ---- */

START_TEST(test_string_roundtrip) {
        static const uint8_t want[] = { 't', 'p', 'a', 'c', 't', 'l', 0, 't', 0, 'N' };
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        const char *a, *e, *n = "x";
        Tagstruct ts;
        Buf b;

        tagstruct_put_string(&w, "pactl");
        tagstruct_put_string(&w, "");
        tagstruct_put_string(&w, NULL);
        b = writer_take(&w);
        assert_bytes(&b, want, sizeof(want));
        ts = TAGSTRUCT_READER(b.data, b.size);
        tagstruct_get_string(&ts, &a);
        tagstruct_get_string_or_null(&ts, &e);
        tagstruct_get_string_or_null(&ts, &n);
        ck_assert_int_eq(tagstruct_end(&ts), 0);
        ck_assert_str_eq(a, "pactl");
        /* The empty string is not NULL, and it points into the buffer. */
        ck_assert_ptr_nonnull(e);
        ck_assert_str_eq(e, "");
        ck_assert_ptr_eq(e, (const char *)b.data + 8);
        ck_assert_ptr_null(n);
        buf_free(&b);
}
END_TEST

START_TEST(test_string_null_refused_by_get_string) {
        static const uint8_t wire[] = { 'N' };
        Tagstruct ts = TAGSTRUCT_READER(wire, sizeof(wire));
        const char *s = "x";

        tagstruct_get_string(&ts, &s);
        ck_assert_int_eq(tagstruct_end(&ts), TAGSTRUCT_E_TYPE);
        ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_string_without_nul) {
        static const uint8_t wire[] = { 't', 'a', 'b' };
        Buf b = buf_copy(wire, sizeof(wire));
        Tagstruct ts = TAGSTRUCT_READER(b.data, b.size);
        const char *s = "x";

        tagstruct_get_string(&ts, &s);
        ck_assert_int_eq(tagstruct_end(&ts), TAGSTRUCT_E_INVALID);
        ck_assert_ptr_null(s);

        /* Same through the or-null getter, and with the tag as the last byte. */
        ts = TAGSTRUCT_READER(b.data, b.size);
        s = "x";
        tagstruct_get_string_or_null(&ts, &s);
        ck_assert_int_eq(tagstruct_end(&ts), TAGSTRUCT_E_INVALID);
        ck_assert_ptr_null(s);
        ts = TAGSTRUCT_READER(b.data, 1);
        tagstruct_get_string(&ts, &s);
        ck_assert_int_eq(tagstruct_end(&ts), TAGSTRUCT_E_INVALID);
        buf_free(&b);
}
END_TEST

START_TEST(test_string_nul_is_first_one) {
        /* The string ends at the first NUL; what follows is the next value. */
        static const uint8_t wire[] = { 't', 'a', 0, 'b', 0 };
        Tagstruct ts = TAGSTRUCT_READER(wire, sizeof(wire));
        const char *s;

        tagstruct_get_string(&ts, &s);
        ck_assert_str_eq(s, "a");
        ck_assert_uint_eq(ts.pos, 3);
        ck_assert_int_eq(tagstruct_end(&ts), TAGSTRUCT_E_TRAILING);
}
END_TEST

START_TEST(test_string_long) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        size_t n = 100000;
        char *big = malloc(n + 1);
        const char *s;
        Tagstruct ts;
        Buf b;

        ck_assert_ptr_nonnull(big);
        memset(big, 'q', n);
        big[n] = 0;
        tagstruct_put_string(&w, big);
        b = writer_take(&w);
        ck_assert_uint_eq(b.size, n + 2);
        ts = TAGSTRUCT_READER(b.data, b.size);
        tagstruct_get_string(&ts, &s);
        ck_assert_int_eq(tagstruct_end(&ts), 0);
        ck_assert_str_eq(s, big);
        buf_free(&b);
        free(big);
}
END_TEST

/* ---- sample spec ---- */

START_TEST(test_sample_spec_roundtrip) {
        static const uint8_t want[] = { 'a', 3, 2, 0x00, 0x00, 0xac, 0x44,
                                        'a', 0xff, 0, 0, 0, 0, 0 };
        SampleSpec in = { .format = SAMPLE_S16LE, .channels = 2, .rate = 44100 };
        SampleSpec inv = { .format = SAMPLE_INVALID, .channels = 0, .rate = 0 };
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        SampleSpec out, out2;
        Tagstruct ts;
        Buf b;

        tagstruct_put_sample_spec(&w, &in);
        tagstruct_put_sample_spec(&w, &inv);
        b = writer_take(&w);
        assert_bytes(&b, want, sizeof(want));
        ts = TAGSTRUCT_READER(b.data, b.size);
        tagstruct_get_sample_spec(&ts, &out);
        /* The codec does not validate: the invalid spec libpulse sends must parse. */
        tagstruct_get_sample_spec(&ts, &out2);
        ck_assert_int_eq(tagstruct_end(&ts), 0);
        ck_assert_uint_eq(out.format, SAMPLE_S16LE);
        ck_assert_uint_eq(out.channels, 2);
        ck_assert_uint_eq(out.rate, 44100);
        ck_assert_uint_eq(out2.format, SAMPLE_INVALID);
        ck_assert_uint_eq(out2.channels, 0);
        ck_assert_uint_eq(out2.rate, 0);
        buf_free(&b);
}
END_TEST

START_TEST(test_sample_spec_short) {
        static const uint8_t wire[] = { 'a', 3, 2, 0, 0, 0xac };
        Buf b = buf_copy(wire, sizeof(wire));
        Tagstruct ts = TAGSTRUCT_READER(b.data, b.size);
        SampleSpec ss;

        tagstruct_get_sample_spec(&ts, &ss);
        ck_assert_int_eq(tagstruct_end(&ts), TAGSTRUCT_E_SHORT);
        ck_assert_uint_eq(ss.rate, 0);
        buf_free(&b);
}
END_TEST

/* ---- channel map ---- */

START_TEST(test_channel_map_roundtrip) {
        static const uint8_t want[] = { 'm', 2, 1, 2, 'm', 0 };
        ChannelMap in = { .channels = 2, .map = { CHANNEL_FRONT_LEFT, CHANNEL_FRONT_RIGHT } };
        ChannelMap empty = { 0 }, out, out2;
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        Tagstruct ts;
        Buf b;

        tagstruct_put_channel_map(&w, &in);
        tagstruct_put_channel_map(&w, &empty);
        b = writer_take(&w);
        assert_bytes(&b, want, sizeof(want));
        ts = TAGSTRUCT_READER(b.data, b.size);
        tagstruct_get_channel_map(&ts, &out);
        tagstruct_get_channel_map(&ts, &out2);
        ck_assert_int_eq(tagstruct_end(&ts), 0);
        ck_assert_uint_eq(out.channels, 2);
        ck_assert_uint_eq(out.map[0], CHANNEL_FRONT_LEFT);
        ck_assert_uint_eq(out.map[1], CHANNEL_FRONT_RIGHT);
        ck_assert_uint_eq(out2.channels, 0);
        buf_free(&b);
}
END_TEST

static Buf channel_map_wire(unsigned n) {
        Buf b = buf_copy(NULL, 2 + n);

        b.data[0] = 'm';
        b.data[1] = (uint8_t)n;
        for (unsigned i = 0; i < n; i++)
                b.data[2 + i] = (uint8_t)(CHANNEL_AUX0 + i % 32);
        return b;
}

START_TEST(test_channel_map_32_33) {
        Buf b32 = channel_map_wire(32), b33 = channel_map_wire(33);
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        Tagstruct ts;
        ChannelMap m;
        Buf out;

        ts = TAGSTRUCT_READER(b32.data, b32.size);
        tagstruct_get_channel_map(&ts, &m);
        ck_assert_int_eq(tagstruct_end(&ts), 0);
        ck_assert_uint_eq(m.channels, 32);
        ck_assert_uint_eq(m.map[31], CHANNEL_AUX0 + 31);
        /* 32 channels written back are the same bytes. */
        tagstruct_put_channel_map(&w, &m);
        out = writer_take(&w);
        assert_bytes(&out, b32.data, b32.size);
        buf_free(&out);

        ts = TAGSTRUCT_READER(b33.data, b33.size);
        tagstruct_get_channel_map(&ts, &m);
        ck_assert_int_eq(tagstruct_end(&ts), TAGSTRUCT_E_INVALID);
        ck_assert_uint_eq(m.channels, 0);

        /* n = 255 with no positions at all: refused before any bounds question. */
        b33.data[1] = 255;
        ts = TAGSTRUCT_READER(b33.data, 2);
        tagstruct_get_channel_map(&ts, &m);
        ck_assert_int_eq(tagstruct_end(&ts), TAGSTRUCT_E_INVALID);
        buf_free(&b32);
        buf_free(&b33);
}
END_TEST

START_TEST(test_channel_map_short) {
        Buf b = channel_map_wire(5);
        Tagstruct ts = TAGSTRUCT_READER(b.data, b.size - 1);
        ChannelMap m;

        tagstruct_get_channel_map(&ts, &m);
        ck_assert_int_eq(tagstruct_end(&ts), TAGSTRUCT_E_SHORT);
        ck_assert_uint_eq(m.channels, 0);
        buf_free(&b);
}
END_TEST

/* ---- cvolume and volume ---- */

START_TEST(test_cvolume_roundtrip) {
        static const uint8_t want[] = { 'v', 2, 0x00, 0x01, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff,
                                        'V', 0xff, 0xff, 0xff, 0xff };
        CVolume in = { .channels = 2, .values = { VOLUME_NORM, VOLUME_MAX } }, out;
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        Tagstruct ts;
        Volume v;
        Buf b;

        tagstruct_put_cvolume(&w, &in);
        tagstruct_put_volume(&w, VOLUME_INVALID);
        b = writer_take(&w);
        assert_bytes(&b, want, sizeof(want));
        ts = TAGSTRUCT_READER(b.data, b.size);
        tagstruct_get_cvolume(&ts, &out);
        tagstruct_get_volume(&ts, &v);
        ck_assert_int_eq(tagstruct_end(&ts), 0);
        ck_assert_uint_eq(out.channels, 2);
        ck_assert_uint_eq(out.values[0], VOLUME_NORM);
        ck_assert_uint_eq(out.values[1], VOLUME_MAX);
        ck_assert_uint_eq(v, VOLUME_INVALID);
        buf_free(&b);
}
END_TEST

static Buf cvolume_wire(unsigned n) {
        Buf b = buf_copy(NULL, 2 + 4 * n);

        b.data[0] = 'v';
        b.data[1] = (uint8_t)n;
        for (unsigned i = 0; i < n; i++) {
                b.data[2 + 4 * i] = 0;
                b.data[3 + 4 * i] = 1;
                b.data[4 + 4 * i] = 0;
                b.data[5 + 4 * i] = (uint8_t)i;
        }
        return b;
}

START_TEST(test_cvolume_32_33) {
        Buf b32 = cvolume_wire(32), b33 = cvolume_wire(33);
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        Tagstruct ts;
        CVolume v;
        Buf out;

        ts = TAGSTRUCT_READER(b32.data, b32.size);
        tagstruct_get_cvolume(&ts, &v);
        ck_assert_int_eq(tagstruct_end(&ts), 0);
        ck_assert_uint_eq(v.channels, 32);
        ck_assert_uint_eq(v.values[31], 0x1001f);
        tagstruct_put_cvolume(&w, &v);
        out = writer_take(&w);
        assert_bytes(&out, b32.data, b32.size);
        buf_free(&out);

        ts = TAGSTRUCT_READER(b33.data, b33.size);
        tagstruct_get_cvolume(&ts, &v);
        ck_assert_int_eq(tagstruct_end(&ts), TAGSTRUCT_E_INVALID);
        ck_assert_uint_eq(v.channels, 0);
        buf_free(&b32);
        buf_free(&b33);
}
END_TEST

START_TEST(test_cvolume_short) {
        Buf b = cvolume_wire(3);
        Tagstruct ts = TAGSTRUCT_READER(b.data, b.size - 1);
        CVolume v;

        tagstruct_get_cvolume(&ts, &v);
        ck_assert_int_eq(tagstruct_end(&ts), TAGSTRUCT_E_SHORT);
        ck_assert_uint_eq(v.channels, 0);
        buf_free(&b);
}
END_TEST

/* ---- arbitrary ---- */

START_TEST(test_arbitrary_roundtrip) {
        static const uint8_t data[] = { 1, 2, 3, 0, 5 };
        static const uint8_t want[] = { 'x', 0, 0, 0, 5, 1, 2, 3, 0, 5, 'x', 0, 0, 0, 0 };
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        const uint8_t *p, *e;
        Tagstruct ts;
        Buf b;

        tagstruct_put_arbitrary(&w, data, sizeof(data));
        tagstruct_put_arbitrary(&w, NULL, 0);
        b = writer_take(&w);
        assert_bytes(&b, want, sizeof(want));
        ts = TAGSTRUCT_READER(b.data, b.size);
        tagstruct_get_arbitrary(&ts, sizeof(data), &p);
        tagstruct_get_arbitrary(&ts, 0, &e);
        ck_assert_int_eq(tagstruct_end(&ts), 0);
        ck_assert_ptr_nonnull(p);
        ck_assert_mem_eq(p, data, sizeof(data));
        buf_free(&b);
}
END_TEST

START_TEST(test_arbitrary_length_mismatch) {
        static const uint8_t wire[] = { 'x', 0, 0, 0, 5, 1, 2, 3, 4, 5 };
        Tagstruct ts = TAGSTRUCT_READER(wire, sizeof(wire));
        const uint8_t *p = wire;

        /* Expecting 4 or 6 where the wire says 5: invalid, whatever follows. */
        tagstruct_get_arbitrary(&ts, 4, &p);
        ck_assert_int_eq(tagstruct_end(&ts), TAGSTRUCT_E_INVALID);
        ck_assert_ptr_null(p);
        ts = TAGSTRUCT_READER(wire, sizeof(wire));
        tagstruct_get_arbitrary(&ts, 6, &p);
        ck_assert_int_eq(tagstruct_end(&ts), TAGSTRUCT_E_INVALID);
        ck_assert_ptr_null(p);
}
END_TEST

START_TEST(test_arbitrary_short) {
        /* Announced length agrees with what is expected but the bytes are missing. */
        static const uint8_t wire[] = { 'x', 0xff, 0xff, 0xff, 0xff, 1 };
        Buf b = buf_copy(wire, sizeof(wire));
        Tagstruct ts = TAGSTRUCT_READER(b.data, b.size);
        const uint8_t *p = wire;

        tagstruct_get_arbitrary(&ts, 0xffffffffU, &p);
        ck_assert_int_eq(tagstruct_end(&ts), TAGSTRUCT_E_SHORT);
        ck_assert_ptr_null(p);
        ts = TAGSTRUCT_READER(b.data, 3);
        tagstruct_get_arbitrary(&ts, 0xffffffffU, &p);
        ck_assert_int_eq(tagstruct_end(&ts), TAGSTRUCT_E_SHORT);
        buf_free(&b);
}
END_TEST

/* ---- proplist ---- */

START_TEST(test_proplist_roundtrip) {
        static const uint8_t want[] = {
                'P',
                't', 'a', 'p', 'p', 'l', 'i', 'c', 'a', 't', 'i', 'o', 'n', '.', 'n', 'a', 'm', 'e', 0,
                'L', 0, 0, 0, 6,
                'x', 0, 0, 0, 6, 'p', 'a', 'c', 't', 'l', 0,
                'N',
        };
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        Proplist *in = proplist_new(), *out = proplist_new();
        Tagstruct ts;
        Buf b;

        ck_assert_ptr_nonnull(in);
        ck_assert_ptr_nonnull(out);
        ck_assert_int_eq(proplist_sets(in, "application.name", "pactl"), 0);
        tagstruct_put_proplist(&w, in);
        b = writer_take(&w);
        assert_bytes(&b, want, sizeof(want));
        ts = TAGSTRUCT_READER(b.data, b.size);
        tagstruct_get_proplist(&ts, out);
        ck_assert_int_eq(tagstruct_end(&ts), 0);
        ck_assert(proplist_equal(in, out));
        ck_assert_str_eq(proplist_gets(out, "application.name"), "pactl");
        buf_free(&b);
        proplist_free(in);
        proplist_free(out);
}
END_TEST

START_TEST(test_proplist_empty_and_null) {
        static const uint8_t want[] = { 'P', 'N', 'P', 'N' };
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        Proplist *empty = proplist_new(), *out = proplist_new();
        Tagstruct ts;
        Buf b;

        ck_assert_ptr_nonnull(empty);
        ck_assert_ptr_nonnull(out);
        tagstruct_put_proplist(&w, empty);
        tagstruct_put_proplist(&w, NULL);
        b = writer_take(&w);
        assert_bytes(&b, want, sizeof(want));
        ts = TAGSTRUCT_READER(b.data, b.size);
        tagstruct_get_proplist(&ts, out);
        tagstruct_get_proplist(&ts, out);
        ck_assert_int_eq(tagstruct_end(&ts), 0);
        ck_assert(proplist_is_empty(out));
        buf_free(&b);
        proplist_free(empty);
        proplist_free(out);
}
END_TEST

START_TEST(test_proplist_binary_and_many) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        Proplist *in = proplist_new(), *out = proplist_new();
        static const uint8_t bin[] = { 0, 0xff, 0x80, 0 };
        Tagstruct ts;
        Buf b;

        ck_assert_ptr_nonnull(in);
        ck_assert_ptr_nonnull(out);
        ck_assert_int_eq(proplist_set(in, "x.bin", bin, sizeof(bin)), 0);
        ck_assert_int_eq(proplist_set(in, "x.empty", NULL, 0), 0);
        for (int i = 0; i < 50; i++) {
                char k[32];

                snprintf(k, sizeof(k), "key.%d", i);
                ck_assert_int_eq(proplist_setf(in, k, "value %d", i), 0);
        }
        tagstruct_put_proplist(&w, in);
        b = writer_take(&w);
        ts = TAGSTRUCT_READER(b.data, b.size);
        tagstruct_get_proplist(&ts, out);
        ck_assert_int_eq(tagstruct_end(&ts), 0);
        ck_assert(proplist_equal(in, out));
        ck_assert_uint_eq(proplist_size(out), 52);
        buf_free(&b);
        proplist_free(in);
        proplist_free(out);
}
END_TEST

START_TEST(test_proplist_duplicate_key_replaces) {
        static const uint8_t wire[] = {
                'P',
                't', 'k', 0, 'L', 0, 0, 0, 2, 'x', 0, 0, 0, 2, 'a', 0,
                't', 'k', 0, 'L', 0, 0, 0, 2, 'x', 0, 0, 0, 2, 'b', 0,
                'N',
        };
        Proplist *pl = proplist_new();

        ck_assert_ptr_nonnull(pl);
        ck_assert_int_eq(read_one_proplist(wire, sizeof(wire), pl), 0);
        ck_assert_uint_eq(proplist_size(pl), 1);
        ck_assert_str_eq(proplist_gets(pl, "k"), "b");
        proplist_free(pl);
}
END_TEST

/* A proplist with one entry "k" of n bytes, the two length fields given separately. */
static Buf proplist_wire(uint32_t n1, uint32_t n2, size_t nbytes, bool terminate) {
        size_t size = 1 + 3 + 5 + 5 + nbytes + (terminate ? 1 : 0);
        Buf b = buf_copy(NULL, size);
        uint8_t *p = b.data;

        *p++ = 'P';
        *p++ = 't';
        *p++ = 'k';
        *p++ = 0;
        *p++ = 'L';
        *p++ = (uint8_t)(n1 >> 24);
        *p++ = (uint8_t)(n1 >> 16);
        *p++ = (uint8_t)(n1 >> 8);
        *p++ = (uint8_t)n1;
        *p++ = 'x';
        *p++ = (uint8_t)(n2 >> 24);
        *p++ = (uint8_t)(n2 >> 16);
        *p++ = (uint8_t)(n2 >> 8);
        *p++ = (uint8_t)n2;
        memset(p, 'v', nbytes);
        p += nbytes;
        if (terminate)
                *p++ = 'N';
        ck_assert_uint_eq((size_t)(p - b.data), size);
        return b;
}

START_TEST(test_proplist_value_65536_65537) {
        Proplist *pl = proplist_new();
        Buf ok = proplist_wire(65536, 65536, 65536, true);
        Buf big = proplist_wire(65537, 65537, 65537, true);
        size_t n = 0;
        Tagstruct ts;

        ck_assert_ptr_nonnull(pl);
        ts = TAGSTRUCT_READER(ok.data, ok.size);
        tagstruct_get_proplist(&ts, pl);
        ck_assert_int_eq(tagstruct_end(&ts), 0);
        ck_assert_ptr_nonnull(proplist_get(pl, "k", &n));
        ck_assert_uint_eq(n, 65536);

        proplist_clear(pl);
        ts = TAGSTRUCT_READER(big.data, big.size);
        tagstruct_get_proplist(&ts, pl);
        ck_assert_int_eq(tagstruct_end(&ts), TAGSTRUCT_E_INVALID);
        ck_assert(!proplist_contains(pl, "k"));

        /* The limit applies to the announced length, before the bytes are looked at. */
        proplist_clear(pl);
        ts = TAGSTRUCT_READER(big.data, 14);
        tagstruct_get_proplist(&ts, pl);
        ck_assert_int_eq(tagstruct_end(&ts), TAGSTRUCT_E_INVALID);
        buf_free(&ok);
        buf_free(&big);
        proplist_free(pl);
}
END_TEST

START_TEST(test_proplist_doubled_length_disagrees) {
        Proplist *pl = proplist_new();
        Buf a = proplist_wire(2, 3, 3, true);
        Buf b = proplist_wire(3, 2, 2, true);

        ck_assert_ptr_nonnull(pl);
        ck_assert_int_eq(read_one_proplist(a.data, a.size, pl), TAGSTRUCT_E_INVALID);
        ck_assert_int_eq(read_one_proplist(b.data, b.size, pl), TAGSTRUCT_E_INVALID);
        ck_assert(!proplist_contains(pl, "k"));
        buf_free(&a);
        buf_free(&b);
        proplist_free(pl);
}
END_TEST

START_TEST(test_proplist_key_invalid) {
        static const uint8_t empty_key[] = { 'P', 't', 0, 'L', 0, 0, 0, 1, 'x', 0, 0, 0, 1, 0, 'N' };
        static const uint8_t nonascii_key[] = { 'P', 't', 0xc3, 0xa9, 0, 'L', 0, 0, 0, 1,
                                                'x', 0, 0, 0, 1, 0, 'N' };
        static const uint8_t ctrl_key[] = { 'P', 't', 'a', '\n', 0, 'L', 0, 0, 0, 1,
                                            'x', 0, 0, 0, 1, 0, 'N' };
        Proplist *pl = proplist_new();

        ck_assert_ptr_nonnull(pl);
        ck_assert_int_eq(read_one_proplist(empty_key, sizeof(empty_key), pl), TAGSTRUCT_E_INVALID);
        ck_assert_int_eq(read_one_proplist(nonascii_key, sizeof(nonascii_key), pl),
                         TAGSTRUCT_E_INVALID);
        ck_assert_int_eq(read_one_proplist(ctrl_key, sizeof(ctrl_key), pl), TAGSTRUCT_E_INVALID);
        ck_assert(proplist_is_empty(pl));
        proplist_free(pl);
}
END_TEST

/* A proplist with one entry whose key is klen 'a's and an empty value. */
static Buf proplist_key_wire(size_t klen) {
        Buf b = buf_copy(NULL, 1 + 1 + klen + 1 + 5 + 5 + 1);
        uint8_t *p = b.data;

        *p++ = 'P';
        *p++ = 't';
        memset(p, 'a', klen);
        p += klen;
        *p++ = 0;
        memcpy(p, "L\0\0\0\0x\0\0\0\0N", 11);
        return b;
}

START_TEST(test_proplist_key_256_257) {
        Buf k256 = proplist_key_wire(PROPLIST_KEY_MAX), k257 = proplist_key_wire(PROPLIST_KEY_MAX + 1);
        Proplist *pl = proplist_new();

        ck_assert_ptr_nonnull(pl);
        ck_assert_int_eq(read_one_proplist(k256.data, k256.size, pl), 0);
        ck_assert_uint_eq(proplist_size(pl), 1);
        ck_assert_int_eq(read_one_proplist(k257.data, k257.size, pl), TAGSTRUCT_E_INVALID);
        ck_assert_uint_eq(proplist_size(pl), 1);
        buf_free(&k256);
        buf_free(&k257);
        proplist_free(pl);
}
END_TEST

START_TEST(test_proplist_missing_terminator) {
        Proplist *pl = proplist_new();
        Buf b = proplist_wire(1, 1, 1, false);
        static const uint8_t other[] = { 'P', 'L', 0, 0, 0, 0 };
        static const uint8_t bare[] = { 'P' };

        ck_assert_ptr_nonnull(pl);
        /* Runs out of data where the next key or 'N' should be. */
        ck_assert_int_eq(read_one_proplist(b.data, b.size, pl), TAGSTRUCT_E_SHORT);
        ck_assert_int_eq(read_one_proplist(bare, sizeof(bare), pl), TAGSTRUCT_E_SHORT);
        /* Something else than a key or 'N': only 'N' ends a proplist. */
        ck_assert_int_eq(read_one_proplist(other, sizeof(other), pl), TAGSTRUCT_E_TYPE);
        buf_free(&b);
        proplist_free(pl);
}
END_TEST

START_TEST(test_proplist_value_wrong_tags) {
        /* The length must be a 'L' and the value an 'x'. */
        static const uint8_t len_as_u8[] = { 'P', 't', 'k', 0, 'B', 1, 'x', 0, 0, 0, 1, 0, 'N' };
        static const uint8_t val_as_str[] = { 'P', 't', 'k', 0, 'L', 0, 0, 0, 2, 't', 'a', 0, 'N' };
        Proplist *pl = proplist_new();

        ck_assert_ptr_nonnull(pl);
        ck_assert_int_eq(read_one_proplist(len_as_u8, sizeof(len_as_u8), pl), TAGSTRUCT_E_TYPE);
        ck_assert_int_eq(read_one_proplist(val_as_str, sizeof(val_as_str), pl), TAGSTRUCT_E_TYPE);
        proplist_free(pl);
}
END_TEST

START_TEST(test_proplist_too_many_entries) {
        /* PROPLIST_ENTRIES_MAX distinct keys are fine; one more is refused. Written
         * by hand: a Proplist of ours cannot hold the extra entry to write it. */
        TagstructWriter body = TAGSTRUCT_WRITER_NULL(body);
        Proplist *out = proplist_new();
        size_t cut = 1;
        Tagstruct ts;
        Buf b, wire;

        ck_assert_ptr_nonnull(out);
        for (unsigned i = 0; i < PROPLIST_ENTRIES_MAX + 1; i++) {
                char k[32];
                int kl = snprintf(k, sizeof(k), "k%u", i);

                tagstruct_put_string(&body, k);
                tagstruct_put_u32(&body, 1);
                tagstruct_put_arbitrary(&body, "", 1);
                /* 't' key NUL, 'L' u32, 'x' u32 byte */
                if (i < PROPLIST_ENTRIES_MAX)
                        cut += 1 + (size_t)kl + 1 + 5 + 5 + 1;
        }
        b = writer_take(&body);
        wire = buf_copy(NULL, 1 + b.size + 1);
        wire.data[0] = 'P';
        memcpy(wire.data + 1, b.data, b.size);
        wire.data[wire.size - 1] = 'N';

        /* N + 1 entries */
        ts = TAGSTRUCT_READER(wire.data, wire.size);
        tagstruct_get_proplist(&ts, out);
        ck_assert_int_eq(tagstruct_end(&ts), TAGSTRUCT_E_INVALID);

        /* N entries: terminate right after entry N - 1 */
        wire.data[cut] = 'N';
        proplist_clear(out);
        ts = TAGSTRUCT_READER(wire.data, cut + 1);
        tagstruct_get_proplist(&ts, out);
        ck_assert_int_eq(tagstruct_end(&ts), 0);
        ck_assert_uint_eq(proplist_size(out), PROPLIST_ENTRIES_MAX);
        buf_free(&wire);
        buf_free(&b);
        proplist_free(out);
}
END_TEST

/* ---- format info ---- */

START_TEST(test_format_info_roundtrip) {
        static const uint8_t any_pcm[] = { 'f', 'B', 1, 'P', 'N' };
        SampleSpec ss = { .format = SAMPLE_S16LE, .channels = 2, .rate = 44100 };
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        FormatInfo *pcm = format_info_new(ENCODING_PCM), *full, *a = NULL, *c = NULL;
        Tagstruct ts;
        Buf b;

        ck_assert_ptr_nonnull(pcm);
        tagstruct_put_format_info(&w, pcm);
        b = writer_take(&w);
        assert_bytes(&b, any_pcm, sizeof(any_pcm));
        buf_free(&b);

        full = format_info_from_sample_spec(&ss, NULL);
        ck_assert_ptr_nonnull(full);
        tagstruct_put_format_info(&w, pcm);
        tagstruct_put_format_info(&w, full);
        b = writer_take(&w);
        ts = TAGSTRUCT_READER(b.data, b.size);
        tagstruct_get_format_info(&ts, &a);
        tagstruct_get_format_info(&ts, &c);
        ck_assert_int_eq(tagstruct_end(&ts), 0);
        ck_assert_ptr_nonnull(a);
        ck_assert_ptr_nonnull(c);
        ck_assert_uint_eq(a->encoding, ENCODING_PCM);
        ck_assert(proplist_is_empty(a->props));
        ck_assert_uint_eq(c->encoding, ENCODING_PCM);
        ck_assert(proplist_equal(c->props, full->props));
        ck_assert_str_eq(proplist_gets(c->props, "format.sample_format"), "\"s16le\"");
        buf_free(&b);
        format_info_free(a);
        format_info_free(c);
        format_info_free(full);
        format_info_free(pcm);
}
END_TEST

START_TEST(test_format_info_null_writes_invalid) {
        static const uint8_t want[] = { 'f', 'B', 0xff, 'P', 'N' };
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        Buf b;

        tagstruct_put_format_info(&w, NULL);
        b = writer_take(&w);
        assert_bytes(&b, want, sizeof(want));
        buf_free(&b);
}
END_TEST

START_TEST(test_format_info_malformed) {
        /* Encoding not a 'B'; proplist missing; nested proplist broken; unterminated. */
        static const uint8_t enc_u32[] = { 'f', 'L', 0, 0, 0, 1, 'P', 'N' };
        static const uint8_t no_props[] = { 'f', 'B', 1 };
        static const uint8_t props_str[] = { 'f', 'B', 1, 't', 0 };
        static const uint8_t bad_key[] = { 'f', 'B', 1, 'P', 't', 0, 'L', 0, 0, 0, 0,
                                           'x', 0, 0, 0, 0, 'N' };
        static const uint8_t unterminated[] = { 'f', 'B', 1, 'P', 't', 'a', 0, 'L', 0, 0, 0, 0,
                                                'x', 0, 0, 0, 0 };
        static const struct {
                const uint8_t *d;
                size_t n;
                int err;
        } cases[] = {
                { enc_u32, sizeof(enc_u32), TAGSTRUCT_E_TYPE },
                { no_props, sizeof(no_props), TAGSTRUCT_E_SHORT },
                { props_str, sizeof(props_str), TAGSTRUCT_E_TYPE },
                { bad_key, sizeof(bad_key), TAGSTRUCT_E_INVALID },
                { unterminated, sizeof(unterminated), TAGSTRUCT_E_SHORT },
        };

        for (size_t i = 0; i < C_ARRAY_SIZE(cases); i++) {
                Buf b = buf_copy(cases[i].d, cases[i].n);
                Tagstruct ts = TAGSTRUCT_READER(b.data, b.size);
                FormatInfo *f = (FormatInfo *)&ts;   /* must be reset to NULL */

                tagstruct_get_format_info(&ts, &f);
                ck_assert_int_eq(tagstruct_end(&ts), cases[i].err);
                ck_assert_ptr_null(f);
                buf_free(&b);
        }
}
END_TEST

START_TEST(test_format_info_encoding_not_validated) {
        /* The codec carries any encoding byte; the command handlers validate it. */
        static const uint8_t wire[] = { 'f', 'B', 200, 'P', 'N' };
        Tagstruct ts = TAGSTRUCT_READER(wire, sizeof(wire));
        FormatInfo *f;

        tagstruct_get_format_info(&ts, &f);
        ck_assert_int_eq(tagstruct_end(&ts), 0);
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(f->encoding, 200);
        ck_assert(!format_info_valid(f));
        format_info_free(f);
}
END_TEST

/* ---- sticky errors, end ---- */

START_TEST(test_sticky_error) {
        /* After the first failure later getters consume nothing and zero their outputs. */
        static const uint8_t wire[] = { 'B', 7, 'L', 0, 0, 0, 1, 't', 'a', 0 };
        Tagstruct ts = TAGSTRUCT_READER(wire, sizeof(wire));
        uint32_t u = 99;
        uint8_t b = 99;
        const char *s = "x";
        size_t pos;

        tagstruct_get_u32(&ts, &u);     /* 'B' is not 'L' */
        ck_assert_int_eq(tagstruct_error(&ts), TAGSTRUCT_E_TYPE);
        pos = ts.pos;
        tagstruct_get_u8(&ts, &b);      /* would have been valid */
        tagstruct_get_u32(&ts, &u);
        tagstruct_get_string(&ts, &s);
        ck_assert_uint_eq(ts.pos, pos);
        ck_assert_uint_eq(b, 0);
        ck_assert_uint_eq(u, 0);
        ck_assert_ptr_null(s);
        ck_assert_int_eq(tagstruct_error(&ts), TAGSTRUCT_E_TYPE);
        ck_assert_int_eq(tagstruct_end(&ts), TAGSTRUCT_E_TYPE);
}
END_TEST

START_TEST(test_sticky_error_keeps_first) {
        /* A short read followed by a type mismatch still reports the first. */
        static const uint8_t wire[] = { 'L', 0, 0 };
        Tagstruct ts = TAGSTRUCT_READER(wire, sizeof(wire));
        uint32_t u;
        bool b;
        Proplist *pl = proplist_new();
        FormatInfo *f = (FormatInfo *)&ts;

        ck_assert_ptr_nonnull(pl);
        tagstruct_get_u32(&ts, &u);
        ck_assert_int_eq(tagstruct_error(&ts), TAGSTRUCT_E_SHORT);
        tagstruct_get_bool(&ts, &b);
        tagstruct_get_proplist(&ts, pl);
        tagstruct_get_format_info(&ts, &f);
        ck_assert_ptr_null(f);
        ck_assert(proplist_is_empty(pl));
        ck_assert_int_eq(tagstruct_end(&ts), TAGSTRUCT_E_SHORT);
        proplist_free(pl);
}
END_TEST

START_TEST(test_end_trailing) {
        static const uint8_t wire[] = { 'L', 0, 0, 0, 1, '1' };
        Tagstruct ts = TAGSTRUCT_READER(wire, sizeof(wire));
        uint32_t u;
        bool b;

        tagstruct_get_u32(&ts, &u);
        ck_assert(!tagstruct_eof(&ts));
        ck_assert_int_eq(tagstruct_error(&ts), 0);
        ck_assert_int_eq(tagstruct_end(&ts), TAGSTRUCT_E_TRAILING);
        /* tagstruct_end() does not poison: reading on works. */
        tagstruct_get_bool(&ts, &b);
        ck_assert(b);
        ck_assert(tagstruct_eof(&ts));
        ck_assert_int_eq(tagstruct_end(&ts), 0);
}
END_TEST

START_TEST(test_end_empty) {
        Tagstruct ts = TAGSTRUCT_READER(NULL, 0);
        uint32_t u = 5;

        ck_assert(tagstruct_eof(&ts));
        ck_assert_int_eq(tagstruct_end(&ts), 0);
        tagstruct_get_u32(&ts, &u);
        ck_assert_uint_eq(u, 0);
        ck_assert_int_eq(tagstruct_end(&ts), TAGSTRUCT_E_SHORT);
}
END_TEST

/* ---- truncation ---- */

/* One value of every tag, proplist and format info included. */
static Buf every_tag_packet(void) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        SampleSpec ss = { .format = SAMPLE_FLOAT32LE, .channels = 6, .rate = 48000 };
        ChannelMap m;
        CVolume v;
        struct timeval tv = { 1700000000, 123456 };
        Proplist *pl = proplist_new();
        FormatInfo *f;
        Buf b;

        ck_assert(channel_map_init_auto(&m, 6));
        cvolume_set(&v, 6, VOLUME_NORM);
        ck_assert_ptr_nonnull(pl);
        ck_assert_int_eq(proplist_sets(pl, "media.name", "test"), 0);
        ck_assert_int_eq(proplist_set(pl, "x.bin", "\x01\x02", 2), 0);
        f = format_info_from_sample_spec(&ss, &m);
        ck_assert_ptr_nonnull(f);

        tagstruct_put_u32(&w, PROTO_CMD_CREATE_PLAYBACK_STREAM);
        tagstruct_put_u32(&w, 7);
        tagstruct_put_u8(&w, 3);
        tagstruct_put_u64(&w, 1ULL << 40);
        tagstruct_put_s64(&w, -1);
        tagstruct_put_usec(&w, 20000);
        tagstruct_put_bool(&w, true);
        tagstruct_put_bool(&w, false);
        tagstruct_put_timeval(&w, &tv);
        tagstruct_put_string(&w, "name");
        tagstruct_put_string(&w, NULL);
        tagstruct_put_string(&w, "");
        tagstruct_put_sample_spec(&w, &ss);
        tagstruct_put_channel_map(&w, &m);
        tagstruct_put_cvolume(&w, &v);
        tagstruct_put_volume(&w, VOLUME_NORM);
        tagstruct_put_arbitrary(&w, "abcd", 4);
        tagstruct_put_proplist(&w, pl);
        tagstruct_put_format_info(&w, f);
        b = writer_take(&w);
        format_info_free(f);
        proplist_free(pl);
        return b;
}

/* Reads the every_tag_packet() layout; returns tagstruct_end(). */
static int read_every_tag(const uint8_t *data, size_t size) {
        Tagstruct ts = TAGSTRUCT_READER(data, size);
        Proplist *pl = proplist_new();
        FormatInfo *f = NULL;
        uint32_t u32;
        uint8_t u8;
        uint64_t u64;
        int64_t s64;
        bool b;
        struct timeval tv;
        const char *s;
        SampleSpec ss;
        ChannelMap m;
        CVolume cv;
        Volume v;
        const uint8_t *arb;
        int r;

        ck_assert_ptr_nonnull(pl);
        tagstruct_get_u32(&ts, &u32);
        tagstruct_get_u32(&ts, &u32);
        tagstruct_get_u8(&ts, &u8);
        tagstruct_get_u64(&ts, &u64);
        tagstruct_get_s64(&ts, &s64);
        tagstruct_get_usec(&ts, &u64);
        tagstruct_get_bool(&ts, &b);
        tagstruct_get_bool(&ts, &b);
        tagstruct_get_timeval(&ts, &tv);
        tagstruct_get_string(&ts, &s);
        tagstruct_get_string_or_null(&ts, &s);
        tagstruct_get_string_or_null(&ts, &s);
        tagstruct_get_sample_spec(&ts, &ss);
        tagstruct_get_channel_map(&ts, &m);
        tagstruct_get_cvolume(&ts, &cv);
        tagstruct_get_volume(&ts, &v);
        tagstruct_get_arbitrary(&ts, 4, &arb);
        tagstruct_get_proplist(&ts, pl);
        tagstruct_get_format_info(&ts, &f);
        r = tagstruct_end(&ts);
        if (r)
                ck_assert_ptr_null(f);
        else
                ck_assert_ptr_nonnull(f);
        format_info_free(f);
        proplist_free(pl);
        return r;
}

START_TEST(test_truncation_every_prefix) {
        Buf full = every_tag_packet();

        ck_assert_int_eq(read_every_tag(full.data, full.size), 0);
        for (size_t n = 0; n < full.size; n++) {
                Buf prefix = buf_copy(full.data, n);
                int r = read_every_tag(prefix.data, n);

                if (r != TAGSTRUCT_E_SHORT && r != TAGSTRUCT_E_INVALID)
                        ck_abort_msg("prefix of %zu bytes: error %d", n, r);
                buf_free(&prefix);
        }
        buf_free(&full);
}
END_TEST

START_TEST(test_corruption_every_byte) {
        /* Flipping any one byte must give a clean outcome, never a crash. */
        Buf full = every_tag_packet();

        for (size_t i = 0; i < full.size; i++) {
                static const uint8_t xors[] = { 0x01, 0x80, 0xff };

                for (size_t k = 0; k < sizeof(xors); k++) {
                        Buf b = buf_copy(full.data, full.size);
                        int r;

                        b.data[i] ^= xors[k];
                        r = read_every_tag(b.data, b.size);
                        ck_assert(r >= 0 && r <= TAGSTRUCT_E_NOMEM);
                        buf_free(&b);
                }
        }
        buf_free(&full);
}
END_TEST

/* ---- byte-exact packets ---- */

START_TEST(test_auth_reply_bytes) {
        /* native-protocol.md §4: the AUTH reply without SHM (payload of the frame). */
        static const uint8_t want[] = { 0x4c, 0x00, 0x00, 0x00, 0x02, 0x4c, 0x00, 0x00, 0x00, 0x00,
                                        0x4c, 0x00, 0x00, 0x00, 0x23 };
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        Tagstruct ts;
        uint32_t cmd, tag, version;
        Buf b;

        tagstruct_put_u32(&w, PROTO_CMD_REPLY);
        tagstruct_put_u32(&w, 0);
        tagstruct_put_u32(&w, PROTO_VERSION_MAX);
        b = writer_take(&w);
        assert_bytes(&b, want, sizeof(want));
        ts = TAGSTRUCT_READER(b.data, b.size);
        tagstruct_get_u32(&ts, &cmd);
        tagstruct_get_u32(&ts, &tag);
        tagstruct_get_u32(&ts, &version);
        ck_assert_int_eq(tagstruct_end(&ts), 0);
        ck_assert_uint_eq(cmd, PROTO_CMD_REPLY);
        ck_assert_uint_eq(tag, 0);
        ck_assert_uint_eq(version, 35);
        buf_free(&b);
}
END_TEST

START_TEST(test_auth_request_bytes) {
        /* AUTH(tag 0) as libpulse 16.1 sends it: version 0x40000023 and a 256-byte cookie. */
        uint8_t cookie[PROTO_COOKIE_LENGTH];
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        const uint8_t *c;
        uint32_t cmd, tag, version;
        Tagstruct ts;
        Buf b;

        for (size_t i = 0; i < sizeof(cookie); i++)
                cookie[i] = (uint8_t)i;
        tagstruct_put_u32(&w, PROTO_CMD_AUTH);
        tagstruct_put_u32(&w, 0);
        tagstruct_put_u32(&w, 0x40000023);
        tagstruct_put_arbitrary(&w, cookie, sizeof(cookie));
        b = writer_take(&w);
        ck_assert_uint_eq(b.size, 5 + 5 + 5 + 5 + 256);
        {
                static const uint8_t head[] = { 'L', 0, 0, 0, 8, 'L', 0, 0, 0, 0,
                                                'L', 0x40, 0, 0, 0x23, 'x', 0, 0, 1, 0 };

                ck_assert_mem_eq(b.data, head, sizeof(head));
                ck_assert_mem_eq(b.data + sizeof(head), cookie, sizeof(cookie));
        }
        ts = TAGSTRUCT_READER(b.data, b.size);
        tagstruct_get_u32(&ts, &cmd);
        tagstruct_get_u32(&ts, &tag);
        tagstruct_get_u32(&ts, &version);
        tagstruct_get_arbitrary(&ts, PROTO_COOKIE_LENGTH, &c);
        ck_assert_int_eq(tagstruct_end(&ts), 0);
        ck_assert_uint_eq(version & PROTO_VERSION_MASK, 35);
        ck_assert_mem_eq(c, cookie, sizeof(cookie));
        buf_free(&b);
}
END_TEST

START_TEST(test_error_packet_bytes) {
        /* ERROR(tag 5, NOENTITY) */
        static const uint8_t want[] = { 'L', 0, 0, 0, 0, 'L', 0, 0, 0, 5, 'L', 0, 0, 0, 5 };
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        Buf b;

        tagstruct_put_u32(&w, PROTO_CMD_ERROR);
        tagstruct_put_u32(&w, 5);
        tagstruct_put_u32(&w, PROTO_ERR_NOENTITY);
        b = writer_take(&w);
        assert_bytes(&b, want, sizeof(want));
        buf_free(&b);
}
END_TEST

/* ---- writer ---- */

START_TEST(test_writer_steal_and_reuse) {
        TagstructWriter w = TAGSTRUCT_WRITER_NULL(w);
        uint8_t *d;
        size_t n;

        /* Empty writer: nothing to steal. */
        d = tagstruct_writer_steal(&w, &n);
        ck_assert_uint_eq(n, 0);
        free(d);
        /* Growth over many small values keeps every byte. */
        for (uint32_t i = 0; i < 10000; i++)
                tagstruct_put_u32(&w, i);
        d = tagstruct_writer_steal(&w, &n);
        ck_assert_uint_eq(n, 50000);
        ck_assert_uint_eq(w.size, 0);
        ck_assert_ptr_null(w.data);
        for (uint32_t i = 0; i < 10000; i++) {
                ck_assert_uint_eq(d[5 * i], 'L');
                ck_assert_uint_eq(d[5 * i + 4], (uint8_t)i);
        }
        free(d);
        /* The writer is usable again after steal and after deinit. */
        tagstruct_put_bool(&w, true);
        ck_assert_uint_eq(w.size, 1);
        tagstruct_writer_deinit(&w);
        ck_assert_uint_eq(w.size, 0);
        tagstruct_writer_deinit(&w);
}
END_TEST

static Suite *tagstruct_suite(void) {
        Suite *s = suite_create("tagstruct");
        TCase *tc;

#define TC(name) do { tc = tcase_create(name); \
                      tcase_add_checked_fixture(tc, setup, teardown); \
                      suite_add_tcase(s, tc); } while (0)
        TC("scalars");
        tcase_add_test(tc, test_u8_roundtrip);
        tcase_add_test(tc, test_u32_roundtrip);
        tcase_add_test(tc, test_u64_s64_usec_roundtrip);
        tcase_add_test(tc, test_64_tags_distinct);
        tcase_add_test(tc, test_bool_roundtrip);
        tcase_add_test(tc, test_timeval_roundtrip);
        tcase_add_test(tc, test_wrong_tag_each_getter);

        TC("strings");
        tcase_add_test(tc, test_string_roundtrip);
        tcase_add_test(tc, test_string_null_refused_by_get_string);
        tcase_add_test(tc, test_string_without_nul);
        tcase_add_test(tc, test_string_nul_is_first_one);
        tcase_add_test(tc, test_string_long);

        TC("sample_spec");
        tcase_add_test(tc, test_sample_spec_roundtrip);
        tcase_add_test(tc, test_sample_spec_short);

        TC("channel_map");
        tcase_add_test(tc, test_channel_map_roundtrip);
        tcase_add_test(tc, test_channel_map_32_33);
        tcase_add_test(tc, test_channel_map_short);

        TC("volume");
        tcase_add_test(tc, test_cvolume_roundtrip);
        tcase_add_test(tc, test_cvolume_32_33);
        tcase_add_test(tc, test_cvolume_short);

        TC("arbitrary");
        tcase_add_test(tc, test_arbitrary_roundtrip);
        tcase_add_test(tc, test_arbitrary_length_mismatch);
        tcase_add_test(tc, test_arbitrary_short);

        TC("proplist");
        tcase_add_test(tc, test_proplist_roundtrip);
        tcase_add_test(tc, test_proplist_empty_and_null);
        tcase_add_test(tc, test_proplist_binary_and_many);
        tcase_add_test(tc, test_proplist_duplicate_key_replaces);
        tcase_add_test(tc, test_proplist_value_65536_65537);
        tcase_add_test(tc, test_proplist_doubled_length_disagrees);
        tcase_add_test(tc, test_proplist_key_invalid);
        tcase_add_test(tc, test_proplist_key_256_257);
        tcase_add_test(tc, test_proplist_missing_terminator);
        tcase_add_test(tc, test_proplist_value_wrong_tags);
        tcase_add_test(tc, test_proplist_too_many_entries);

        TC("format_info");
        tcase_add_test(tc, test_format_info_roundtrip);
        tcase_add_test(tc, test_format_info_null_writes_invalid);
        tcase_add_test(tc, test_format_info_malformed);
        tcase_add_test(tc, test_format_info_encoding_not_validated);

        TC("errors");
        tcase_add_test(tc, test_sticky_error);
        tcase_add_test(tc, test_sticky_error_keeps_first);
        tcase_add_test(tc, test_end_trailing);
        tcase_add_test(tc, test_end_empty);

        TC("truncation");
        tcase_add_test(tc, test_truncation_every_prefix);
        tcase_add_test(tc, test_corruption_every_byte);

        TC("encoding");
        tcase_add_test(tc, test_auth_reply_bytes);
        tcase_add_test(tc, test_auth_request_bytes);
        tcase_add_test(tc, test_error_packet_bytes);
        tcase_add_test(tc, test_writer_steal_and_reuse);
#undef TC
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(tagstruct_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
