/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-volume.c: unit tests for engine/types/volume.c.
 *
 * The reference tables were produced by libpulse 16.1's public functions
 * (pa_sw_volume_from_dB, pa_sw_volume_from_linear, pa_sw_volume_to_dB,
 * pa_sw_volume_to_linear, pa_sw_volume_multiply, pa_cvolume_avg,
 * pa_cvolume_scale, pa_volume_snprint_verbose(.., 1)) and hard-coded here.
 * Results, doubles included, must match exactly.
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "engine/types/volume.h"

/* Exact: libpulse's results are reproduced bit for bit on this libm (the
 * tables print them with %.17g, which round-trips a double). */
static void assert_same(double got, double want, const char *what, unsigned v) {
        ck_assert_msg(got == want || (isnan(got) && isnan(want)),
                      "%s(%u) = %.17g, want %.17g", what, v, got, want);
}

/* ---- cvolume ---- */

START_TEST(test_cvolume_valid) {
        CVolume c;

        cvolume_set(&c, 2, VOLUME_NORM);
        ck_assert(cvolume_valid(&c));
        c.values[1] = VOLUME_MAX;
        ck_assert(cvolume_valid(&c));
        c.values[1] = VOLUME_MAX + 1;
        ck_assert(!cvolume_valid(&c));
        c.values[1] = VOLUME_INVALID;
        ck_assert(!cvolume_valid(&c));

        cvolume_set(&c, 32, VOLUME_MUTED);
        ck_assert(cvolume_valid(&c));
        c.channels = 33;
        ck_assert(!cvolume_valid(&c));
        c.channels = 0;
        ck_assert(!cvolume_valid(&c));
        c.channels = 1;
        c.values[1] = VOLUME_INVALID;           /* beyond n: ignored */
        ck_assert(cvolume_valid(&c));
}
END_TEST

START_TEST(test_cvolume_set_equal) {
        CVolume a, b;

        ck_assert_ptr_eq(cvolume_set(&a, 3, 1234), &a);
        ck_assert_uint_eq(a.channels, 3);
        for (unsigned i = 0; i < 3; i++)
                ck_assert_uint_eq(a.values[i], 1234);
        cvolume_set(&b, 3, 1234);
        b.values[7] = 99;
        ck_assert(cvolume_equal(&a, &b));
        b.values[2] = 1235;
        ck_assert(!cvolume_equal(&a, &b));
        cvolume_set(&b, 2, 1234);
        ck_assert(!cvolume_equal(&a, &b));
        cvolume_set(&a, 32, VOLUME_MAX);
        ck_assert_uint_eq(a.values[31], VOLUME_MAX);
}
END_TEST

START_TEST(test_cvolume_max_avg) {
        CVolume c = { .channels = 2, .values = { 1, 2 } };

        ck_assert_uint_eq(cvolume_max(&c), 2);
        ck_assert_uint_eq(cvolume_avg(&c), 1);                  /* libpulse truncates */
        c = (CVolume){ .channels = 2, .values = { 3, 2 } };
        ck_assert_uint_eq(cvolume_max(&c), 3);
        ck_assert_uint_eq(cvolume_avg(&c), 2);
        c = (CVolume){ .channels = 3, .values = { 1, 1, 2 } };
        ck_assert_uint_eq(cvolume_avg(&c), 1);
        cvolume_set(&c, 32, VOLUME_MAX);                       /* no 32-bit overflow */
        ck_assert_uint_eq(cvolume_avg(&c), VOLUME_MAX);
        ck_assert_uint_eq(cvolume_max(&c), VOLUME_MAX);
        c.channels = 0;
        ck_assert_uint_eq(cvolume_max(&c), VOLUME_MUTED);
        ck_assert_uint_eq(cvolume_avg(&c), VOLUME_MUTED);
}
END_TEST

START_TEST(test_cvolume_scale) {
        CVolume c = { .channels = 2, .values = { 65536, 32768 } };

        ck_assert_ptr_eq(cvolume_scale(&c, 32768), &c);
        ck_assert_uint_eq(c.values[0], 32768);
        ck_assert_uint_eq(c.values[1], 16384);

        c = (CVolume){ .channels = 2, .values = { 3, 2 } };
        cvolume_scale(&c, 2);
        ck_assert_uint_eq(c.values[0], 2);
        ck_assert_uint_eq(c.values[1], 1);                      /* 4/3 truncated */

        c = (CVolume){ .channels = 2, .values = { 0, 0 } };
        cvolume_scale(&c, 1234);
        ck_assert_uint_eq(c.values[0], 1234);
        ck_assert_uint_eq(c.values[1], 1234);

        c = (CVolume){ .channels = 2, .values = { 1, 2 } };
        cvolume_scale(&c, VOLUME_MAX);
        ck_assert_uint_eq(c.values[0], 1073741823);
        ck_assert_uint_eq(c.values[1], VOLUME_MAX);

        c = (CVolume){ .channels = 2, .values = { 3, 0 } };
        cvolume_scale(&c, 0);
        ck_assert_uint_eq(c.values[0], 0);
        ck_assert_uint_eq(c.values[1], 0);

        c = (CVolume){ .channels = 3, .values = { 65536, 32768, 0 } };
        cvolume_scale(&c, 131072);
        ck_assert_uint_eq(c.values[0], 131072);
        ck_assert_uint_eq(c.values[1], 65536);
        ck_assert_uint_eq(c.values[2], 0);
}
END_TEST

/* ---- conversions ---- */

static const struct {
        double db;
        Volume v;
} db_table[] = {
        { -INFINITY, 0U },
        { -1000, 0U },
        { -300, 1U },
        { -289, 1U },
        { -288.9, 1U },
        { -250, 4U },
        { -200.0001, 30U },
        { -200, 30U },                  /* not muted: libpulse only mutes -inf */
        { -199.999, 30U },
        { -120, 655U },
        { -90, 2072U },
        { -60, 6554U },
        { -40.5, 13851U },
        { -30, 20724U },
        { -20, 30419U },
        { -18.06, 32770U },
        { -12, 41350U },
        { -6, 52057U },
        { -3, 58409U },
        { -1, 63069U },
        { -0.5, 64290U },
        { -0.01, 65511U },
        { -0.0, 65536U },
        { 0, 65536U },
        { 0.01, 65561U },
        { 0.5, 66806U },
        { 1, 68100U },
        { 3, 73533U },
        { 6, 82505U },
        { 9.999, 96190U },
        { 11, 99957U },
        { 12, 103868U },
        { 20, 141193U },
        { 40, 304191U },
        { 60, 655360U },
        { 100, 3041912U },
        { 180, 65536000U },
        { 200, 141193032U },
        { 240, 655360000U },
        { 250, 961936928U },
        { 270.926, 2147401558U },
        { 270.927, 2147483647U },
        { 271, 2147483647U },
        { 300, 2147483647U },
        { 1000, 2147483647U },
        { INFINITY, 2147483647U },
};

static const struct {
        double linear;
        Volume v;
} linear_table[] = {
        { -1, 0U },
        { 0, 0U },
        { 1e-300, 0U },
        { 1e-16, 0U },
        { 1e-15, 1U },
        { 1e-14, 1U },
        { 1e-10, 30U },
        { 1e-6, 655U },
        { 0.001, 6554U },
        { 0.01, 14119U },
        { 0.015625, 16384U },
        { 0.1, 30419U },
        { 0.125, 32768U },
        { 0.2, 38326U },
        { 0.25, 41285U },
        { 0.3333333333, 45440U },
        { 0.5, 52016U },
        { 0.75, 59543U },
        { 0.9, 63274U },
        { 0.99, 65317U },
        { 0.999999, 65536U },
        { 1, 65536U },
        { 1.000001, 65536U },
        { 1.5, 75020U },
        { 2, 82570U },
        { 3, 94519U },
        { 8, 131072U },
        { 10, 141193U },
        { 27, 196608U },
        { 100, 304191U },
        { 1000, 655360U },
        { 1e6, 6553600U },
        { 1e9, 65536000U },
        { 1e12, 655360000U },
        { 35184372039680.0, 2147483647U },
        { 35184372088831.0, 2147483647U },
        { 35184372088832.0, 2147483647U },
        { 1e14, 2147483647U },
        { 1e30, 2147483647U },
        { INFINITY, 2147483647U },
};

static const struct {
        Volume v;
        double db, linear;
} to_table[] = {
        { 1U, -288.98879583742195, 3.5527136788005009e-15 },
        { 2U, -270.92699609758307, 2.8421709430404007e-14 },
        { 100U, -168.98879583742195, 3.5527136788005009e-09 },
        { 655U, -120.01431783791496, 9.9835295586103712e-07 },
        { 656U, -119.97456547488234, 1.0029325494542718e-06 },
        { 6554U, -59.998409614640522, 0.0010001831166448483 },
        { 16384U, -36.123599479677743, 0.015625 },
        { 32767U, -18.06259496892001, 0.12498855625744554 },
        { 32768U, -18.061799739838872, 0.125 },
        { 52016U, -6.02057870829886, 0.5000012206583051 },
        { 52057U, -6.0000476487396659, 0.50118448423998885 },
        { 58409U, -3.0000095834302174, 0.70794500328449672 },
        { 65535U, -0.0003976115069649381, 0.99995422433130088 },
        { 65536U, 0, 1 },
        { 65537U, 0.00039760543994111195, 1.000045777065683 },
        { 73533U, 3.0001412435816359, 1.4125605144614788 },
        { 82505U, 6.0000202803808156, 1.9952669736427175 },
        { 82570U, 6.0205412383327737, 1.9999864896398378 },
        { 99957U, 10.999996955222645, 3.5481326485626603 },
        { 131072U, 18.061799739838872, 8 },
        { 196608U, 28.627275283179749, 27 },
        { 208067U, 30.103396484828465, 32.00146233494921 },    /* f*f*f != pow(f, 3) */
        { 655360U, 60, 1000 },
        { 2147483646U, 270.92699607331497, 35184371990528 },
        { 2147483647U, 270.92699608544899, 35184372039680 },
};

START_TEST(test_from_db) {
        for (size_t i = 0; i < sizeof(db_table) / sizeof(db_table[0]); i++)
                ck_assert_msg(volume_from_db(db_table[i].db) == db_table[i].v,
                              "from_db(%.17g) = %u, want %u", db_table[i].db,
                              volume_from_db(db_table[i].db), db_table[i].v);
        ck_assert_uint_eq(volume_from_db(NAN), VOLUME_MAX);     /* as libpulse */
}
END_TEST

START_TEST(test_from_linear) {
        for (size_t i = 0; i < sizeof(linear_table) / sizeof(linear_table[0]); i++)
                ck_assert_msg(volume_from_linear(linear_table[i].linear) == linear_table[i].v,
                              "from_linear(%.17g) = %u, want %u", linear_table[i].linear,
                              volume_from_linear(linear_table[i].linear), linear_table[i].v);
        ck_assert_uint_eq(volume_from_linear(NAN), VOLUME_MAX);
        ck_assert_uint_eq(volume_from_linear(-INFINITY), 0);
}
END_TEST

START_TEST(test_to_db_linear) {
        for (size_t i = 0; i < sizeof(to_table) / sizeof(to_table[0]); i++) {
                assert_same(volume_to_db(to_table[i].v), to_table[i].db, "to_db", to_table[i].v);
                assert_same(volume_to_linear(to_table[i].v), to_table[i].linear, "to_linear",
                             to_table[i].v);
        }
        ck_assert(isinf(volume_to_db(0)) && volume_to_db(0) < 0);
        ck_assert(isinf(volume_to_db(VOLUME_MAX + 1)) && volume_to_db(VOLUME_MAX + 1) < 0);
        ck_assert(isinf(volume_to_db(VOLUME_INVALID)));
        ck_assert(volume_to_linear(0) == 0.0);
        ck_assert(volume_to_linear(VOLUME_MAX + 1) == 0.0);
        ck_assert(volume_to_linear(VOLUME_INVALID) == 0.0);
        ck_assert(volume_to_db(VOLUME_NORM) == 0.0);
        ck_assert(volume_to_linear(VOLUME_NORM) == 1.0);
}
END_TEST

START_TEST(test_round_trip) {
        /* Every volume survives dB and linear round trips (libpulse's do too).
         * Plain ifs: a ck_assert per iteration would dominate the run time. */
        for (uint64_t v = 0; v <= VOLUME_MAX; v += v < 300000 ? 1 : 9973) {
                Volume a = volume_from_linear(volume_to_linear((Volume)v));
                Volume b = volume_from_db(volume_to_db((Volume)v));

                if (a != v || b != v)
                        ck_abort_msg("round trip of %u: linear %u, dB %u", (Volume)v, a, b);
        }
        ck_assert_uint_eq(volume_from_db(volume_to_db(VOLUME_MAX)), VOLUME_MAX);
        ck_assert_uint_eq(volume_from_linear(volume_to_linear(VOLUME_MAX)), VOLUME_MAX);
        ck_assert_uint_eq(VOLUME_UI_MAX, volume_from_db(11.0));
}
END_TEST

START_TEST(test_multiply) {
        static const struct {
                Volume a, b, r;
        } cases[] = {
                { 0U, 0U, 0U },
                { 0U, 65536U, 0U },
                { 65536U, 0U, 0U },
                { 32768U, 32768U, 16384U },
                { 65536U, 65536U, 65536U },
                { 1U, 32767U, 0U },
                { 1U, 32768U, 1U },                     /* .5 rounds up */
                { 3U, 32768U, 2U },
                { 5U, 98304U, 8U },
                { 3U, 98304U, 5U },
                { 100000U, 100000U, 152588U },
                { 65536U, 2147483647U, 2147483647U },
                { 65537U, 2147483647U, 2147483647U },
                { 2147483647U, 2147483647U, 2147483647U },
                { 46341U, 46341U, 32768U },
                { 52057U, 52057U, 41350U },
                { 99957U, 99957U, 152457U },
                { 12345U, 67890U, 12788U },
                { 1U, 1U, 0U },
                { 65535U, 65535U, 65534U },
                { 65535U, 65537U, 65536U },
                { 131072U, 1073741823U, 2147483646U },
                { 131072U, 1073741824U, 2147483647U },  /* MAX + 1: clamped */
                { 131072U, 1073741825U, 2147483647U },
                { 262144U, 536870912U, 2147483647U },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                ck_assert_msg(volume_multiply(cases[i].a, cases[i].b) == cases[i].r,
                              "%u * %u", cases[i].a, cases[i].b);
                ck_assert_msg(volume_multiply(cases[i].b, cases[i].a) == cases[i].r,
                              "%u * %u", cases[i].b, cases[i].a);
        }
        ck_assert_uint_eq(volume_multiply(VOLUME_INVALID, VOLUME_NORM), VOLUME_INVALID);
        ck_assert_uint_eq(volume_multiply(VOLUME_NORM, VOLUME_MAX + 1), VOLUME_INVALID);
        ck_assert_uint_eq(volume_multiply(VOLUME_MAX, VOLUME_NORM), VOLUME_MAX);
}
END_TEST

/* ---- printing ---- */

START_TEST(test_snprint_verbose) {
        static const struct {
                Volume v;
                const char *s;
        } cases[] = {
                { 0U, "0 /   0% / -inf dB" },
                { 1U, "1 /   0% / -288.99 dB" },
                { 2U, "2 /   0% / -270.93 dB" },
                { 100U, "100 /   0% / -168.99 dB" },
                { 327U, "327 /   0% / -138.12 dB" },
                { 328U, "328 /   1% / -138.04 dB" },
                { 655U, "655 /   1% / -120.01 dB" },
                { 656U, "656 /   1% / -119.97 dB" },
                { 6554U, "6554 /  10% / -60.00 dB" },
                { 16384U, "16384 /  25% / -36.12 dB" },
                { 32767U, "32767 /  50% / -18.06 dB" },
                { 32768U, "32768 /  50% / -18.06 dB" },
                { 52057U, "52057 /  79% / -6.00 dB" },
                { 65535U, "65535 / 100% / -0.00 dB" },
                { 65536U, "65536 / 100% / 0.00 dB" },
                { 65537U, "65537 / 100% / 0.00 dB" },
                { 82505U, "82505 / 126% / 6.00 dB" },
                { 99957U, "99957 / 153% / 11.00 dB" },
                { 131072U, "131072 / 200% / 18.06 dB" },
                { 196608U, "196608 / 300% / 28.63 dB" },
                { 655360U, "655360 / 1000% / 60.00 dB" },
                { 2147483646U, "2147483646 / 3276800% / 270.93 dB" },
                { 2147483647U, "2147483647 / 3276800% / 270.93 dB" },
                { 2147483648U, "(invalid)" },
                { 4294967295U, "(invalid)" },
        };
        char buf[64];

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                ck_assert_str_eq(volume_snprint_verbose(buf, sizeof(buf), cases[i].v), cases[i].s);
}
END_TEST

START_TEST(test_snprint_verbose_truncated) {
        char buf[35];

        /* libpulse with l = 10 */
        ck_assert_str_eq(volume_snprint_verbose(buf, 10, 32768), "32768 /  ");
        ck_assert_str_eq(volume_snprint_verbose(buf, 1, 32768), "");
        buf[0] = 'x';
        ck_assert_ptr_eq(volume_snprint_verbose(buf, 0, 32768), buf);
        ck_assert_int_eq(buf[0], 'x');
        /* the longest output fits in libpulse's PA_VOLUME_SNPRINT_VERBOSE_MAX (35) */
        ck_assert_str_eq(volume_snprint_verbose(buf, sizeof(buf), VOLUME_MAX),
                         "2147483647 / 3276800% / 270.93 dB");
}
END_TEST

/* ---- parsing ---- */

static Volume parse_ok(const char *s) {
        Volume v = 0xDEADBEEF;

        ck_assert_msg(volume_parse(s, &v) == 0, "parse '%s'", s);
        return v;
}

static void parse_fails(const char *s, int err) {
        Volume v = 0xDEADBEEF;
        int r = volume_parse(s, &v);

        ck_assert_msg(r == err, "parse '%s' = %d, want %d", s, r, err);
        ck_assert_uint_eq(v, 0xDEADBEEF);
}

START_TEST(test_parse_raw) {
        ck_assert_uint_eq(parse_ok("0"), 0);
        ck_assert_uint_eq(parse_ok("65536"), 65536);
        ck_assert_uint_eq(parse_ok("+5"), 5);
        ck_assert_uint_eq(parse_ok("-0"), 0);
        ck_assert_uint_eq(parse_ok("007"), 7);
        ck_assert_uint_eq(parse_ok("2147483647"), VOLUME_MAX);
        parse_fails("2147483648", -ERANGE);
        parse_fails("4294967295", -ERANGE);
        parse_fails("4294967296", -ERANGE);
        parse_fails("99999999999999999999", -ERANGE);
        parse_fails("-1", -ERANGE);
}
END_TEST

START_TEST(test_parse_percent) {
        ck_assert_uint_eq(parse_ok("50%"), 32768);
        ck_assert_uint_eq(parse_ok("100%"), 65536);
        ck_assert_uint_eq(parse_ok("0%"), 0);
        ck_assert_uint_eq(parse_ok("150%"), 98304);
        ck_assert_uint_eq(parse_ok("12.5%"), 8192);
        ck_assert_uint_eq(parse_ok("33.3%"), 21823);            /* 21823.488 */
        ck_assert_uint_eq(parse_ok("+50%"), 32768);
        ck_assert_uint_eq(parse_ok("3276799%"), 2147482993);    /* 2147482992.64 */
        ck_assert_uint_eq(parse_ok("3276799.99%"), 2147483641); /* 2147483641.45 */
        ck_assert_uint_eq(parse_ok("3276799.99923706%"), VOLUME_MAX);  /* MAX + 0.4999998 */
        parse_fails("3276799.9992370605%", -ERANGE);            /* exactly MAX + 0.5 */
        parse_fails("3276800%", -ERANGE);                       /* 2^31 */
        parse_fails("-5%", -ERANGE);
        parse_fails("1000000000000%", -ERANGE);
}
END_TEST

START_TEST(test_parse_db) {
        ck_assert_uint_eq(parse_ok("0dB"), 65536);
        ck_assert_uint_eq(parse_ok("-6dB"), 52057);
        ck_assert_uint_eq(parse_ok("+3dB"), 73533);
        ck_assert_uint_eq(parse_ok("3dB"), 73533);
        ck_assert_uint_eq(parse_ok("11dB"), VOLUME_UI_MAX);
        ck_assert_uint_eq(parse_ok("-18.06dB"), 32770);
        ck_assert_uint_eq(parse_ok("-6db"), 52057);
        ck_assert_uint_eq(parse_ok("-6DB"), 52057);
        ck_assert_uint_eq(parse_ok("-200dB"), 30);
        ck_assert_uint_eq(parse_ok("-1000dB"), 0);
        ck_assert_uint_eq(parse_ok("-99999999999999dB"), 0);
        ck_assert_uint_eq(parse_ok("270.926dB"), 2147401558);
        parse_fails("270.927dB", -ERANGE);
        parse_fails("300dB", -ERANGE);
        parse_fails("99999999999999dB", -ERANGE);
}
END_TEST

START_TEST(test_parse_linear) {
        ck_assert_uint_eq(parse_ok("0.5"), 52016);
        ck_assert_uint_eq(parse_ok("1.0"), 65536);
        ck_assert_uint_eq(parse_ok("2.0"), 82570);
        ck_assert_uint_eq(parse_ok("0.0"), 0);
        ck_assert_uint_eq(parse_ok("0.125"), 32768);
        ck_assert_uint_eq(parse_ok("8.000"), 131072);
        ck_assert_uint_eq(parse_ok("35184372039680.0"), VOLUME_MAX);
        parse_fails("35184372088832.0", -ERANGE);               /* (2^15)^3 -> 2^31 */
        parse_fails("-0.5", -ERANGE);
}
END_TEST

START_TEST(test_parse_garbage) {
        static const char *const bad[] = {
                "", "%", "dB", "abc", "5O%", "50 %", " 50%", "50% ", "50%%", "1e3", "1E3",
                "0x10", "inf", "nan", "-inf", "-infdB", "nan%", "1.", ".5", "1.2.3", "--1", "+-1",
                "6dBx", "dB6", "6 dB", "6d", "6B", "\xc2\xbd", "50\n", "1,5", "0.5%dB", "5%dB",
                "-", "+", ".", "-.5", "1.e3",
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                parse_fails(bad[i], -EINVAL);
        parse_fails(NULL, -EINVAL);
}
END_TEST

START_TEST(test_parse_long) {
        char s[80];

        /* 64 digits is the most we read; 65 is called out of range */
        memset(s, '0', 64);
        s[63] = '1';
        s[64] = 0;
        ck_assert_uint_eq(parse_ok(s), 1);
        memset(s, '0', 65);
        s[64] = '1';
        s[65] = 0;
        parse_fails(s, -ERANGE);
        s[10] = 'x';                                            /* syntax first */
        parse_fails(s, -EINVAL);
}
END_TEST

static Suite *volume_suite(void) {
        Suite *s = suite_create("volume");
        TCase *tc;

        tc = tcase_create("cvolume");
        tcase_add_test(tc, test_cvolume_valid);
        tcase_add_test(tc, test_cvolume_set_equal);
        tcase_add_test(tc, test_cvolume_max_avg);
        tcase_add_test(tc, test_cvolume_scale);
        suite_add_tcase(s, tc);

        tc = tcase_create("conversions");
        tcase_set_timeout(tc, 30);      /* the round-trip sweep under sanitizers */
        tcase_add_test(tc, test_from_db);
        tcase_add_test(tc, test_from_linear);
        tcase_add_test(tc, test_to_db_linear);
        tcase_add_test(tc, test_round_trip);
        tcase_add_test(tc, test_multiply);
        suite_add_tcase(s, tc);

        tc = tcase_create("print");
        tcase_add_test(tc, test_snprint_verbose);
        tcase_add_test(tc, test_snprint_verbose_truncated);
        suite_add_tcase(s, tc);

        tc = tcase_create("parse");
        tcase_add_test(tc, test_parse_raw);
        tcase_add_test(tc, test_parse_percent);
        tcase_add_test(tc, test_parse_db);
        tcase_add_test(tc, test_parse_linear);
        tcase_add_test(tc, test_parse_garbage);
        tcase_add_test(tc, test_parse_long);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(volume_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
