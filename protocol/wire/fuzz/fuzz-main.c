/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-main.c: a plain driver for the fuzz targets, without libFuzzer.
 *
 * Runs LLVMFuzzerTestOneInput() once over every file named on the command
 * line; a directory stands for the regular files in it (sorted, one level).
 * This is how the seed corpora run as ordinary tests under gcc and
 * AddressSanitizer (suite "fuzz"), and how a crash file found by libFuzzer
 * is replayed with a debugger: `fuzz-packet path/to/crash-...`.
 *
 * Each input is copied into a heap block of exactly its size, so a target
 * that reads past the end is caught by ASan. A target may define
 * LLVMFuzzerInitialize() as with libFuzzer. Exit status: 0 after at least
 * one input, 1 if an argument cannot be read or names no input at all.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((__weak__));

static int run_file(const char *path) {
        FILE *f = fopen(path, "re");
        uint8_t *buf = NULL;
        size_t size = 0, allocated = 0;
        uint8_t *exact;

        if (!f) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -1;
        }
        for (;;) {
                size_t n;

                if (size == allocated) {
                        uint8_t *nb;

                        allocated = allocated ? allocated * 2 : 65536;
                        nb = realloc(buf, allocated);
                        if (!nb) {
                                free(buf);
                                fclose(f);
                                return -1;
                        }
                        buf = nb;
                }
                n = fread(buf + size, 1, allocated - size, f);
                size += n;
                if (n == 0)
                        break;
        }
        if (ferror(f)) {
                fprintf(stderr, "%s: read error\n", path);
                free(buf);
                fclose(f);
                return -1;
        }
        fclose(f);
        exact = malloc(size ? size : 1);
        if (!exact) {
                free(buf);
                return -1;
        }
        if (size)
                memcpy(exact, buf, size);
        free(buf);
        (void)LLVMFuzzerTestOneInput(exact, size);
        free(exact);
        return 0;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Returns the number of inputs run, or -1. */
static int run_path(const char *path) {
        struct stat st;
        struct dirent *e;
        char **names = NULL;
        size_t n = 0, allocated = 0;
        int count = 0;
        DIR *d;

        if (stat(path, &st) < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -1;
        }
        if (!S_ISDIR(st.st_mode))
                return run_file(path) < 0 ? -1 : 1;
        d = opendir(path);
        if (!d) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -1;
        }
        while ((e = readdir(d))) {
                if (e->d_name[0] == '.')
                        continue;
                if (n == allocated) {
                        char **nn;

                        allocated = allocated ? allocated * 2 : 64;
                        nn = realloc(names, allocated * sizeof(*nn));
                        if (!nn)
                                break;
                        names = nn;
                }
                if (asprintf(&names[n], "%s/%s", path, e->d_name) < 0)
                        break;
                n++;
        }
        closedir(d);
        if (n)
                qsort(names, n, sizeof(*names), cmp_str);
        for (size_t i = 0; i < n; i++) {
                if (count >= 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
                        if (run_file(names[i]) < 0)
                                count = -1;
                        else
                                count++;
                }
                free(names[i]);
        }
        free(names);
        return count;
}

int main(int argc, char **argv) {
        int total = 0;

        if (LLVMFuzzerInitialize)
                (void)LLVMFuzzerInitialize(&argc, &argv);
        if (argc < 2) {
                fprintf(stderr, "Usage: %s FILE|DIRECTORY...\n", argv[0]);
                return 1;
        }
        for (int i = 1; i < argc; i++) {
                int r = run_path(argv[i]);

                if (r < 0)
                        return 1;
                printf("%s: %d input%s\n", argv[i], r, r == 1 ? "" : "s");
                total += r;
        }
        if (total == 0) {
                fprintf(stderr, "no inputs\n");
                return 1;
        }
        printf("%s: %d inputs, no crash\n", argv[0], total);
        return 0;
}
