/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* conf.h: daemon.conf, its defaults, the file lookup and --dump-conf. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "engine/base/log.h"
#include "engine/types/channel-map.h"
#include "engine/types/sample-spec.h"

/* Build-time paths; the Debian values of PulseAudio 16.1 (system-mode.md, table at the top). */
#ifndef PULSECOMPAT_CONFIG_DIR
#define PULSECOMPAT_CONFIG_DIR "/etc/pulse"
#endif
#ifndef PULSECOMPAT_MODULE_DIR
#define PULSECOMPAT_MODULE_DIR "/usr/lib/pulse-16.1+dfsg1/modules"
#endif
#ifndef PULSECOMPAT_SYSTEM_RUNTIME_DIR
#define PULSECOMPAT_SYSTEM_RUNTIME_DIR "/run/pulse"
#endif
#ifndef PULSECOMPAT_SYSTEM_STATE_DIR
#define PULSECOMPAT_SYSTEM_STATE_DIR "/var/lib/pulse"
#endif

/* Include nesting limit of daemon.conf (.include); PulseAudio has none and runs out of fds. */
#define CONF_INCLUDE_DEPTH_MAX 16U

/* Positive outcomes of the conf functions (negative values are errnos). */
enum {
        _CONF_E_SUCCESS,
        CONF_E_PARSE,           /* a file had an error; logged as "[FILE:LINE] ..." */
        CONF_E_UNKNOWN_KEY,     /* daemon_conf_set(): no such key */
        CONF_E_BAD_VALUE,       /* daemon_conf_set(): value not valid for the key */
        CONF_E_NOT_FOUND,       /* daemon_conf_load(): file missing and !missing_ok */
};

/* What the process was asked to do (the last command option wins, as in pulseaudio). */
typedef enum DaemonCommand {
        DAEMON_CMD_START_DAEMON,        /* no command option: run the daemon */
        DAEMON_CMD_HELP,
        DAEMON_CMD_VERSION,
        DAEMON_CMD_DUMP_CONF,
        DAEMON_CMD_DUMP_MODULES,
        DAEMON_CMD_DUMP_RESAMPLE_METHODS,
        DAEMON_CMD_CLEANUP_SHM,
        DAEMON_CMD_KILL,
        DAEMON_CMD_CHECK,
        DAEMON_CMD_START,               /* --start: daemonize unless one runs already */
        _DAEMON_CMD_N,
} DaemonCommand;

/* local-server-type; system-instance is the same setting seen as a bool (SYSTEM). */
typedef enum LocalServerType {
        LOCAL_SERVER_USER,
        LOCAL_SERVER_SYSTEM,
        LOCAL_SERVER_NONE,
        _LOCAL_SERVER_N,
} LocalServerType;

/* rlimit-* keys, in --dump-conf order. */
typedef enum ConfRlimit {
        CONF_RLIMIT_FSIZE,
        CONF_RLIMIT_DATA,
        CONF_RLIMIT_STACK,
        CONF_RLIMIT_CORE,
        CONF_RLIMIT_RSS,
        CONF_RLIMIT_AS,
        CONF_RLIMIT_NPROC,
        CONF_RLIMIT_NOFILE,
        CONF_RLIMIT_MEMLOCK,
        CONF_RLIMIT_LOCKS,
        CONF_RLIMIT_SIGPENDING,
        CONF_RLIMIT_MSGQUEUE,
        CONF_RLIMIT_NICE,
        CONF_RLIMIT_RTPRIO,
        CONF_RLIMIT_RTTIME,
        _CONF_RLIMIT_N,
} ConfRlimit;

/* A growable NUL-terminated string; str is NULL until the first append. */
typedef struct ConfBuf {
        char *str;
        size_t len;
        size_t allocated;
} ConfBuf;

#define CONF_BUF_NULL(x) { 0 }

/* Return: 0 or -ENOMEM (the buffer is unchanged on failure). */
int conf_buf_append(ConfBuf *b, const char *s);
int conf_buf_appendf(ConfBuf *b, const char *fmt, ...) _c_printf_(2, 3);
void conf_buf_deinit(ConfBuf *b);

typedef struct DaemonConf {
        /* ---- daemon.conf keys of PulseAudio 16.1 (system-mode.md §2.2) ---- */
        bool daemonize;
        bool fail;
        bool high_priority;
        int nice_level;                         /* -20..19 */
        bool realtime_scheduling;
        int realtime_priority;                  /* 1..99 */
        bool disallow_module_loading;           /* allow-module-loading is the inverse */
        bool disallow_exit;                     /* allow-exit is the inverse */
        bool use_pid_file;
        bool system_instance;                   /* == (local_server_type == SYSTEM) */
        LocalServerType local_server_type;
        bool no_cpu_limit;                      /* cpu-limit is the inverse */
        bool disable_shm;                       /* enable-shm is the inverse */
        bool enable_memfd;
        bool flat_volumes;
        bool rescue_streams;
        bool lock_memory;
        bool enable_deferred_volume;
        int exit_idle_time;                     /* seconds, < 0 = never */
        int scache_idle_time;                   /* seconds */
        char *dl_search_path;
        char *default_script_file;              /* NULL: default.pa or system.pa, see below */
        bool load_default_script_file;
        char *log_target;                       /* NULL = auto; else as given ("file:/x") */
        LogLevel log_level;
        bool log_meta;
        bool log_time;
        unsigned log_backtrace;
        const char *resample_method;            /* static string from the method table */
        bool avoid_resampling;
        bool disable_remixing;                  /* enable-remixing is the inverse */
        bool remixing_use_all_sink_channels;
        bool remixing_produce_lfe;
        bool remixing_consume_lfe;
        unsigned lfe_crossover_freq;            /* Hz, 0 = off */
        SampleSpec default_sample_spec;
        uint32_t alternate_sample_rate;
        ChannelMap default_channel_map;
        int default_n_fragments;                /* >= 2 */
        int default_fragment_size_msec;         /* >= 1 */
        unsigned deferred_volume_safety_margin_usec;
        int deferred_volume_extra_delay_usec;
        uint32_t shm_size;                      /* bytes, 0 = default pool size */
        int64_t rlimit[_CONF_RLIMIT_N];         /* -1 = leave the limit alone */

        /* ---- pulsecompat's own keys (docs/configuration.md) ---- */
        char *system_user;                      /* "pulse" */
        char *system_group;                     /* "pulse" */
        char *access_group;                     /* "pulse-access" */
        char *admin_group;                      /* "pulse-admin" */
        bool system_isolation;                  /* yes */
        unsigned max_connections;               /* 256 */
        unsigned auth_timeout_sec;              /* 60 */
        unsigned per_uid_max_connections;       /* 64 */
        char *system_runtime_dir;               /* "/run/pulse" */
        char *system_state_dir;                 /* "/var/lib/pulse" */

        /* ---- runtime state (not daemon.conf keys) ---- */
        DaemonCommand command;
        ConfBuf script_commands;                /* -L/-F/-C as script text, in order */
        char *config_file;                      /* file actually read (dump header), or NULL */
        bool channels_set;                      /* default-sample-channels given */
        bool channel_map_set;                   /* default-channel-map given */
} DaemonConf;

/**
 * daemon_conf_init() - fill @c with PulseAudio's built-in defaults and ours.
 *
 * Return: 0 or -ENOMEM (then @c is safe to daemon_conf_deinit()).
 */
int daemon_conf_init(DaemonConf *c);
void daemon_conf_deinit(DaemonConf *c);

/**
 * daemon_conf_set() - set one daemon.conf key from its text form.
 * Shared by the file parser and the command line. Silent: callers word the
 * error for their context (file:line or --option).
 *
 * Return: 0, CONF_E_UNKNOWN_KEY, CONF_E_BAD_VALUE, or -ENOMEM.
 */
int daemon_conf_set(DaemonConf *c, const char *key, const char *value);

/**
 * daemon_conf_load() - parse a daemon.conf file, its .include files and, for
 * the top-level file, every *.conf in "<path>.d/" in strcmp order.
 * @missing_ok: a missing @path is not an error.
 *
 * Syntax errors, unknown keys and bad values are logged as
 * "[FILE:LINE] message" (PulseAudio's wording) and stop parsing of that file.
 * As in PulseAudio, an error inside a ".d" file is logged but does not fail
 * the load (the remaining .d files are still read). A missing .include file
 * is ignored (debug log).
 *
 * Return: 0, CONF_E_PARSE, CONF_E_NOT_FOUND, or a negative errno.
 */
int daemon_conf_load(DaemonConf *c, const char *path, bool missing_ok);

/**
 * daemon_conf_load_default() - find and load daemon.conf (system-mode.md §2.1):
 * $PULSE_CONFIG (if it cannot be opened: warning, built-in defaults); else
 * $PULSE_CONFIG_PATH/daemon.conf; else ~/.pulse/daemon.conf, then
 * ~/.config/pulse/daemon.conf; then PULSECOMPAT_CONFIG_DIR/daemon.conf.
 * A file that does not exist is skipped (except $PULSE_CONFIG_PATH, which
 * replaces the two home locations, as observed on pulseaudio 16.1).
 *
 * Return: 0, CONF_E_PARSE, or a negative errno.
 */
int daemon_conf_load_default(DaemonConf *c);

/**
 * daemon_conf_apply_env() - apply $PULSE_SCRIPT (default-script-file) and
 * $PULSE_DLPATH (dl-search-path). Call after the files, before the command line.
 *
 * Return: 0 or -ENOMEM.
 */
int daemon_conf_apply_env(DaemonConf *c);

/* Print the effective configuration in `pulseaudio --dump-conf` format. */
void daemon_conf_dump(const DaemonConf *c, FILE *f);
/* Print the accepted resample-method names, one per line (--dump-resample-methods). */
void daemon_conf_dump_resample_methods(FILE *f);

/**
 * daemon_conf_script_file() - the default script to run (system-mode.md §6.1):
 * default-script-file if set (or $PULSE_SCRIPT via apply_env); in system mode
 * PULSECOMPAT_CONFIG_DIR/system.pa; else the first existing of
 * $PULSE_CONFIG_PATH/default.pa, ~/.pulse/default.pa,
 * ~/.config/pulse/default.pa, then PULSECOMPAT_CONFIG_DIR/default.pa.
 * Does not look at load_default_script_file.
 *
 * Return: 0 with a malloc()ed path in *ret, or -ENOMEM.
 */
int daemon_conf_script_file(const DaemonConf *c, char **ret);

/* The default-script-file value --dump-conf shows (explicit, else default.pa/system.pa). */
const char *daemon_conf_default_script_name(const DaemonConf *c);

/**
 * daemon_conf_apply_log() - apply log-level, log-target, log-meta and
 * log-time to the logger (log.h). log-target NULL/auto: LOG_TARGET_AUTO, or
 * syslog/journal when @daemonized (as pulseaudio -D does).
 *
 * Return: 0 or a negative errno from opening a log file.
 */
int daemon_conf_apply_log(const DaemonConf *c, bool daemonized);

/* RLIMIT_* resource number of an rlimit-* key. */
int daemon_conf_rlimit_resource(ConfRlimit r);

/* PulseAudio's boolean words: 1 y yes t true on / 0 n no f false off
 * (case-insensitive), then the C locale's yes/no (^[yY] / ^[nN]).
 * Return: 1, 0, or -EINVAL. */
int conf_parse_bool(const char *s);

/* PulseAudio's level forms: 0..4, or a word starting with err, warn,
 * notice, info, debug. Return: 0 or -EINVAL. */
int conf_parse_log_level(const char *s, LogLevel *ret);

/* The --dump-conf name of a level: error, warning, notice, info, debug. */
const char *conf_log_level_to_string(LogLevel l);

/* true if name is one of the resample methods daemon_conf_dump_resample_methods() prints */
bool conf_resample_method_valid(const char *name);
