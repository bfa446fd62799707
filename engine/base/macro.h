/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* macro.h: cleanup attributes, container_of and small helpers used everywhere. */
#pragma once

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

#define _c_cleanup_(fn) __attribute__((__cleanup__(fn)))
#define _c_unused_ __attribute__((__unused__))
#define _c_printf_(a, b) __attribute__((__format__(printf, a, b)))
#define _c_likely_(x) __builtin_expect(!!(x), 1)
#define _c_unlikely_(x) __builtin_expect(!!(x), 0)

#define c_container_of(ptr, type, member) \
        ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

#define C_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define C_MIN(a, b) ((a) < (b) ? (a) : (b))
#define C_MAX(a, b) ((a) > (b) ? (a) : (b))
#define C_CLAMP(x, lo, hi) ((x) < (lo) ? (lo) : (x) > (hi) ? (hi) : (x))

/* c_assert is for our own invariants only, never for anything a peer sent. */
#include <assert.h>
#define c_assert(x) assert(x)

static inline int c_streq(const char *a, const char *b) {
        return a && b && strcmp(a, b) == 0;
}

static inline int c_streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}

static inline void c_freep(void *p) {
        free(*(void **)p);
}
#define _c_cleanup_free_ _c_cleanup_(c_freep)

static inline void c_closep(int *fd) {
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}
#define _c_cleanup_close_ _c_cleanup_(c_closep)

/* Allocation helpers: NULL on failure, callers return -ENOMEM. */
#define c_new0(type, n) ((type *)calloc((n), sizeof(type)))
