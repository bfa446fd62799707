/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* privs.h: system mode: the system user, its directories, dropping root.
 *
 * Order (system-mode.md §4.1, STYLE.md §10), all done by main() before the
 * daemon's event loop exists, so no client byte is ever handled as root:
 *
 *   privs_lookup()      user and group (the user's primary gid must be the group's)
 *   privs_make_dir()    runtime dir 0755 and state dir 0700, owned by the user
 *   privs_drop()        initgroups, gid, empty bounding/ambient/inheritable sets,
 *                       uid, no capabilities left, PR_SET_NO_NEW_PRIVS
 *   privs_set_environment()  USER, LOGNAME, HOME, PULSE_*_PATH, XDG_CONFIG_HOME
 *
 * privs_system_setup() runs the four in that order.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

typedef struct SystemUser {
        uid_t uid;
        gid_t gid;
        char *name;
        char *home;
} SystemUser;

#define SYSTEM_USER_NULL(x) { .uid = (uid_t)-1, .gid = (gid_t)-1 }

/**
 * privs_lookup() - look up @user and @group in the user/group databases.
 * The user's primary gid must equal the group's gid, and the user must not
 * be root (pulseaudio's rules).
 *
 * Return: 0, -ESRCH (no such user or group), -EINVAL (gid mismatch, uid 0),
 *         or -ENOMEM. Failures are logged.
 */
int privs_lookup(const char *user, const char *group, SystemUser *ret);
void system_user_deinit(SystemUser *u);

/**
 * privs_make_dir() - create @path (one level) or check an existing one: it
 * must be a directory (not a symlink) owned by @uid or by root (then it is
 * given to @uid:@gid); a directory owned by anybody else is refused. The
 * mode is then set to @mode whatever the umask. Call as root; needs only
 * CAP_CHOWN (and CAP_FOWNER to fix the mode of a directory the user owns).
 *
 * Return: 0, -ENOTDIR, -EPERM (owned by another user), or another errno.
 */
int privs_make_dir(const char *path, mode_t mode, uid_t uid, gid_t gid);

/**
 * privs_drop() - become @u for good: supplementary groups from the group
 * database (initgroups: keeps audio, bluetooth, …), real/effective/saved
 * gid and uid, every capability dropped from the bounding, ambient,
 * inheritable, permitted and effective sets, PR_SET_NO_NEW_PRIVS. Verified
 * afterwards (ids, capabilities, and that root cannot be regained).
 *
 * Return: 0 or a negative errno (the process must then exit: its state is
 *         undefined).
 */
int privs_drop(const SystemUser *u);

/**
 * privs_set_environment() - the environment of the dropped daemon: USER,
 * USERNAME, LOGNAME = the user; HOME = @state_dir; XDG_CONFIG_HOME =
 * @runtime_dir/.config (so the cookie is @runtime_dir/.config/pulse/cookie,
 * where pulseaudio keeps it); PULSE_RUNTIME_PATH, PULSE_STATE_PATH and
 * PULSE_CONFIG_PATH unless already set; XDG_RUNTIME_DIR (root's) removed.
 *
 * Return: 0 or -ENOMEM.
 */
int privs_set_environment(const SystemUser *u, const char *runtime_dir, const char *state_dir);

/**
 * privs_system_setup() - lookup, both directories, chdir("/"), drop,
 * environment. Call as root, after daemonizing, before the pid file and
 * before the daemon (and so before any module or client) runs.
 *
 * Return: 0 or a negative errno (logged).
 */
int privs_system_setup(const char *user, const char *group, const char *runtime_dir,
                       const char *state_dir);

/* true if no capability is left in any set (effective, permitted, inheritable,
 * ambient, bounding) of the calling process. */
bool privs_no_capabilities(void);
