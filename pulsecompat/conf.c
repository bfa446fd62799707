/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* conf.c: daemon.conf.
 *
 * One table (conf_keys[]) describes every key: its name, its value type and
 * where it lives in DaemonConf. The file parser, the command line (through
 * daemon_conf_set()) and --dump-conf all go through it, so a key cannot be
 * accepted in one place and unknown in another.
 *
 * Compatibility is the point of this file: PulseAudio refuses to start on
 * any unknown key or unparsable value, so we must accept every key it knows,
 * even the ones we do not act on (those are logged at debug level), and we
 * word the errors as it does ("[FILE:LINE] Unknown lvalue 'x' in section
 * 'n/a'."), because users search for those messages. The behaviours copied
 * here were observed on pulseaudio 16.1 (see docs/configuration.md):
 *   - comments start at the first '#' or ';' anywhere on a line;
 *   - numbers are decimal or 0x-hex, optionally negative, no '+';
 *   - the first error in a file stops that file; an error in a ".d" file
 *     is logged but does not make the load fail;
 *   - system-instance and local-server-type are one setting.
 * Deliberate differences: .include depth is limited (PulseAudio recurses
 * until it runs out of file descriptors) and an empty log-target means auto
 * (so that our own --dump-conf output can be read back).
 *
 * Strings in DaemonConf are owned (malloc) except resample_method, which
 * points into the static method table. Every setter validates completely
 * before it changes anything, so a rejected value leaves the old one.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include "pulsecompat/conf.h"

/* ---- growable string ---- */

int conf_buf_append(ConfBuf *b, const char *s) {
        size_t n = strlen(s);

        if (b->len + n + 1 > b->allocated) {
                size_t a = C_MAX(b->allocated * 2, b->len + n + 1);
                char *p;

                a = C_MAX(a, (size_t)64);
                p = realloc(b->str, a);
                if (!p)
                        return -ENOMEM;
                b->str = p;
                b->allocated = a;
        }
        memcpy(b->str + b->len, s, n + 1);
        b->len += n;
        return 0;
}

int conf_buf_appendf(ConfBuf *b, const char *fmt, ...) {
        _c_cleanup_free_ char *s = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (r < 0) {
                s = NULL;
                return -ENOMEM;
        }
        return conf_buf_append(b, s);
}

void conf_buf_deinit(ConfBuf *b) {
        free(b->str);
        *b = (ConfBuf)CONF_BUF_NULL(*b);
}

/* ---- value parsers ---- */

int conf_parse_bool(const char *s) {
        static const char *const yes[] = { "1", "y", "yes", "t", "true", "on" };
        static const char *const no[] = { "0", "n", "no", "f", "false", "off" };

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < C_ARRAY_SIZE(yes); i++) {
                if (strcasecmp(s, yes[i]) == 0)
                        return 1;
                if (strcasecmp(s, no[i]) == 0)
                        return 0;
        }
        /* pulseaudio falls back to rpmatch(): in the C locale "^[yY]" / "^[nN]". */
        if (s[0] == 'y' || s[0] == 'Y')
                return 1;
        if (s[0] == 'n' || s[0] == 'N')
                return 0;
        return -EINVAL;
}

/*
 * Integers as pulseaudio's config parser takes them: optional '-', then
 * "0x" + hex digits or decimal digits (a leading 0 is *not* octal: "010" is
 * 10). No sign '+', no whitespace, no trailing garbage.
 */
static int parse_int64(const char *s, int64_t min, int64_t max, int64_t *ret) {
        bool neg = false;
        uint64_t v = 0;
        unsigned base = 10;
        const char *p = s;

        if (!s)
                return -EINVAL;
        if (*p == '-') {
                neg = true;
                p++;
        }
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
                base = 16;
                p += 2;
        }
        if (!*p)
                return -EINVAL;
        for (; *p; p++) {
                unsigned d;

                if (*p >= '0' && *p <= '9')
                        d = (unsigned)(*p - '0');
                else if (base == 16 && *p >= 'a' && *p <= 'f')
                        d = (unsigned)(*p - 'a' + 10);
                else if (base == 16 && *p >= 'A' && *p <= 'F')
                        d = (unsigned)(*p - 'A' + 10);
                else
                        return -EINVAL;
                if (v > ((uint64_t)INT64_MAX - d) / base)
                        return -ERANGE;
                v = v * base + d;
        }
        if ((neg ? -(int64_t)v : (int64_t)v) < min || (neg ? -(int64_t)v : (int64_t)v) > max)
                return -ERANGE;
        *ret = neg ? -(int64_t)v : (int64_t)v;
        return 0;
}

int conf_parse_log_level(const char *s, LogLevel *ret) {
        static const struct { const char *prefix; LogLevel level; } words[] = {
                { "err", LOG_LEVEL_ERROR }, { "warn", LOG_LEVEL_WARN },
                { "notice", LOG_LEVEL_NOTICE }, { "info", LOG_LEVEL_INFO },
                { "debug", LOG_LEVEL_DEBUG },
        };
        int64_t v;

        if (!s || !*s)
                return -EINVAL;
        if (s[0] >= '0' && s[0] <= '9') {
                if (strspn(s, "0123456789") != strlen(s) || parse_int64(s, 0, 4, &v) < 0)
                        return -EINVAL;
                *ret = (LogLevel)v;
                return 0;
        }
        /* observed: "errorx" and "warnx" are accepted, "e", "notic" and "DEBUG" are not */
        for (size_t i = 0; i < C_ARRAY_SIZE(words); i++) {
                if (strncmp(s, words[i].prefix, strlen(words[i].prefix)) == 0) {
                        *ret = words[i].level;
                        return 0;
                }
        }
        return -EINVAL;
}

const char *conf_log_level_to_string(LogLevel l) {
        static const char *const names[] = { "error", "warning", "notice", "info", "debug" };

        return (unsigned)l < C_ARRAY_SIZE(names) ? names[l] : "debug";
}

/* Names pulseaudio 16.1 (Debian) accepts and lists; our resampler maps them all. */
static const char *const resample_methods[] = {
        "trivial",
        "speex-float-0", "speex-float-1", "speex-float-2", "speex-float-3", "speex-float-4",
        "speex-float-5", "speex-float-6", "speex-float-7", "speex-float-8", "speex-float-9",
        "speex-float-10",
        "speex-fixed-0", "speex-fixed-1", "speex-fixed-2", "speex-fixed-3", "speex-fixed-4",
        "speex-fixed-5", "speex-fixed-6", "speex-fixed-7", "speex-fixed-8", "speex-fixed-9",
        "speex-fixed-10",
        "ffmpeg", "auto", "copy", "peaks", "soxr-mq", "soxr-hq", "soxr-vhq",
};

static const char *resample_method_lookup(const char *name) {
        for (size_t i = 0; i < C_ARRAY_SIZE(resample_methods); i++)
                if (c_streq(name, resample_methods[i]))
                        return resample_methods[i];
        return NULL;
}

bool conf_resample_method_valid(const char *name) {
        return resample_method_lookup(name) != NULL;
}

void daemon_conf_dump_resample_methods(FILE *f) {
        for (size_t i = 0; i < C_ARRAY_SIZE(resample_methods); i++)
                fprintf(f, "%s\n", resample_methods[i]);
}

int daemon_conf_rlimit_resource(ConfRlimit r) {
        static const int res[_CONF_RLIMIT_N] = {
                [CONF_RLIMIT_FSIZE] = RLIMIT_FSIZE, [CONF_RLIMIT_DATA] = RLIMIT_DATA,
                [CONF_RLIMIT_STACK] = RLIMIT_STACK, [CONF_RLIMIT_CORE] = RLIMIT_CORE,
                [CONF_RLIMIT_RSS] = RLIMIT_RSS, [CONF_RLIMIT_AS] = RLIMIT_AS,
                [CONF_RLIMIT_NPROC] = RLIMIT_NPROC, [CONF_RLIMIT_NOFILE] = RLIMIT_NOFILE,
                [CONF_RLIMIT_MEMLOCK] = RLIMIT_MEMLOCK, [CONF_RLIMIT_LOCKS] = RLIMIT_LOCKS,
                [CONF_RLIMIT_SIGPENDING] = RLIMIT_SIGPENDING,
                [CONF_RLIMIT_MSGQUEUE] = RLIMIT_MSGQUEUE, [CONF_RLIMIT_NICE] = RLIMIT_NICE,
                [CONF_RLIMIT_RTPRIO] = RLIMIT_RTPRIO, [CONF_RLIMIT_RTTIME] = RLIMIT_RTTIME,
        };

        return (unsigned)r < _CONF_RLIMIT_N ? res[r] : -1;
}

/* ---- the key table ---- */

typedef enum ConfType {
        T_BOOL,                 /* bool field */
        T_BOOL_INV,             /* bool field, inverted (allow-exit etc.) */
        T_INT,                  /* int field, any int32 */
        T_UINT,                 /* unsigned field, 0..UINT32_MAX */
        T_NICE,                 /* int, -20..19 */
        T_RTPRIO,               /* int, 1..99 */
        T_FRAGMENTS,            /* int, >= 2 */
        T_FRAGSIZE,             /* int, >= 1 */
        T_STRING,               /* char * field, may be empty */
        T_SCRIPT,               /* default-script-file: empty = unset */
        T_LOG_LEVEL,
        T_LOG_TARGET,
        T_RESAMPLE,
        T_SERVER_TYPE,
        T_SYSTEM_INSTANCE,
        T_FORMAT,
        T_RATE,                 /* uint32_t field, 1..RATE_MAX */
        T_CHANNELS,
        T_CHANNEL_MAP,
        T_SHM_SIZE,
        T_RLIMIT,               /* arg = ConfRlimit */
        T_LFE_DEPRECATED,       /* arg = 1 for enable-lfe-remixing, 0 for disable- */
        T_NAME,                 /* user or group name: non-empty, no whitespace or ':' */
        T_ABSPATH,              /* absolute path */
        T_LIMIT,                /* unsigned field, 1..arg */
} ConfType;

typedef struct ConfKey {
        const char *name;
        ConfType type;
        size_t offset;
        int arg;
        bool acted_on;          /* false: accepted, but pulsecompat ignores it (for now) */
} ConfKey;

#define F(field) offsetof(DaemonConf, field)
#define RL(n, i) { "rlimit-" n, T_RLIMIT, 0, i, false }

static const ConfKey conf_keys[] = {
        { "daemonize", T_BOOL, F(daemonize), 0, true },
        { "fail", T_BOOL, F(fail), 0, true },
        { "high-priority", T_BOOL, F(high_priority), 0, false },
        { "nice-level", T_NICE, F(nice_level), 0, false },
        { "realtime-scheduling", T_BOOL, F(realtime_scheduling), 0, false },
        { "realtime-priority", T_RTPRIO, F(realtime_priority), 0, false },
        { "disallow-module-loading", T_BOOL, F(disallow_module_loading), 0, true },
        { "allow-module-loading", T_BOOL_INV, F(disallow_module_loading), 0, true },
        { "disallow-exit", T_BOOL, F(disallow_exit), 0, true },
        { "allow-exit", T_BOOL_INV, F(disallow_exit), 0, true },
        { "use-pid-file", T_BOOL, F(use_pid_file), 0, true },
        { "system-instance", T_SYSTEM_INSTANCE, 0, 0, true },
        { "local-server-type", T_SERVER_TYPE, 0, 0, true },
        { "no-cpu-limit", T_BOOL, F(no_cpu_limit), 0, false },
        { "cpu-limit", T_BOOL_INV, F(no_cpu_limit), 0, false },
        { "disable-shm", T_BOOL, F(disable_shm), 0, false },
        { "enable-shm", T_BOOL_INV, F(disable_shm), 0, false },
        { "enable-memfd", T_BOOL, F(enable_memfd), 0, false },
        { "flat-volumes", T_BOOL, F(flat_volumes), 0, false },
        { "rescue-streams", T_BOOL, F(rescue_streams), 0, false },
        { "lock-memory", T_BOOL, F(lock_memory), 0, false },
        { "enable-deferred-volume", T_BOOL, F(enable_deferred_volume), 0, false },
        { "exit-idle-time", T_INT, F(exit_idle_time), 0, true },
        { "scache-idle-time", T_INT, F(scache_idle_time), 0, false },
        { "dl-search-path", T_STRING, F(dl_search_path), 0, false },
        { "default-script-file", T_SCRIPT, F(default_script_file), 0, true },
        { "load-default-script-file", T_BOOL, F(load_default_script_file), 0, true },
        { "log-target", T_LOG_TARGET, 0, 0, true },
        { "log-level", T_LOG_LEVEL, 0, 0, true },
        { "verbose", T_LOG_LEVEL, 0, 0, true },
        { "log-meta", T_BOOL, F(log_meta), 0, true },
        { "log-time", T_BOOL, F(log_time), 0, true },
        { "log-backtrace", T_UINT, F(log_backtrace), 0, false },
        { "resample-method", T_RESAMPLE, 0, 0, false },
        { "avoid-resampling", T_BOOL, F(avoid_resampling), 0, false },
        { "disable-remixing", T_BOOL, F(disable_remixing), 0, false },
        { "enable-remixing", T_BOOL_INV, F(disable_remixing), 0, false },
        { "remixing-use-all-sink-channels", T_BOOL, F(remixing_use_all_sink_channels), 0, false },
        { "remixing-produce-lfe", T_BOOL, F(remixing_produce_lfe), 0, false },
        { "remixing-consume-lfe", T_BOOL, F(remixing_consume_lfe), 0, false },
        { "disable-lfe-remixing", T_LFE_DEPRECATED, 0, 0, false },
        { "enable-lfe-remixing", T_LFE_DEPRECATED, 0, 1, false },
        { "lfe-crossover-freq", T_UINT, F(lfe_crossover_freq), 0, false },
        { "default-sample-format", T_FORMAT, 0, 0, true },
        { "default-sample-rate", T_RATE, F(default_sample_spec.rate), 0, true },
        { "alternate-sample-rate", T_RATE, F(alternate_sample_rate), 0, false },
        { "default-sample-channels", T_CHANNELS, 0, 0, true },
        { "default-channel-map", T_CHANNEL_MAP, 0, 0, true },
        { "default-fragments", T_FRAGMENTS, F(default_n_fragments), 0, false },
        { "default-fragment-size-msec", T_FRAGSIZE, F(default_fragment_size_msec), 0, false },
        { "deferred-volume-safety-margin-usec", T_UINT,
          F(deferred_volume_safety_margin_usec), 0, false },
        { "deferred-volume-extra-delay-usec", T_INT, F(deferred_volume_extra_delay_usec), 0, false },
        { "shm-size-bytes", T_SHM_SIZE, 0, 0, false },
        RL("fsize", CONF_RLIMIT_FSIZE), RL("data", CONF_RLIMIT_DATA),
        RL("stack", CONF_RLIMIT_STACK), RL("core", CONF_RLIMIT_CORE),
        RL("rss", CONF_RLIMIT_RSS), RL("as", CONF_RLIMIT_AS),
        RL("nproc", CONF_RLIMIT_NPROC), RL("nofile", CONF_RLIMIT_NOFILE),
        RL("memlock", CONF_RLIMIT_MEMLOCK), RL("locks", CONF_RLIMIT_LOCKS),
        RL("sigpending", CONF_RLIMIT_SIGPENDING), RL("msgqueue", CONF_RLIMIT_MSGQUEUE),
        RL("nice", CONF_RLIMIT_NICE), RL("rtprio", CONF_RLIMIT_RTPRIO),
        RL("rttime", CONF_RLIMIT_RTTIME),

        /* pulsecompat's own keys (system mode: docs/system-mode.md) */
        { "system-user", T_NAME, F(system_user), 0, true },
        { "system-group", T_NAME, F(system_group), 0, true },
        { "access-group", T_NAME, F(access_group), 0, true },
        { "admin-group", T_NAME, F(admin_group), 0, true },
        { "system-isolation", T_BOOL, F(system_isolation), 0, true },
        { "max-connections", T_LIMIT, F(max_connections), 1 << 20, true },
        { "auth-timeout-sec", T_LIMIT, F(auth_timeout_sec), 86400, true },
        { "per-uid-max-connections", T_LIMIT, F(per_uid_max_connections), 1 << 20, true },
        { "system-runtime-dir", T_ABSPATH, F(system_runtime_dir), 0, true },
        { "system-state-dir", T_ABSPATH, F(system_state_dir), 0, true },
};

#undef RL
#undef F

static const ConfKey *conf_key_find(const char *name) {
        for (size_t i = 0; i < C_ARRAY_SIZE(conf_keys); i++)
                if (c_streq(name, conf_keys[i].name))
                        return &conf_keys[i];
        return NULL;
}

#define FIELD(c, k, type) ((type *)(void *)((char *)(c) + (k)->offset))

/* Where a value came from, for messages: "[FILE:LINE] " or "" (daemon_conf_set). */
typedef struct ConfWhere {
        const char *file;
        unsigned line;
} ConfWhere;

static void conf_log_where(LogLevel level, const ConfWhere *w, const char *fmt, ...)
        _c_printf_(3, 4);

static void conf_log_where(LogLevel level, const ConfWhere *w, const char *fmt, ...) {
        char msg[1024];
        va_list ap;

        if (level > log_get_level())
                return;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (w && w->file)
                log_full(level, __FILE__, __LINE__, __func__, "[%s:%u] %s", w->file, w->line, msg);
        else
                log_full(level, __FILE__, __LINE__, __func__, "%s", msg);
}

static int set_string(char **field, const char *value) {
        char *s = NULL;

        if (value) {
                s = strdup(value);
                if (!s)
                        return -ENOMEM;
        }
        free(*field);
        *field = s;
        return 0;
}

static void set_server_type(DaemonConf *c, LocalServerType t) {
        c->local_server_type = t;
        c->system_instance = t == LOCAL_SERVER_SYSTEM;
}

static bool name_valid(const char *s) {
        if (!*s || strlen(s) > 255)
                return false;
        for (const char *p = s; *p; p++)
                if (isspace((unsigned char)*p) || *p == ':' || *p == '/' || (unsigned char)*p < 0x20)
                        return false;
        return true;
}

/*
 * The one setter. On CONF_E_BAD_VALUE with a location it logs pulseaudio's
 * message for the key type; without one it stays silent (the command line
 * words its own errors). Nothing is changed unless the value is valid.
 */
static int conf_set(DaemonConf *c, const char *key, const char *value, const ConfWhere *w) {
        const ConfKey *k = conf_key_find(key);
        const char *bad = NULL;         /* printf format with one %s for the value */
        int64_t v;
        int b, r;

        if (!k)
                return CONF_E_UNKNOWN_KEY;
        if (!value)
                value = "";

        switch (k->type) {
        case T_BOOL:
        case T_BOOL_INV:
                b = conf_parse_bool(value);
                if (b < 0) {
                        bad = "Failed to parse boolean value: %s";
                        break;
                }
                *FIELD(c, k, bool) = k->type == T_BOOL ? b : !b;
                break;
        case T_SYSTEM_INSTANCE:
                b = conf_parse_bool(value);
                if (b < 0) {
                        bad = "Failed to parse boolean value: %s";
                        break;
                }
                /* observed: yes turns "user" into "system" but leaves "none";
                 * no turns "system" into "user" */
                if (b && c->local_server_type == LOCAL_SERVER_USER)
                        set_server_type(c, LOCAL_SERVER_SYSTEM);
                else if (!b && c->local_server_type == LOCAL_SERVER_SYSTEM)
                        set_server_type(c, LOCAL_SERVER_USER);
                break;
        case T_SERVER_TYPE:
                if (strcmp(value, "user") == 0)
                        set_server_type(c, LOCAL_SERVER_USER);
                else if (strcmp(value, "system") == 0)
                        set_server_type(c, LOCAL_SERVER_SYSTEM);
                else if (strcmp(value, "none") == 0)
                        set_server_type(c, LOCAL_SERVER_NONE);
                else
                        bad = "Invalid server type '%s'.";
                break;
        case T_INT:
                if (parse_int64(value, INT32_MIN, INT32_MAX, &v) < 0) {
                        bad = "Failed to parse numeric value: %s";
                        break;
                }
                *FIELD(c, k, int) = (int)v;
                break;
        case T_UINT:
                if (value[0] == '-' || parse_int64(value, 0, UINT32_MAX, &v) < 0) {
                        bad = "Failed to parse numeric value: %s";
                        break;
                }
                *FIELD(c, k, unsigned) = (unsigned)v;
                break;
        case T_LIMIT:
                if (value[0] == '-' || parse_int64(value, 1, k->arg, &v) < 0) {
                        bad = "Invalid value '%s' (expected a number from 1 to the key's limit).";
                        break;
                }
                *FIELD(c, k, unsigned) = (unsigned)v;
                break;
        case T_NICE:
                if (parse_int64(value, -20, 19, &v) < 0) {
                        bad = "Invalid nice level '%s'.";
                        break;
                }
                *FIELD(c, k, int) = (int)v;
                break;
        case T_RTPRIO:
                if (parse_int64(value, 1, 99, &v) < 0) {
                        bad = "Invalid realtime priority '%s'.";
                        break;
                }
                *FIELD(c, k, int) = (int)v;
                break;
        case T_FRAGMENTS:
                if (parse_int64(value, 2, INT32_MAX, &v) < 0) {
                        bad = "Invalid number of fragments '%s'.";
                        break;
                }
                *FIELD(c, k, int) = (int)v;
                break;
        case T_FRAGSIZE:
                if (parse_int64(value, 1, INT32_MAX, &v) < 0) {
                        bad = "Invalid fragment size '%s'.";
                        break;
                }
                *FIELD(c, k, int) = (int)v;
                break;
        case T_SHM_SIZE:
                if (value[0] == '-' || parse_int64(value, 0, UINT32_MAX, &v) < 0) {
                        bad = "Failed to parse numeric value: %s";
                        break;
                }
                c->shm_size = (uint32_t)v;
                break;
        case T_STRING:
                r = set_string(FIELD(c, k, char *), value);
                if (r < 0)
                        return r;
                break;
        case T_SCRIPT:
                r = set_string(FIELD(c, k, char *), *value ? value : NULL);
                if (r < 0)
                        return r;
                break;
        case T_NAME:
                if (!name_valid(value)) {
                        bad = "Invalid user or group name '%s'.";
                        break;
                }
                r = set_string(FIELD(c, k, char *), value);
                if (r < 0)
                        return r;
                break;
        case T_ABSPATH:
                if (value[0] != '/' || strlen(value) >= PATH_MAX) {
                        bad = "Invalid directory '%s' (an absolute path is required).";
                        break;
                }
                r = set_string(FIELD(c, k, char *), value);
                if (r < 0)
                        return r;
                break;
        case T_LOG_LEVEL: {
                LogLevel l;

                if (conf_parse_log_level(value, &l) < 0) {
                        bad = "Invalid log level '%s'.";
                        break;
                }
                c->log_level = l;
                break;
        }
        case T_LOG_TARGET: {
                LogTarget t;
                const char *path;

                /* empty = auto is ours (pulseaudio rejects it but prints it in --dump-conf) */
                if (!*value || strcmp(value, "auto") == 0) {
                        r = set_string(&c->log_target, NULL);
                        if (r < 0)
                                return r;
                        break;
                }
                if (log_parse_target(value, &t, &path) < 0) {
                        bad = "Invalid log target '%s'.";
                        break;
                }
                r = set_string(&c->log_target, value);
                if (r < 0)
                        return r;
                break;
        }
        case T_RESAMPLE: {
                const char *m = resample_method_lookup(value);

                if (!m) {
                        bad = "Invalid resample method '%s'.";
                        break;
                }
                c->resample_method = m;
                break;
        }
        case T_FORMAT: {
                uint8_t f = sample_format_from_string(value);

                if (f == SAMPLE_INVALID || f >= _SAMPLE_N) {
                        bad = "Invalid sample format '%s'.";
                        break;
                }
                c->default_sample_spec.format = f;
                break;
        }
        case T_RATE:
                if (value[0] == '-' || parse_int64(value, 1, RATE_MAX, &v) < 0) {
                        bad = "Invalid sample rate '%s'.";
                        break;
                }
                *FIELD(c, k, uint32_t) = (uint32_t)v;
                break;
        case T_CHANNELS: {
                ChannelMap m;

                if (value[0] == '-' || parse_int64(value, 1, CHANNELS_MAX, &v) < 0 ||
                    !channel_map_init_auto(&m, (unsigned)v)) {
                        bad = "Invalid sample channels '%s'.";
                        break;
                }
                if (c->channel_map_set && c->default_channel_map.channels != v) {
                        conf_log_where(LOG_LEVEL_ERROR, w, "The specified default channel map has "
                                       "a different number of channels than the specified "
                                       "default number of channels.");
                        return CONF_E_BAD_VALUE;
                }
                c->default_sample_spec.channels = (uint8_t)v;
                if (!c->channel_map_set)
                        c->default_channel_map = m;
                c->channels_set = true;
                break;
        }
        case T_CHANNEL_MAP: {
                ChannelMap m;

                if (channel_map_parse(&m, value) < 0 || !channel_map_valid(&m)) {
                        bad = "Invalid channel map '%s'.";
                        break;
                }
                if (c->channels_set && c->default_sample_spec.channels != m.channels) {
                        conf_log_where(LOG_LEVEL_ERROR, w, "The specified default channel map has "
                                       "a different number of channels than the specified "
                                       "default number of channels.");
                        return CONF_E_BAD_VALUE;
                }
                c->default_channel_map = m;
                c->default_sample_spec.channels = m.channels;
                c->channel_map_set = true;
                break;
        }
        case T_RLIMIT:
                /* empty or negative: leave the limit alone (-1) */
                if (!*value) {
                        v = -1;
                } else if (parse_int64(value, INT32_MIN, INT32_MAX, &v) < 0) {
                        bad = "Invalid rlimit '%s'.";
                        break;
                }
                c->rlimit[k->arg] = v < 0 ? -1 : v;
                break;
        case T_LFE_DEPRECATED:
                b = conf_parse_bool(value);
                if (b < 0) {
                        bad = "Failed to parse boolean value: %s";
                        break;
                }
                if (k->arg == 0)
                        b = !b;
                c->remixing_produce_lfe = c->remixing_consume_lfe = b;
                conf_log_where(LOG_LEVEL_WARN, w, "Deprecated option '%s' found.", k->name);
                conf_log_where(LOG_LEVEL_WARN, w, "Please migrate to 'remixing-produce-lfe' and "
                               "'remixing-consume-lfe', set both to '%s'.", b ? "yes" : "no");
                break;
        }

        if (bad) {
                if (w)
                        conf_log_where(LOG_LEVEL_ERROR, w, bad, value);
                return CONF_E_BAD_VALUE;
        }
        if (!k->acted_on && w)
                conf_log_where(LOG_LEVEL_DEBUG, w, "'%s' is accepted but not acted on by pulsecompat.",
                               k->name);
        return 0;
}

int daemon_conf_set(DaemonConf *c, const char *key, const char *value) {
        return conf_set(c, key, value, NULL);
}

/* ---- init / deinit ---- */

int daemon_conf_init(DaemonConf *c) {
        static const int64_t rlimits[_CONF_RLIMIT_N] = {
                [CONF_RLIMIT_FSIZE] = -1, [CONF_RLIMIT_DATA] = -1, [CONF_RLIMIT_STACK] = -1,
                [CONF_RLIMIT_CORE] = -1, [CONF_RLIMIT_RSS] = -1, [CONF_RLIMIT_AS] = -1,
                [CONF_RLIMIT_NPROC] = -1, [CONF_RLIMIT_NOFILE] = 256,
                [CONF_RLIMIT_MEMLOCK] = -1, [CONF_RLIMIT_LOCKS] = -1,
                [CONF_RLIMIT_SIGPENDING] = -1, [CONF_RLIMIT_MSGQUEUE] = -1,
                [CONF_RLIMIT_NICE] = 31, [CONF_RLIMIT_RTPRIO] = 9, [CONF_RLIMIT_RTTIME] = 200000,
        };

        *c = (DaemonConf){
                .fail = true,
                .high_priority = true,
                .nice_level = -11,
                .realtime_scheduling = true,
                .realtime_priority = 5,
                .use_pid_file = true,
                .local_server_type = LOCAL_SERVER_USER,
                .no_cpu_limit = true,
                .enable_memfd = true,
                .rescue_streams = true,
                .enable_deferred_volume = true,
                .exit_idle_time = 20,
                .scache_idle_time = 20,
                .load_default_script_file = true,
                .log_level = LOG_LEVEL_NOTICE,
                .resample_method = "auto",
                .remixing_use_all_sink_channels = true,
                .default_sample_spec = { .format = SAMPLE_S16LE, .channels = 2, .rate = 44100 },
                .alternate_sample_rate = 48000,
                .default_channel_map = { .channels = 2,
                                         .map = { CHANNEL_FRONT_LEFT, CHANNEL_FRONT_RIGHT } },
                .default_n_fragments = 4,
                .default_fragment_size_msec = 25,
                .deferred_volume_safety_margin_usec = 8000,
                .system_isolation = true,
                .max_connections = 256,
                .auth_timeout_sec = 60,
                .per_uid_max_connections = 64,
                .command = DAEMON_CMD_START_DAEMON,
        };
        memcpy(c->rlimit, rlimits, sizeof(rlimits));
        c->resample_method = resample_method_lookup("auto");

        c->dl_search_path = strdup(PULSECOMPAT_MODULE_DIR);
        c->system_user = strdup("pulse");
        c->system_group = strdup("pulse");
        c->access_group = strdup("pulse-access");
        c->admin_group = strdup("pulse-admin");
        c->system_runtime_dir = strdup(PULSECOMPAT_SYSTEM_RUNTIME_DIR);
        c->system_state_dir = strdup(PULSECOMPAT_SYSTEM_STATE_DIR);
        if (!c->dl_search_path || !c->system_user || !c->system_group || !c->access_group ||
            !c->admin_group || !c->system_runtime_dir || !c->system_state_dir)
                return -ENOMEM;
        return 0;
}

void daemon_conf_deinit(DaemonConf *c) {
        free(c->dl_search_path);
        free(c->default_script_file);
        free(c->log_target);
        free(c->system_user);
        free(c->system_group);
        free(c->access_group);
        free(c->admin_group);
        free(c->system_runtime_dir);
        free(c->system_state_dir);
        free(c->config_file);
        conf_buf_deinit(&c->script_commands);
        memset(c, 0, sizeof(*c));
}

/* ---- the file parser ---- */

static char *strip(char *s) {
        char *e;

        while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
                s++;
        e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
                *--e = 0;
        return s;
}

static int conf_parse_file(DaemonConf *c, const char *path, FILE *f, unsigned depth);

/* .include: relative paths are relative to the including file's directory. */
static int conf_include(DaemonConf *c, const ConfWhere *w, const char *target, unsigned depth) {
        _c_cleanup_free_ char *full = NULL;
        FILE *f;
        int r;

        if (depth >= CONF_INCLUDE_DEPTH_MAX) {
                conf_log_where(LOG_LEVEL_ERROR, w, ".include nesting deeper than %u levels.",
                               CONF_INCLUDE_DEPTH_MAX);
                return CONF_E_PARSE;
        }
        if (target[0] == '/') {
                full = strdup(target);
        } else {
                const char *slash = strrchr(w->file, '/');

                if (slash)
                        r = asprintf(&full, "%.*s/%s", (int)(slash - w->file), w->file, target);
                else
                        r = asprintf(&full, "%s", target);
                if (r < 0)
                        full = NULL;
        }
        if (!full)
                return -ENOMEM;

        f = fopen(full, "re");
        if (!f) {
                /* pulseaudio ignores a missing include */
                log_debug("Failed to open configuration file '%s': %s", full, strerror(errno));
                return 0;
        }
        r = conf_parse_file(c, full, f, depth + 1);
        fclose(f);
        return r;
}

/*
 * Parses one open file. The first error stops the file (pulseaudio does the
 * same); the caller decides whether it is fatal.
 */
static int conf_parse_file(DaemonConf *c, const char *path, FILE *f, unsigned depth) {
        _c_cleanup_free_ char *buf = NULL;
        _c_cleanup_free_ char *section = NULL;
        ConfWhere w = { .file = path };
        size_t n = 0;
        ssize_t len;
        int r;

        log_debug("Parsing configuration file '%s'", path);
        while ((len = getline(&buf, &n, f)) >= 0) {
                char *line, *eq, *key, *value;

                w.line++;
                if ((size_t)len != strlen(buf)) {
                        conf_log_where(LOG_LEVEL_ERROR, &w, "Line contains a NUL byte.");
                        return CONF_E_PARSE;
                }
                buf[strcspn(buf, "#;")] = 0;
                line = strip(buf);
                if (!*line)
                        continue;

                if (strncmp(line, ".include", 8) == 0 && (line[8] == ' ' || line[8] == '\t')) {
                        r = conf_include(c, &w, strip(line + 8), depth);
                        if (r)
                                return r;
                        continue;
                }

                if (line[0] == '[') {
                        size_t l = strlen(line);

                        if (l < 2 || line[l - 1] != ']') {
                                conf_log_where(LOG_LEVEL_ERROR, &w, "Invalid section header.");
                                return CONF_E_PARSE;
                        }
                        line[l - 1] = 0;
                        if (strcmp(line + 1, "Properties") == 0) {
                                conf_log_where(LOG_LEVEL_ERROR, &w,
                                               "\"Properties\" section is not allowed in this file.");
                                return CONF_E_PARSE;
                        }
                        free(section);
                        section = strdup(line + 1);
                        if (!section)
                                return -ENOMEM;
                        continue;
                }

                eq = strchr(line, '=');
                if (!eq) {
                        conf_log_where(LOG_LEVEL_ERROR, &w, "Missing '='.");
                        return CONF_E_PARSE;
                }
                *eq = 0;
                key = strip(line);
                value = strip(eq + 1);

                r = conf_set(c, key, value, &w);
                if (r == CONF_E_UNKNOWN_KEY) {
                        conf_log_where(LOG_LEVEL_ERROR, &w, "Unknown lvalue '%s' in section '%s'.",
                                       key, section ? section : "n/a");
                        return CONF_E_PARSE;
                }
                if (r == CONF_E_BAD_VALUE)
                        return CONF_E_PARSE;    /* conf_set() logged it */
                if (r)
                        return r;
        }
        if (ferror(f))
                return -EIO;
        return 0;
}

static int conf_name_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static void strv_free(char **v, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

/* Every "*.conf" entry of dir (hidden ones too, as pulseaudio), strcmp-sorted. */
static int conf_list_dir(const char *dir, char ***ret, size_t *ret_n) {
        DIR *d = opendir(dir);
        struct dirent *de;
        char **v = NULL;
        size_t n = 0, a = 0;

        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                size_t l = strlen(de->d_name);

                if (l < 5 || strcmp(de->d_name + l - 5, ".conf") != 0)
                        continue;
                if (n == a) {
                        char **nv;

                        a = a ? a * 2 : 16;
                        nv = realloc(v, a * sizeof(*v));
                        if (!nv)
                                goto oom;
                        v = nv;
                }
                v[n] = strdup(de->d_name);
                if (!v[n])
                        goto oom;
                n++;
        }
        closedir(d);
        if (n)
                qsort(v, n, sizeof(*v), conf_name_cmp);
        *ret = v;
        *ret_n = n;
        return 0;

oom:
        closedir(d);
        strv_free(v, n);
        return -ENOMEM;
}

static int conf_load_dropins(DaemonConf *c, const char *path) {
        _c_cleanup_free_ char *dir = NULL;
        char **names = NULL;
        size_t n = 0;
        int r;

        if (asprintf(&dir, "%s.d", path) < 0) {
                dir = NULL;
                return -ENOMEM;
        }
        r = conf_list_dir(dir, &names, &n);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                log_debug("%s: %s, ignoring.", dir, strerror(-r));
                return 0;
        }
        for (size_t i = 0; i < n; i++) {
                _c_cleanup_free_ char *file = NULL;
                struct stat st;
                FILE *f;

                if (asprintf(&file, "%s/%s", dir, names[i]) < 0) {
                        file = NULL;
                        r = -ENOMEM;
                        break;
                }
                f = fopen(file, "re");
                if (f && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
                        fclose(f);
                        f = NULL;
                        errno = EISDIR;
                }
                if (!f) {
                        log_warn("Failed to read configuration file '%s': %s", file, strerror(errno));
                        continue;
                }
                /* As observed on pulseaudio: an error in a drop-in is logged, not fatal. */
                r = conf_parse_file(c, file, f, 0);
                fclose(f);
                if (r < 0)
                        break;
                r = 0;
        }
        strv_free(names, n);
        return r;
}

int daemon_conf_load(DaemonConf *c, const char *path, bool missing_ok) {
        FILE *f;
        char *copy;
        int r;

        f = fopen(path, "re");
        if (!f) {
                r = -errno;
                if (r == -ENOENT) {
                        log_debug("Configuration file '%s' does not exist.", path);
                        return missing_ok ? 0 : CONF_E_NOT_FOUND;
                }
                log_warn("Failed to open configuration file '%s': %s", path, strerror(-r));
                return r;
        }
        copy = strdup(path);
        if (!copy) {
                fclose(f);
                return -ENOMEM;
        }
        free(c->config_file);
        c->config_file = copy;

        r = conf_parse_file(c, path, f, 0);
        fclose(f);
        if (r)
                return r;
        return conf_load_dropins(c, path);
}

/* $HOME, else the passwd entry's home; NULL if neither. */
static const char *conf_home(void) {
        const char *h = getenv("HOME");
        struct passwd *pw;

        if (h && *h)
                return h;
        pw = getpwuid(getuid());
        return pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
}

static bool file_exists(const char *p) {
        return access(p, F_OK) == 0;
}

/* First existing of PULSE_CONFIG_PATH/name or ~/.pulse/name, ~/.config/pulse/name. */
static int conf_user_file(const char *name, char **ret) {
        const char *env = getenv("PULSE_CONFIG_PATH"), *home = conf_home();
        char *p = NULL;

        *ret = NULL;
        if (env && *env) {
                if (asprintf(&p, "%s/%s", env, name) < 0)
                        return -ENOMEM;
                if (file_exists(p)) {
                        *ret = p;
                        return 0;
                }
                free(p);
                return 0;       /* observed: PULSE_CONFIG_PATH replaces the home lookup */
        }
        if (!home)
                return 0;
        if (asprintf(&p, "%s/.pulse/%s", home, name) < 0)
                return -ENOMEM;
        if (file_exists(p)) {
                *ret = p;
                return 0;
        }
        free(p);
        if (asprintf(&p, "%s/.config/pulse/%s", home, name) < 0)
                return -ENOMEM;
        if (file_exists(p)) {
                *ret = p;
                return 0;
        }
        free(p);
        return 0;
}

int daemon_conf_load_default(DaemonConf *c) {
        _c_cleanup_free_ char *user = NULL;
        const char *env = getenv("PULSE_CONFIG");
        int r;

        if (env && *env) {
                r = daemon_conf_load(c, env, false);
                if (r == CONF_E_NOT_FOUND) {
                        log_warn("Failed to open configuration file '%s': %s", env, strerror(ENOENT));
                        return 0;
                }
                /* an unreadable $PULSE_CONFIG was logged; pulseaudio goes on with defaults */
                return r < 0 && r != -ENOMEM ? 0 : r;
        }
        r = conf_user_file("daemon.conf", &user);
        if (r < 0)
                return r;
        r = daemon_conf_load(c, user ? user : PULSECOMPAT_CONFIG_DIR "/daemon.conf", true);
        /* an unreadable file was logged as a warning; go on with what we have */
        return r < 0 && r != -ENOMEM ? 0 : r;
}

int daemon_conf_apply_env(DaemonConf *c) {
        const char *s;
        int r;

        s = getenv("PULSE_DLPATH");
        if (s) {
                r = set_string(&c->dl_search_path, s);
                if (r < 0)
                        return r;
        }
        s = getenv("PULSE_SCRIPT");
        if (s && *s) {
                r = set_string(&c->default_script_file, s);
                if (r < 0)
                        return r;
        }
        return 0;
}

const char *daemon_conf_default_script_name(const DaemonConf *c) {
        if (c->default_script_file)
                return c->default_script_file;
        return c->system_instance ? PULSECOMPAT_CONFIG_DIR "/system.pa"
                                  : PULSECOMPAT_CONFIG_DIR "/default.pa";
}

int daemon_conf_script_file(const DaemonConf *c, char **ret) {
        char *p = NULL;
        int r;

        if (!c->default_script_file && !c->system_instance) {
                r = conf_user_file("default.pa", &p);
                if (r < 0)
                        return r;
        }
        if (!p)
                p = strdup(daemon_conf_default_script_name(c));
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

int daemon_conf_apply_log(const DaemonConf *c, bool daemonized) {
        LogTarget t = LOG_TARGET_AUTO;
        const char *path = NULL;
        int r;

        log_set_level(c->log_level);
        log_set_meta(c->log_meta);
        log_set_time(c->log_time);
        if (c->log_target) {
                r = log_parse_target(c->log_target, &t, &path);
                if (r < 0)
                        return r;
        } else if (daemonized) {
                t = LOG_TARGET_JOURNAL;
                if (access("/run/systemd/journal/socket", F_OK) < 0)
                        t = LOG_TARGET_SYSLOG;
        }
        return log_set_target(t, path);
}

/* ---- --dump-conf ---- */

static const char *yes_no(bool b) {
        return b ? "yes" : "no";
}

void daemon_conf_dump(const DaemonConf *c, FILE *f) {
        static const char *const server_types[] = { "user", "system", "none" };
        static const char *const rlimit_names[_CONF_RLIMIT_N] = {
                "fsize", "data", "stack", "core", "rss", "as", "nproc", "nofile", "memlock",
                "locks", "sigpending", "msgqueue", "nice", "rtprio", "rttime",
        };
        char map[512];

        /* Same keys, order and spelling as pulseaudio 16.1; "log-target = " (with
         * the trailing space) when unset. Our own keys follow its list. */
        if (c->config_file)
                fprintf(f, "### Read from configuration file: %s ###\n", c->config_file);
        fprintf(f, "daemonize = %s\n", yes_no(c->daemonize));
        fprintf(f, "fail = %s\n", yes_no(c->fail));
        fprintf(f, "high-priority = %s\n", yes_no(c->high_priority));
        fprintf(f, "nice-level = %i\n", c->nice_level);
        fprintf(f, "realtime-scheduling = %s\n", yes_no(c->realtime_scheduling));
        fprintf(f, "realtime-priority = %i\n", c->realtime_priority);
        fprintf(f, "allow-module-loading = %s\n", yes_no(!c->disallow_module_loading));
        fprintf(f, "allow-exit = %s\n", yes_no(!c->disallow_exit));
        fprintf(f, "use-pid-file = %s\n", yes_no(c->use_pid_file));
        fprintf(f, "system-instance = %s\n", yes_no(c->system_instance));
        fprintf(f, "local-server-type = %s\n",
                (unsigned)c->local_server_type < _LOCAL_SERVER_N ?
                server_types[c->local_server_type] : "user");
        fprintf(f, "cpu-limit = %s\n", yes_no(!c->no_cpu_limit));
        fprintf(f, "enable-shm = %s\n", yes_no(!c->disable_shm));
        fprintf(f, "flat-volumes = %s\n", yes_no(c->flat_volumes));
        fprintf(f, "rescue-streams = %s\n", yes_no(c->rescue_streams));
        fprintf(f, "lock-memory = %s\n", yes_no(c->lock_memory));
        fprintf(f, "exit-idle-time = %i\n", c->exit_idle_time);
        fprintf(f, "scache-idle-time = %i\n", c->scache_idle_time);
        fprintf(f, "dl-search-path = %s\n", c->dl_search_path ? c->dl_search_path : "");
        fprintf(f, "default-script-file = %s\n", daemon_conf_default_script_name(c));
        fprintf(f, "load-default-script-file = %s\n", yes_no(c->load_default_script_file));
        fprintf(f, "log-target = %s\n", c->log_target ? c->log_target : "");
        fprintf(f, "log-level = %s\n", conf_log_level_to_string(c->log_level));
        fprintf(f, "resample-method = %s\n", c->resample_method ? c->resample_method : "auto");
        fprintf(f, "avoid-resampling = %s\n", yes_no(c->avoid_resampling));
        fprintf(f, "enable-remixing = %s\n", yes_no(!c->disable_remixing));
        fprintf(f, "remixing-use-all-sink-channels = %s\n",
                yes_no(c->remixing_use_all_sink_channels));
        fprintf(f, "remixing-produce-lfe = %s\n", yes_no(c->remixing_produce_lfe));
        fprintf(f, "remixing-consume-lfe = %s\n", yes_no(c->remixing_consume_lfe));
        fprintf(f, "lfe-crossover-freq = %u\n", c->lfe_crossover_freq);
        fprintf(f, "default-sample-format = %s\n",
                sample_format_to_string(c->default_sample_spec.format) ?: "(invalid)");
        fprintf(f, "default-sample-rate = %u\n", c->default_sample_spec.rate);
        fprintf(f, "alternate-sample-rate = %u\n", c->alternate_sample_rate);
        fprintf(f, "default-sample-channels = %u\n", c->default_sample_spec.channels);
        fprintf(f, "default-channel-map = %s\n",
                channel_map_snprint(map, sizeof(map), &c->default_channel_map));
        fprintf(f, "default-fragments = %i\n", c->default_n_fragments);
        fprintf(f, "default-fragment-size-msec = %i\n", c->default_fragment_size_msec);
        fprintf(f, "enable-deferred-volume = %s\n", yes_no(c->enable_deferred_volume));
        fprintf(f, "deferred-volume-safety-margin-usec = %u\n",
                c->deferred_volume_safety_margin_usec);
        fprintf(f, "deferred-volume-extra-delay-usec = %i\n", c->deferred_volume_extra_delay_usec);
        fprintf(f, "shm-size-bytes = %lu\n", (unsigned long)c->shm_size);
        fprintf(f, "log-meta = %s\n", yes_no(c->log_meta));
        fprintf(f, "log-time = %s\n", yes_no(c->log_time));
        fprintf(f, "log-backtrace = %u\n", c->log_backtrace);
        for (unsigned i = 0; i < _CONF_RLIMIT_N; i++)
                fprintf(f, "rlimit-%s = %lli\n", rlimit_names[i], (long long)c->rlimit[i]);

        fprintf(f, "system-user = %s\n", c->system_user ? c->system_user : "");
        fprintf(f, "system-group = %s\n", c->system_group ? c->system_group : "");
        fprintf(f, "access-group = %s\n", c->access_group ? c->access_group : "");
        fprintf(f, "admin-group = %s\n", c->admin_group ? c->admin_group : "");
        fprintf(f, "system-isolation = %s\n", yes_no(c->system_isolation));
        fprintf(f, "max-connections = %u\n", c->max_connections);
        fprintf(f, "auth-timeout-sec = %u\n", c->auth_timeout_sec);
        fprintf(f, "per-uid-max-connections = %u\n", c->per_uid_max_connections);
        fprintf(f, "system-runtime-dir = %s\n", c->system_runtime_dir ? c->system_runtime_dir : "");
        fprintf(f, "system-state-dir = %s\n", c->system_state_dir ? c->system_state_dir : "");
}
