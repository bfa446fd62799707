/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-format-info.c: unit tests for engine/types/format-info.c.
 *
 * The property texts (bytes and lengths, NUL included) are what libpulse
 * 16.1's pa_format_info_from_sample_spec() stores, and the accept/refuse
 * verdicts of format_info_to_sample_spec() follow
 * pa_format_info_to_sample_spec() except where a test says we differ.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "engine/types/format-info.h"

static void assert_prop(const FormatInfo *f, const char *key, const char *want) {
        size_t n = 0;
        const void *d = proplist_get(f->props, key, &n);

        ck_assert_msg(d != NULL, "%s missing", key);
        ck_assert_msg(n == strlen(want) + 1, "%s: length %zu, want %zu", key, n, strlen(want) + 1);
        ck_assert_mem_eq(d, want, n);
}

static FormatInfo *pcm(const char *sf, const char *rate, const char *ch, const char *map) {
        FormatInfo *f = format_info_new(ENCODING_PCM);

        ck_assert_ptr_nonnull(f);
        if (sf)
                ck_assert_int_eq(proplist_sets(f->props, "format.sample_format", sf), 0);
        if (rate)
                ck_assert_int_eq(proplist_sets(f->props, "format.rate", rate), 0);
        if (ch)
                ck_assert_int_eq(proplist_sets(f->props, "format.channels", ch), 0);
        if (map)
                ck_assert_int_eq(proplist_sets(f->props, "format.channel_map", map), 0);
        return f;
}

/* ---- basics ---- */

START_TEST(test_encoding_names) {
        static const char *const names[] = {
                "any", "pcm", "ac3-iec61937", "eac3-iec61937", "mpeg-iec61937", "dts-iec61937",
                "mpeg2-aac-iec61937", "truehd-iec61937", "dtshd-iec61937",
        };

        for (unsigned e = 0; e < 9; e++)
                ck_assert_str_eq(encoding_to_string((uint8_t)e), names[e]);
        ck_assert_ptr_null(encoding_to_string(9));
        ck_assert_ptr_null(encoding_to_string(ENCODING_INVALID));
}
END_TEST

START_TEST(test_new_valid_copy) {
        FormatInfo *f = format_info_new(ENCODING_PCM), *c;

        ck_assert_ptr_nonnull(f);
        ck_assert_ptr_nonnull(f->props);
        ck_assert(proplist_is_empty(f->props));
        ck_assert(format_info_valid(f));
        ck_assert(format_info_is_pcm(f));
        proplist_sets(f->props, "format.rate", "48000");
        c = format_info_copy(f);
        ck_assert_ptr_nonnull(c);
        ck_assert_uint_eq(c->encoding, ENCODING_PCM);
        ck_assert(proplist_equal(c->props, f->props));
        ck_assert_ptr_ne(c->props, f->props);
        proplist_sets(c->props, "format.rate", "44100");
        ck_assert_str_eq(proplist_gets(f->props, "format.rate"), "48000");
        ck_assert_ptr_null(format_info_free(c));
        ck_assert_ptr_null(format_info_free(f));
        ck_assert_ptr_null(format_info_free(NULL));

        f = format_info_new(ENCODING_DTSHD_IEC61937);           /* 8: last valid */
        ck_assert(format_info_valid(f));
        ck_assert(!format_info_is_pcm(f));
        f->encoding = 9;
        ck_assert(!format_info_valid(f));
        f->encoding = ENCODING_INVALID;
        ck_assert(!format_info_valid(f));
        f->encoding = ENCODING_ANY;
        ck_assert(format_info_valid(f));
        ck_assert(!format_info_is_pcm(f));
        format_info_free(f);
        ck_assert(!format_info_valid(NULL));
        ck_assert(!format_info_is_pcm(NULL));
}
END_TEST

/* ---- from_sample_spec ---- */

START_TEST(test_from_spec_stereo) {
        SampleSpec ss = { .format = SAMPLE_S16LE, .channels = 2, .rate = 44100 };
        ChannelMap m;
        FormatInfo *f;
        const char *k;
        size_t st = 0;

        ck_assert_int_eq(channel_map_parse(&m, "stereo"), 0);
        f = format_info_from_sample_spec(&ss, &m);
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(f->encoding, ENCODING_PCM);
        ck_assert_uint_eq(proplist_size(f->props), 4);
        assert_prop(f, "format.sample_format", "\"s16le\"");           /* n = 8 */
        assert_prop(f, "format.rate", "44100");                        /* n = 6 */
        assert_prop(f, "format.channels", "2");                        /* n = 2 */
        assert_prop(f, "format.channel_map", "\"front-left,front-right\"");  /* n = 25 */
        /* libpulse's order */
        k = proplist_iterate(f->props, &st, NULL, NULL);
        ck_assert_str_eq(k, "format.sample_format");
        ck_assert_str_eq(proplist_iterate(f->props, &st, NULL, NULL), "format.rate");
        ck_assert_str_eq(proplist_iterate(f->props, &st, NULL, NULL), "format.channels");
        ck_assert_str_eq(proplist_iterate(f->props, &st, NULL, NULL), "format.channel_map");
        format_info_free(f);
}
END_TEST

START_TEST(test_from_spec_variants) {
        SampleSpec ss = { .format = SAMPLE_FLOAT32BE, .channels = 6, .rate = 387840 };
        ChannelMap m;
        FormatInfo *f;

        ck_assert_int_eq(channel_map_parse(&m, "surround-51"), 0);
        f = format_info_from_sample_spec(&ss, &m);
        assert_prop(f, "format.sample_format", "\"float32be\"");
        assert_prop(f, "format.rate", "387840");
        assert_prop(f, "format.channels", "6");
        assert_prop(f, "format.channel_map",
                    "\"front-left,front-right,rear-left,rear-right,front-center,lfe\"");
        format_info_free(f);

        ss = (SampleSpec){ .format = SAMPLE_S24_32LE, .channels = 1, .rate = 8000 };
        f = format_info_from_sample_spec(&ss, NULL);
        ck_assert_uint_eq(proplist_size(f->props), 3);
        assert_prop(f, "format.sample_format", "\"s24-32le\"");
        assert_prop(f, "format.rate", "8000");
        assert_prop(f, "format.channels", "1");
        ck_assert(!proplist_contains(f->props, "format.channel_map"));
        format_info_free(f);

        ss = (SampleSpec){ .format = SAMPLE_ULAW, .channels = 1, .rate = 48000 };
        ck_assert(channel_map_init_auto(&m, 1));
        f = format_info_from_sample_spec(&ss, &m);
        assert_prop(f, "format.sample_format", "\"uLaw\"");
        assert_prop(f, "format.channel_map", "\"mono\"");
        format_info_free(f);

        ss = (SampleSpec){ .format = SAMPLE_U8, .channels = 32, .rate = 1 };
        ck_assert(channel_map_init_auto(&m, 32));
        f = format_info_from_sample_spec(&ss, &m);
        ck_assert_ptr_nonnull(f);
        assert_prop(f, "format.channels", "32");
        format_info_free(f);
}
END_TEST

START_TEST(test_from_spec_invalid) {
        SampleSpec ss = { .format = SAMPLE_S16LE, .channels = 2, .rate = 387841 };
        ChannelMap m;

        ck_assert_ptr_null(format_info_from_sample_spec(&ss, NULL));
        ss.rate = 44100;
        ss.channels = 33;
        ck_assert_ptr_null(format_info_from_sample_spec(&ss, NULL));
        ss.channels = 2;
        ss.format = SAMPLE_INVALID;
        ck_assert_ptr_null(format_info_from_sample_spec(&ss, NULL));
        ss.format = SAMPLE_S16LE;
        ck_assert_int_eq(channel_map_parse(&m, "mono"), 0);
        ck_assert_ptr_null(format_info_from_sample_spec(&ss, &m));     /* 1 vs 2 channels */
}
END_TEST

/* ---- to_sample_spec ---- */

START_TEST(test_to_spec_round_trip) {
        for (unsigned fmt = 0; fmt < 13; fmt++) {
                for (unsigned ch = 1; ch <= 32; ch += 31) {
                        SampleSpec ss = { .format = (uint8_t)fmt, .channels = (uint8_t)ch,
                                          .rate = fmt * 1000 + 1 }, out;
                        ChannelMap m, mout;
                        FormatInfo *f;

                        ck_assert(channel_map_init_auto(&m, ch));
                        f = format_info_from_sample_spec(&ss, &m);
                        ck_assert_ptr_nonnull(f);
                        ck_assert_int_eq(format_info_to_sample_spec(f, &out, &mout), 0);
                        ck_assert(sample_spec_equal(&ss, &out));
                        ck_assert(channel_map_equal(&m, &mout));
                        format_info_free(f);
                }
        }
}
END_TEST

START_TEST(test_to_spec_accepts) {
        static const struct {
                const char *sf, *rate, *ch, *map;
                uint8_t format;
                uint32_t rate_v;
                uint8_t ch_v;
                const char *map_v;
        } cases[] = {
                { "\"s16le\"", "44100", "2", "\"front-left,front-right\"", SAMPLE_S16LE, 44100, 2,
                  "front-left,front-right" },
                /* JSON whitespace around the value */
                { " \"s16le\"", "44100", "2", NULL, SAMPLE_S16LE, 44100, 2, NULL },
                { "\"s16le\" ", " 44100", "2", NULL, SAMPLE_S16LE, 44100, 2, NULL },
                { "\"s16le\"", "\t44100\n", "2", NULL, SAMPLE_S16LE, 44100, 2, NULL },
                /* names via the usual parsers, aliases included (libpulse does too) */
                { "\"s16\"", "44100", "2", NULL, SAMPLE_S16LE, 44100, 2, NULL },
                { "\"S16LE\"", "44100", "2", NULL, SAMPLE_S16LE, 44100, 2, NULL },
                { "\"float\"", "44100", "2", NULL, SAMPLE_FLOAT32LE, 44100, 2, NULL },
                { "\"alaw\"", "1", "1", NULL, SAMPLE_ALAW, 1, 1, NULL },
                { "\"s16le\"", "44100", "2", "\"stereo\"", SAMPLE_S16LE, 44100, 2,
                  "front-left,front-right" },
                { "\"s16le\"", "44100", "2", "\"front-left,front-right,\"", SAMPLE_S16LE, 44100, 2,
                  "front-left,front-right" },
                { "\"s16le\"", "44100", "1", "\"aux31\"", SAMPLE_S16LE, 44100, 1, "aux31" },
                /* limits */
                { "\"u8\"", "387840", "32", NULL, SAMPLE_U8, 387840, 32, NULL },
                { "\"u8\"", "1", "1", NULL, SAMPLE_U8, 1, 1, NULL },
                /* no channel map: the default map (libpulse fails here) */
                { "\"s16le\"", "44100", "6", NULL, SAMPLE_S16LE, 44100, 6,
                  "front-left,front-left-of-center,front-center,front-right,"
                  "front-right-of-center,rear-center" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                FormatInfo *f = pcm(cases[i].sf, cases[i].rate, cases[i].ch, cases[i].map);
                SampleSpec ss;
                ChannelMap m;
                char buf[1024];

                ck_assert_msg(format_info_to_sample_spec(f, &ss, &m) == 0, "case %zu", i);
                ck_assert_uint_eq(ss.format, cases[i].format);
                ck_assert_uint_eq(ss.rate, cases[i].rate_v);
                ck_assert_uint_eq(ss.channels, cases[i].ch_v);
                if (cases[i].map_v)
                        ck_assert_str_eq(channel_map_snprint(buf, sizeof(buf), &m), cases[i].map_v);
                /* map pointer NULL: the map is not looked at */
                ck_assert_int_eq(format_info_to_sample_spec(f, &ss, NULL), 0);
                format_info_free(f);
        }
}
END_TEST

START_TEST(test_to_spec_refuses) {
        static const struct {
                const char *sf, *rate, *ch, *map;
        } cases[] = {
                { NULL, "44100", "2", NULL },                           /* missing */
                { "\"s16le\"", NULL, "2", NULL },
                { "\"s16le\"", "44100", NULL, NULL },
                { "s16le", "44100", "2", NULL },                        /* not JSON strings */
                { "\"s16le", "44100", "2", NULL },
                { "\"s16le\"x", "44100", "2", NULL },
                { "\"s16le\\\"\"", "44100", "2", NULL },
                { "\"s\\u0031\\u0036le\"", "44100", "2", NULL },       /* escapes */
                { "\"\"", "44100", "2", NULL },
                { "\"x\"", "44100", "2", NULL },
                { "[\"s16le\"]", "44100", "2", NULL },                  /* lists, ranges */
                { "[ \"s16le\", \"float32le\" ]", "44100", "2", NULL },
                { "\"s16le\"", "{ \"min\": 44100, \"max\": 44100 }", "2", NULL },
                { "\"s16le\"", "[ 44100 ]", "2", NULL },
                { "\"s16le\"", "44100", "[ 1, 2 ]", NULL },
                { "\"s16le\"", "\"44100\"", "2", NULL },                /* not JSON ints */
                { "\"s16le\"", "44100", "\"2\"", NULL },
                { "\"s16le\"", "44100.0", "2", NULL },
                { "\"s16le\"", "1e3", "2", NULL },
                { "\"s16le\"", "-1", "2", NULL },
                { "\"s16le\"", "-0", "2", NULL },
                { "\"s16le\"", "+44100", "2", NULL },
                { "\"s16le\"", "044100", "2", NULL },
                { "\"s16le\"", "4410O", "2", NULL },
                { "\"s16le\"", "", "2", NULL },
                { "\"s16le\"", "4294967297", "2", NULL },               /* overflow */
                { "\"s16le\"", "4294967296", "2", NULL },
                { "\"s16le\"", "0", "2", NULL },                        /* limits */
                { "\"s16le\"", "387841", "2", NULL },
                { "\"s16le\"", "44100", "0", NULL },
                { "\"s16le\"", "44100", "33", NULL },
                { "\"s16le\"", "44100", "258", NULL },                  /* 258 = 2 mod 256 */
                { "\"s16le\"", "44100", "2", "\"front-left, front-right\"" },      /* maps */
                { "\"s16le\"", "44100", "2", "\"front-left,front-right\"x" },
                { "\"s16le\"", "44100", "2", "[\"front-left\",\"front-right\"]" },
                { "\"s16le\"", "44100", "2", "\"\"" },
                { "\"s16le\"", "44100", "2", "3" },
                /* libpulse accepts this and returns a 2-position map for 3 channels */
                { "\"s16le\"", "44100", "3", "\"front-left,front-right\"" },
                { "\"s16le\"", "44100", "2", "\"mono\"" },
        };
        SampleSpec ss = { 0x11, 0x22, 0x33 }, saved_ss = ss;
        ChannelMap m, saved_m;

        memset(&m, 0x44, sizeof(m));
        saved_m = m;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                FormatInfo *f = pcm(cases[i].sf, cases[i].rate, cases[i].ch, cases[i].map);

                ck_assert_msg(format_info_to_sample_spec(f, &ss, &m) == -EINVAL, "case %zu", i);
                ck_assert(sample_spec_equal(&ss, &saved_ss));           /* untouched */
                ck_assert_mem_eq(&m, &saved_m, sizeof(m));
                format_info_free(f);
        }
}
END_TEST

START_TEST(test_to_spec_not_pcm) {
        FormatInfo *f = pcm("\"s16le\"", "44100", "2", NULL);
        SampleSpec ss;

        /* libpulse ignores the encoding here; we refuse anything but PCM */
        f->encoding = ENCODING_AC3_IEC61937;
        ck_assert_int_eq(format_info_to_sample_spec(f, &ss, NULL), -EINVAL);
        f->encoding = ENCODING_ANY;
        ck_assert_int_eq(format_info_to_sample_spec(f, &ss, NULL), -EINVAL);
        f->encoding = ENCODING_PCM;
        ck_assert_int_eq(format_info_to_sample_spec(f, &ss, NULL), 0);
        format_info_free(f);

        /* "any PCM": an empty proplist is not a fixed spec */
        f = format_info_new(ENCODING_PCM);
        ck_assert_int_eq(format_info_to_sample_spec(f, &ss, NULL), -EINVAL);
        format_info_free(f);
}
END_TEST

START_TEST(test_to_spec_binary_value) {
        FormatInfo *f = pcm("\"s16le\"", NULL, "2", NULL);
        SampleSpec ss;

        /* a value without its NUL is not text, hence not JSON */
        ck_assert_int_eq(proplist_set(f->props, "format.rate", "44100", 5), 0);
        ck_assert_int_eq(format_info_to_sample_spec(f, &ss, NULL), -EINVAL);
        ck_assert_int_eq(proplist_set(f->props, "format.rate", "44100", 6), 0);
        ck_assert_int_eq(format_info_to_sample_spec(f, &ss, NULL), 0);
        format_info_free(f);
}
END_TEST

static Suite *format_info_suite(void) {
        Suite *s = suite_create("format-info");
        TCase *tc;

        tc = tcase_create("basics");
        tcase_add_test(tc, test_encoding_names);
        tcase_add_test(tc, test_new_valid_copy);
        suite_add_tcase(s, tc);

        tc = tcase_create("from_sample_spec");
        tcase_add_test(tc, test_from_spec_stereo);
        tcase_add_test(tc, test_from_spec_variants);
        tcase_add_test(tc, test_from_spec_invalid);
        suite_add_tcase(s, tc);

        tc = tcase_create("to_sample_spec");
        tcase_add_test(tc, test_to_spec_round_trip);
        tcase_add_test(tc, test_to_spec_accepts);
        tcase_add_test(tc, test_to_spec_refuses);
        tcase_add_test(tc, test_to_spec_not_pcm);
        tcase_add_test(tc, test_to_spec_binary_value);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(format_info_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
