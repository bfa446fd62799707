/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* shm.c: SHM references and the table of pools a peer registered (see shm.h).
 *
 * Everything here is peer input: a reference names a pool by id and a byte
 * range inside it; both are checked against the table (ranges by
 * subtraction, in 64 bits) before a single byte is read. The pool fd must be
 * a shmem file (F_GET_SEALS answers only for memfd/tmpfs/hugetlbfs), so
 * pread() on it can neither block (a FUSE file or a pipe could) nor touch a
 * device. The pool is mapped read-only once, at registration, and references
 * are copied out of the mapping (no system call per block); the peer keeps
 * its fd and may truncate the memfd at any time (libpulse does not seal it),
 * so every copy runs under a SIGBUS guard: a fault inside it jumps back to the
 * copy, which reports SHM_E_RANGE. A SIGBUS anywhere else is not ours and
 * keeps its default action.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "protocol/wire/shm.h"
#include "protocol/wire/byteorder.h"



int shm_ref_parse(const uint8_t *payload, size_t n, ShmRef *ret) {
        if (!payload || n != SHM_REF_SIZE)
                return SHM_E_INVALID;
        *ret = (ShmRef){
                .block_id = be32_read(payload),
                .shm_id = be32_read(payload + 4),
                .offset = be32_read(payload + 8),
                .length = be32_read(payload + 12),
        };
        return 0;
}

void shm_ref_write(uint8_t out[SHM_REF_SIZE], const ShmRef *ref) {
        be32_write(out, ref->block_id);
        be32_write(out + 4, ref->shm_id);
        be32_write(out + 8, ref->offset);
        be32_write(out + 12, ref->length);
}

/* ---- the SIGBUS guard ---- */

/* AddressSanitizer (the test builds) handles SIGBUS itself and, by default,
 * ignores a program's own handler: let ours in. Unguarded faults still reach
 * ASan's handler through the chain below. (Unused without ASan.) */
__attribute__((used, visibility("default"), no_sanitize_address))
const char *__asan_default_options(void);
__attribute__((used, visibility("default"), no_sanitize_address))
const char *__asan_default_options(void) {
        return "allow_user_segv_handler=1";
}

/* volatile: the compiler knows memcpy() does not read it, and would otherwise
 * drop the store before the copy as dead */
static _Thread_local sigjmp_buf *volatile guard_jmp;
static struct sigaction old_sigbus;
static bool guard_installed;

static void sigbus_handler(int sig, siginfo_t *info, void *ctx) {
        sigjmp_buf *jb = guard_jmp;

        if (jb) {
                guard_jmp = NULL;
                siglongjmp(*jb, 1);     /* SA_NODEFER: no mask to restore */
        }
        /* not a guarded copy: whatever was there before (default: core dump) */
        if (old_sigbus.sa_flags & SA_SIGINFO) {
                if (old_sigbus.sa_sigaction) {
                        old_sigbus.sa_sigaction(sig, info, ctx);
                        return;
                }
        } else if (old_sigbus.sa_handler != SIG_DFL && old_sigbus.sa_handler != SIG_IGN) {
                old_sigbus.sa_handler(sig);
                return;
        }
        signal(SIGBUS, SIG_DFL);        /* the fault repeats with the default action */
}

static int guard_install(void) {
        struct sigaction sa = { .sa_sigaction = sigbus_handler, .sa_flags = SA_SIGINFO | SA_NODEFER };

        if (guard_installed)
                return 0;
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGBUS, &sa, &old_sigbus) < 0)
                return -errno;
        guard_installed = true;
        return 0;
}

/* memcpy from a peer's mapping; SHM_E_RANGE if the peer truncated it under us.
 * (sigsetjmp without the signal mask: no system call.) */
static int guarded_copy(void *dst, const volatile uint8_t *src, size_t n) {
        sigjmp_buf jb;

        if (sigsetjmp(jb, 0)) {
                guard_jmp = NULL;
                return SHM_E_RANGE;
        }
        guard_jmp = &jb;
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        memcpy(dst, (const void *)src, n);
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        guard_jmp = NULL;
        return 0;
}

static const ShmPool *shm_imports_find(const ShmImports *im, uint32_t shm_id) {
        for (size_t i = 0; i < im->n_pools; i++)
                if (im->pools[i].shm_id == shm_id)
                        return &im->pools[i];
        return NULL;
}

int shm_imports_add(ShmImports *im, uint32_t shm_id, int fd) {
        struct stat st;
        void *map;

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
        if (guard_install() < 0) {
                close(fd);
                return SHM_E_INVALID;
        }
        map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED) {
                close(fd);
                return SHM_E_INVALID;
        }
        im->pools[im->n_pools++] = (ShmPool){ .shm_id = shm_id, .fd = fd, .map = map,
                                              .size = (uint64_t)st.st_size };
        return 0;
}

void shm_imports_deinit(ShmImports *im) {
        for (size_t i = 0; i < im->n_pools; i++) {
                if (im->pools[i].map)
                        munmap(im->pools[i].map, (size_t)im->pools[i].size);
                if (im->pools[i].fd >= 0)
                        close(im->pools[i].fd);
        }
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

        if (!p)
                return SHM_E_UNKNOWN;
        if (ref->offset >= p->size || ref->length > p->size - ref->offset)
                return SHM_E_RANGE;
        return guarded_copy(buf, (const volatile uint8_t *)p->map + ref->offset, ref->length);
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
