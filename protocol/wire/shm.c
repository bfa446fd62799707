/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* shm.c: SHM references and the table of pools a peer registered (see shm.h).
 *
 * Everything here is peer input: a reference names a pool by id and a byte
 * range inside it; both are checked against the table (ranges by
 * subtraction, in 64 bits) before a single byte is read. The pool fd must be
 * a shmem file (F_GET_SEALS answers only for memfd/tmpfs/hugetlbfs), so
 * pread() on it can neither block (a FUSE file or a pipe could) nor touch a
 * device. Reading through pread() instead of a mapping keeps a truncating
 * peer from crashing the daemon with SIGBUS.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "protocol/wire/shm.h"

static uint32_t rd32(const uint8_t *p) {
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t)(v >> 24);
        p[1] = (uint8_t)(v >> 16);
        p[2] = (uint8_t)(v >> 8);
        p[3] = (uint8_t)v;
}

int shm_ref_parse(const uint8_t *payload, size_t n, ShmRef *ret) {
        if (!payload || n != SHM_REF_SIZE)
                return SHM_E_INVALID;
        *ret = (ShmRef){
                .block_id = rd32(payload),
                .shm_id = rd32(payload + 4),
                .offset = rd32(payload + 8),
                .length = rd32(payload + 12),
        };
        return 0;
}

void shm_ref_write(uint8_t out[SHM_REF_SIZE], const ShmRef *ref) {
        wr32(out, ref->block_id);
        wr32(out + 4, ref->shm_id);
        wr32(out + 8, ref->offset);
        wr32(out + 12, ref->length);
}

static const ShmPool *shm_imports_find(const ShmImports *im, uint32_t shm_id) {
        for (size_t i = 0; i < im->n_pools; i++)
                if (im->pools[i].shm_id == shm_id)
                        return &im->pools[i];
        return NULL;
}

int shm_imports_add(ShmImports *im, uint32_t shm_id, int fd) {
        struct stat st;

        if (fd < 0)
                return SHM_E_INVALID;
        if (shm_imports_find(im, shm_id)) {
                close(fd);
                return SHM_E_EXIST;
        }
        if (im->n_pools >= SHM_IMPORTS_MAX) {
                close(fd);
                return SHM_E_LIMIT;
        }
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
            (uint64_t)st.st_size > SHM_POOL_SIZE_MAX || fcntl(fd, F_GET_SEALS) < 0) {
                close(fd);
                return SHM_E_INVALID;
        }
        im->pools[im->n_pools++] = (ShmPool){ .shm_id = shm_id, .fd = fd,
                                              .size = (uint64_t)st.st_size };
        return 0;
}

void shm_imports_deinit(ShmImports *im) {
        for (size_t i = 0; i < im->n_pools; i++)
                if (im->pools[i].fd >= 0)
                        close(im->pools[i].fd);
        im->n_pools = 0;
}

int shm_imports_check(const ShmImports *im, const ShmRef *ref, size_t max_length) {
        const ShmPool *p = shm_imports_find(im, ref->shm_id);

        if (!p)
                return SHM_E_UNKNOWN;
        if (ref->length == 0 || ref->length > max_length)
                return SHM_E_RANGE;
        if (ref->offset >= p->size || ref->length > p->size - ref->offset)
                return SHM_E_RANGE;
        return 0;
}

int shm_imports_read(const ShmImports *im, const ShmRef *ref, void *buf) {
        const ShmPool *p = shm_imports_find(im, ref->shm_id);
        size_t got = 0;

        if (!p)
                return SHM_E_UNKNOWN;
        while (got < ref->length) {
                ssize_t n = pread(p->fd, (uint8_t *)buf + got, ref->length - got,
                                  (off_t)ref->offset + (off_t)got);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return SHM_E_RANGE;     /* the peer truncated its pool */
                got += (size_t)n;
        }
        return 0;
}

int shm_memfd_new(const char *name, size_t size, int *ret_fd, void **ret_map) {
        void *map;
        int fd;

        fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return -errno;
        if (ftruncate(fd, (off_t)size) < 0 ||
            fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
                int r = -errno;

                close(fd);
                return r;
        }
        map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED) {
                int r = -errno;

                close(fd);
                return r;
        }
        *ret_fd = fd;
        *ret_map = map;
        return 0;
}
