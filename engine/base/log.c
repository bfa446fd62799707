/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* log.c: levels, targets (stderr, syslog, journal via sd-journal, file), meta and time.
 *
 * The logger is process-global and only used from the main thread at levels
 * above debug; the data threads never log above debug in steady state.
 * A failing target never fails the caller: logging is best effort.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <fcntl.h>
#include <systemd/sd-journal.h>
#include "engine/base/log.h"

static LogLevel log_level = LOG_LEVEL_NOTICE;
static LogTarget log_target = LOG_TARGET_STDERR;
static bool log_meta;
static bool log_time;
static int log_fd = -1;
static const char *log_ident = "pulsecompat";
static struct timespec log_start;

void log_set_level(LogLevel level) {
        log_level = level < _LOG_LEVEL_N ? level : LOG_LEVEL_DEBUG;
}

LogLevel log_get_level(void) {
        return log_level;
}

void log_set_meta(bool meta) {
        log_meta = meta;
}

void log_set_time(bool time) {
        log_time = time;
        clock_gettime(CLOCK_MONOTONIC, &log_start);
}

void log_set_ident(const char *ident) {
        log_ident = ident;
}

int log_set_target(LogTarget target, const char *path) {
        if (target == LOG_TARGET_FILE) {
                int fd;

                if (!path)
                        return -EINVAL;
                fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
                if (fd < 0)
                        return -errno;
                if (log_fd >= 0)
                        close(log_fd);
                log_fd = fd;
        }
        if (target == LOG_TARGET_AUTO)
                target = getenv("JOURNAL_STREAM") ? LOG_TARGET_JOURNAL : LOG_TARGET_STDERR;
        if (target == LOG_TARGET_SYSLOG)
                openlog(log_ident, LOG_PID, LOG_DAEMON);
        log_target = target;
        return 0;
}

int log_parse_target(const char *s, LogTarget *ret_target, const char **ret_path) {
        static const char *const names[] = {
                [LOG_TARGET_STDERR] = "stderr", [LOG_TARGET_SYSLOG] = "syslog",
                [LOG_TARGET_JOURNAL] = "journal", [LOG_TARGET_NULL] = "null",
                [LOG_TARGET_AUTO] = "auto",
        };

        if (!s)
                return -EINVAL;
        if (strncmp(s, "file:", 5) == 0 || strncmp(s, "newfile:", 8) == 0) {
                const char *p = strchr(s, ':') + 1;

                if (!*p)
                        return -EINVAL;
                *ret_target = LOG_TARGET_FILE;
                *ret_path = p;
                return 0;
        }
        for (size_t i = 0; i < C_ARRAY_SIZE(names); i++) {
                if (names[i] && strcmp(names[i], s) == 0) {
                        *ret_target = (LogTarget)i;
                        *ret_path = NULL;
                        return 0;
                }
        }
        return -EINVAL;
}

int log_parse_level(const char *s, LogLevel *ret) {
        static const struct { const char *name; LogLevel level; } names[] = {
                { "error", LOG_LEVEL_ERROR }, { "e", LOG_LEVEL_ERROR },
                { "warn", LOG_LEVEL_WARN }, { "warning", LOG_LEVEL_WARN }, { "w", LOG_LEVEL_WARN },
                { "notice", LOG_LEVEL_NOTICE }, { "n", LOG_LEVEL_NOTICE },
                { "info", LOG_LEVEL_INFO }, { "i", LOG_LEVEL_INFO },
                { "debug", LOG_LEVEL_DEBUG }, { "d", LOG_LEVEL_DEBUG },
        };

        if (!s || !*s)
                return -EINVAL;
        if (s[0] >= '0' && s[0] <= '4' && s[1] == 0) {
                *ret = (LogLevel)(s[0] - '0');
                return 0;
        }
        for (size_t i = 0; i < C_ARRAY_SIZE(names); i++) {
                if (strcasecmp(names[i].name, s) == 0) {
                        *ret = names[i].level;
                        return 0;
                }
        }
        return -EINVAL;
}

void log_full(LogLevel level, const char *file, int line, const char *func, const char *fmt, ...) {
        static const char prefix[] = { 'E', 'W', 'N', 'I', 'D' };
        static const int syslog_prio[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG };
        char msg[2048], head[256] = "";
        size_t hl = 0;
        va_list ap;
        int saved = errno;

        if (level > log_level || log_target == LOG_TARGET_NULL)
                return;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);

        if (log_target == LOG_TARGET_JOURNAL) {
                char fl[32];

                snprintf(fl, sizeof(fl), "CODE_LINE=%d", line);
                sd_journal_send_with_location("CODE_FILE=", file, fl, func,
                                              "MESSAGE=%s", msg, "PRIORITY=%d", syslog_prio[level],
                                              "SYSLOG_IDENTIFIER=%s", log_ident, NULL);
                errno = saved;
                return;
        }
        if (log_target == LOG_TARGET_SYSLOG) {
                if (log_meta)
                        syslog(syslog_prio[level], "[%s:%d %s()] %s", file, line, func, msg);
                else
                        syslog(syslog_prio[level], "%s", msg);
                errno = saved;
                return;
        }

        if (log_time) {
                struct timespec now;
                double d;

                clock_gettime(CLOCK_MONOTONIC, &now);
                d = (double)(now.tv_sec - log_start.tv_sec) + (now.tv_nsec - log_start.tv_nsec) / 1e9;
                hl += (size_t)snprintf(head + hl, sizeof(head) - hl, "(%10.3f|%7.3f) ", d, 0.0);
        }
        hl += (size_t)snprintf(head + hl, sizeof(head) - hl, "%c: ", prefix[level]);
        if (log_meta && hl < sizeof(head))
                snprintf(head + hl, sizeof(head) - hl, "[%s:%d %s()] ", file, line, func);

        dprintf(log_target == LOG_TARGET_FILE && log_fd >= 0 ? log_fd : STDERR_FILENO,
                "%s%s\n", head, msg);
        errno = saved;
}
