/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-idxmap.c: unit tests for engine/base/idxmap.c.
 *
 * The properties that matter to clients: indices start at 0, grow by one,
 * are never reused (subscription events name objects by index), and
 * iteration is in index order and survives removal of the current entry.
 */
#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include "engine/base/idxmap.h"

static IdxMap m;

static void setup(void) {
        m = (IdxMap)IDXMAP_NULL(m);
}

static void teardown(void) {
        idxmap_deinit(&m);
}

/* Distinct non-NULL pointers without allocating. */
static int objs[1024];
#define OBJ(i) ((void *)&objs[(i)])

/* ---- put / get / remove ---- */

START_TEST(test_empty) {
        uint32_t st = 0;

        ck_assert_uint_eq(idxmap_size(&m), 0);
        ck_assert_ptr_null(idxmap_get(&m, 0));
        ck_assert_ptr_null(idxmap_get(&m, IDX_INVALID));
        ck_assert_ptr_null(idxmap_remove(&m, 0));
        ck_assert_ptr_null(idxmap_next(&m, &st));
        idxmap_deinit(&m);                              /* on an empty map: fine */
        idxmap_deinit(&m);                              /* and twice */
}
END_TEST

START_TEST(test_put_get) {
        uint32_t idx = 12345;

        for (uint32_t i = 0; i < 100; i++) {
                ck_assert_int_eq(idxmap_put(&m, OBJ(i), &idx), 0);
                ck_assert_uint_eq(idx, i);              /* 0, 1, 2, ... */
        }
        ck_assert_uint_eq(idxmap_size(&m), 100);
        for (uint32_t i = 0; i < 100; i++)
                ck_assert_ptr_eq(idxmap_get(&m, i), OBJ(i));
        ck_assert_ptr_null(idxmap_get(&m, 100));
        ck_assert_ptr_null(idxmap_get(&m, IDX_INVALID));
}
END_TEST

START_TEST(test_remove) {
        uint32_t idx;

        for (uint32_t i = 0; i < 5; i++)
                ck_assert_int_eq(idxmap_put(&m, OBJ(i), &idx), 0);
        ck_assert_ptr_eq(idxmap_remove(&m, 2), OBJ(2));
        ck_assert_ptr_null(idxmap_remove(&m, 2));       /* twice */
        ck_assert_ptr_null(idxmap_get(&m, 2));
        ck_assert_uint_eq(idxmap_size(&m), 4);
        ck_assert_ptr_eq(idxmap_get(&m, 1), OBJ(1));    /* neighbours intact */
        ck_assert_ptr_eq(idxmap_get(&m, 3), OBJ(3));
        ck_assert_ptr_eq(idxmap_remove(&m, 0), OBJ(0)); /* first */
        ck_assert_ptr_eq(idxmap_remove(&m, 4), OBJ(4)); /* last */
        ck_assert_ptr_null(idxmap_remove(&m, 5));       /* never handed out */
        ck_assert_ptr_null(idxmap_remove(&m, IDX_INVALID));
        ck_assert_uint_eq(idxmap_size(&m), 2);
        ck_assert_ptr_eq(idxmap_get(&m, 1), OBJ(1));
        ck_assert_ptr_eq(idxmap_get(&m, 3), OBJ(3));
}
END_TEST

START_TEST(test_never_reused) {
        uint32_t idx;

        ck_assert_int_eq(idxmap_put(&m, OBJ(0), &idx), 0);
        ck_assert_uint_eq(idx, 0);
        ck_assert_ptr_eq(idxmap_remove(&m, 0), OBJ(0));
        ck_assert_int_eq(idxmap_put(&m, OBJ(1), &idx), 0);
        ck_assert_uint_eq(idx, 1);                      /* not 0 again */
        ck_assert_ptr_null(idxmap_get(&m, 0));
        idxmap_deinit(&m);                              /* even across deinit */
        ck_assert_uint_eq(idxmap_size(&m), 0);
        ck_assert_int_eq(idxmap_put(&m, OBJ(2), &idx), 0);
        ck_assert_uint_eq(idx, 2);
        ck_assert_ptr_eq(idxmap_get(&m, 2), OBJ(2));
}
END_TEST

START_TEST(test_index_space_exhausted) {
        uint32_t idx = 7;

        /* The last index handed out is IDX_INVALID - 1; then -ENOSPC. */
        m.next_index = IDX_INVALID - 2;
        ck_assert_int_eq(idxmap_put(&m, OBJ(0), &idx), 0);
        ck_assert_uint_eq(idx, IDX_INVALID - 2);
        ck_assert_int_eq(idxmap_put(&m, OBJ(1), &idx), 0);
        ck_assert_uint_eq(idx, IDX_INVALID - 1);
        idx = 7;
        ck_assert_int_eq(idxmap_put(&m, OBJ(2), &idx), -ENOSPC);
        ck_assert_uint_eq(idx, 7);                      /* untouched on failure */
        ck_assert_uint_eq(idxmap_size(&m), 2);
        ck_assert_ptr_eq(idxmap_get(&m, IDX_INVALID - 1), OBJ(1));
        ck_assert_ptr_null(idxmap_get(&m, IDX_INVALID));
}
END_TEST

START_TEST(test_reserve) {
        uint32_t idx;

        ck_assert_int_eq(idxmap_reserve(&m, 0), 0);
        ck_assert_int_eq(idxmap_reserve(&m, 100), 0);
        ck_assert_uint_ge(m.allocated, 100);
        ck_assert_uint_eq(idxmap_size(&m), 0);          /* reserving adds nothing */
        for (uint32_t i = 0; i < 100; i++) {
                void *before = m.entries;

                ck_assert_int_eq(idxmap_put(&m, OBJ(i), &idx), 0);
                ck_assert_ptr_eq(m.entries, before);    /* no reallocation needed */
        }
        ck_assert_int_eq(idxmap_reserve(&m, 1000), 0);
        ck_assert_uint_ge(m.allocated - m.n, 1000);
        for (uint32_t i = 0; i < 100; i++)
                ck_assert_ptr_eq(idxmap_get(&m, i), OBJ(i));
}
END_TEST

START_TEST(test_full_array_removal) {
        uint32_t idx;

        /* Remove from an array filled to its exact capacity: the memmove
         * must not touch the slot past the end (ASan watches). */
        ck_assert_int_eq(idxmap_reserve(&m, 16), 0);
        while (m.n < m.allocated)
                ck_assert_int_eq(idxmap_put(&m, OBJ(m.n), &idx), 0);
        ck_assert_ptr_eq(idxmap_remove(&m, 0), OBJ(0));
        ck_assert_ptr_eq(idxmap_get(&m, 1), OBJ(1));
        ck_assert_ptr_eq(idxmap_remove(&m, idx), OBJ(idx));
        ck_assert_uint_eq(idxmap_size(&m), m.allocated - 2);
}
END_TEST

/* ---- iteration ---- */

START_TEST(test_iterate_order) {
        uint32_t idx, expect = 0;
        void *p;

        for (uint32_t i = 0; i < 10; i++)
                idxmap_put(&m, OBJ(i), &idx);
        idxmap_remove(&m, 3);
        idxmap_remove(&m, 7);
        idxmap_for_each(p, &m, st) {
                if (expect == 3 || expect == 7)
                        expect++;
                ck_assert_ptr_eq(p, OBJ(expect));
                expect++;
        }
        ck_assert_uint_eq(expect, 10);
}
END_TEST

START_TEST(test_iterate_remove_current) {
        uint32_t idx, seen = 0;
        void *p;

        for (uint32_t i = 0; i < 10; i++)
                idxmap_put(&m, OBJ(i), &idx);
        idxmap_for_each(p, &m, st) {
                ck_assert_ptr_eq(p, OBJ(seen));
                ck_assert_ptr_eq(idxmap_remove(&m, st - 1), p);   /* st is one past */
                seen++;
        }
        ck_assert_uint_eq(seen, 10);
        ck_assert_uint_eq(idxmap_size(&m), 0);
}
END_TEST

START_TEST(test_iterate_remove_others) {
        uint32_t idx, seen = 0;
        void *p;

        for (uint32_t i = 0; i < 10; i++)
                idxmap_put(&m, OBJ(i), &idx);
        /* visiting i removes i + 1: we see 0, 2, 4, 6, 8 */
        idxmap_for_each(p, &m, st) {
                ck_assert_ptr_eq(p, OBJ(2 * seen));
                idxmap_remove(&m, st);
                seen++;
        }
        ck_assert_uint_eq(seen, 5);
        ck_assert_uint_eq(idxmap_size(&m), 5);
}
END_TEST

START_TEST(test_iterate_adding) {
        uint32_t idx, seen = 0;
        void *p;

        idxmap_put(&m, OBJ(0), &idx);
        /* entries added during iteration have larger indices and are visited */
        idxmap_for_each(p, &m, st) {
                if (seen < 5)
                        ck_assert_int_eq(idxmap_put(&m, OBJ(seen + 1), &idx), 0);
                ck_assert_ptr_eq(p, OBJ(seen));
                seen++;
        }
        ck_assert_uint_eq(seen, 6);
}
END_TEST

START_TEST(test_iterate_at_top_of_range) {
        uint32_t idx, st = 0;

        m.next_index = IDX_INVALID - 2;
        idxmap_put(&m, OBJ(0), &idx);
        idxmap_put(&m, OBJ(1), &idx);
        ck_assert_ptr_eq(idxmap_next(&m, &st), OBJ(0));
        ck_assert_ptr_eq(idxmap_next(&m, &st), OBJ(1));
        ck_assert_uint_eq(st, IDX_INVALID);
        ck_assert_ptr_null(idxmap_next(&m, &st));       /* terminates, no wrap to 0 */
        ck_assert_ptr_null(idxmap_next(&m, &st));
}
END_TEST

/* ---- against a model ---- */

START_TEST(test_random_model) {
        enum { N = 1024 };
        bool present[N] = { false };
        uint32_t idx, count = 0;
        void *p;

        srand(4711);
        for (unsigned round = 0; round < 20000; round++) {
                uint32_t i = (uint32_t)rand() % N;

                if (rand() % 3 && m.next_index < N) {
                        ck_assert_int_eq(idxmap_put(&m, OBJ(m.next_index), &idx), 0);
                        present[idx] = true;
                } else if (present[i]) {
                        if (idxmap_remove(&m, i) != OBJ(i))
                                ck_abort_msg("remove %u", i);
                        present[i] = false;
                } else if (idxmap_remove(&m, i) != NULL) {
                        ck_abort_msg("removed absent %u", i);
                }
        }
        for (uint32_t i = 0; i < N; i++) {
                if (idxmap_get(&m, i) != (present[i] ? OBJ(i) : NULL))
                        ck_abort_msg("get %u", i);
                count += present[i];
        }
        ck_assert_uint_eq(idxmap_size(&m), count);
        idx = 0;
        idxmap_for_each(p, &m, st) {
                while (!present[idx])
                        idx++;
                ck_assert_ptr_eq(p, OBJ(idx));
                idx++;
        }
}
END_TEST

static Suite *idxmap_suite(void) {
        Suite *s = suite_create("idxmap");
        TCase *tc;

        tc = tcase_create("put_get_remove");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_empty);
        tcase_add_test(tc, test_put_get);
        tcase_add_test(tc, test_remove);
        tcase_add_test(tc, test_never_reused);
        tcase_add_test(tc, test_index_space_exhausted);
        tcase_add_test(tc, test_reserve);
        tcase_add_test(tc, test_full_array_removal);
        suite_add_tcase(s, tc);

        tc = tcase_create("iterate");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_iterate_order);
        tcase_add_test(tc, test_iterate_remove_current);
        tcase_add_test(tc, test_iterate_remove_others);
        tcase_add_test(tc, test_iterate_adding);
        tcase_add_test(tc, test_iterate_at_top_of_range);
        suite_add_tcase(s, tc);

        tc = tcase_create("model");
        tcase_set_timeout(tc, 30);      /* 20000 operations under sanitizers */
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_random_model);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(idxmap_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
