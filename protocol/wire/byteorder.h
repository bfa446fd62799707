/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* byteorder.h: big-endian 32-bit fields of the wire format (frame descriptors,
 * tagstruct values, SHM references), read and written byte by byte: any
 * alignment, any host. */
#pragma once

#include <stdint.h>

static inline uint32_t be32_read(const uint8_t *p) {
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void be32_write(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t)(v >> 24);
        p[1] = (uint8_t)(v >> 16);
        p[2] = (uint8_t)(v >> 8);
        p[3] = (uint8_t)v;
}
