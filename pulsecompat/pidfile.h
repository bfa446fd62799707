/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pidfile.h: the "pid" file in the runtime dir, -k/--check, daemonizing, runtime dir lookup. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Positive outcomes (negative values are errnos). */
enum {
        _PIDFILE_E_SUCCESS,
        PIDFILE_E_RUNNING,      /* pidfile_create(): a daemon runs already */
        PIDFILE_E_NOT_RUNNING,  /* pidfile_read(): no (live, matching) daemon */
};

typedef struct PidFile {
        int fd;                 /* open and flock()ed for the daemon's lifetime */
        char *path;
        pid_t pid;              /* the pid written */
} PidFile;

#define PIDFILE_NULL(x) { .fd = -1 }

/**
 * pidfile_create() - write our pid to "<runtime_dir>/pid".
 *
 * The file is opened without following symlinks, must be a regular file
 * owned by us, and is kept open with an exclusive flock() for the process
 * lifetime (a live daemon is recognised by the lock, or by a valid pid of a
 * running process with our name, for pid files pulseaudio wrote). A stale
 * file (dead process, garbage, a process that is not a daemon like us) is
 * overwritten. Mode 0644, minus the umask (the daemon runs with umask 077).
 * Call it in the final process, i.e. after daemonize().
 *
 * Return: 0, PIDFILE_E_RUNNING (*ret_running set, if non-NULL, when known,
 *         else 0), or a negative errno.
 */
int pidfile_create(PidFile *pf, const char *runtime_dir, pid_t *ret_running);

/* Remove the file if it still holds our pid, then release it. Safe on PIDFILE_NULL. */
void pidfile_remove(PidFile *pf);

/**
 * pidfile_read() - the pid of the daemon named in "<runtime_dir>/pid".
 * Valid means: a decimal pid > 0, a live process, not us, and the same
 * process name (comm) as ours.
 *
 * Return: 0 with *ret set, PIDFILE_E_NOT_RUNNING (no file, dead or foreign
 *         process), -EINVAL (unparsable file, logged), or a negative errno.
 */
int pidfile_read(const char *runtime_dir, pid_t *ret);

/**
 * pidfile_kill() - send SIGINT to the daemon (for -k).
 *
 * Return: 0, -ESRCH (no daemon: pulseaudio prints "Failed to kill daemon:
 *         No such process"), -EINVAL (unparsable pid file), or another errno
 *         from kill().
 */
int pidfile_kill(const char *runtime_dir);

/* --check: 0 if a daemon runs, 1 if not (logs "Daemon not running" at info). */
int pidfile_check(const char *runtime_dir);

/**
 * daemonize() - detach: fork, setsid, fork again. The original process
 * does not return: it waits for the grandchild's daemonize_finish() and
 * exits with that status (1 if the grandchild died without reporting).
 * In the grandchild, stdin becomes /dev/null at once; stdout and stderr
 * become /dev/null in daemonize_finish(), so start-up errors still reach
 * the terminal. The working directory and umask are left alone.
 *
 * Return: 0 in the grandchild, or a negative errno in the original process
 *         when nothing could be forked.
 */
int daemonize(void);

/* In the daemonized process: report the start-up result (an exit code, 0 =
 * ready) to the waiting parent; later calls and calls without daemonize()
 * do nothing. */
void daemonize_finish(int status);

/**
 * runtime_dir_resolve() - the runtime directory (native-protocol.md §2.2).
 * @system: system mode: $PULSE_RUNTIME_PATH if set, else @system_dir (not
 *          created here: the privilege-drop code creates it with its owner).
 * User mode: $PULSE_RUNTIME_PATH (created 0700 if missing); else
 * $XDG_RUNTIME_DIR/pulse (created 0700) unless $XDG_RUNTIME_DIR belongs to
 * another user; else "<pulse home>/<machine-id>-runtime" (created 0700),
 * pulse home being ~/.pulse if it exists, else $XDG_CONFIG_HOME/pulse or
 * ~/.config/pulse. Directories we create or reuse must be ours.
 *
 * Return: 0 with a malloc()ed path in *ret, or a negative errno.
 */
int runtime_dir_resolve(bool system, const char *system_dir, char **ret);
