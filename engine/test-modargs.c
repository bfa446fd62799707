/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-modargs.c: unit tests of module argument parsing (engine/modargs.c).
 *
 * Module arguments reach us from clients (LOAD_MODULE) as well as from the
 * startup script, so besides the quoting rules the tests check every error
 * path (unknown, duplicate, missing '=', unterminated quote) and the
 * numeric limits at N and N + 1. TCases: parse, bool, numbers, sample_spec.
 */
#include <check.h>
#include <dirent.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/core.h"
#include "engine/base/test-fds.h"

/* ---- fixture ---- */

static int fds_at_setup;

static void setup(void) {
        fds_at_setup = count_fds();
}

static void teardown(void) {
        ck_assert_int_eq(count_fds(), fds_at_setup);
}

/* ---- helpers ---- */

static ModArgs *parse_ok(const char *s, const char *const *valid) {
        ModArgs *a = NULL;
        int r = modargs_parse(s, valid, &a);

        if (r != 0)
                ck_abort_msg("modargs_parse(\"%s\") = %d, expected 0", s, r);
        ck_assert_ptr_nonnull(a);
        return a;
}

static void parse_fails(const char *s, const char *const *valid) {
        ModArgs *a = (ModArgs *)&a;     /* must stay untouched on failure */
        int r = modargs_parse(s, valid, &a);

        if (r != ENGINE_E_INVALID)
                ck_abort_msg("modargs_parse(\"%s\") = %d, expected ENGINE_E_INVALID", s, r);
        ck_assert_ptr_eq(a, (ModArgs *)&a);
}

/* ---- parse ---- */

START_TEST(test_empty) {
        static const char *const inputs[] = { "", "   ", " \t\n\r " };
        ModArgs *a;

        a = parse_ok(NULL, NULL);
        ck_assert_uint_eq(a->n, 0);
        ck_assert_str_eq(modargs_get(a, "x", "def"), "def");
        ck_assert_ptr_null(modargs_get(a, "x", NULL));
        modargs_free(a);
        for (size_t i = 0; i < C_ARRAY_SIZE(inputs); i++) {
                a = parse_ok(inputs[i], NULL);
                ck_assert_uint_eq(a->n, 0);
                modargs_free(a);
        }
        /* A NULL list behaves like an empty one. */
        ck_assert_str_eq(modargs_get(NULL, "x", "d"), "d");
        ck_assert_ptr_null(modargs_free(NULL));
}
END_TEST

START_TEST(test_bare_values) {
        ModArgs *a = parse_ok("sink_name=foo rate=48000\tchannels=2\n  x=", NULL);

        ck_assert_uint_eq(a->n, 4);
        ck_assert_str_eq(modargs_get(a, "sink_name", NULL), "foo");
        ck_assert_str_eq(modargs_get(a, "rate", NULL), "48000");
        ck_assert_str_eq(modargs_get(a, "channels", NULL), "2");
        /* "x=" is an empty value, which is not the same as absent. */
        ck_assert_str_eq(modargs_get(a, "x", "def"), "");
        modargs_free(a);
}
END_TEST

START_TEST(test_single_quotes) {
        ModArgs *a = parse_ok("sink_properties='device.description=\"My Sink\" x=1' b='' c='a\"b'",
                              NULL);

        ck_assert_str_eq(modargs_get(a, "sink_properties", NULL),
                         "device.description=\"My Sink\" x=1");
        ck_assert_str_eq(modargs_get(a, "b", NULL), "");
        ck_assert_str_eq(modargs_get(a, "c", NULL), "a\"b");
        modargs_free(a);
}
END_TEST

START_TEST(test_double_quotes) {
        ModArgs *a = parse_ok("a=\"hello world\" b=\"it's\" c=\"  lead and trail  \"", NULL);

        ck_assert_str_eq(modargs_get(a, "a", NULL), "hello world");
        ck_assert_str_eq(modargs_get(a, "b", NULL), "it's");
        ck_assert_str_eq(modargs_get(a, "c", NULL), "  lead and trail  ");
        modargs_free(a);
}
END_TEST

START_TEST(test_backslash_escapes) {
        /* Inside quotes a backslash escapes the quote and itself; in bare values it
         * escapes whitespace; a lone backslash at the very end is kept. */
        ModArgs *a = parse_ok("a='it\\'s' b=\"say \\\"hi\\\"\" c=one\\ two d='back\\\\slash' "
                              "e=x\\y f=end\\", NULL);

        ck_assert_str_eq(modargs_get(a, "a", NULL), "it's");
        ck_assert_str_eq(modargs_get(a, "b", NULL), "say \"hi\"");
        ck_assert_str_eq(modargs_get(a, "c", NULL), "one two");
        ck_assert_str_eq(modargs_get(a, "d", NULL), "back\\slash");
        ck_assert_str_eq(modargs_get(a, "e", NULL), "xy");
        ck_assert_str_eq(modargs_get(a, "f", NULL), "end\\");
        modargs_free(a);
}
END_TEST

START_TEST(test_equals_in_value) {
        ModArgs *a = parse_ok("a=b=c", NULL);

        ck_assert_str_eq(modargs_get(a, "a", NULL), "b=c");
        modargs_free(a);
}
END_TEST

START_TEST(test_valid_list) {
        static const char *const valid[] = { "sink_name", "rate", NULL };
        static const char *const none[] = { NULL };
        ModArgs *a = parse_ok("sink_name=x rate=1", valid);

        ck_assert_uint_eq(a->n, 2);
        modargs_free(a);
        /* Unknown key with a valid list; any key with an empty list. */
        parse_fails("sink_name=x bogus=1", valid);
        parse_fails("Sink_name=x", valid);
        parse_fails("a=1", none);
        a = parse_ok("", none);
        modargs_free(a);
        /* Without a list every key is accepted. */
        a = parse_ok("bogus=1", NULL);
        modargs_free(a);
}
END_TEST

START_TEST(test_duplicate_key) {
        static const char *const valid[] = { "a", "b", NULL };

        parse_fails("a=1 a=2", NULL);
        parse_fails("a=1 b=2 a=1", valid);
        parse_fails("a='x' a=\"x\"", NULL);
}
END_TEST

START_TEST(test_syntax_errors) {
        parse_fails("novalue", NULL);           /* missing '=' */
        parse_fails("a=1 novalue", NULL);
        parse_fails("a =1", NULL);              /* space before '=' */
        parse_fails("=1", NULL);                /* empty key */
        parse_fails("a=1 =", NULL);
        parse_fails("a='unterminated", NULL);
        parse_fails("a=\"unterminated", NULL);
        parse_fails("a='x' b=\"y", NULL);
        parse_fails("a='escaped end\\'", NULL); /* the backslash eats the closing quote */
        parse_fails("a=\"mixed'", NULL);
}
END_TEST

START_TEST(test_long_input) {
        /* Many pairs and a long value: bounded by the input, nothing lost. */
        size_t n = 200, vlen = 100000;
        char *s = malloc(n * 16 + vlen + 16), *p = s;
        ModArgs *a;

        ck_assert_ptr_nonnull(s);
        for (size_t i = 0; i < n; i++)
                p += sprintf(p, "k%zu=%zu ", i, i);
        p += sprintf(p, "big='");
        memset(p, 'v', vlen);
        p += vlen;
        strcpy(p, "'");
        a = parse_ok(s, NULL);
        ck_assert_uint_eq(a->n, n + 1);
        ck_assert_str_eq(modargs_get(a, "k199", NULL), "199");
        ck_assert_uint_eq(strlen(modargs_get(a, "big", NULL)), vlen);
        modargs_free(a);
        free(s);
}
END_TEST

START_TEST(test_memory_linear) {
        /* Each value takes what it holds, not the rest of the input: 5000 pairs in a
         * 60 KB string must not cost 5000 copies of the string. */
        size_t n = 5000;
        char *s = malloc(n * 16), *p = s;
        ModArgs *a;

        ck_assert_ptr_nonnull(s);
        for (size_t i = 0; i < n; i++)
                p += sprintf(p, "k%zu=v%zu ", i, i);
        a = parse_ok(s, NULL);
        ck_assert_uint_eq(a->n, n);
        for (size_t i = 0; i < n; i++)
                ck_assert_uint_lt(malloc_usable_size(a->values[i]), 64);
        ck_assert_str_eq(modargs_get(a, "k4999", NULL), "v4999");
        modargs_free(a);
        free(s);
}
END_TEST

/* ---- booleans ---- */

START_TEST(test_parse_bool_forms) {
        static const char *const yes[] = { "1", "y", "yes", "t", "true", "on", "YES", "True", "ON" };
        static const char *const no[] = { "0", "n", "no", "f", "false", "off", "NO", "False", "Off" };
        static const char *const bad[] = { "", "2", "yess", "of", "truee", " 1", "1 ", "-1", "nope" };
        bool b;

        for (size_t i = 0; i < C_ARRAY_SIZE(yes); i++) {
                b = false;
                ck_assert_int_eq(parse_bool(yes[i], &b), 0);
                ck_assert_msg(b, "%s", yes[i]);
        }
        for (size_t i = 0; i < C_ARRAY_SIZE(no); i++) {
                b = true;
                ck_assert_int_eq(parse_bool(no[i], &b), 0);
                ck_assert_msg(!b, "%s", no[i]);
        }
        for (size_t i = 0; i < C_ARRAY_SIZE(bad); i++) {
                b = true;
                ck_assert_msg(parse_bool(bad[i], &b) == ENGINE_E_INVALID, "\"%s\"", bad[i]);
                ck_assert(b);   /* untouched */
        }
}
END_TEST

START_TEST(test_get_bool) {
        ModArgs *a = parse_ok("a=yes b=off c=maybe", NULL);
        bool v;

        v = false;
        ck_assert_int_eq(modargs_get_bool(a, "a", &v), 0);
        ck_assert(v);
        ck_assert_int_eq(modargs_get_bool(a, "b", &v), 0);
        ck_assert(!v);
        v = true;
        ck_assert_int_eq(modargs_get_bool(a, "c", &v), ENGINE_E_INVALID);
        ck_assert(v);
        /* absent: the default stays */
        ck_assert_int_eq(modargs_get_bool(a, "absent", &v), 0);
        ck_assert(v);
        modargs_free(a);
}
END_TEST

/* ---- numbers ---- */

static int get_u32(const char *value, uint32_t *v) {
        char buf[128];
        ModArgs *a;
        int r;

        snprintf(buf, sizeof(buf), "x='%s'", value);
        a = parse_ok(buf, NULL);
        r = modargs_get_u32(a, "x", v);
        modargs_free(a);
        return r;
}

START_TEST(test_get_u32_bounds) {
        uint32_t v;

        v = 0;
        ck_assert_int_eq(get_u32("4294967295", &v), 0);
        ck_assert_uint_eq(v, UINT32_MAX);
        ck_assert_int_eq(get_u32("0", &v), 0);
        ck_assert_uint_eq(v, 0);
        ck_assert_int_eq(get_u32("48000", &v), 0);
        ck_assert_uint_eq(v, 48000);

        v = 7;
        ck_assert_int_eq(get_u32("4294967296", &v), ENGINE_E_INVALID);
        ck_assert_int_eq(get_u32("18446744073709551615", &v), ENGINE_E_INVALID);
        ck_assert_int_eq(get_u32("18446744073709551616", &v), ENGINE_E_INVALID);
        ck_assert_int_eq(get_u32("99999999999999999999999", &v), ENGINE_E_INVALID);
        ck_assert_int_eq(get_u32("-1", &v), ENGINE_E_INVALID);
        ck_assert_int_eq(get_u32("-0", &v), ENGINE_E_INVALID);
        ck_assert_int_eq(get_u32(" -1", &v), ENGINE_E_INVALID);
        ck_assert_int_eq(get_u32("", &v), ENGINE_E_INVALID);
        ck_assert_int_eq(get_u32("12abc", &v), ENGINE_E_INVALID);
        ck_assert_int_eq(get_u32("abc", &v), ENGINE_E_INVALID);
        ck_assert_int_eq(get_u32("1 ", &v), ENGINE_E_INVALID);
        ck_assert_uint_eq(v, 7);        /* untouched on every failure */

        /* absent: the default stays */
        {
                ModArgs *a = parse_ok("", NULL);

                ck_assert_int_eq(modargs_get_u32(a, "x", &v), 0);
                ck_assert_uint_eq(v, 7);
                modargs_free(a);
        }
}
END_TEST

START_TEST(test_get_s32_bounds) {
        ModArgs *a = parse_ok("max=2147483647 min=-2147483648 over=2147483648 under=-2147483649 "
                              "empty='' junk=1x", NULL);
        int32_t v;

        ck_assert_int_eq(modargs_get_s32(a, "max", &v), 0);
        ck_assert_int_eq(v, INT32_MAX);
        ck_assert_int_eq(modargs_get_s32(a, "min", &v), 0);
        ck_assert_int_eq(v, INT32_MIN);
        v = 5;
        ck_assert_int_eq(modargs_get_s32(a, "over", &v), ENGINE_E_INVALID);
        ck_assert_int_eq(modargs_get_s32(a, "under", &v), ENGINE_E_INVALID);
        ck_assert_int_eq(modargs_get_s32(a, "empty", &v), ENGINE_E_INVALID);
        ck_assert_int_eq(modargs_get_s32(a, "junk", &v), ENGINE_E_INVALID);
        ck_assert_int_eq(v, 5);
        modargs_free(a);
}
END_TEST

/* ---- sample spec and channel map ---- */

static const SampleSpec def_spec = { .format = SAMPLE_S16LE, .channels = 2, .rate = 44100 };

static int spec_map(const char *args, SampleSpec *ss, ChannelMap *map) {
        ModArgs *a = parse_ok(args, NULL);
        int r;

        *ss = def_spec;
        ck_assert(channel_map_init_auto(map, 2));
        r = modargs_get_sample_spec_and_map(a, ss, map);
        modargs_free(a);
        return r;
}

START_TEST(test_spec_defaults_kept) {
        SampleSpec ss;
        ChannelMap m;

        ck_assert_int_eq(spec_map("", &ss, &m), 0);
        ck_assert(sample_spec_equal(&ss, &def_spec));
        ck_assert_uint_eq(m.channels, 2);
        ck_assert_uint_eq(m.map[0], CHANNEL_FRONT_LEFT);
        ck_assert_uint_eq(m.map[1], CHANNEL_FRONT_RIGHT);
}
END_TEST

START_TEST(test_spec_mono) {
        SampleSpec ss;
        ChannelMap m;

        ck_assert_int_eq(spec_map("format=s16le rate=48000 channels=1", &ss, &m), 0);
        ck_assert_uint_eq(ss.format, SAMPLE_S16LE);
        ck_assert_uint_eq(ss.rate, 48000);
        ck_assert_uint_eq(ss.channels, 1);
        ck_assert_uint_eq(m.channels, 1);
        ck_assert_uint_eq(m.map[0], CHANNEL_MONO);
}
END_TEST

START_TEST(test_spec_formats_and_maps) {
        SampleSpec ss;
        ChannelMap m;

        ChannelMap want;

        /* channels alone: the default map for that count (channel-map's business) */
        ck_assert_int_eq(spec_map("format=float32le channels=6", &ss, &m), 0);
        ck_assert_uint_eq(ss.format, SAMPLE_FLOAT32LE);
        ck_assert(channel_map_init_auto(&want, 6));
        ck_assert(channel_map_equal(&m, &want));

        /* channel_map alone sets the channel count */
        ck_assert_int_eq(spec_map("channel_map=front-left,front-right,rear-center", &ss, &m), 0);
        ck_assert_uint_eq(ss.channels, 3);
        ck_assert_uint_eq(m.map[2], CHANNEL_REAR_CENTER);

        /* both, agreeing */
        ck_assert_int_eq(spec_map("channels=1 channel_map=mono", &ss, &m), 0);
        ck_assert_uint_eq(ss.channels, 1);
        ck_assert_uint_eq(m.map[0], CHANNEL_MONO);
        ck_assert_int_eq(spec_map("channels=2 channel_map=stereo", &ss, &m), 0);
}
END_TEST

START_TEST(test_spec_errors) {
        SampleSpec ss;
        ChannelMap m;

        /* channel_map with a different channel count */
        ck_assert_int_eq(spec_map("channels=2 channel_map=mono", &ss, &m), ENGINE_E_INVALID);
        ck_assert_int_eq(spec_map("channels=1 channel_map=front-left,front-right", &ss, &m),
                         ENGINE_E_INVALID);
        /* the outputs are only written on success */
        ck_assert(sample_spec_equal(&ss, &def_spec));
        ck_assert_uint_eq(m.channels, 2);

        ck_assert_int_eq(spec_map("format=s17le", &ss, &m), ENGINE_E_INVALID);
        ck_assert_int_eq(spec_map("channel_map=front-left,bogus", &ss, &m), ENGINE_E_INVALID);
        ck_assert_int_eq(spec_map("rate=0", &ss, &m), ENGINE_E_INVALID);
        ck_assert_int_eq(spec_map("rate=-1", &ss, &m), ENGINE_E_INVALID);
        ck_assert_int_eq(spec_map("rate=fast", &ss, &m), ENGINE_E_INVALID);
        ck_assert_int_eq(spec_map("channels=0", &ss, &m), ENGINE_E_INVALID);
        ck_assert_int_eq(spec_map("channels=", &ss, &m), ENGINE_E_INVALID);
}
END_TEST

START_TEST(test_spec_limits) {
        SampleSpec ss;
        ChannelMap m;
        char buf[64];

        /* channels: 32 / 33 */
        ck_assert_int_eq(spec_map("channels=32", &ss, &m), 0);
        ck_assert_uint_eq(ss.channels, 32);
        ck_assert_uint_eq(m.channels, 32);
        ck_assert_int_eq(spec_map("channels=33", &ss, &m), ENGINE_E_INVALID);
        ck_assert_int_eq(spec_map("channels=4294967297", &ss, &m), ENGINE_E_INVALID);
        /* rate: RATE_MAX / RATE_MAX + 1 */
        snprintf(buf, sizeof(buf), "rate=%u", RATE_MAX);
        ck_assert_int_eq(spec_map(buf, &ss, &m), 0);
        ck_assert_uint_eq(ss.rate, RATE_MAX);
        snprintf(buf, sizeof(buf), "rate=%u", RATE_MAX + 1);
        ck_assert_int_eq(spec_map(buf, &ss, &m), ENGINE_E_INVALID);
        ck_assert_int_eq(spec_map("rate=1", &ss, &m), 0);
}
END_TEST

START_TEST(test_spec_null_map) {
        ModArgs *a = parse_ok("channels=4", NULL);
        SampleSpec ss = def_spec;

        ck_assert_int_eq(modargs_get_sample_spec_and_map(a, &ss, NULL), 0);
        ck_assert_uint_eq(ss.channels, 4);
        modargs_free(a);
}
END_TEST

static Suite *modargs_suite(void) {
        Suite *s = suite_create("modargs");
        TCase *tc;

#define TC(name) do { tc = tcase_create(name); \
                      tcase_add_checked_fixture(tc, setup, teardown); \
                      suite_add_tcase(s, tc); } while (0)
        TC("parse");
        tcase_add_test(tc, test_empty);
        tcase_add_test(tc, test_bare_values);
        tcase_add_test(tc, test_single_quotes);
        tcase_add_test(tc, test_double_quotes);
        tcase_add_test(tc, test_backslash_escapes);
        tcase_add_test(tc, test_equals_in_value);
        tcase_add_test(tc, test_valid_list);
        tcase_add_test(tc, test_duplicate_key);
        tcase_add_test(tc, test_syntax_errors);
        tcase_add_test(tc, test_long_input);
        tcase_add_test(tc, test_memory_linear);

        TC("bool");
        tcase_add_test(tc, test_parse_bool_forms);
        tcase_add_test(tc, test_get_bool);

        TC("numbers");
        tcase_add_test(tc, test_get_u32_bounds);
        tcase_add_test(tc, test_get_s32_bounds);

        TC("sample_spec");
        tcase_add_test(tc, test_spec_defaults_kept);
        tcase_add_test(tc, test_spec_mono);
        tcase_add_test(tc, test_spec_formats_and_maps);
        tcase_add_test(tc, test_spec_errors);
        tcase_add_test(tc, test_spec_limits);
        tcase_add_test(tc, test_spec_null_map);
#undef TC
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(modargs_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
