/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* idxmap.h: map from a never-reused u32 index to an object pointer.
 *
 * Indices are handed out by a per-map counter and never reused for the life
 * of the daemon (clients correlate subscription events by index). Because
 * they only grow, entries are kept in an array sorted by index: insertion
 * is an append, lookup a binary search, removal a memmove.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

typedef struct IdxMapEntry {
        uint32_t index;
        void *ptr;
} IdxMapEntry;

typedef struct IdxMap {
        IdxMapEntry *entries;
        size_t n;
        size_t allocated;
        uint32_t next_index;
} IdxMap;

#define IDXMAP_NULL(x) { 0 }
#define IDX_INVALID UINT32_MAX

void idxmap_deinit(IdxMap *m);
/* Makes room for n more entries so the next n idxmap_put() calls cannot fail.
 * Return: 0 or -ENOMEM. */
int idxmap_reserve(IdxMap *m, size_t n);
/* Reserves the next index and stores ptr. Return: 0 or -ENOMEM. */
int idxmap_put(IdxMap *m, void *ptr, uint32_t *ret_index);
void *idxmap_get(const IdxMap *m, uint32_t index);
/* Returns the removed pointer or NULL. */
void *idxmap_remove(IdxMap *m, uint32_t index);
static inline size_t idxmap_size(const IdxMap *m) {
        return m->n;
}
/* Iterate in index order; safe against removing the current entry only if
 * the caller restarts from the returned position (use idxmap_next). */
void *idxmap_next(const IdxMap *m, uint32_t *state);

#define idxmap_for_each(ptr, m, st) \
        for (uint32_t st = 0; ((ptr) = idxmap_next((m), &st)); )
