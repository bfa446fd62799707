/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-channel-map.c: unit tests for engine/types/channel-map.c.
 *
 * Names, default maps, parse results and snprint truncation were observed
 * with libpulse 16.1 (pa_channel_position_to_string/_from_string,
 * pa_channel_map_init_extend(.., PA_CHANNEL_MAP_AIFF), pa_channel_map_parse,
 * pa_channel_map_snprint) and are hard-coded below.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/types/channel-map.h"

static const char *const all_names[_CHANNEL_POSITION_N] = {
        "mono", "front-left", "front-right", "front-center", "rear-center", "rear-left",
        "rear-right", "lfe", "front-left-of-center", "front-right-of-center", "side-left",
        "side-right", "aux0", "aux1", "aux2", "aux3", "aux4", "aux5", "aux6", "aux7", "aux8",
        "aux9", "aux10", "aux11", "aux12", "aux13", "aux14", "aux15", "aux16", "aux17",
        "aux18", "aux19", "aux20", "aux21", "aux22", "aux23", "aux24", "aux25", "aux26",
        "aux27", "aux28", "aux29", "aux30", "aux31", "top-center", "top-front-left",
        "top-front-right", "top-front-center", "top-rear-left", "top-rear-right",
        "top-rear-center",
};

static const char *print(const ChannelMap *m) {
        static char buf[1024];

        return channel_map_snprint(buf, sizeof(buf), m);
}

static ChannelMap parse_ok(const char *s) {
        ChannelMap m;

        ck_assert_msg(channel_map_parse(&m, s) == 0, "parse '%s'", s);
        return m;
}

/* ---- validity / equality / compatibility ---- */

START_TEST(test_valid) {
        ChannelMap m = { 0 };

        ck_assert(!channel_map_valid(&m));          /* n = 0 (format-list API) */
        m.channels = 1;
        ck_assert(channel_map_valid(&m));
        m.channels = 32;
        ck_assert(channel_map_valid(&m));
        m.channels = 33;
        ck_assert(!channel_map_valid(&m));
        m.channels = 255;
        ck_assert(!channel_map_valid(&m));
        m.channels = 2;
        m.map[1] = 50;
        ck_assert(channel_map_valid(&m));
        m.map[1] = 51;
        ck_assert(!channel_map_valid(&m));
        m.map[1] = 255;
        ck_assert(!channel_map_valid(&m));
        m.channels = 1;                             /* bad byte beyond n is ignored */
        ck_assert(channel_map_valid(&m));
}
END_TEST

START_TEST(test_equal) {
        ChannelMap a = parse_ok("stereo"), b = parse_ok("front-left,front-right");

        ck_assert(channel_map_equal(&a, &b));
        b.map[5] = 7;                               /* beyond n: ignored */
        ck_assert(channel_map_equal(&a, &b));
        b.map[1] = CHANNEL_FRONT_LEFT;
        ck_assert(!channel_map_equal(&a, &b));
        b = parse_ok("front-left");
        ck_assert(!channel_map_equal(&a, &b));
}
END_TEST

START_TEST(test_compatible) {
        ChannelMap m = parse_ok("stereo");
        SampleSpec ss = { .format = SAMPLE_S16LE, .channels = 2, .rate = 44100 };

        ck_assert(channel_map_compatible(&m, &ss));
        ss.channels = 1;
        ck_assert(!channel_map_compatible(&m, &ss));
        ss.channels = 2;
        m.map[0] = 51;
        ck_assert(!channel_map_compatible(&m, &ss));
}
END_TEST

/* ---- default maps ---- */

START_TEST(test_init_auto_aiff) {
        /* pa_channel_map_init_extend(m, n, PA_CHANNEL_MAP_AIFF) */
        static const char *const expect[] = {
                [1] = "mono",
                [2] = "front-left,front-right",
                [3] = "front-left,front-right,front-center",
                [4] = "front-left,front-center,front-right,rear-center",
                [5] = "front-left,front-right,front-center,rear-left,rear-right",
                [6] = "front-left,front-left-of-center,front-center,front-right,"
                      "front-right-of-center,rear-center",
                [7] = "front-left,front-left-of-center,front-center,front-right,"
                      "front-right-of-center,rear-center,aux0",
                [8] = "front-left,front-left-of-center,front-center,front-right,"
                      "front-right-of-center,rear-center,aux0,aux1",
        };
        ChannelMap m;

        for (unsigned n = 1; n <= 8; n++) {
                ck_assert(channel_map_init_auto(&m, n));
                ck_assert_uint_eq(m.channels, n);
                ck_assert_str_eq(print(&m), expect[n]);
        }
}
END_TEST

START_TEST(test_init_auto_limits) {
        ChannelMap m, saved;

        ck_assert(channel_map_init_auto(&m, 32));
        ck_assert_uint_eq(m.channels, 32);
        ck_assert(channel_map_valid(&m));
        ck_assert_uint_eq(m.map[5], CHANNEL_REAR_CENTER);
        ck_assert_uint_eq(m.map[6], CHANNEL_AUX0);
        ck_assert_uint_eq(m.map[31], CHANNEL_AUX0 + 25);

        memset(&m, 0xAA, sizeof(m));
        saved = m;
        ck_assert(!channel_map_init_auto(&m, 33));
        ck_assert(!channel_map_init_auto(&m, 0));
        ck_assert(!channel_map_init_auto(&m, 256));
        ck_assert_mem_eq(&m, &saved, sizeof(m));    /* untouched on failure */
}
END_TEST

/* ---- position names ---- */

START_TEST(test_position_names) {
        for (unsigned p = 0; p < _CHANNEL_POSITION_N; p++) {
                ck_assert_str_eq(channel_position_to_string((uint8_t)p), all_names[p]);
                ck_assert_int_eq(channel_position_from_string(all_names[p]), (int)p);
        }
        ck_assert_ptr_null(channel_position_to_string(51));
        ck_assert_ptr_null(channel_position_to_string(255));
}
END_TEST

START_TEST(test_position_aliases) {
        ck_assert_int_eq(channel_position_from_string("left"), CHANNEL_FRONT_LEFT);
        ck_assert_int_eq(channel_position_from_string("right"), CHANNEL_FRONT_RIGHT);
        ck_assert_int_eq(channel_position_from_string("center"), CHANNEL_FRONT_CENTER);
        ck_assert_int_eq(channel_position_from_string("subwoofer"), CHANNEL_LFE);
        ck_assert_int_eq(channel_position_from_string("aux31"), 43);
}
END_TEST

START_TEST(test_position_unknown) {
        /* all -1 in libpulse: names are case-sensitive, aux is aux0..aux31 exactly */
        static const char *const bad[] = {
                "", "aux32", "aux", "aux00", "aux-1", "aux1x", "aux+1", "aux 1", "FRONT-LEFT",
                "Left", "Mono", "sub", "rear", "front", " mono", "mono ", "front-left,",
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                ck_assert_msg(channel_position_from_string(bad[i]) == -1, "'%s'", bad[i]);
        ck_assert_int_eq(channel_position_from_string(NULL), -1);
}
END_TEST

/* ---- snprint ---- */

START_TEST(test_snprint) {
        ChannelMap m = parse_ok("stereo"), bad = { 0 };
        char buf[64], small[12];

        ck_assert_str_eq(channel_map_snprint(buf, sizeof(buf), &m), "front-left,front-right");
        ck_assert_str_eq(channel_map_snprint(buf, sizeof(buf), &bad), "(invalid)");
        bad.channels = 1;
        bad.map[0] = 51;
        ck_assert_str_eq(channel_map_snprint(buf, sizeof(buf), &bad), "(invalid)");
        /* truncation exactly like libpulse */
        ck_assert_str_eq(channel_map_snprint(small, 8, &m), "front-l");
        ck_assert_str_eq(channel_map_snprint(small, 11, &m), "front-left");
        ck_assert_str_eq(channel_map_snprint(small, 12, &m), "front-left,");
        ck_assert_str_eq(channel_map_snprint(small, 1, &m), "");
        small[0] = 'x';
        ck_assert_ptr_eq(channel_map_snprint(small, 0, &m), small);
        ck_assert_int_eq(small[0], 'x');
        ck_assert_str_eq(channel_map_snprint(small, 5, &bad), "(inv");
}
END_TEST

START_TEST(test_snprint_longest) {
        /* 32 x "front-right-of-center" = 32 * 21 + 31 commas = 703 characters */
        ChannelMap m = { .channels = 32 };
        char buf[704];

        memset(m.map, CHANNEL_FRONT_RIGHT_OF_CENTER, sizeof(m.map));
        channel_map_snprint(buf, sizeof(buf), &m);
        ck_assert_uint_eq(strlen(buf), 703);
        ck_assert(strncmp(buf + 682, "front-right-of-center", 21) == 0);
        channel_map_snprint(buf, 703, &m);
        ck_assert_uint_eq(strlen(buf), 702);
}
END_TEST

/* ---- parse ---- */

START_TEST(test_parse_well_known) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "mono", "mono" },
                { "stereo", "front-left,front-right" },
                { "surround-21", "front-left,front-right,lfe" },
                { "surround-40", "front-left,front-right,rear-left,rear-right" },
                { "surround-41", "front-left,front-right,rear-left,rear-right,lfe" },
                { "surround-50", "front-left,front-right,rear-left,rear-right,front-center" },
                { "surround-51",
                  "front-left,front-right,rear-left,rear-right,front-center,lfe" },
                { "surround-71",
                  "front-left,front-right,rear-left,rear-right,front-center,lfe,side-left,"
                  "side-right" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                ChannelMap m = parse_ok(cases[i].in);

                ck_assert_str_eq(print(&m), cases[i].out);
                ck_assert(channel_map_valid(&m));
        }
}
END_TEST

START_TEST(test_parse_lists) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "front-left,front-right", "front-left,front-right" },
                { "left,right", "front-left,front-right" },
                { "center,subwoofer", "front-center,lfe" },
                { "front-left", "front-left" },
                { "front-left,", "front-left" },               /* libpulse tolerates this */
                { "front-left,front-right,", "front-left,front-right" },
                { "mono,mono", "mono,mono" },
                { "top-rear-center,aux31", "top-rear-center,aux31" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                ChannelMap m = parse_ok(cases[i].in);

                ck_assert_str_eq(print(&m), cases[i].out);
        }
}
END_TEST

START_TEST(test_parse_32_33) {
        char s[1024] = "";
        ChannelMap m;

        for (unsigned i = 0; i < 32; i++)
                snprintf(s + strlen(s), sizeof(s) - strlen(s), "%saux%u", i ? "," : "", i);
        m = parse_ok(s);
        ck_assert_uint_eq(m.channels, 32);
        ck_assert_str_eq(print(&m), s);
        strcat(s, ",");
        m = parse_ok(s);                                /* 32 + trailing comma */
        ck_assert_uint_eq(m.channels, 32);
        strcat(s, "aux0");
        ck_assert_int_eq(channel_map_parse(&m, s), -EINVAL);   /* 33 */
}
END_TEST

START_TEST(test_parse_invalid) {
        static const char *const bad[] = {
                "", ",", ",front-left", "front-left,,front-right", "front-left,front-right,,",
                " front-left", "front-left ,front-right", "Stereo", "stereo,", "left,stereo",
                "surround-51,mono", "surround-20", "5.1", "front-left;front-right",
                "aux1,aux01", "aux32", "surround-51 ",
        };
        ChannelMap m, saved;

        memset(&m, 0x55, sizeof(m));
        saved = m;
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                ck_assert_msg(channel_map_parse(&m, bad[i]) == -EINVAL, "'%s'", bad[i]);
        ck_assert_int_eq(channel_map_parse(&m, NULL), -EINVAL);
        ck_assert_mem_eq(&m, &saved, sizeof(m));
}
END_TEST

START_TEST(test_parse_round_trip) {
        for (unsigned n = 1; n <= 32; n++) {
                ChannelMap m, back;

                ck_assert(channel_map_init_auto(&m, n));
                back = parse_ok(print(&m));
                ck_assert(channel_map_equal(&m, &back));
        }
}
END_TEST

static Suite *channel_map_suite(void) {
        Suite *s = suite_create("channel-map");
        TCase *tc;

        tc = tcase_create("validity");
        tcase_add_test(tc, test_valid);
        tcase_add_test(tc, test_equal);
        tcase_add_test(tc, test_compatible);
        suite_add_tcase(s, tc);

        tc = tcase_create("init_auto");
        tcase_add_test(tc, test_init_auto_aiff);
        tcase_add_test(tc, test_init_auto_limits);
        suite_add_tcase(s, tc);

        tc = tcase_create("positions");
        tcase_add_test(tc, test_position_names);
        tcase_add_test(tc, test_position_aliases);
        tcase_add_test(tc, test_position_unknown);
        suite_add_tcase(s, tc);

        tc = tcase_create("snprint");
        tcase_add_test(tc, test_snprint);
        tcase_add_test(tc, test_snprint_longest);
        suite_add_tcase(s, tc);

        tc = tcase_create("parse");
        tcase_add_test(tc, test_parse_well_known);
        tcase_add_test(tc, test_parse_lists);
        tcase_add_test(tc, test_parse_32_33);
        tcase_add_test(tc, test_parse_invalid);
        tcase_add_test(tc, test_parse_round_trip);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(channel_map_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
