/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* script.c: the startup-script language (system-mode.md §6).
 *
 * A script is run line by line; nothing is parsed ahead, so a command takes
 * effect before the next line is read, exactly as in pulseaudio (a module
 * loaded on line 3 exists for ".ifexists" on line 4). Every line is copied
 * into a fixed buffer of SCRIPT_LINE_MAX + 1 bytes before it is looked at,
 * so a hostile file costs at most SCRIPT_FILE_SIZE_MAX bytes of memory and
 * SCRIPT_INCLUDE_DEPTH_MAX open files.
 *
 * State: the *fail* flag belongs to the whole run (an included file's
 * ".nofail" stays in effect after it returns, as observed on pulseaudio);
 * the ".ifexists" stack belongs to one file (".endif" cannot close a
 * conditional opened by the includer). Inside a false branch only
 * .ifexists/.else/.endif are looked at.
 *
 * Error reporting: every message starts with "FILE:LINE: " and then, where
 * pulseaudio has a message for the same mistake, its wording ("Unknown
 * command: LINE", "Failed to parse volume."). A command error counts as one
 * failure: while *fail* is set the run stops and returns SCRIPT_E_FAILED;
 * under .nofail it is logged and the next line runs.
 *
 * Deliberate extensions over pulseaudio 16.1, all of them accepting scripts
 * it would reject, never the other way round: nested .ifexists, ';' comment
 * lines, trailing whitespace after meta commands, volumes in % and dB,
 * log levels by name, relative .include paths resolved against the
 * including file's directory (pulseaudio resolves them against "/", its
 * working directory after start-up).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "engine/base/log.h"
#include "pulsecompat/conf.h"
#include "pulsecompat/script.h"

typedef struct ScriptRun {
        const ScriptOps *ops;
        void *userdata;
        bool fail;                      /* errors are fatal; shared by all files of the run */
        unsigned depth;                 /* current .include nesting */
        unsigned n_errors;              /* errors logged (also under .nofail) */
} ScriptRun;

typedef struct ScriptIf {
        bool parent_active;             /* were lines running when .ifexists was read? */
        bool taken;                     /* condition of the current branch */
        bool in_else;
} ScriptIf;

typedef struct ScriptFile {
        const char *name;               /* for messages */
        const char *dir;                /* base of relative .include paths; NULL = cwd */
        unsigned line;
        unsigned n_ifs;
        ScriptIf ifs[SCRIPT_IF_DEPTH_MAX];
} ScriptFile;

static ScriptModuleExistsFn script_module_exists;
static char *script_dl_search_path;

void script_set_module_exists(ScriptModuleExistsFn fn) {
        script_module_exists = fn;
}

int script_set_dl_search_path(const char *path) {
        char *p = NULL;

        if (path) {
                p = strdup(path);
                if (!p)
                        return -ENOMEM;
        }
        free(script_dl_search_path);
        script_dl_search_path = p;
        return 0;
}

static int script_run_text(ScriptRun *run, const char *text, size_t size, const char *name,
                           const char *dir);
static int script_include(ScriptRun *run, ScriptFile *sf, const char *path);

/* ---- messages ---- */

static void script_log(LogLevel level, const ScriptFile *sf, const char *fmt, ...) _c_printf_(3, 4);

static void script_log(LogLevel level, const ScriptFile *sf, const char *fmt, ...) {
        char msg[SCRIPT_LINE_MAX + 256];
        va_list ap;

        if (level > log_get_level())
                return;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        log_full(level, __FILE__, __LINE__, __func__, "%s:%u: %s", sf->name, sf->line, msg);
}

/* Logs a command error; returns 1 so a handler can "return script_error(...)". */
#define script_error(sf, ...) (script_log(LOG_LEVEL_ERROR, (sf), __VA_ARGS__), 1)

/* Counts one failure and decides: stop (SCRIPT_E_FAILED) or go on (0). */
static int script_failed(ScriptRun *run) {
        run->n_errors++;
        return run->fail ? SCRIPT_E_FAILED : 0;
}

/* An op's result: 0 stays 0, anything else is a logged failure (1). */
static int script_op_result(const ScriptFile *sf, int r, const char *cmd, const char *what) {
        if (r == 0)
                return 0;
        if (r < 0)
                return script_error(sf, "%s%s%s failed: %s", cmd, what ? " " : "", what ? what : "",
                                    strerror(-r));
        return script_error(sf, "%s%s%s failed (error %d).", cmd, what ? " " : "",
                            what ? what : "", r);
}

static int script_unsupported(const ScriptFile *sf, const char *cmd) {
        return script_error(sf, "%s: command not supported by pulsecompat.", cmd);
}

/* ---- words ---- */

static bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

static char *skip_blank(char *p) {
        while (is_blank(*p))
                p++;
        return p;
}

static void trim_end(char *s) {
        size_t n = strlen(s);

        while (n > 0 && is_blank(s[n - 1]))
                s[--n] = 0;
}

/* Cuts the next blank-separated word out of *p; NULL at the end of the line. */
static char *next_word(char **p) {
        char *w = skip_blank(*p), *e;

        if (!*w) {
                *p = w;
                return NULL;
        }
        e = w;
        while (*e && !is_blank(*e))
                e++;
        if (*e)
                *e++ = 0;
        *p = e;
        return w;
}

/* The rest of the line, leading and trailing blanks removed; NULL if empty. */
static char *rest_trimmed(char **p) {
        char *r = skip_blank(*p);

        trim_end(r);
        *p = r + strlen(r);
        return *r ? r : NULL;
}

/* Raw integers as pulseaudio's CLI takes them (decimal or 0x-hex), else our volume_parse(). */
static int script_parse_volume(const char *s, Volume *ret) {
        char *end;
        unsigned long long v;

        if (s[0] >= '0' && s[0] <= '9') {
                errno = 0;
                v = strtoull(s, &end, 0);
                if (!*end) {
                        if (errno || v > VOLUME_MAX)
                                return -ERANGE;
                        *ret = (Volume)v;
                        return 0;
                }
        }
        return volume_parse(s, ret);
}

/* ---- commands ---- */

typedef int (*ScriptCommandFn)(ScriptRun *run, ScriptFile *sf, const char *cmd, char *args);

static int cmd_load_module(ScriptRun *run, ScriptFile *sf, const char *cmd, char *args) {
        char *name = next_word(&args), *margs;
        uint32_t index = UINT32_MAX;
        int r;

        if (!name)
                return script_error(sf, "You need to specify the module name and optionally arguments.");
        if (!run->ops->load_module)
                return script_unsupported(sf, cmd);
        /* the arguments are the rest of the line, verbatim (quotes, inner and trailing blanks) */
        margs = skip_blank(args);
        r = run->ops->load_module(run->userdata, name, *margs ? margs : NULL, &index);
        if (r == 0)
                script_log(LOG_LEVEL_DEBUG, sf, "Loaded \"%s\" (index #%u).", name, index);
        return script_op_result(sf, r, cmd, name);
}

static int cmd_unload_module(ScriptRun *run, ScriptFile *sf, const char *cmd, char *args) {
        char *what = rest_trimmed(&args);

        if (!what)
                return script_error(sf, "You need to specify the module index or name.");
        if (!run->ops->unload_module)
                return script_unsupported(sf, cmd);
        return script_op_result(sf, run->ops->unload_module(run->userdata, what), cmd, what);
}

static bool cmd_is_sink(const char *cmd) {
        return strstr(cmd, "sink") != NULL;
}

static int cmd_need_device(const ScriptFile *sf, const char *cmd) {
        return script_error(sf, "You need to specify a %s either by its name or its index.",
                            cmd_is_sink(cmd) ? "sink" : "source");
}

static int cmd_set_default(ScriptRun *run, ScriptFile *sf, const char *cmd, char *args) {
        int (*op)(void *, const char *) = cmd_is_sink(cmd) ? run->ops->set_default_sink
                                                           : run->ops->set_default_source;
        char *name = rest_trimmed(&args);

        if (!name)
                return cmd_need_device(sf, cmd);
        if (!op)
                return script_unsupported(sf, cmd);
        return script_op_result(sf, op(run->userdata, name), cmd, name);
}

static int cmd_set_volume(ScriptRun *run, ScriptFile *sf, const char *cmd, char *args) {
        int (*op)(void *, const char *, Volume) = cmd_is_sink(cmd) ? run->ops->set_sink_volume
                                                                   : run->ops->set_source_volume;
        char *name = next_word(&args), *vs;
        Volume v;

        if (!name)
                return cmd_need_device(sf, cmd);
        vs = rest_trimmed(&args);
        if (!vs)
                return script_error(sf, "You need to specify a volume >= 0. (0 is muted, 0x10000 "
                                    "is normal volume)");
        if (script_parse_volume(vs, &v) < 0)
                return script_error(sf, "Failed to parse volume.");
        if (!op)
                return script_unsupported(sf, cmd);
        return script_op_result(sf, op(run->userdata, name, v), cmd, name);
}

static int cmd_set_mute(ScriptRun *run, ScriptFile *sf, const char *cmd, char *args) {
        int (*op)(void *, const char *, bool) = cmd_is_sink(cmd) ? run->ops->set_sink_mute
                                                                 : run->ops->set_source_mute;
        char *name = next_word(&args), *bs;
        int b;

        if (!name)
                return cmd_need_device(sf, cmd);
        bs = rest_trimmed(&args);
        if (!bs)
                return script_error(sf, "You need to specify a mute switch setting (0/1).");
        b = conf_parse_bool(bs);
        if (b < 0)
                return script_error(sf, "Failed to parse mute switch.");
        if (!op)
                return script_unsupported(sf, cmd);
        return script_op_result(sf, op(run->userdata, name, b), cmd, name);
}

static int cmd_suspend_device(ScriptRun *run, ScriptFile *sf, const char *cmd, char *args) {
        int (*op)(void *, const char *, bool) = cmd_is_sink(cmd) ? run->ops->suspend_sink
                                                                 : run->ops->suspend_source;
        char *name = next_word(&args), *bs;
        int b;

        if (!name)
                return cmd_need_device(sf, cmd);
        bs = rest_trimmed(&args);
        if (!bs)
                return script_error(sf, "You need to specify a suspend switch setting (0/1).");
        b = conf_parse_bool(bs);
        if (b < 0)
                return script_error(sf, "Failed to parse suspend switch.");
        if (!op)
                return script_unsupported(sf, cmd);
        return script_op_result(sf, op(run->userdata, name, b), cmd, name);
}

static int cmd_suspend(ScriptRun *run, ScriptFile *sf, const char *cmd, char *args) {
        char *bs = rest_trimmed(&args);
        int b, r = 0;

        if (!bs)
                return script_error(sf, "You need to specify a suspend switch setting (0/1).");
        b = conf_parse_bool(bs);
        if (b < 0)
                return script_error(sf, "Failed to parse suspend switch.");
        if (!run->ops->suspend_sink && !run->ops->suspend_source)
                return script_unsupported(sf, cmd);
        if (run->ops->suspend_sink)
                r = run->ops->suspend_sink(run->userdata, NULL, b);
        if (r == 0 && run->ops->suspend_source)
                r = run->ops->suspend_source(run->userdata, NULL, b);
        return script_op_result(sf, r, cmd, NULL);
}

static int cmd_set_log_level(ScriptRun *run, ScriptFile *sf, const char *cmd, char *args) {
        char *s = rest_trimmed(&args);
        LogLevel l;

        if (!s)
                return script_error(sf, "You need to specify a log level (0..4).");
        if (conf_parse_log_level(s, &l) < 0)
                return script_error(sf, "Failed to parse log level.");
        log_set_level(l);
        return 0;
}

static int cmd_set_log_flag(ScriptRun *run, ScriptFile *sf, const char *cmd, char *args) {
        bool meta = strcmp(cmd, "set-log-meta") == 0;
        char *s = rest_trimmed(&args);
        int b;

        if (!s)
                return script_error(sf, "You need to specify a boolean.");
        b = conf_parse_bool(s);
        if (b < 0)
                return script_error(sf, "Failed to parse log %s switch.", meta ? "meta" : "time");
        if (meta)
                log_set_meta(b);
        else
                log_set_time(b);
        return 0;
}

static int cmd_set_log_target(ScriptRun *run, ScriptFile *sf, const char *cmd, char *args) {
        char *s = rest_trimmed(&args);
        const char *path;
        LogTarget t;
        int r;

        if (!s)
                return script_error(sf, "You need to specify a log target "
                                    "(null|auto|syslog|journal|stderr|file:PATH|newfile:PATH).");
        if (log_parse_target(s, &t, &path) < 0)
                return script_error(sf, "Invalid log target.");
        r = log_set_target(t, path);
        if (r < 0)
                return script_error(sf, "Failed to set log target %s: %s", s, strerror(-r));
        return 0;
}

static int cmd_set_log_backtrace(ScriptRun *run, ScriptFile *sf, const char *cmd, char *args) {
        char *s = rest_trimmed(&args), *end;

        if (!s)
                return script_error(sf, "You need to specify a backtrace level.");
        errno = 0;
        (void)strtoul(s, &end, 10);
        if (errno || *end || s[0] == '-')
                return script_error(sf, "Failed to parse backtrace level.");
        /* accepted; our logger has no backtraces */
        script_log(LOG_LEVEL_DEBUG, sf, "set-log-backtrace is accepted but has no effect.");
        return 0;
}

static int cmd_exit(ScriptRun *run, ScriptFile *sf, const char *cmd, char *args) {
        if (!run->ops->exit_daemon)
                return script_unsupported(sf, cmd);
        return script_op_result(sf, run->ops->exit_daemon(run->userdata), cmd, NULL);
}

/* Commands that only print something; at start-up there is nobody to read it. */
static int cmd_no_output(ScriptRun *run, ScriptFile *sf, const char *cmd, char *args) {
        script_log(LOG_LEVEL_DEBUG, sf, "%s ignored: a startup script has no output.", cmd);
        return 0;
}

static int cmd_not_supported(ScriptRun *run, ScriptFile *sf, const char *cmd, char *args) {
        return script_unsupported(sf, cmd);
}

static const struct {
        const char *name;
        ScriptCommandFn fn;
} script_commands[] = {
        { "load-module", cmd_load_module },
        { "unload-module", cmd_unload_module },
        { "set-default-sink", cmd_set_default },
        { "set-default-source", cmd_set_default },
        { "set-sink-volume", cmd_set_volume },
        { "set-source-volume", cmd_set_volume },
        { "set-sink-mute", cmd_set_mute },
        { "set-source-mute", cmd_set_mute },
        { "suspend-sink", cmd_suspend_device },
        { "suspend-source", cmd_suspend_device },
        { "suspend", cmd_suspend },
        { "set-log-level", cmd_set_log_level },
        { "set-log-meta", cmd_set_log_flag },
        { "set-log-time", cmd_set_log_flag },
        { "set-log-target", cmd_set_log_target },
        { "set-log-backtrace", cmd_set_log_backtrace },
        { "exit", cmd_exit },

        { "help", cmd_no_output },
        { "list-modules", cmd_no_output },
        { "list-cards", cmd_no_output },
        { "list-sinks", cmd_no_output },
        { "list-sources", cmd_no_output },
        { "list-clients", cmd_no_output },
        { "list-sink-inputs", cmd_no_output },
        { "list-source-outputs", cmd_no_output },
        { "list-samples", cmd_no_output },
        { "stat", cmd_no_output },
        { "info", cmd_no_output },
        { "ls", cmd_no_output },
        { "list", cmd_no_output },
        { "dump", cmd_no_output },
        { "dump-volumes", cmd_no_output },
        { "shared", cmd_no_output },
        { "vacuum", cmd_no_output },

        { "describe-module", cmd_not_supported },
        { "set-sink-input-volume", cmd_not_supported },
        { "set-source-output-volume", cmd_not_supported },
        { "set-sink-input-mute", cmd_not_supported },
        { "set-source-output-mute", cmd_not_supported },
        { "set-card-profile", cmd_not_supported },
        { "set-sink-port", cmd_not_supported },
        { "set-source-port", cmd_not_supported },
        { "set-port-latency-offset", cmd_not_supported },
        { "move-sink-input", cmd_not_supported },
        { "move-source-output", cmd_not_supported },
        { "update-sink-proplist", cmd_not_supported },
        { "update-source-proplist", cmd_not_supported },
        { "update-sink-input-proplist", cmd_not_supported },
        { "update-source-output-proplist", cmd_not_supported },
        { "play-sample", cmd_not_supported },
        { "remove-sample", cmd_not_supported },
        { "load-sample", cmd_not_supported },
        { "load-sample-lazy", cmd_not_supported },
        { "load-sample-dir-lazy", cmd_not_supported },
        { "kill-client", cmd_not_supported },
        { "kill-sink-input", cmd_not_supported },
        { "kill-source-output", cmd_not_supported },
        { "send-message", cmd_not_supported },
        { "play-file", cmd_not_supported },
};

/* ---- meta commands ---- */

static bool script_active(const ScriptFile *sf) {
        const ScriptIf *top;

        if (sf->n_ifs == 0)
                return true;
        top = &sf->ifs[sf->n_ifs - 1];
        return top->parent_active && top->taken;
}

static bool script_module_found(ScriptRun *run, const char *arg) {
        _c_cleanup_free_ char *name = NULL;
        size_t n;
        const char *p;

        if (!*arg)
                return false;
        if (arg[0] == '/')
                return access(arg, F_OK) == 0;
        name = strdup(arg);
        if (!name)
                return false;
        n = strlen(name);
        if (n > 3 && strcmp(name + n - 3, ".so") == 0)
                name[n - 3] = 0;
        if (script_module_exists)
                return script_module_exists(run->userdata, name);
        for (p = script_dl_search_path; p && *p;) {
                size_t l = strcspn(p, ":");
                _c_cleanup_free_ char *path = NULL;

                if (l > 0 && asprintf(&path, "%.*s/%s.so", (int)l, p, name) >= 0 &&
                    access(path, F_OK) == 0)
                        return true;
                p += l;
                if (*p == ':')
                        p++;
        }
        return false;
}

/* Returns 0 to go on, 1 for a logged error, SCRIPT_E_FAILED / <0 to stop. */
static int script_meta(ScriptRun *run, ScriptFile *sf, char *line) {
        char *p = line, *meta = next_word(&p), *arg = rest_trimmed(&p);
        bool active = script_active(sf);

        if (strcmp(meta, ".ifexists") == 0) {
                if (sf->n_ifs >= SCRIPT_IF_DEPTH_MAX)
                        return script_error(sf, ".ifexists nested deeper than %u levels.",
                                            SCRIPT_IF_DEPTH_MAX);
                sf->ifs[sf->n_ifs++] = (ScriptIf){
                        .parent_active = active,
                        /* only probed when it matters: probing may call into the daemon */
                        .taken = active && script_module_found(run, arg ? arg : ""),
                };
                return 0;
        }
        if (strcmp(meta, ".else") == 0 || strcmp(meta, ".endif") == 0) {
                ScriptIf *top;

                if (arg)
                        return script_error(sf, "Invalid meta command: %s %s", meta, arg);
                if (sf->n_ifs == 0)
                        return script_error(sf, "Meta command %s is not valid in this context", meta);
                top = &sf->ifs[sf->n_ifs - 1];
                if (meta[1] == 'e' && meta[2] == 'n') {
                        sf->n_ifs--;
                        return 0;
                }
                if (top->in_else)
                        script_log(LOG_LEVEL_WARN, sf, "Second .else in one conditional; "
                                   "it inverts the condition again.");
                top->in_else = true;
                top->taken = !top->taken;
                return 0;
        }
        if (!active)
                return 0;

        if (strcmp(meta, ".fail") == 0 || strcmp(meta, ".nofail") == 0) {
                if (arg)
                        return script_error(sf, "Invalid meta command: %s %s", meta, arg);
                run->fail = meta[1] == 'f';
                return 0;
        }
        if (strcmp(meta, ".include") == 0) {
                if (!arg)
                        return script_error(sf, ".include needs a file or directory name.");
                return script_include(run, sf, arg);
        }
        if (arg)
                return script_error(sf, "Invalid meta command: %s %s", meta, arg);
        return script_error(sf, "Invalid meta command: %s", meta);
}

/* ---- lines ---- */

/* Returns 0 to go on, 1 for a logged error, SCRIPT_E_FAILED / <0 to stop. */
static int script_line(ScriptRun *run, ScriptFile *sf, char *line) {
        char *p = skip_blank(line), *cmd, *args;

        if (!*p || *p == '#' || *p == ';')
                return 0;
        if (*p == '.')
                return script_meta(run, sf, p);
        if (!script_active(sf))
                return 0;

        args = p;
        cmd = next_word(&args);
        for (size_t i = 0; i < C_ARRAY_SIZE(script_commands); i++)
                if (strcmp(cmd, script_commands[i].name) == 0)
                        return script_commands[i].fn(run, sf, cmd, args);

        /* restore the blank next_word() cut, to quote the whole line as pulseaudio does */
        if (*args && args > cmd + strlen(cmd))
                args[-1] = ' ';
        trim_end(p);
        return script_error(sf, "Unknown command: %s", p);
}

static int script_run_text(ScriptRun *run, const char *text, size_t size, const char *name,
                           const char *dir) {
        ScriptFile sf = { .name = name, .dir = dir };
        char buf[SCRIPT_LINE_MAX + 1];
        size_t pos = 0;
        int r;

        while (pos < size) {
                size_t len = 0;

                while (pos + len < size && text[pos + len] != '\n' && text[pos + len] != '\r')
                        len++;
                sf.line++;
                if (len > SCRIPT_LINE_MAX) {
                        r = script_error(&sf, "Line longer than %u characters.", SCRIPT_LINE_MAX);
                } else if (memchr(text + pos, 0, len)) {
                        r = script_error(&sf, "Line contains a NUL byte.");
                } else {
                        memcpy(buf, text + pos, len);
                        buf[len] = 0;
                        r = script_line(run, &sf, buf);
                }
                if (r == 1)
                        r = script_failed(run);
                if (r)
                        return r;

                pos += len;
                /* "\r\n" is one line end; a lone '\r' or '\n' is one too */
                if (pos < size && text[pos++] == '\r' && pos < size && text[pos] == '\n')
                        pos++;
        }
        if (sf.n_ifs > 0)
                log_warn("%s: %u .ifexists without .endif at the end of the file.", name, sf.n_ifs);
        return 0;
}

/* ---- files ---- */

/* Reads a whole regular file of at most SCRIPT_FILE_SIZE_MAX bytes. */
static int script_read_file(const char *path, char **ret, size_t *ret_size) {
        _c_cleanup_close_ int fd = -1;
        _c_cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t size = 0;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (st.st_size > (off_t)SCRIPT_FILE_SIZE_MAX)
                return -EFBIG;
        buf = malloc(SCRIPT_FILE_SIZE_MAX + 1);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t n = read(fd, buf + size, SCRIPT_FILE_SIZE_MAX + 1 - size);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break;
                size += (size_t)n;
                if (size > SCRIPT_FILE_SIZE_MAX)
                        return -EFBIG;          /* it grew while we read it */
        }
        *ret = buf;
        *ret_size = size;
        buf = NULL;
        return 0;
}

/* Runs one file; open errors are reported at (sf, line) or, at top level, without. */
static int script_run_path(ScriptRun *run, const ScriptFile *from, const char *path) {
        _c_cleanup_free_ char *text = NULL, *dir = NULL;
        const char *slash;
        size_t size = 0;
        int r;

        r = script_read_file(path, &text, &size);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                if (from)
                        script_log(LOG_LEVEL_ERROR, from, "Failed to open script '%s': %s", path,
                                   strerror(-r));
                else
                        log_error("Failed to open script '%s': %s", path, strerror(-r));
                return 1;
        }
        slash = strrchr(path, '/');
        if (slash) {
                dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
                if (!dir)
                        return -ENOMEM;
        }
        log_debug("Parsing script '%s'", path);
        run->depth++;
        r = script_run_text(run, text, size, path, dir);
        run->depth--;
        return r;
}

static int script_name_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* .include DIR: every "*.pa" in it (hidden ones too), in strcmp order. */
static int script_include_dir(ScriptRun *run, ScriptFile *sf, const char *path) {
        DIR *d = opendir(path);
        struct dirent *de;
        char **names = NULL;
        size_t n = 0, a = 0;
        int r = 0;

        if (!d)
                return script_error(sf, "Failed to open directory '%s': %s", path, strerror(errno));
        while ((de = readdir(d))) {
                size_t l = strlen(de->d_name);

                if (l < 3 || strcmp(de->d_name + l - 3, ".pa") != 0)
                        continue;
                if (n == a) {
                        char **nv;

                        a = a ? a * 2 : 16;
                        nv = realloc(names, a * sizeof(*names));
                        if (!nv) {
                                r = -ENOMEM;
                                break;
                        }
                        names = nv;
                }
                names[n] = strdup(de->d_name);
                if (!names[n]) {
                        r = -ENOMEM;
                        break;
                }
                n++;
        }
        closedir(d);
        if (r == 0 && n)
                qsort(names, n, sizeof(*names), script_name_cmp);

        for (size_t i = 0; r == 0 && i < n; i++) {
                _c_cleanup_free_ char *file = NULL;
                struct stat st;

                if (asprintf(&file, "%s/%s", path, names[i]) < 0) {
                        file = NULL;
                        r = -ENOMEM;
                        break;
                }
                if (stat(file, &st) == 0 && !S_ISREG(st.st_mode)) {
                        script_log(LOG_LEVEL_WARN, sf, "Skipping '%s': not a regular file.", file);
                        continue;
                }
                r = script_run_path(run, sf, file);
                if (r == 1)
                        r = script_failed(run);
        }
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
        return r;
}

static int script_include(ScriptRun *run, ScriptFile *sf, const char *arg) {
        _c_cleanup_free_ char *path = NULL;
        struct stat st;

        if (run->depth >= SCRIPT_INCLUDE_DEPTH_MAX)
                return script_error(sf, ".include nested deeper than %u levels (include loop?).",
                                    SCRIPT_INCLUDE_DEPTH_MAX);
        if (arg[0] == '/' || !sf->dir)
                path = strdup(arg);
        else if (asprintf(&path, "%s/%s", sf->dir, arg) < 0)
                path = NULL;
        if (!path)
                return -ENOMEM;

        if (stat(path, &st) < 0)
                return script_error(sf, "Cannot include '%s': %s", path, strerror(errno));
        if (S_ISDIR(st.st_mode))
                return script_include_dir(run, sf, path);
        return script_run_path(run, sf, path);
}

/* ---- entry points ---- */

static int script_result(int r) {
        if (r < 0)
                return r;
        return r ? SCRIPT_E_FAILED : 0;
}

int script_run_file(const char *path, const ScriptOps *ops, void *userdata, bool fail) {
        static const ScriptOps no_ops;
        ScriptRun run = { .ops = ops ? ops : &no_ops, .userdata = userdata, .fail = fail };
        int r;

        if (!path)
                return -EINVAL;
        r = script_run_path(&run, NULL, path);
        if (r == 1)
                r = script_failed(&run);
        return script_result(r);
}

int script_run_string(const char *text, const char *name, const ScriptOps *ops, void *userdata,
                      bool fail) {
        static const ScriptOps no_ops;
        ScriptRun run = { .ops = ops ? ops : &no_ops, .userdata = userdata, .fail = fail };

        if (!text)
                return -EINVAL;
        return script_result(script_run_text(&run, text, strlen(text),
                                                   name ? name : "<string>", NULL));
}
