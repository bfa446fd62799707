/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* auth.c: cookie files and group membership checks.
 *
 * The cookie is 256 random bytes in a file (created 0600 if missing) at the
 * path libpulse uses: $XDG_CONFIG_HOME/pulse/cookie (or ~/.config/pulse/
 * cookie); relative paths resolve against that config home. Group checks
 * look at the peer's credential gid and at the group's member list, as
 * PulseAudio does; they run at connect/AUTH time, so group changes apply to
 * new connections without a restart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <pwd.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/random.h>
#include "protocol/protocol.h"
#include "engine/base/log.h"

static char *config_home(void) {
        const char *x = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
        char *r = NULL;

        if (x && *x)
                return asprintf(&r, "%s/pulse", x) < 0 ? NULL : r;
        if (!home || !*home) {
                struct passwd *pw = getpwuid(getuid());

                home = pw ? pw->pw_dir : "/";
        }
        return asprintf(&r, "%s/.config/pulse", home) < 0 ? NULL : r;
}

char *auth_default_cookie_path(void) {
        _c_cleanup_free_ char *ch = config_home();
        char *r = NULL;

        if (!ch)
                return NULL;
        return asprintf(&r, "%s/cookie", ch) < 0 ? NULL : r;
}

static int mkdir_parents(const char *path) {
        char buf[4096];
        size_t n = strlen(path);

        if (n >= sizeof(buf))
                return -ENAMETOOLONG;
        memcpy(buf, path, n + 1);
        for (char *p = buf + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = 0;
                if (mkdir(buf, 0700) < 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        return 0;
}

int auth_load_cookie(const char *path, bool create, uint8_t cookie[PROTO_COOKIE_LENGTH]) {
        _c_cleanup_free_ char *abs = NULL;
        _c_cleanup_close_ int fd = -1;
        ssize_t n;

        if (path[0] != '/') {
                _c_cleanup_free_ char *ch = config_home();

                if (!ch || asprintf(&abs, "%s/%s", ch, path) < 0)
                        return -ENOMEM;
                path = abs;
        }
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 && errno == ENOENT && create) {
                uint8_t buf[PROTO_COOKIE_LENGTH];
                int r = mkdir_parents(path);

                if (r < 0)
                        return r;
                if (getrandom(buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
                        return -EIO;
                fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
                if (fd < 0 && errno != EEXIST)
                        return -errno;
                if (fd >= 0) {
                        if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
                                return -EIO;
                        close(fd);
                        log_info("Created cookie file %s", path);
                }
                fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        }
        if (fd < 0)
                return -errno;
        n = read(fd, cookie, PROTO_COOKIE_LENGTH);
        if (n != (ssize_t)PROTO_COOKIE_LENGTH)
                return -EINVAL;
        return 0;
}

bool auth_peer_in_group(const struct ucred *peer, const char *group) {
        struct group grbuf, *gr = NULL;
        struct passwd pwbuf, *pw = NULL;
        char buf1[16384], buf2[16384];

        if (getgrnam_r(group, &grbuf, buf1, sizeof(buf1), &gr) != 0 || !gr)
                return false;
        if (peer->gid == gr->gr_gid)
                return true;
        if (getpwuid_r(peer->uid, &pwbuf, buf2, sizeof(buf2), &pw) != 0 || !pw)
                return false;
        if (pw->pw_gid == gr->gr_gid)
                return true;
        for (char **m = gr->gr_mem; m && *m; m++)
                if (strcmp(*m, pw->pw_name) == 0)
                        return true;
        return false;
}

void auth_config_deinit(AuthConfig *a) {
        free(a->group);
        for (size_t i = 0; i < a->n_ip_acl; i++)
                free(a->ip_acl[i]);
        free(a->ip_acl);
        memset(a, 0, sizeof(*a));
}
