/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* log.h: the daemon's logger (levels and targets as pulseaudio(1) has them). */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include "engine/base/macro.h"

typedef enum LogLevel {
        LOG_LEVEL_ERROR = 0,
        LOG_LEVEL_WARN = 1,
        LOG_LEVEL_NOTICE = 2,
        LOG_LEVEL_INFO = 3,
        LOG_LEVEL_DEBUG = 4,
        _LOG_LEVEL_N,
} LogLevel;

typedef enum LogTarget {
        LOG_TARGET_STDERR,
        LOG_TARGET_SYSLOG,
        LOG_TARGET_JOURNAL,
        LOG_TARGET_FILE,
        LOG_TARGET_NULL,
        LOG_TARGET_AUTO,        /* journal if stderr is connected to it, else stderr */
        _LOG_TARGET_N,
} LogTarget;

void log_set_level(LogLevel level);
LogLevel log_get_level(void);
/* target FILE needs a path; returns 0 or a negative errno */
int log_set_target(LogTarget target, const char *path);
void log_set_meta(bool meta);
void log_set_time(bool time);
void log_set_ident(const char *ident);
/* Parse "stderr", "syslog", "journal", "auto", "null", "file:PATH", "newfile:PATH".
 * Return: 0, or -EINVAL for an unknown form. */
int log_parse_target(const char *s, LogTarget *ret_target, const char **ret_path);
/* Parse a level: 0-4 or error/warn/notice/info/debug (and long forms). Return 0 or -EINVAL. */
int log_parse_level(const char *s, LogLevel *ret);

void log_full(LogLevel level, const char *file, int line, const char *func, const char *fmt, ...)
        _c_printf_(5, 6);

#define log_error(...) log_full(LOG_LEVEL_ERROR, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_warn(...) log_full(LOG_LEVEL_WARN, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_notice(...) log_full(LOG_LEVEL_NOTICE, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_info(...) log_full(LOG_LEVEL_INFO, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_debug(...)                                                                    \
        do {                                                                              \
                if (log_get_level() >= LOG_LEVEL_DEBUG)                                   \
                        log_full(LOG_LEVEL_DEBUG, __FILE__, __LINE__, __func__, __VA_ARGS__); \
        } while (0)

/* error_trace: pass an unexpected negative errno up, logging where it went through. */
#define error_trace(r) ({ int _r = (r); if (_r < 0) log_debug("trace: %d", _r); _r; })
#define error_origin(r) ({ int _r = (r); log_debug("origin: %s", strerror(-_r)); _r; })
