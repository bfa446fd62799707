/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* shm.h: memfd shared memory of the native protocol (SHM references, imported pools).
 *
 * A peer that negotiated memfd SHM registers its pool with REGISTER_MEMFD_SHMID
 * (one memfd per shm_id) and then sends audio as 16-byte references
 * (block_id, shm_id, offset, length; big-endian) instead of the bytes.
 * ShmImports is the per-connection table of registered pools, each mapped
 * read-only at registration. The peer keeps its fd and may truncate the memfd
 * at any time (libpulse does not seal it): reading a truncated mapping raises
 * SIGBUS, so the bytes are copied out under a SIGBUS guard (shm.c; a
 * process-wide handler that only acts inside a guarded copy) and a truncated
 * pool reads as SHM_E_RANGE.
 *
 * shm_memfd_new() makes our own sealed memfd (the srbchannel ring).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHM_REF_SIZE 16U
#define SHM_IMPORTS_MAX 8U                      /* pools per connection (libpulse registers 1) */
#define SHM_POOL_SIZE_MAX (1024ULL * 1024U * 1024U)  /* 1 GiB: libpulse's default is 64 MiB */

/* frame FLAGS bits (native-protocol.md §3.3) */
#define SHM_FLAG_DATA 0x80000000U
#define SHM_FLAG_RELEASE 0x40000000U
#define SHM_FLAG_REVOKE 0xC0000000U
#define SHM_FLAG_MEMFD_BLOCK 0x20000000U
#define SHM_FLAG_WRITABLE 0x00800000U

enum {
        _SHM_E_SUCCESS,
        SHM_E_INVALID,          /* malformed reference or registration */
        SHM_E_UNKNOWN,          /* shm_id not registered */
        SHM_E_RANGE,            /* offset/length outside the pool */
        SHM_E_EXIST,            /* shm_id registered twice */
        SHM_E_LIMIT,            /* too many pools */
};

typedef struct ShmRef {
        uint32_t block_id;
        uint32_t shm_id;
        uint32_t offset;
        uint32_t length;
} ShmRef;

typedef struct ShmPool {
        uint32_t shm_id;
        int fd;
        void *map;              /* PROT_READ, MAP_SHARED, size bytes */
        uint64_t size;          /* st_size at registration */
} ShmPool;

typedef struct ShmImports {
        ShmPool pools[SHM_IMPORTS_MAX];
        size_t n_pools;
} ShmImports;

#define SHM_IMPORTS_NULL ((ShmImports){ .n_pools = 0 })

/* Parses a 16-byte reference payload. Return: 0 or SHM_E_INVALID (wrong size). */
int shm_ref_parse(const uint8_t *payload, size_t n, ShmRef *ret);
void shm_ref_write(uint8_t out[SHM_REF_SIZE], const ShmRef *ref);

/* Takes over fd (closed on every outcome but success; on success by shm_imports_deinit).
 * The fd must be a memfd (a regular, unnamed tmpfs file) of 1 B .. SHM_POOL_SIZE_MAX.
 * Return: 0, SHM_E_INVALID (not a memfd / bad size), SHM_E_EXIST, SHM_E_LIMIT. */
int shm_imports_add(ShmImports *im, uint32_t shm_id, int fd);
void shm_imports_deinit(ShmImports *im);

/* Checks ref against the registered pools (known id; offset + length inside the
 * pool, computed without overflow; length 1 .. max_length).
 * Return: 0, SHM_E_UNKNOWN, SHM_E_RANGE. */
int shm_imports_check(const ShmImports *im, const ShmRef *ref, size_t max_length);
/* Copies the referenced bytes to buf (ref->length bytes; check first) out of the
 * mapping, under the SIGBUS guard. Return: 0, SHM_E_UNKNOWN, SHM_E_RANGE (outside
 * the pool, or the pool shrank under the reference). */
int shm_imports_read(const ShmImports *im, const ShmRef *ref, void *buf);

/* A new sealed (no shrink, no grow) memfd of size bytes, mapped shared read-write.
 * Return: 0 or a negative errno. */
int shm_memfd_new(const char *name, size_t size, int *ret_fd, void **ret_map);
