/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* list.h: intrusive circular doubly linked list in the spirit of c-list.
 *
 * A CList is both the head and the link. An unlinked node points to itself,
 * so c_list_unlink() is idempotent and destructors may call it on
 * half-built objects.
 */
#pragma once

#include <stdbool.h>
#include "engine/base/macro.h"

typedef struct CList CList;
struct CList {
        CList *next;
        CList *prev;
};

#define C_LIST_INIT(name) { .next = &(name), .prev = &(name) }

static inline void c_list_init(CList *l) {
        l->next = l->prev = l;
}

static inline bool c_list_is_empty(const CList *l) {
        return l->next == l;
}

static inline bool c_list_is_linked(const CList *l) {
        return l->next != l;
}

static inline void c_list_link_before(CList *where, CList *what) {
        what->prev = where->prev;
        what->next = where;
        where->prev->next = what;
        where->prev = what;
}

static inline void c_list_link_tail(CList *head, CList *what) {
        c_list_link_before(head, what);
}

static inline void c_list_link_front(CList *head, CList *what) {
        c_list_link_before(head->next, what);
}

static inline void c_list_unlink(CList *what) {
        what->prev->next = what->next;
        what->next->prev = what->prev;
        c_list_init(what);
}

static inline CList *c_list_first(CList *head) {
        return head->next == head ? NULL : head->next;
}

#define c_list_entry(ptr, type, member) c_container_of(ptr, type, member)

#define c_list_for_each(it, head) \
        for (CList *it = (head)->next; it != (head); it = it->next)

/* Safe against removal of the current entry. */
#define c_list_for_each_entry_safe(var, tmp, head, member)                                   \
        for (CList *tmp##_l = (head)->next, *tmp##_n = tmp##_l->next;                          \
             tmp##_l != (head) && ((var) = c_list_entry(tmp##_l, __typeof__(*(var)), member), 1); \
             tmp##_l = tmp##_n, tmp##_n = tmp##_l->next)

#define c_list_for_each_entry(var, head, member)                                      \
        for (CList *var##_l = (head)->next;                                             \
             var##_l != (head) && ((var) = c_list_entry(var##_l, __typeof__(*(var)), member), 1); \
             var##_l = var##_l->next)
