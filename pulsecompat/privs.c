/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* privs.c: system mode: the system user, its directories, dropping root.
 *
 * Capabilities are handled with the raw capget/capset system calls and
 * prctl(), so there is no libcap dependency. The bounding set is emptied
 * while we still hold CAP_SETPCAP (before setuid); setresuid() from root to
 * a non-root uid then clears the permitted and effective sets (no
 * SECBIT_KEEP_CAPS, PR_SET_KEEPCAPS is cleared first), and we clear the
 * inheritable and ambient sets ourselves, because setuid() keeps them.
 * Everything is verified afterwards; any surprise is fatal.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "engine/base/log.h"
#include "pulsecompat/privs.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_IS_SET 1
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

void system_user_deinit(SystemUser *u) {
        free(u->name);
        free(u->home);
        u->name = u->home = NULL;
}

int privs_lookup(const char *user, const char *group, SystemUser *ret) {
        struct passwd pwbuf, *pw = NULL;
        struct group grbuf, *gr = NULL;
        char buf1[16384], buf2[16384];

        if (getpwnam_r(user, &pwbuf, buf1, sizeof(buf1), &pw) != 0 || !pw) {
                log_error("Failed to get passwd data for user '%s'.", user);
                return -ESRCH;
        }
        if (getgrnam_r(group, &grbuf, buf2, sizeof(buf2), &gr) != 0 || !gr) {
                log_error("Failed to get group data for group '%s'.", group);
                return -ESRCH;
        }
        if (pw->pw_gid != gr->gr_gid) {
                log_error("GID of user '%s' and of group '%s' don't match.", user, group);
                return -EINVAL;
        }
        if (pw->pw_uid == 0 || gr->gr_gid == 0) {
                log_error("Refusing to run the system instance as root (system-user/system-group).");
                return -EINVAL;
        }
        ret->uid = pw->pw_uid;
        ret->gid = pw->pw_gid;
        ret->name = strdup(pw->pw_name);
        ret->home = strdup(pw->pw_dir ? pw->pw_dir : "/");
        if (!ret->name || !ret->home) {
                system_user_deinit(ret);
                return -ENOMEM;
        }
        return 0;
}

int privs_make_dir(const char *path, mode_t mode, uid_t uid, gid_t gid) {
        _c_cleanup_close_ int fd = -1;
        char proc[64];
        struct stat st;

        if (mkdir(path, mode) < 0 && errno != EEXIST)
                return -errno;
        /* O_PATH: no read permission needed (the unit's bounding set has no
         * CAP_DAC_*); O_NOFOLLOW: a planted symlink is refused. */
        fd = open(path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ELOOP ? -ENOTDIR : -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        if (st.st_uid != uid && st.st_uid != 0)
                return -EPERM;
        /* mode first, while root may still own it (no CAP_FOWNER needed then) */
        if ((st.st_mode & 07777) != mode) {
                snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
                if (chmod(proc, mode) < 0)
                        return -errno;
        }
        if ((st.st_uid != uid || st.st_gid != gid) &&
            fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0)
                return -errno;
        return 0;
}

/* ---- capabilities ---- */

static int caps_get(struct __user_cap_data_struct data[2]) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };

        memset(data, 0, 2 * sizeof(*data));
        return syscall(SYS_capget, &h, data) < 0 ? -errno : 0;
}

static int caps_clear(void) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
        struct __user_cap_data_struct data[2] = { { 0 } };

        return syscall(SYS_capset, &h, data) < 0 ? -errno : 0;
}

static unsigned long cap_last(void) {
        _c_cleanup_close_ int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
        char buf[16] = "";
        unsigned long v;

        if (fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0 && sscanf(buf, "%lu", &v) == 1 && v < 64)
                return v;
        /* No /proc: probe until the kernel says "no such capability". */
        for (v = 0; v < 63; v++)
                if (prctl(PR_CAPBSET_READ, v + 1, 0, 0, 0) < 0)
                        break;
        return v;
}

static int bounding_set_drop(void) {
        unsigned long last = cap_last();

        for (unsigned long cap = 0; cap <= last; cap++) {
                int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);

                if (r < 0) {
                        if (errno == EINVAL)
                                break;
                        return -errno;
                }
                if (r == 1 && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
                        log_error("Failed to drop capability %lu from the bounding set: %m", cap);
                        return -errno;
                }
        }
        return 0;
}

bool privs_no_capabilities(void) {
        struct __user_cap_data_struct d[2];
        unsigned long last = cap_last();

        if (caps_get(d) < 0)
                return false;
        for (int i = 0; i < 2; i++)
                if (d[i].effective || d[i].permitted || d[i].inheritable)
                        return false;
        for (unsigned long cap = 0; cap <= last; cap++) {
                int r = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);

                if (r < 0 && errno == EINVAL)
                        break;
                if (r != 0)
                        return false;
                r = prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0);
                if (r > 0)
                        return false;
        }
        return true;
}

int privs_drop(const SystemUser *u) {
        uid_t ru, eu, su;
        gid_t rg, eg, sg;
        int r;

        if (u->uid == 0 || u->gid == 0)
                return -EINVAL;
        /* setuid() below must clear the permitted set. */
        if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
                return -errno;
        if (initgroups(u->name, u->gid) < 0) {
                r = -errno;
                log_error("Failed to set the supplementary groups of '%s': %s", u->name, strerror(-r));
                return r;
        }
        if (setresgid(u->gid, u->gid, u->gid) < 0) {
                r = -errno;
                log_error("Failed to change GID: %s", strerror(-r));
                return r;
        }
        r = bounding_set_drop();
        if (r < 0)
                return r;
        /* EINVAL: a kernel without ambient capabilities (< 4.3) has none to clear. */
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return -errno;
        if (setresuid(u->uid, u->uid, u->uid) < 0) {
                r = -errno;
                log_error("Failed to change UID: %s", strerror(-r));
                return r;
        }
        /* Permitted/effective are gone with the uid; inheritable is not. */
        r = caps_clear();
        if (r < 0) {
                log_error("Failed to clear capabilities: %s", strerror(-r));
                return r;
        }
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
                r = -errno;
                log_error("Failed to set PR_SET_NO_NEW_PRIVS: %s", strerror(-r));
                return r;
        }

        /* Verify: wrong ids, a capability left, or a way back to root are fatal. */
        if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 ||
            ru != u->uid || eu != u->uid || su != u->uid ||
            rg != u->gid || eg != u->gid || sg != u->gid) {
                log_error("Privilege drop did not take effect.");
                return -EPERM;
        }
        if (!privs_no_capabilities()) {
                log_error("Capabilities are left after the privilege drop.");
                return -EPERM;
        }
        if (setuid(0) == 0 || setgid(0) == 0) {
                log_error("Could regain root after the privilege drop.");
                return -EPERM;
        }
        return 0;
}

int privs_set_environment(const SystemUser *u, const char *runtime_dir, const char *state_dir) {
        _c_cleanup_free_ char *config_home = NULL;

        if (asprintf(&config_home, "%s/.config", runtime_dir) < 0)
                return -ENOMEM;
        if (setenv("USER", u->name, 1) < 0 || setenv("USERNAME", u->name, 1) < 0 ||
            setenv("LOGNAME", u->name, 1) < 0 || setenv("HOME", state_dir, 1) < 0 ||
            setenv("XDG_CONFIG_HOME", config_home, 1) < 0 ||
            setenv("PULSE_RUNTIME_PATH", runtime_dir, 0) < 0 ||
            setenv("PULSE_STATE_PATH", state_dir, 0) < 0 ||
            setenv("PULSE_CONFIG_PATH", state_dir, 0) < 0)
                return -ENOMEM;
        /* root's session dirs are no place for the pulse user */
        unsetenv("XDG_RUNTIME_DIR");
        unsetenv("XDG_STATE_HOME");
        unsetenv("XDG_CACHE_HOME");
        unsetenv("XDG_DATA_HOME");
        return 0;
}

int privs_system_setup(const char *user, const char *group, const char *runtime_dir,
                       const char *state_dir) {
        SystemUser u = SYSTEM_USER_NULL(u);
        int r;

        if (geteuid() != 0)
                return -EPERM;
        r = privs_lookup(user, group, &u);
        if (r < 0)
                return r;
        if (strcmp(u.home, runtime_dir) != 0 && strcmp(u.home, state_dir) != 0)
                log_info("Home directory of user '%s' is %s, not %s.", u.name, u.home, runtime_dir);
        r = privs_make_dir(runtime_dir, 0755, u.uid, u.gid);
        if (r < 0) {
                log_error("Failed to create '%s': %s", runtime_dir,
                          r == -EPERM ? "owned by another user" : strerror(-r));
                goto out;
        }
        r = privs_make_dir(state_dir, 0700, u.uid, u.gid);
        if (r < 0) {
                log_error("Failed to create '%s': %s", state_dir,
                          r == -EPERM ? "owned by another user" : strerror(-r));
                goto out;
        }
        if (chdir("/") < 0) {
                r = -errno;
                goto out;
        }
        r = privs_drop(&u);
        if (r < 0)
                goto out;
        r = privs_set_environment(&u, runtime_dir, state_dir);
        if (r < 0)
                goto out;
        log_info("Dropped root privileges: running as %s (uid %u, gid %u).", u.name,
                 (unsigned)u.uid, (unsigned)u.gid);
out:
        system_user_deinit(&u);
        return r;
}
