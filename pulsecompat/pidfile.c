/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pidfile.c: the pid file, -k/--check, daemonize() and the runtime dir.
 *
 * The pid file is "<runtime dir>/pid" holding "PID\n" (as pulseaudio
 * writes it). A running daemon keeps it open with an exclusive flock(), so
 * two daemons starting at once serialise on the lock instead of racing on
 * "is the old file stale?". Pid files without a lock holder (a crashed
 * daemon, or one written by pulseaudio itself) are judged by their content:
 * the pid must be alive, not us, and have our process name; anything else
 * is stale and overwritten. The file is opened with O_NOFOLLOW and must be
 * a regular file we own, so a planted symlink or someone else's file in the
 * runtime dir is refused rather than written through.
 *
 * daemonize() is the classic double fork with a pipe from the final process
 * to the waiting original one, which exits with the status the daemon
 * reports once it is ready (or 1 if it died first), so "pulseaudio -D"
 * returns only when clients can connect.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "engine/base/log.h"
#include "pulsecompat/pidfile.h"

/* ---- process identity ---- */

/* The kernel's comm of a process ("pulseaudio"), NUL-terminated, at most 16 bytes. */
static int process_comm(pid_t pid, char *buf, size_t n) {
        char path[64];
        _c_cleanup_close_ int fd = -1;
        ssize_t l;

        if (pid > 0)
                snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
        else
                snprintf(path, sizeof(path), "/proc/self/comm");
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        l = read(fd, buf, n - 1);
        if (l < 0)
                return -errno;
        buf[l] = 0;
        buf[strcspn(buf, "\n")] = 0;
        return 0;
}

/* Is pid a live process other than us, with our name? */
static bool process_is_daemon(pid_t pid) {
        char self[32], other[32];

        if (pid <= 0 || pid == getpid())
                return false;
        if (kill(pid, 0) < 0 && errno == ESRCH)
                return false;
        if (process_comm(pid, other, sizeof(other)) < 0) {
                log_info("Failed to read /proc/%ld/comm: %s", (long)pid, strerror(errno));
                return false;
        }
        if (process_comm(0, self, sizeof(self)) < 0)
                return false;
        return strcmp(self, other) == 0;
}

/* "123\n" -> 123. Return: 0, -EINVAL (garbage), or -ENODATA (empty). */
static int pid_parse(const char *s, pid_t *ret) {
        char *end;
        long v;

        if (!*s)
                return -ENODATA;
        if (*s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtol(s, &end, 10);
        while (*end == '\n' || *end == ' ' || *end == '\t' || *end == '\r')
                end++;
        if (errno || *end || v <= 0 || v > INT_MAX)
                return -EINVAL;
        *ret = (pid_t)v;
        return 0;
}

static int read_fd_text(int fd, char *buf, size_t n) {
        ssize_t l = pread(fd, buf, n - 1, 0);

        if (l < 0)
                return -errno;
        buf[l] = 0;
        return 0;
}

static char *pidfile_path(const char *runtime_dir) {
        char *p;

        if (asprintf(&p, "%s/pid", runtime_dir) < 0)
                return NULL;
        return p;
}

/* ---- the pid file ---- */

int pidfile_read(const char *runtime_dir, pid_t *ret) {
        _c_cleanup_free_ char *path = pidfile_path(runtime_dir);
        _c_cleanup_close_ int fd = -1;
        char buf[64];
        pid_t pid;
        int r;

        if (!path)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0)
                return errno == ENOENT ? PIDFILE_E_NOT_RUNNING : -errno;
        r = read_fd_text(fd, buf, sizeof(buf));
        if (r < 0)
                return r;
        r = pid_parse(buf, &pid);
        if (r == -ENODATA)
                return PIDFILE_E_NOT_RUNNING;
        if (r < 0) {
                log_warn("Failed to parse PID file '%s'", path);
                return r;
        }
        if (!process_is_daemon(pid))
                return PIDFILE_E_NOT_RUNNING;
        *ret = pid;
        return 0;
}

int pidfile_kill(const char *runtime_dir) {
        pid_t pid;
        int r;

        r = pidfile_read(runtime_dir, &pid);
        if (r == PIDFILE_E_NOT_RUNNING)
                return -ESRCH;
        if (r)
                return r;
        if (kill(pid, SIGINT) < 0)
                return -errno;
        return 0;
}

int pidfile_check(const char *runtime_dir) {
        pid_t pid;

        if (pidfile_read(runtime_dir, &pid) == 0)
                return 0;
        log_info("Daemon not running");
        return 1;
}

int pidfile_create(PidFile *pf, const char *runtime_dir, pid_t *ret_running) {
        _c_cleanup_free_ char *path = pidfile_path(runtime_dir);
        char buf[64];
        pid_t old;

        if (!path)
                return -ENOMEM;

        for (unsigned attempt = 0; attempt < 8; attempt++) {
                _c_cleanup_close_ int fd = -1;
                struct stat st, st_path;
                int r, n;

                fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0644);
                if (fd < 0) {
                        r = -errno;
                        log_error("Failed to open PID file '%s': %s", path, strerror(-r));
                        return r;
                }
                if (fstat(fd, &st) < 0)
                        return -errno;
                if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
                        log_error("PID file '%s' is not a regular file owned by us.", path);
                        return -EPERM;
                }
                if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                        if (errno != EWOULDBLOCK)
                                return -errno;
                        /* the lock holder is a live daemon */
                        if (ret_running)
                                *ret_running = read_fd_text(fd, buf, sizeof(buf)) == 0 &&
                                               pid_parse(buf, &old) == 0 ? old : 0;
                        log_error("Daemon already running.");
                        return PIDFILE_E_RUNNING;
                }
                /* locked; but is it still the file at path (not unlinked by an exiting daemon)? */
                if (stat(path, &st_path) < 0 || st_path.st_ino != st.st_ino ||
                    st_path.st_dev != st.st_dev)
                        continue;

                r = read_fd_text(fd, buf, sizeof(buf));
                if (r < 0)
                        return r;
                if (pid_parse(buf, &old) == 0 && process_is_daemon(old)) {
                        /* a daemon that does not lock (pulseaudio) */
                        if (ret_running)
                                *ret_running = old;
                        log_error("Daemon already running.");
                        return PIDFILE_E_RUNNING;
                }
                if (buf[0])
                        log_info("Stale PID file '%s', overwriting.", path);

                if (ftruncate(fd, 0) < 0)
                        return -errno;
                n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
                if (pwrite(fd, buf, (size_t)n, 0) != n)
                        return errno ? -errno : -EIO;

                pf->fd = fd;
                fd = -1;
                pf->path = path;
                path = NULL;
                pf->pid = getpid();
                return 0;
        }
        return -EBUSY;
}

void pidfile_remove(PidFile *pf) {
        if (pf->fd >= 0) {
                char buf[64];
                pid_t pid;
                struct stat st, st_path;

                /* only our own file: never unlink a successor's */
                if (read_fd_text(pf->fd, buf, sizeof(buf)) == 0 && pid_parse(buf, &pid) == 0 &&
                    pid == pf->pid && fstat(pf->fd, &st) == 0 && stat(pf->path, &st_path) == 0 &&
                    st.st_ino == st_path.st_ino && st.st_dev == st_path.st_dev)
                        (void)unlink(pf->path);
                close(pf->fd);
        }
        free(pf->path);
        *pf = (PidFile)PIDFILE_NULL(*pf);
}

/* ---- daemonize ---- */

static int daemonize_fd = -1;

static void redirect_to_null(int target, int flags) {
        int fd = open("/dev/null", flags | O_CLOEXEC | O_NOCTTY);

        if (fd < 0)
                return;
        if (fd != target) {
                (void)dup2(fd, target);         /* dup2 clears O_CLOEXEC on target */
                close(fd);
        } else {
                (void)fcntl(fd, F_SETFD, 0);
        }
}

int daemonize(void) {
        int p[2];
        pid_t pid;

        fflush(NULL);           /* no buffered output duplicated into the children */
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                int r = -errno;

                close(p[0]);
                close(p[1]);
                return r;
        }
        if (pid > 0) {
                int status = 1;
                ssize_t n;

                close(p[1]);
                (void)waitpid(pid, NULL, 0);    /* the intermediate child exits at once */
                do {
                        n = read(p[0], &status, sizeof(status));
                } while (n < 0 && errno == EINTR);
                if (n != (ssize_t)sizeof(status))
                        status = 1;             /* died before reporting */
                _exit(status);                  /* no atexit handlers: they belong to the daemon */
        }

        close(p[0]);
        if (setsid() < 0)
                _exit(1);
        pid = fork();
        if (pid < 0)
                _exit(1);
        if (pid > 0)
                _exit(0);

        daemonize_fd = p[1];
        redirect_to_null(STDIN_FILENO, O_RDONLY);
        return 0;
}

void daemonize_finish(int status) {
        ssize_t n;

        if (daemonize_fd < 0)
                return;
        do {
                n = write(daemonize_fd, &status, sizeof(status));
        } while (n < 0 && errno == EINTR);
        close(daemonize_fd);
        daemonize_fd = -1;
        redirect_to_null(STDOUT_FILENO, O_WRONLY);
        redirect_to_null(STDERR_FILENO, O_WRONLY);
}

/* ---- runtime directory ---- */

/* mkdir 0700 if missing; then it must be a directory (symlinks followed) owned by us. */
static int make_own_dir(const char *path) {
        struct stat st;

        if (mkdir(path, 0700) < 0 && errno != EEXIST)
                return -errno;
        if (stat(path, &st) < 0)
                return -errno;
        if (!S_ISDIR(st.st_mode))
                return -ENOTDIR;
        if (st.st_uid != getuid()) {
                log_error("Directory '%s' is not owned by us.", path);
                return -EACCES;
        }
        if ((st.st_mode & 07777) != 0700 && chmod(path, 0700) < 0)
                return -errno;
        return 0;
}

static int machine_id(char *buf, size_t n) {
        static const char *const files[] = { "/etc/machine-id", "/var/lib/dbus/machine-id" };

        for (size_t i = 0; i < C_ARRAY_SIZE(files); i++) {
                _c_cleanup_close_ int fd = open(files[i], O_RDONLY | O_CLOEXEC);
                ssize_t l;

                if (fd < 0)
                        continue;
                l = read(fd, buf, n - 1);
                if (l <= 0)
                        continue;
                buf[l] = 0;
                buf[strcspn(buf, "\n \t")] = 0;
                if (buf[0] && !strchr(buf, '/'))
                        return 0;
        }
        if (gethostname(buf, n) == 0 && buf[0] && !strchr(buf, '/')) {
                buf[n - 1] = 0;
                return 0;
        }
        return -ENOENT;
}

static const char *home_dir(void) {
        const char *h = getenv("HOME");
        struct passwd *pw;

        if (h && *h)
                return h;
        pw = getpwuid(getuid());
        return pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
}

static int runtime_dir_legacy(char **ret) {
        _c_cleanup_free_ char *base = NULL, *path = NULL;
        const char *home = home_dir(), *xdg = getenv("XDG_CONFIG_HOME");
        char id[256];
        struct stat st;
        int r;

        if (!home)
                return -ENOENT;
        if (asprintf(&base, "%s/.pulse", home) < 0) {
                base = NULL;
                return -ENOMEM;
        }
        if (stat(base, &st) < 0 || !S_ISDIR(st.st_mode)) {
                free(base);
                base = NULL;
                if (xdg && *xdg) {
                        r = make_own_dir(xdg);
                        if (r < 0 && r != -EACCES)
                                return r;
                        r = asprintf(&base, "%s/pulse", xdg);
                } else {
                        _c_cleanup_free_ char *config = NULL;

                        if (asprintf(&config, "%s/.config", home) < 0) {
                                config = NULL;
                                return -ENOMEM;
                        }
                        if (mkdir(config, 0700) < 0 && errno != EEXIST)
                                return -errno;
                        r = asprintf(&base, "%s/pulse", config);
                }
                if (r < 0) {
                        base = NULL;
                        return -ENOMEM;
                }
                r = make_own_dir(base);
                if (r < 0)
                        return r;
        }
        r = machine_id(id, sizeof(id));
        if (r < 0)
                return r;
        if (asprintf(&path, "%s/%s-runtime", base, id) < 0) {
                path = NULL;
                return -ENOMEM;
        }
        r = make_own_dir(path);
        if (r < 0)
                return r;
        *ret = path;
        path = NULL;
        return 0;
}

int runtime_dir_resolve(bool system, const char *system_dir, char **ret) {
        const char *env = getenv("PULSE_RUNTIME_PATH"), *xdg;
        char *p;
        int r;

        if (env && *env) {
                /* used as is; created if missing */
                struct stat st;

                if (!system && mkdir(env, 0700) < 0 && errno != EEXIST)
                        return -errno;
                if (!system && stat(env, &st) < 0)
                        return -errno;
                if (!system && !S_ISDIR(st.st_mode))
                        return -ENOTDIR;
                p = strdup(env);
                if (!p)
                        return -ENOMEM;
                *ret = p;
                return 0;
        }
        if (system) {
                if (!system_dir || system_dir[0] != '/')
                        return -EINVAL;
                p = strdup(system_dir);
                if (!p)
                        return -ENOMEM;
                *ret = p;
                return 0;
        }

        xdg = getenv("XDG_RUNTIME_DIR");
        if (xdg && *xdg) {
                struct stat st;

                if (stat(xdg, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == getuid()) {
                        if (asprintf(&p, "%s/pulse", xdg) < 0)
                                return -ENOMEM;
                        r = make_own_dir(p);
                        if (r < 0) {
                                free(p);
                                return r;
                        }
                        *ret = p;
                        return 0;
                }
                log_debug("XDG_RUNTIME_DIR '%s' is not a directory of ours, ignoring it.", xdg);
        }
        return runtime_dir_legacy(ret);
}
