/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* idxmap.c: see idxmap.h. The iteration state is "first index not yet
 * visited", so removing entries while iterating is safe. */
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include "engine/base/idxmap.h"
#include "engine/base/macro.h"

void idxmap_deinit(IdxMap *m) {
        free(m->entries);
        m->entries = NULL;
        m->n = m->allocated = 0;
}

static size_t idxmap_find(const IdxMap *m, uint32_t index) {
        size_t lo = 0, hi = m->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (m->entries[mid].index < index)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

int idxmap_reserve(IdxMap *m, size_t n) {
        size_t na;
        IdxMapEntry *e;

        if (n <= m->allocated - m->n)
                return 0;
        na = C_MAX(m->allocated * 2, m->n + n);
        na = C_MAX(na, (size_t)16);
        e = realloc(m->entries, na * sizeof(*e));
        if (!e)
                return -ENOMEM;
        m->entries = e;
        m->allocated = na;
        return 0;
}

int idxmap_put(IdxMap *m, void *ptr, uint32_t *ret_index) {
        int r;

        if (m->next_index == IDX_INVALID)
                return -ENOSPC;
        r = idxmap_reserve(m, 1);
        if (r < 0)
                return r;
        m->entries[m->n].index = m->next_index;
        m->entries[m->n].ptr = ptr;
        m->n++;
        *ret_index = m->next_index++;
        return 0;
}

void *idxmap_get(const IdxMap *m, uint32_t index) {
        size_t i = idxmap_find(m, index);

        return i < m->n && m->entries[i].index == index ? m->entries[i].ptr : NULL;
}

void *idxmap_remove(IdxMap *m, uint32_t index) {
        size_t i = idxmap_find(m, index);
        void *p;

        if (i >= m->n || m->entries[i].index != index)
                return NULL;
        p = m->entries[i].ptr;
        memmove(m->entries + i, m->entries + i + 1, (m->n - i - 1) * sizeof(*m->entries));
        m->n--;
        return p;
}

void *idxmap_next(const IdxMap *m, uint32_t *state) {
        size_t i;

        if (*state == IDX_INVALID)
                return NULL;
        i = idxmap_find(m, *state);
        if (i >= m->n)
                return NULL;
        *state = m->entries[i].index == IDX_INVALID - 1 ? IDX_INVALID : m->entries[i].index + 1;
        return m->entries[i].ptr;
}
