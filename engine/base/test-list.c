/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-list.c: unit tests for engine/base/list.h.
 *
 * The properties the engine relies on: an unlinked node points to itself, so
 * unlinking twice is harmless (destructors of half-built objects do it);
 * link_tail/link_front keep order; the _safe iterator survives freeing the
 * current entry (ASan would catch a use after free).
 */
#include <check.h>
#include <stdlib.h>
#include "engine/base/list.h"

typedef struct Node {
        int value;
        CList link;
        CList other;    /* a second list membership */
} Node;

static Node *node_new(int v) {
        Node *n = calloc(1, sizeof(*n));

        ck_assert_ptr_nonnull(n);
        n->value = v;
        c_list_init(&n->link);
        c_list_init(&n->other);
        return n;
}

/* Writes the values of head's entries into out; returns the count. */
static size_t values(CList *head, int *out, size_t max) {
        size_t n = 0;
        Node *e;

        c_list_for_each_entry(e, head, link) {
                ck_assert_uint_lt(n, max);
                out[n++] = e->value;
        }
        return n;
}

static void free_all(CList *head) {
        Node *e;

        c_list_for_each_entry_safe(e, t, head, link) {
                c_list_unlink(&e->link);
                free(e);
        }
}

/* ---- init and state ---- */

START_TEST(test_init) {
        CList a = C_LIST_INIT(a), b;

        ck_assert_ptr_eq(a.next, &a);
        ck_assert_ptr_eq(a.prev, &a);
        ck_assert(c_list_is_empty(&a));
        ck_assert(!c_list_is_linked(&a));
        ck_assert_ptr_null(c_list_first(&a));
        c_list_init(&b);
        ck_assert_ptr_eq(b.next, &b);
        ck_assert_ptr_eq(b.prev, &b);
        ck_assert(c_list_is_empty(&b));
}
END_TEST

START_TEST(test_link_state) {
        CList head = C_LIST_INIT(head);
        Node *n = node_new(1);

        c_list_link_tail(&head, &n->link);
        ck_assert(!c_list_is_empty(&head));
        ck_assert(c_list_is_linked(&n->link));
        ck_assert_ptr_eq(c_list_first(&head), &n->link);
        ck_assert_ptr_eq(head.next, &n->link);
        ck_assert_ptr_eq(head.prev, &n->link);
        ck_assert_ptr_eq(n->link.next, &head);
        ck_assert_ptr_eq(n->link.prev, &head);

        c_list_unlink(&n->link);
        ck_assert(c_list_is_empty(&head));
        ck_assert(!c_list_is_linked(&n->link));
        ck_assert_ptr_eq(n->link.next, &n->link);       /* points to itself again */
        ck_assert_ptr_eq(n->link.prev, &n->link);
        c_list_unlink(&n->link);                        /* idempotent */
        ck_assert(c_list_is_empty(&head));
        ck_assert(!c_list_is_linked(&n->link));
        free(n);
}
END_TEST

START_TEST(test_entry) {
        Node *n = node_new(42);

        ck_assert_ptr_eq(c_list_entry(&n->link, Node, link), n);
        ck_assert_ptr_eq(c_list_entry(&n->other, Node, other), n);
        ck_assert_int_eq(c_list_entry(&n->other, Node, other)->value, 42);
        free(n);
}
END_TEST

/* ---- ordering ---- */

START_TEST(test_tail_front_before) {
        CList head = C_LIST_INIT(head);
        Node *a = node_new(1), *b = node_new(2), *c = node_new(3), *d = node_new(4);
        int v[8];

        c_list_link_tail(&head, &b->link);              /* 2 */
        c_list_link_tail(&head, &c->link);              /* 2 3 */
        c_list_link_front(&head, &a->link);             /* 1 2 3 */
        c_list_link_before(&c->link, &d->link);         /* 1 2 4 3 */
        ck_assert_uint_eq(values(&head, v, 8), 4);
        ck_assert_int_eq(v[0], 1);
        ck_assert_int_eq(v[1], 2);
        ck_assert_int_eq(v[2], 4);
        ck_assert_int_eq(v[3], 3);
        ck_assert_ptr_eq(c_list_first(&head), &a->link);
        ck_assert_ptr_eq(head.prev, &c->link);

        c_list_unlink(&b->link);                        /* middle */
        c_list_unlink(&a->link);                        /* first */
        c_list_unlink(&c->link);                        /* last */
        ck_assert_uint_eq(values(&head, v, 8), 1);
        ck_assert_int_eq(v[0], 4);
        ck_assert_ptr_eq(head.next, &d->link);
        ck_assert_ptr_eq(head.prev, &d->link);
        free(a);
        free(b);
        free(c);
        free_all(&head);
}
END_TEST

START_TEST(test_for_each_raw) {
        CList head = C_LIST_INIT(head);
        int sum = 0, count = 0;

        c_list_for_each(it, &head)
                count++;
        ck_assert_int_eq(count, 0);
        for (int i = 1; i <= 10; i++)
                c_list_link_tail(&head, &node_new(i)->link);
        c_list_for_each(it, &head) {
                sum += c_list_entry(it, Node, link)->value;
                count++;
        }
        ck_assert_int_eq(count, 10);
        ck_assert_int_eq(sum, 55);
        free_all(&head);
        ck_assert(c_list_is_empty(&head));
}
END_TEST

START_TEST(test_two_lists) {
        CList odd = C_LIST_INIT(odd), all = C_LIST_INIT(all);
        int v[16];
        Node *e;

        for (int i = 1; i <= 6; i++) {
                Node *n = node_new(i);

                c_list_link_tail(&all, &n->link);
                if (i % 2)
                        c_list_link_front(&odd, &n->other);
        }
        ck_assert_uint_eq(values(&all, v, 16), 6);
        e = c_list_entry(c_list_first(&odd), Node, other);
        ck_assert_int_eq(e->value, 5);                  /* linked at the front: 5 3 1 */
        c_list_unlink(&e->other);
        e = c_list_entry(c_list_first(&odd), Node, other);
        ck_assert_int_eq(e->value, 3);
        ck_assert_uint_eq(values(&all, v, 16), 6);      /* other list unaffected */
        c_list_for_each_entry_safe(e, t, &all, link) {
                c_list_unlink(&e->other);
                c_list_unlink(&e->link);
                free(e);
        }
        ck_assert(c_list_is_empty(&odd));
        ck_assert(c_list_is_empty(&all));
}
END_TEST

/* ---- safe iteration ---- */

START_TEST(test_safe_remove_all) {
        CList head = C_LIST_INIT(head);
        int seen = 0;
        Node *e;

        for (int i = 0; i < 10; i++)
                c_list_link_tail(&head, &node_new(i)->link);
        c_list_for_each_entry_safe(e, t, &head, link) {
                ck_assert_int_eq(e->value, seen);
                seen++;
                c_list_unlink(&e->link);
                free(e);                                /* ASan: no later access */
        }
        ck_assert_int_eq(seen, 10);
        ck_assert(c_list_is_empty(&head));
}
END_TEST

START_TEST(test_safe_remove_some) {
        CList head = C_LIST_INIT(head);
        int v[16];
        Node *e;

        for (int i = 0; i < 10; i++)
                c_list_link_tail(&head, &node_new(i)->link);
        c_list_for_each_entry_safe(e, t, &head, link) {
                if (e->value % 3 == 0) {
                        c_list_unlink(&e->link);
                        free(e);
                }
        }
        ck_assert_uint_eq(values(&head, v, 16), 6);
        ck_assert_int_eq(v[0], 1);
        ck_assert_int_eq(v[1], 2);
        ck_assert_int_eq(v[2], 4);
        ck_assert_int_eq(v[5], 8);
        free_all(&head);
}
END_TEST

START_TEST(test_safe_on_empty) {
        CList head = C_LIST_INIT(head);
        int count = 0;
        Node *e;

        c_list_for_each_entry_safe(e, t, &head, link)
                count++;
        c_list_for_each_entry(e, &head, link)
                count++;
        ck_assert_int_eq(count, 0);
}
END_TEST

static Suite *list_suite(void) {
        Suite *s = suite_create("list");
        TCase *tc;

        tc = tcase_create("state");
        tcase_add_test(tc, test_init);
        tcase_add_test(tc, test_link_state);
        tcase_add_test(tc, test_entry);
        suite_add_tcase(s, tc);

        tc = tcase_create("order");
        tcase_add_test(tc, test_tail_front_before);
        tcase_add_test(tc, test_for_each_raw);
        tcase_add_test(tc, test_two_lists);
        suite_add_tcase(s, tc);

        tc = tcase_create("safe");
        tcase_add_test(tc, test_safe_remove_all);
        tcase_add_test(tc, test_safe_remove_some);
        tcase_add_test(tc, test_safe_on_empty);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(list_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
