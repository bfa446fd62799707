/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-fds.h: for Check unit tests only: how many fds the process has open
 * (fixtures compare it before and after each test: no fd leaks). */
#pragma once

#include <check.h>
#include <dirent.h>

static inline int count_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *e;
        int n = 0;

        ck_assert_ptr_nonnull(d);
        while ((e = readdir(d)))
                if (e->d_name[0] != '.')
                        n++;
        closedir(d);
        return n - 1;   /* the DIR's own fd */
}
