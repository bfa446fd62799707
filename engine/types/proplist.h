/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* proplist.h: property lists (key -> byte blob) as on the wire.
 *
 * Keys are non-empty printable ASCII; values are byte blobs <= PROPLIST_VALUE_MAX.
 * Textual values are stored INCLUDING their trailing NUL, like libpulse does,
 * so proplist_gets() only returns values whose last byte is NUL and that are
 * valid UTF-8. Entries keep insertion order (deterministic output).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROPLIST_VALUE_MAX (64U * 1024U)
#define PROPLIST_KEY_MAX 256U
#define PROPLIST_ENTRIES_MAX 256U   /* a quota: more entries from a peer are refused */

typedef struct Proplist Proplist;

typedef enum ProplistUpdateMode {
        PROPLIST_UPDATE_SET = 0,     /* replace the whole list */
        PROPLIST_UPDATE_MERGE = 1,   /* add only absent keys */
        PROPLIST_UPDATE_REPLACE = 2, /* add or overwrite */
        _PROPLIST_UPDATE_N,
} ProplistUpdateMode;

Proplist *proplist_new(void);
Proplist *proplist_free(Proplist *p);
static inline void proplist_freep(Proplist **p) { if (*p) proplist_free(*p); }
Proplist *proplist_copy(const Proplist *p);   /* NULL on OOM */

/* key must be valid (proplist_key_valid). Return: 0, -EINVAL (bad key or value too
 * large), -E2BIG (too many entries), -ENOMEM. */
int proplist_set(Proplist *p, const char *key, const void *data, size_t n);
int proplist_sets(Proplist *p, const char *key, const char *value);
int proplist_setf(Proplist *p, const char *key, const char *fmt, ...)
        __attribute__((__format__(printf, 3, 4)));
/* Returns the raw bytes (and length) or NULL if absent. */
const void *proplist_get(const Proplist *p, const char *key, size_t *ret_n);
/* Returns the string if the value is NUL-terminated valid UTF-8, else NULL. */
const char *proplist_gets(const Proplist *p, const char *key);
bool proplist_contains(const Proplist *p, const char *key);
/* Return: 0 if removed, -ENOENT if absent. */
int proplist_unset(Proplist *p, const char *key);
size_t proplist_size(const Proplist *p);
bool proplist_is_empty(const Proplist *p);
void proplist_clear(Proplist *p);
/* Applies other onto p with the given mode. Return: 0, -EINVAL (mode), -E2BIG, -ENOMEM. */
int proplist_update(Proplist *p, ProplistUpdateMode mode, const Proplist *other);
bool proplist_equal(const Proplist *a, const Proplist *b);

/* Iteration: *state starts at 0; returns the key or NULL at the end. */
const char *proplist_iterate(const Proplist *p, size_t *state, const void **ret_data, size_t *ret_n);

bool proplist_key_valid(const char *key);
bool utf8_valid(const char *s);
bool utf8_valid_n(const char *s, size_t n);

/* Parses "key=value key2='v a l' key3=\"x\"" (module argument style, e.g.
 * sink_properties=...) into p with REPLACE semantics; on failure p is unchanged.
 * Return: 0 or -EINVAL (syntax), -E2BIG / -ENOMEM (as proplist_update). */
int proplist_parse_string(Proplist *p, const char *s);
/* Writes `key = "value"` lines the way pactl list prints them (binary values as
 * `key = hex:...`), separated (not terminated) by '\n'; "" if empty. */
char *proplist_to_string(const Proplist *p);  /* malloc'd, NULL on OOM */
