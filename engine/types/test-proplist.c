/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-proplist.c: unit tests for engine/types/proplist.c.
 *
 * Printing, string parsing and UTF-8 expectations were observed with libpulse
 * 16.1 (pa_proplist_to_string_sep(p, "\n"), pa_proplist_from_string,
 * pa_utf8_valid, pa_proplist_gets) and hard-coded here. Where we are
 * deliberately stricter (key charset and length, empty keys) the test says so.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/types/proplist.h"

static Proplist *p;

static void setup(void) {
        p = proplist_new();
        ck_assert_ptr_nonnull(p);
}

static void teardown(void) {
        p = proplist_free(p);
}

static char *repeat(char c, size_t n) {
        char *s = malloc(n + 1);

        ck_assert_ptr_nonnull(s);
        memset(s, c, n);
        s[n] = 0;
        return s;
}

/* ---- keys ---- */

START_TEST(test_key_valid) {
        char *k;

        ck_assert(proplist_key_valid("a"));
        ck_assert(proplist_key_valid("media.name"));
        ck_assert(proplist_key_valid("A.B"));
        ck_assert(proplist_key_valid("key with space"));       /* libpulse: valid */
        ck_assert(proplist_key_valid("a=b"));
        ck_assert(proplist_key_valid("a\"b"));
        ck_assert(proplist_key_valid("~!@#"));
        ck_assert(!proplist_key_valid(""));
        ck_assert(!proplist_key_valid(NULL));
        ck_assert(!proplist_key_valid("k\xc3\xa9"));           /* non-ASCII */
        /* stricter than libpulse, which accepts any ASCII: printable only */
        ck_assert(!proplist_key_valid("\x01"));
        ck_assert(!proplist_key_valid("a\nb"));
        ck_assert(!proplist_key_valid("x\x7f"));

        k = repeat('k', PROPLIST_KEY_MAX);
        ck_assert(proplist_key_valid(k));                       /* 256 */
        free(k);
        k = repeat('k', PROPLIST_KEY_MAX + 1);
        ck_assert(!proplist_key_valid(k));                      /* 257 */
        free(k);
}
END_TEST

START_TEST(test_set_bad_key) {
        ck_assert_int_eq(proplist_sets(p, "", "v"), -EINVAL);
        ck_assert_int_eq(proplist_sets(p, NULL, "v"), -EINVAL);
        ck_assert_int_eq(proplist_set(p, "k\xff", "v", 2), -EINVAL);
        ck_assert(proplist_is_empty(p));
}
END_TEST

/* ---- set / get ---- */

START_TEST(test_set_get) {
        const void *d;
        size_t n = 0;

        ck_assert(proplist_is_empty(p));
        ck_assert_int_eq(proplist_sets(p, "application.name", "pactl"), 0);
        d = proplist_get(p, "application.name", &n);
        ck_assert_uint_eq(n, 6);                                /* NUL included, as on the wire */
        ck_assert_mem_eq(d, "pactl", 6);
        ck_assert_str_eq(proplist_gets(p, "application.name"), "pactl");
        ck_assert(proplist_contains(p, "application.name"));
        ck_assert(!proplist_contains(p, "application"));
        ck_assert(!proplist_contains(p, NULL));
        ck_assert_ptr_null(proplist_get(p, "nope", &n));
        ck_assert_ptr_null(proplist_gets(p, "nope"));
        ck_assert_ptr_null(proplist_get(p, NULL, NULL));
        ck_assert_ptr_nonnull(proplist_get(p, "application.name", NULL));
        ck_assert_uint_eq(proplist_size(p), 1);
        ck_assert(!proplist_is_empty(p));
}
END_TEST

START_TEST(test_set_binary_and_empty) {
        static const uint8_t bin[] = { 1, 2, 0xff };
        const void *d;
        size_t n = 99;

        ck_assert_int_eq(proplist_set(p, "bin", bin, sizeof(bin)), 0);
        ck_assert_int_eq(proplist_set(p, "empty", NULL, 0), 0);
        ck_assert_int_eq(proplist_set(p, "empty2", "x", 0), 0);
        ck_assert_int_eq(proplist_set(p, "bad", NULL, 1), -EINVAL);
        d = proplist_get(p, "bin", &n);
        ck_assert_uint_eq(n, 3);
        ck_assert_mem_eq(d, bin, 3);
        d = proplist_get(p, "empty", &n);
        ck_assert_ptr_nonnull(d);                               /* present, not absent */
        ck_assert_uint_eq(n, 0);
        ck_assert_ptr_null(proplist_gets(p, "empty"));          /* no NUL: not text */
        ck_assert_ptr_null(proplist_gets(p, "bin"));
        ck_assert_int_eq(proplist_sets(p, "s", ""), 0);
        ck_assert_str_eq(proplist_gets(p, "s"), "");
}
END_TEST

START_TEST(test_gets_text_rules) {
        /* all NULL from pa_proplist_gets() */
        ck_assert_int_eq(proplist_set(p, "nonul", "abc", 3), 0);
        ck_assert_int_eq(proplist_set(p, "badutf", "\xc3\x28", 3), 0);
        ck_assert_int_eq(proplist_set(p, "embnul", "a\0b", 4), 0);
        ck_assert_ptr_null(proplist_gets(p, "nonul"));
        ck_assert_ptr_null(proplist_gets(p, "badutf"));
        ck_assert_ptr_null(proplist_gets(p, "embnul"));
        ck_assert_int_eq(proplist_set(p, "ok", "h\xc3\xa9", 4), 0);
        ck_assert_str_eq(proplist_gets(p, "ok"), "h\xc3\xa9");
}
END_TEST

START_TEST(test_sets_rejects_bad_utf8) {
        ck_assert_int_eq(proplist_sets(p, "bad", "\xff"), -EINVAL);
        ck_assert_int_eq(proplist_sets(p, "bad", "\xed\xa0\x80"), -EINVAL);
        ck_assert_int_eq(proplist_sets(p, "bad", NULL), -EINVAL);
        ck_assert(proplist_is_empty(p));
}
END_TEST

START_TEST(test_value_size_limits) {
        char *big = repeat('x', PROPLIST_VALUE_MAX + 1);
        size_t n;

        ck_assert_int_eq(proplist_set(p, "v", big, PROPLIST_VALUE_MAX), 0);      /* 65536 */
        ck_assert_ptr_nonnull(proplist_get(p, "v", &n));
        ck_assert_uint_eq(n, 65536);
        ck_assert_int_eq(proplist_set(p, "w", big, PROPLIST_VALUE_MAX + 1), -EINVAL);
        ck_assert(!proplist_contains(p, "w"));
        /* sets stores the NUL: 65535 characters fit, 65536 do not */
        big[65535] = 0;
        ck_assert_int_eq(proplist_sets(p, "s", big), 0);
        big[65535] = 'x';
        big[65536] = 0;
        ck_assert_int_eq(proplist_sets(p, "t", big), -EINVAL);
        ck_assert(!proplist_contains(p, "t"));
        free(big);
}
END_TEST

START_TEST(test_setf) {
        ck_assert_int_eq(proplist_setf(p, "format.rate", "%u", 44100U), 0);
        ck_assert_str_eq(proplist_gets(p, "format.rate"), "44100");
        ck_assert_int_eq(proplist_setf(p, "x", "\"%s\"/%d", "s16le", -3), 0);
        ck_assert_str_eq(proplist_gets(p, "x"), "\"s16le\"/-3");
        ck_assert_int_eq(proplist_setf(p, "", "%d", 1), -EINVAL);
}
END_TEST

START_TEST(test_replace_keeps_position) {
        size_t st = 0;

        proplist_sets(p, "a", "1");
        proplist_sets(p, "b", "2");
        proplist_sets(p, "c", "3");
        ck_assert_int_eq(proplist_sets(p, "b", "two"), 0);
        ck_assert_uint_eq(proplist_size(p), 3);
        ck_assert_str_eq(proplist_iterate(p, &st, NULL, NULL), "a");
        ck_assert_str_eq(proplist_iterate(p, &st, NULL, NULL), "b");
        ck_assert_str_eq(proplist_iterate(p, &st, NULL, NULL), "c");
        ck_assert_ptr_null(proplist_iterate(p, &st, NULL, NULL));
        ck_assert_str_eq(proplist_gets(p, "b"), "two");
}
END_TEST

START_TEST(test_entries_limit) {
        char key[16];

        for (unsigned i = 0; i < PROPLIST_ENTRIES_MAX; i++) {
                snprintf(key, sizeof(key), "k%u", i);
                ck_assert_int_eq(proplist_sets(p, key, "v"), 0);
        }
        ck_assert_uint_eq(proplist_size(p), 256);
        ck_assert_int_eq(proplist_sets(p, "one.more", "v"), -E2BIG);   /* 257th */
        ck_assert_uint_eq(proplist_size(p), 256);
        ck_assert_int_eq(proplist_sets(p, "k7", "replaced"), 0);        /* not a new entry */
        ck_assert_str_eq(proplist_gets(p, "k7"), "replaced");
        ck_assert_int_eq(proplist_unset(p, "k0"), 0);
        ck_assert_int_eq(proplist_sets(p, "one.more", "v"), 0);
}
END_TEST

/* ---- unset / clear / iterate ---- */

START_TEST(test_unset_clear) {
        size_t st = 0;

        proplist_sets(p, "a", "1");
        proplist_sets(p, "b", "2");
        proplist_sets(p, "c", "3");
        ck_assert_int_eq(proplist_unset(p, "b"), 0);
        ck_assert_int_eq(proplist_unset(p, "b"), -ENOENT);
        ck_assert_int_eq(proplist_unset(p, NULL), -ENOENT);
        ck_assert_uint_eq(proplist_size(p), 2);
        ck_assert_str_eq(proplist_iterate(p, &st, NULL, NULL), "a");
        ck_assert_str_eq(proplist_iterate(p, &st, NULL, NULL), "c");
        proplist_clear(p);
        ck_assert(proplist_is_empty(p));
        ck_assert_ptr_null(proplist_gets(p, "a"));
        ck_assert_int_eq(proplist_sets(p, "a", "again"), 0);
        ck_assert_str_eq(proplist_gets(p, "a"), "again");
}
END_TEST

START_TEST(test_iterate) {
        const void *d = NULL;
        size_t st = 0, n = 0;
        const char *k;

        ck_assert_ptr_null(proplist_iterate(p, &st, &d, &n));
        proplist_sets(p, "z", "last-set-first");
        proplist_set(p, "a", "\x01", 1);
        k = proplist_iterate(p, &st, &d, &n);
        ck_assert_str_eq(k, "z");
        ck_assert_uint_eq(n, 15);
        ck_assert_str_eq(d, "last-set-first");
        k = proplist_iterate(p, &st, &d, &n);
        ck_assert_str_eq(k, "a");
        ck_assert_uint_eq(n, 1);
        ck_assert_ptr_null(proplist_iterate(p, &st, &d, &n));
        ck_assert_ptr_null(proplist_iterate(p, &st, &d, &n));   /* stays at the end */
}
END_TEST

/* ---- copy / equal / update ---- */

START_TEST(test_copy_equal) {
        Proplist *c, *d;

        proplist_sets(p, "a", "1");
        proplist_set(p, "b", "\0\1", 2);
        c = proplist_copy(p);
        ck_assert_ptr_nonnull(c);
        ck_assert(proplist_equal(p, c));
        ck_assert(proplist_equal(p, p));
        proplist_sets(c, "a", "changed");
        ck_assert_str_eq(proplist_gets(p, "a"), "1");           /* independent */
        ck_assert(!proplist_equal(p, c));

        /* order does not matter */
        d = proplist_new();
        proplist_set(d, "b", "\0\1", 2);
        proplist_sets(d, "a", "1");
        ck_assert(proplist_equal(p, d));
        proplist_set(d, "b", "\0\2", 2);
        ck_assert(!proplist_equal(p, d));
        proplist_set(d, "b", "\0\1\2", 3);
        ck_assert(!proplist_equal(p, d));
        proplist_set(d, "b", "\0\1", 2);
        proplist_sets(d, "c", "");
        ck_assert(!proplist_equal(p, d));
        ck_assert(!proplist_equal(d, p));
        proplist_free(c);
        proplist_free(d);

        c = proplist_new();
        d = proplist_copy(c);
        ck_assert(proplist_equal(c, d));
        ck_assert(proplist_is_empty(d));
        proplist_free(c);
        proplist_free(d);
}
END_TEST

START_TEST(test_update_modes) {
        Proplist *o = proplist_new();

        proplist_sets(p, "a", "p-a");
        proplist_sets(p, "b", "p-b");
        proplist_sets(o, "b", "o-b");
        proplist_sets(o, "c", "o-c");

        Proplist *m = proplist_copy(p);
        ck_assert_int_eq(proplist_update(m, PROPLIST_UPDATE_MERGE, o), 0);
        ck_assert_uint_eq(proplist_size(m), 3);
        ck_assert_str_eq(proplist_gets(m, "a"), "p-a");
        ck_assert_str_eq(proplist_gets(m, "b"), "p-b");         /* kept */
        ck_assert_str_eq(proplist_gets(m, "c"), "o-c");
        proplist_free(m);

        m = proplist_copy(p);
        ck_assert_int_eq(proplist_update(m, PROPLIST_UPDATE_REPLACE, o), 0);
        ck_assert_uint_eq(proplist_size(m), 3);
        ck_assert_str_eq(proplist_gets(m, "a"), "p-a");
        ck_assert_str_eq(proplist_gets(m, "b"), "o-b");         /* overwritten */
        ck_assert_str_eq(proplist_gets(m, "c"), "o-c");
        proplist_free(m);

        m = proplist_copy(p);
        ck_assert_int_eq(proplist_update(m, PROPLIST_UPDATE_SET, o), 0);
        ck_assert(proplist_equal(m, o));
        proplist_free(m);

        ck_assert_int_eq(proplist_update(p, _PROPLIST_UPDATE_N, o), -EINVAL);
        ck_assert_int_eq(proplist_update(p, (ProplistUpdateMode)-1, o), -EINVAL);
        ck_assert_uint_eq(proplist_size(p), 2);

        /* onto itself */
        m = proplist_copy(p);
        ck_assert_int_eq(proplist_update(p, PROPLIST_UPDATE_SET, p), 0);
        ck_assert(proplist_equal(p, m));
        ck_assert_int_eq(proplist_update(p, PROPLIST_UPDATE_REPLACE, p), 0);
        ck_assert(proplist_equal(p, m));
        proplist_free(m);
        proplist_free(o);
}
END_TEST

START_TEST(test_update_too_big_is_atomic) {
        Proplist *o = proplist_new(), *saved;
        char key[16];

        for (unsigned i = 0; i < 200; i++) {
                snprintf(key, sizeof(key), "p%u", i);
                proplist_sets(p, key, "v");
                snprintf(key, sizeof(key), "o%u", i);
                proplist_sets(o, key, "v");
        }
        saved = proplist_copy(p);
        ck_assert_int_eq(proplist_update(p, PROPLIST_UPDATE_REPLACE, o), -E2BIG);
        ck_assert(proplist_equal(p, saved));                    /* nothing applied */
        ck_assert_int_eq(proplist_update(p, PROPLIST_UPDATE_MERGE, o), -E2BIG);
        ck_assert(proplist_equal(p, saved));
        ck_assert_int_eq(proplist_update(p, PROPLIST_UPDATE_SET, o), 0);
        ck_assert(proplist_equal(p, o));
        proplist_free(saved);
        proplist_free(o);
}
END_TEST

/* ---- UTF-8 ---- */

START_TEST(test_utf8) {
        /* verdicts of pa_utf8_valid() */
        static const struct {
                const char *s;
                bool valid;
        } cases[] = {
                { "", true },
                { "abc", true },
                { "\x01\x7f", true },
                { "\xc3\xa9", true },
                { "\xc2\x80", true },
                { "\xdf\xbf", true },
                { "\xe0\xa0\x80", true },
                { "\xe2\x82\xac", true },
                { "\xed\x9f\xbf", true },               /* U+D7FF */
                { "\xee\x80\x80", true },               /* U+E000 */
                { "\xef\xb7\x8f", true },               /* U+FDCF */
                { "\xef\xb7\xb0", true },               /* U+FDF0 */
                { "\xef\xbf\xbc", true },               /* U+FFFC */
                { "\xef\xbf\xbd", true },               /* U+FFFD */
                { "\xf0\x90\x80\x80", true },
                { "\xf0\x9f\x98\x80", true },
                { "\xf3\xbf\xbf\xbd", true },
                { "\xf4\x8f\xbf\xbd", true },           /* U+10FFFD */
                { "\xc3", false },                      /* truncated */
                { "\xe2\x82", false },
                { "\x80", false },                      /* lone continuation */
                { "\xc0\x80", false },                  /* overlong */
                { "\xe0\x80\x80", false },
                { "\xf0\x8f\xbf\xbf", false },
                { "\xed\xa0\x80", false },              /* surrogate */
                { "\xf4\x90\x80\x80", false },          /* > U+10FFFF */
                { "\xf5\x80\x80\x80", false },
                { "\xf8\x88\x80\x80\x80", false },
                { "\xff", false },
                { "\xef\xbf\xbe", false },              /* noncharacters, as libpulse */
                { "\xef\xbf\xbf", false },
                { "\xef\xb7\x90", false },              /* U+FDD0 */
                { "\xef\xb7\xaf", false },              /* U+FDEF */
                { "\xf0\x9f\xbf\xbe", false },          /* U+1FFFE */
                { "\xf0\x9f\xbf\xbf", false },
                { "\xf3\xbf\xbf\xbf", false },
                { "\xf4\x8f\xbf\xbf", false },          /* U+10FFFF */
                { "a\xc3(", false },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                ck_assert_msg(utf8_valid(cases[i].s) == cases[i].valid, "case %zu", i);
        ck_assert(!utf8_valid(NULL));
        /* _n checks exactly n bytes, NUL included */
        ck_assert(utf8_valid_n("\xc3\xa9", 2));
        ck_assert(!utf8_valid_n("\xc3\xa9", 1));
        ck_assert(utf8_valid_n("a\0b", 3));
        ck_assert(utf8_valid_n("\xff", 0));
}
END_TEST

/* ---- to_string ---- */

START_TEST(test_to_string) {
        /* pa_proplist_to_string_sep(p, "\n") for the same entries */
        static const char expect[] =
                "a = \"hello\"\n"
                "b.quote = \"say \\\"hi\\\"\"\n"
                "c.back = \"back\\slash\"\n"
                "d.nl = \"line1\nline2\"\n"
                "e.empty = \"\"\n"
                "f.bin = hex:0102ff\n"
                "g.emptybin = hex:\n"
                "h.nonul = hex:616263\n"
                "i.badutf = hex:c32800\n"
                "j.utf = \"h\xc3\xa9llo \xe2\x98\x83\"\n"
                "k.sq = \"it's\"\n"
                "l.tab = \"a\tb\"\n"
                "m.embnul = hex:61006200";
        char *s;

        proplist_sets(p, "a", "hello");
        proplist_sets(p, "b.quote", "say \"hi\"");
        proplist_sets(p, "c.back", "back\\slash");
        proplist_sets(p, "d.nl", "line1\nline2");
        proplist_sets(p, "e.empty", "");
        proplist_set(p, "f.bin", "\x01\x02\xff", 3);
        proplist_set(p, "g.emptybin", "", 0);
        proplist_set(p, "h.nonul", "abc", 3);
        proplist_set(p, "i.badutf", "\xc3\x28", 3);
        proplist_sets(p, "j.utf", "h\xc3\xa9llo \xe2\x98\x83");
        proplist_sets(p, "k.sq", "it's");
        proplist_sets(p, "l.tab", "a\tb");
        proplist_set(p, "m.embnul", "a\0b", 4);
        s = proplist_to_string(p);
        ck_assert_ptr_nonnull(s);
        ck_assert_str_eq(s, expect);
        free(s);
}
END_TEST

START_TEST(test_to_string_empty_and_one) {
        char *s = proplist_to_string(p);

        ck_assert_str_eq(s, "");
        free(s);
        proplist_sets(p, "only", "\"\"");
        s = proplist_to_string(p);
        ck_assert_str_eq(s, "only = \"\\\"\\\"\"");              /* no trailing newline */
        free(s);
}
END_TEST

START_TEST(test_to_string_big) {
        char *big = repeat('q', 65535), *bin = repeat('q', 65536), *s;
        size_t n;

        ck_assert_int_eq(proplist_sets(p, "k", big), 0);
        ck_assert_int_eq(proplist_set(p, "b", bin, 65536), 0);  /* no NUL: hex */
        s = proplist_to_string(p);
        n = strlen(s);
        ck_assert_uint_eq(n, strlen("k = \"\"") + 65535 + 1 + strlen("b = hex:") + 2 * 65536);
        ck_assert(strncmp(s + n - 4, "7171", 4) == 0);
        free(s);
        free(bin);
        free(big);
}
END_TEST

/* ---- parse_string ---- */

static char *parsed(const char *in) {
        Proplist *q = proplist_new();
        char *s;

        ck_assert_msg(proplist_parse_string(q, in) == 0, "parse <%s>", in);
        s = proplist_to_string(q);
        proplist_free(q);
        return s;
}

START_TEST(test_parse_string_ok) {
        /* outputs as pa_proplist_from_string + to_string_sep(" | ") shows them,
         * re-joined with "\n" */
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "", "" },
                { "   ", "" },
                { "a=b c=d", "a = \"b\"\nc = \"d\"" },
                { "a='x y' b=\"q \\\" r\"", "a = \"x y\"\nb = \"q \\\" r\"" },
                { "a=hex:414243", "a = hex:414243" },
                { "a=hex:AbCd", "a = hex:abcd" },
                { "a=hex:00", "a = \"\"" },
                { "a=hex:", "a = hex:" },
                { "a=HEX:41", "a = \"HEX:41\"" },
                { "  a = b ", "a = \"b\"" },
                { "a= b", "a = \"b\"" },
                { "a = 'x'", "a = \"x\"" },
                { "a=b\"c\"", "a = \"b\\\"c\\\"\"" },
                { "a='it\\'s'", "a = \"it's\"" },
                { "a=b\tc=d", "a = \"b\"\nc = \"d\"" },
                { "a=b\rc=d\vx=y\fz=w", "a = \"b\"\nc = \"d\"\nx = \"y\"\nz = \"w\"" },
                { "a='x'\nb=2", "a = \"x\"\nb = \"2\"" },
                { "x.y=1 x.y=2", "x.y = \"2\"" },
                { "a=\"\"", "a = \"\"" },
                { "a=''", "a = \"\"" },
                { "a=b=c", "a = \"b=c\"" },
                { "a==b", "a = \"=b\"" },
                { "a=b,c=d", "a = \"b,c=d\"" },
                { "a=x\\", "a = \"x\\\"" },
                { "a=\"x\\\\y\"", "a = \"x\\y\"" },
                { "a=\"x\\ny\"", "a = \"xny\"" },
                { "a='\\\\'", "a = \"\\\"" },
                { "a='x\"y'", "a = \"x\\\"y\"" },
                { "a=\"x'y\"", "a = \"x'y\"" },
                { "a.b-c_d:e=1", "a.b-c_d:e = \"1\"" },
                { "a=\"hex:41\"", "a = \"hex:41\"" },
                { "device.description=\"My Sink\"", "device.description = \"My Sink\"" },
                { "k=h\xc3\xa9", "k = \"h\xc3\xa9\"" },
                { "a='x'b=c", "a = \"x\"\nb = \"c\"" },      /* no space needed */
                { "a=\"x\"b='y'", "a = \"x\"\nb = \"y\"" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *s = parsed(cases[i].in);

                ck_assert_msg(strcmp(s, cases[i].out) == 0, "<%s> gave <%s>", cases[i].in, s);
                free(s);
        }
}
END_TEST

START_TEST(test_parse_string_bad) {
        /* NULL from pa_proplist_from_string, except "=b" (libpulse makes an empty key) */
        static const char *const bad[] = {
                "a=hex:41424", "a=hex:4142ZZ", "a=hex:4", "a=hex:ab cd", "a=", "a", "=b", "=",
                "a=b\\ c", "a=\"unterminated", "a='\\", "a=\"x\"y", "a='x'b", "a=\"x\"\"y\"",
                "a =", "a b=c", "a=b c", "k\xc3\xa9=v", "a=\"\xff\"", "a=\xff", "\x01=b",
                "ok=1 a=",
        };
        Proplist *saved;

        proplist_sets(p, "keep", "me");
        saved = proplist_copy(p);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                ck_assert_msg(proplist_parse_string(p, bad[i]) == -EINVAL, "<%s>", bad[i]);
                ck_assert(proplist_equal(p, saved));            /* untouched */
        }
        ck_assert_int_eq(proplist_parse_string(p, NULL), -EINVAL);
        proplist_free(saved);
}
END_TEST

START_TEST(test_parse_string_replaces) {
        proplist_sets(p, "a", "old");
        proplist_sets(p, "z", "kept");
        ck_assert_int_eq(proplist_parse_string(p, "a=new b=added"), 0);
        ck_assert_uint_eq(proplist_size(p), 3);
        ck_assert_str_eq(proplist_gets(p, "a"), "new");
        ck_assert_str_eq(proplist_gets(p, "b"), "added");
        ck_assert_str_eq(proplist_gets(p, "z"), "kept");
}
END_TEST

START_TEST(test_parse_string_round_trip) {
        Proplist *q = proplist_new();
        char *s;

        proplist_sets(p, "a", "with \"quotes\" and spaces");
        proplist_set(p, "b", "\x00\x01\xfe", 3);
        proplist_sets(p, "c", "");
        s = proplist_to_string(p);
        ck_assert_int_eq(proplist_parse_string(q, s), 0);
        ck_assert(proplist_equal(p, q));
        free(s);
        proplist_free(q);
}
END_TEST

static Suite *proplist_suite(void) {
        Suite *s = suite_create("proplist");
        TCase *tc;

        tc = tcase_create("keys");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_key_valid);
        tcase_add_test(tc, test_set_bad_key);
        suite_add_tcase(s, tc);

        tc = tcase_create("set_get");
        tcase_set_timeout(tc, 30);      /* big values and lists under sanitizers */
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_set_get);
        tcase_add_test(tc, test_set_binary_and_empty);
        tcase_add_test(tc, test_gets_text_rules);
        tcase_add_test(tc, test_sets_rejects_bad_utf8);
        tcase_add_test(tc, test_value_size_limits);
        tcase_add_test(tc, test_setf);
        tcase_add_test(tc, test_replace_keeps_position);
        tcase_add_test(tc, test_entries_limit);
        suite_add_tcase(s, tc);

        tc = tcase_create("unset_iterate");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_unset_clear);
        tcase_add_test(tc, test_iterate);
        suite_add_tcase(s, tc);

        tc = tcase_create("copy_update");
        tcase_set_timeout(tc, 30);      /* big values and lists under sanitizers */
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_copy_equal);
        tcase_add_test(tc, test_update_modes);
        tcase_add_test(tc, test_update_too_big_is_atomic);
        suite_add_tcase(s, tc);

        tc = tcase_create("utf8");
        tcase_add_test(tc, test_utf8);
        suite_add_tcase(s, tc);

        tc = tcase_create("to_string");
        tcase_set_timeout(tc, 30);      /* big values and lists under sanitizers */
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_to_string);
        tcase_add_test(tc, test_to_string_empty_and_one);
        tcase_add_test(tc, test_to_string_big);
        suite_add_tcase(s, tc);

        tc = tcase_create("parse_string");
        tcase_set_timeout(tc, 30);      /* big values and lists under sanitizers */
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_parse_string_ok);
        tcase_add_test(tc, test_parse_string_bad);
        tcase_add_test(tc, test_parse_string_replaces);
        tcase_add_test(tc, test_parse_string_round_trip);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(proplist_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
