/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-sample-spec.c: unit tests for engine/types/sample-spec.c.
 *
 * Expected values were observed with libpulse 16.1's public API
 * (pa_sample_spec_valid, pa_frame_size, pa_bytes_per_second,
 * pa_bytes_to_usec, pa_usec_to_bytes, pa_sample_format_to_string,
 * pa_parse_sample_format) and are hard-coded here; we never link libpulse.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include "engine/types/sample-spec.h"

static SampleSpec spec(uint8_t format, uint8_t channels, uint32_t rate) {
        return (SampleSpec){ .format = format, .channels = channels, .rate = rate };
}

/* ---- validity and equality ---- */

START_TEST(test_valid_limits) {
        SampleSpec s = spec(SAMPLE_S16LE, 2, 44100);

        ck_assert(sample_spec_valid(&s));
        s.channels = 32;
        ck_assert(sample_spec_valid(&s));
        s.channels = 33;
        ck_assert(!sample_spec_valid(&s));
        s.channels = 0;
        ck_assert(!sample_spec_valid(&s));
        s.channels = 1;
        ck_assert(sample_spec_valid(&s));
        s.channels = 255;
        ck_assert(!sample_spec_valid(&s));

        s = spec(SAMPLE_S16LE, 2, 387840);
        ck_assert_uint_eq(RATE_MAX, 387840);
        ck_assert(sample_spec_valid(&s));
        s.rate = 387841;
        ck_assert(!sample_spec_valid(&s));
        s.rate = 0;
        ck_assert(!sample_spec_valid(&s));
        s.rate = 1;
        ck_assert(sample_spec_valid(&s));
        s.rate = UINT32_MAX;
        ck_assert(!sample_spec_valid(&s));
}
END_TEST

START_TEST(test_valid_formats) {
        SampleSpec s = spec(SAMPLE_U8, 1, 8000);

        for (unsigned f = 0; f < 13; f++) {
                s.format = (uint8_t)f;
                ck_assert_msg(sample_spec_valid(&s), "format %u", f);
        }
        s.format = 13;
        ck_assert(!sample_spec_valid(&s));
        s.format = SAMPLE_INVALID;
        ck_assert(!sample_spec_valid(&s));
        /* What libpulse sends with the format-list API. */
        s = spec(SAMPLE_INVALID, 0, 0);
        ck_assert(!sample_spec_valid(&s));
}
END_TEST

START_TEST(test_equal) {
        SampleSpec a = spec(SAMPLE_S16LE, 2, 44100), b = a;

        ck_assert(sample_spec_equal(&a, &b));
        b.rate = 48000;
        ck_assert(!sample_spec_equal(&a, &b));
        b = a;
        b.channels = 1;
        ck_assert(!sample_spec_equal(&a, &b));
        b = a;
        b.format = SAMPLE_S16BE;
        ck_assert(!sample_spec_equal(&a, &b));
}
END_TEST

/* ---- sizes ---- */

START_TEST(test_format_sizes) {
        static const size_t expect[13] = { 1, 1, 1, 2, 2, 4, 4, 4, 4, 3, 3, 4, 4 };

        for (unsigned f = 0; f < 13; f++)
                ck_assert_uint_eq(sample_format_size((uint8_t)f), expect[f]);
        ck_assert_uint_eq(sample_format_size(13), 0);
        ck_assert_uint_eq(sample_format_size(SAMPLE_INVALID), 0);
}
END_TEST

START_TEST(test_frame_size) {
        SampleSpec s = spec(SAMPLE_S16LE, 2, 44100);

        ck_assert_uint_eq(sample_spec_frame_size(&s), 4);
        s = spec(SAMPLE_S24LE, 3, 48000);
        ck_assert_uint_eq(sample_spec_frame_size(&s), 9);
        s = spec(SAMPLE_FLOAT32LE, 32, 387840);
        ck_assert_uint_eq(sample_spec_frame_size(&s), 128);
        s.channels = 33;
        ck_assert_uint_eq(sample_spec_frame_size(&s), 0);
        s = spec(SAMPLE_INVALID, 2, 44100);
        ck_assert_uint_eq(sample_spec_frame_size(&s), 0);
}
END_TEST

START_TEST(test_bytes_per_second) {
        SampleSpec s = spec(SAMPLE_S16LE, 2, 44100);

        ck_assert_uint_eq(sample_spec_bytes_per_second(&s), 176400);
        /* the largest valid spec: libpulse says 49643520 */
        s = spec(SAMPLE_FLOAT32LE, 32, 387840);
        ck_assert_uint_eq(sample_spec_bytes_per_second(&s), 49643520);
        s.rate = 387841;
        ck_assert_uint_eq(sample_spec_bytes_per_second(&s), 0);
        s = spec(SAMPLE_U8, 1, 1);
        ck_assert_uint_eq(sample_spec_bytes_per_second(&s), 1);
}
END_TEST

/* ---- time conversions ---- */

START_TEST(test_bytes_to_usec) {
        SampleSpec s = spec(SAMPLE_S16LE, 2, 44100);

        /* libpulse: 1000 and 1001 bytes both give 5668 (whole frames, truncated) */
        ck_assert_uint_eq(sample_spec_bytes_to_usec(1000, &s), 5668);
        ck_assert_uint_eq(sample_spec_bytes_to_usec(1001, &s), 5668);
        ck_assert_uint_eq(sample_spec_bytes_to_usec(3, &s), 0);
        ck_assert_uint_eq(sample_spec_bytes_to_usec(0, &s), 0);
        ck_assert_uint_eq(sample_spec_bytes_to_usec(176400, &s), 1000000);
        s = spec(SAMPLE_S24LE, 3, 48000);
        ck_assert_uint_eq(sample_spec_bytes_to_usec(12345, &s), 28562);
        s = spec(SAMPLE_INVALID, 2, 44100);
        ck_assert_uint_eq(sample_spec_bytes_to_usec(1000, &s), 0);
        s = spec(SAMPLE_S16LE, 2, 0);
        ck_assert_uint_eq(sample_spec_bytes_to_usec(1000, &s), 0);
}
END_TEST

START_TEST(test_usec_to_bytes) {
        SampleSpec s = spec(SAMPLE_S16LE, 2, 44100);

        ck_assert_uint_eq(sample_spec_usec_to_bytes(1000, &s), 176);
        ck_assert_uint_eq(sample_spec_usec_to_bytes(1, &s), 0);
        ck_assert_uint_eq(sample_spec_usec_to_bytes(1000000, &s), 176400);
        s = spec(SAMPLE_S24LE, 3, 48000);
        ck_assert_uint_eq(sample_spec_usec_to_bytes(12345, &s), 5328);
        ck_assert_uint_eq(sample_spec_usec_to_bytes(12345, &s) % 9, 0);
        s.channels = 0;
        ck_assert_uint_eq(sample_spec_usec_to_bytes(12345, &s), 0);
}
END_TEST

START_TEST(test_time_overflow) {
        SampleSpec s = spec(SAMPLE_U8, 1, 1);

        /* 1 byte/s: UINT64_MAX bytes would be 2^64 s in usec -> saturates */
        ck_assert_uint_eq(sample_spec_bytes_to_usec(UINT64_MAX, &s), UINT64_MAX);
        s = spec(SAMPLE_FLOAT32LE, 32, 387840);
        ck_assert_uint_eq(sample_spec_usec_to_bytes(UINT64_MAX, &s), UINT64_MAX);
        /* frames * 1000000 overflows 64 bits but the result fits: exact here,
         * where libpulse wraps (it answers 220505965717834) */
        s = spec(SAMPLE_S16LE, 2, 44100);
        ck_assert_uint_eq(sample_spec_bytes_to_usec(1000000000000000000ULL, &s),
                          5668934240362811791ULL);
}
END_TEST

/* ---- names ---- */

START_TEST(test_format_to_string) {
        static const char *const names[13] = {
                "u8", "aLaw", "uLaw", "s16le", "s16be", "float32le", "float32be",
                "s32le", "s32be", "s24le", "s24be", "s24-32le", "s24-32be",
        };

        for (unsigned f = 0; f < 13; f++)
                ck_assert_str_eq(sample_format_to_string((uint8_t)f), names[f]);
        ck_assert_ptr_null(sample_format_to_string(13));
        ck_assert_ptr_null(sample_format_to_string(SAMPLE_INVALID));
}
END_TEST

START_TEST(test_format_round_trip) {
        for (unsigned f = 0; f < 13; f++) {
                const char *name = sample_format_to_string((uint8_t)f);

                ck_assert_uint_eq(sample_format_from_string(name), f);
        }
}
END_TEST

START_TEST(test_format_aliases) {
        /* All as pa_parse_sample_format() answers (little-endian host). */
        static const struct {
                const char *name;
                uint8_t format;
        } cases[] = {
                { "u8", SAMPLE_U8 }, { "8", SAMPLE_U8 }, { "U8", SAMPLE_U8 },
                { "alaw", SAMPLE_ALAW }, { "ALAW", SAMPLE_ALAW }, { "aLaw", SAMPLE_ALAW },
                { "ulaw", SAMPLE_ULAW }, { "mulaw", SAMPLE_ULAW }, { "MULAW", SAMPLE_ULAW },
                { "S16LE", SAMPLE_S16LE }, { "s16ne", SAMPLE_S16LE }, { "s16", SAMPLE_S16LE },
                { "16", SAMPLE_S16LE }, { "s16re", SAMPLE_S16BE },
                { "float32ne", SAMPLE_FLOAT32LE }, { "float32", SAMPLE_FLOAT32LE },
                { "float", SAMPLE_FLOAT32LE }, { "FLOAT", SAMPLE_FLOAT32LE },
                { "Float32LE", SAMPLE_FLOAT32LE }, { "float32re", SAMPLE_FLOAT32BE },
                { "s32ne", SAMPLE_S32LE }, { "s32", SAMPLE_S32LE }, { "32", SAMPLE_S32LE },
                { "s24ne", SAMPLE_S24LE }, { "s24", SAMPLE_S24LE }, { "24", SAMPLE_S24LE },
                { "s24re", SAMPLE_S24BE },
                { "s24-32ne", SAMPLE_S24_32LE }, { "s24-32", SAMPLE_S24_32LE },
                { "S24-32LE", SAMPLE_S24_32LE }, { "s24-32re", SAMPLE_S24_32BE },
                /* libpulse 16.1 says s24be here; we deliberately differ */
                { "s32re", SAMPLE_S32BE },
        };

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
        return;         /* the "ne"/"re" expectations above are for little endian */
#endif
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                ck_assert_msg(sample_format_from_string(cases[i].name) == cases[i].format,
                              "%s", cases[i].name);
}
END_TEST

START_TEST(test_format_unknown) {
        static const char *const bad[] = {
                "", "x", "s16lex", "s24_32le", "s16 le", " s16le", "s16le ", "float64",
                "s8", "u16", "0", "s16ree",
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                ck_assert_msg(sample_format_from_string(bad[i]) == SAMPLE_INVALID, "'%s'", bad[i]);
        ck_assert_uint_eq(sample_format_from_string(NULL), SAMPLE_INVALID);
}
END_TEST

static Suite *sample_spec_suite(void) {
        Suite *s = suite_create("sample-spec");
        TCase *tc;

        tc = tcase_create("validity");
        tcase_add_test(tc, test_valid_limits);
        tcase_add_test(tc, test_valid_formats);
        tcase_add_test(tc, test_equal);
        suite_add_tcase(s, tc);

        tc = tcase_create("sizes");
        tcase_add_test(tc, test_format_sizes);
        tcase_add_test(tc, test_frame_size);
        tcase_add_test(tc, test_bytes_per_second);
        suite_add_tcase(s, tc);

        tc = tcase_create("time");
        tcase_add_test(tc, test_bytes_to_usec);
        tcase_add_test(tc, test_usec_to_bytes);
        tcase_add_test(tc, test_time_overflow);
        suite_add_tcase(s, tc);

        tc = tcase_create("names");
        tcase_add_test(tc, test_format_to_string);
        tcase_add_test(tc, test_format_round_trip);
        tcase_add_test(tc, test_format_aliases);
        tcase_add_test(tc, test_format_unknown);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(sample_spec_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
