/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* options.c: the pulseaudio(1)-compatible command line.
 *
 * Every option that has a daemon.conf equivalent is applied through
 * daemon_conf_set() with the conf key's name, so the command line and the
 * file accept exactly the same values; only the error wording differs
 * ("--system expects boolean argument", as pulseaudio prints it).
 *
 * Observed pulseaudio 16.1 behaviours kept on purpose:
 *   - numeric options (--exit-idle-time, --scache-idle-time,
 *     --log-backtrace) are read like atoi(): "x" is 0 and "5x" is 5. We keep
 *     the values but warn, so scripts that work with pulseaudio still work;
 *   - the last command option wins (--help --version prints the version);
 *   - "--system yes" (value without '=') leaves "yes" as an extra argument,
 *     which is "Too many arguments.".
 * Our addition: -L/-F arguments with a newline are refused, because they are
 * spliced into script text line by line.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pulsecompat/options.h"

enum {
        OPT_HELP = 'h',
        OPT_DAEMONIZE = 'D',
        OPT_KILL = 'k',
        OPT_VERBOSE = 'v',
        OPT_LOAD = 'L',
        OPT_FILE = 'F',
        OPT_DL_SEARCH_PATH = 'p',
        OPT_VERSION = 256,
        OPT_DUMP_CONF,
        OPT_DUMP_MODULES,
        OPT_DUMP_RESAMPLE_METHODS,
        OPT_CLEANUP_SHM,
        OPT_START,
        OPT_CHECK,
        OPT_SYSTEM,
        OPT_FAIL,
        OPT_HIGH_PRIORITY,
        OPT_REALTIME,
        OPT_DISALLOW_MODULE_LOADING,
        OPT_DISALLOW_EXIT,
        OPT_EXIT_IDLE_TIME,
        OPT_SCACHE_IDLE_TIME,
        OPT_LOG_LEVEL,
        OPT_LOG_TARGET,
        OPT_LOG_META,
        OPT_LOG_TIME,
        OPT_LOG_BACKTRACE,
        OPT_RESAMPLE_METHOD,
        OPT_USE_PID_FILE,
        OPT_NO_CPU_LIMIT,
        OPT_DISABLE_SHM,
        OPT_ENABLE_MEMFD,
};

static const struct option long_options[] = {
        { "help", no_argument, NULL, OPT_HELP },
        { "version", no_argument, NULL, OPT_VERSION },
        { "dump-conf", no_argument, NULL, OPT_DUMP_CONF },
        { "dump-modules", no_argument, NULL, OPT_DUMP_MODULES },
        { "dump-resample-methods", no_argument, NULL, OPT_DUMP_RESAMPLE_METHODS },
        { "cleanup-shm", no_argument, NULL, OPT_CLEANUP_SHM },
        { "start", no_argument, NULL, OPT_START },
        { "kill", no_argument, NULL, OPT_KILL },
        { "check", no_argument, NULL, OPT_CHECK },
        { "system", optional_argument, NULL, OPT_SYSTEM },
        { "daemonize", optional_argument, NULL, OPT_DAEMONIZE },
        { "fail", optional_argument, NULL, OPT_FAIL },
        { "high-priority", optional_argument, NULL, OPT_HIGH_PRIORITY },
        { "realtime", optional_argument, NULL, OPT_REALTIME },
        { "disallow-module-loading", optional_argument, NULL, OPT_DISALLOW_MODULE_LOADING },
        { "disallow-exit", optional_argument, NULL, OPT_DISALLOW_EXIT },
        { "exit-idle-time", required_argument, NULL, OPT_EXIT_IDLE_TIME },
        { "scache-idle-time", required_argument, NULL, OPT_SCACHE_IDLE_TIME },
        { "log-level", optional_argument, NULL, OPT_LOG_LEVEL },
        { "verbose", optional_argument, NULL, OPT_VERBOSE },
        { "log-target", required_argument, NULL, OPT_LOG_TARGET },
        { "log-meta", optional_argument, NULL, OPT_LOG_META },
        { "log-time", optional_argument, NULL, OPT_LOG_TIME },
        { "log-backtrace", required_argument, NULL, OPT_LOG_BACKTRACE },
        { "dl-search-path", required_argument, NULL, OPT_DL_SEARCH_PATH },
        { "resample-method", required_argument, NULL, OPT_RESAMPLE_METHOD },
        { "use-pid-file", optional_argument, NULL, OPT_USE_PID_FILE },
        { "no-cpu-limit", optional_argument, NULL, OPT_NO_CPU_LIMIT },
        { "disable-shm", optional_argument, NULL, OPT_DISABLE_SHM },
        { "enable-memfd", optional_argument, NULL, OPT_ENABLE_MEMFD },
        { "load", required_argument, NULL, OPT_LOAD },
        { "file", required_argument, NULL, OPT_FILE },
        { NULL, 0, NULL, 0 },
};

/* Boolean options: option id, the name in messages, the daemon.conf key. */
static const struct {
        int id;
        const char *option;
        const char *key;
} bool_options[] = {
        { OPT_SYSTEM, "system", "system-instance" },
        { OPT_DAEMONIZE, "daemonize", "daemonize" },
        { OPT_FAIL, "fail", "fail" },
        { OPT_HIGH_PRIORITY, "high-priority", "high-priority" },
        { OPT_REALTIME, "realtime", "realtime-scheduling" },
        { OPT_DISALLOW_MODULE_LOADING, "disallow-module-loading", "disallow-module-loading" },
        { OPT_DISALLOW_EXIT, "disallow-exit", "disallow-exit" },
        { OPT_LOG_META, "log-meta", "log-meta" },
        { OPT_LOG_TIME, "log-time", "log-time" },
        { OPT_USE_PID_FILE, "use-pid-file", "use-pid-file" },
        { OPT_NO_CPU_LIMIT, "no-cpu-limit", "no-cpu-limit" },
        { OPT_DISABLE_SHM, "disable-shm", "disable-shm" },
        { OPT_ENABLE_MEMFD, "enable-memfd", "enable-memfd" },
};

/* atoi()-like, as pulseaudio reads these options; warns about what it dropped. */
static long options_lenient_number(const char *option, const char *arg) {
        char *end;
        long v;

        errno = 0;
        v = strtol(arg, &end, 10);
        if (errno == ERANGE || v > INT_MAX || v < INT_MIN) {
                v = v < 0 ? INT_MIN : INT_MAX;
                log_warn("--%s: '%s' is out of range, using %ld.", option, arg, v);
        } else if (end == arg || *end) {
                log_warn("--%s: '%s' is not a number, using %ld.", option, arg, v);
        }
        return v;
}

static int options_add_script_line(DaemonConf *c, const char *option, const char *prefix,
                                   const char *arg) {
        if (strpbrk(arg, "\r\n")) {
                log_error("%s: the argument must not contain a line break.", option);
                return OPTIONS_E_USAGE;
        }
        return conf_buf_appendf(&c->script_commands, "%s%s\n", prefix, arg);
}

static int options_add_file(DaemonConf *c, const char *arg) {
        _c_cleanup_free_ char *abs = NULL;
        char cwd[PATH_MAX];

        if (arg[0] == '/')
                return options_add_script_line(c, "--file", ".include ", arg);
        if (!getcwd(cwd, sizeof(cwd))) {
                log_error("--file: cannot make '%s' absolute: %s", arg, strerror(errno));
                return OPTIONS_E_USAGE;
        }
        if (asprintf(&abs, "%s%s%s", cwd, strcmp(cwd, "/") == 0 ? "" : "/", arg) < 0) {
                abs = NULL;
                return -ENOMEM;
        }
        return options_add_script_line(c, "--file", ".include ", abs);
}

static int options_set_level(DaemonConf *c, const char *arg) {
        LogLevel l;

        if (!arg) {
                /* a bare -v / --log-level / --verbose: one step more verbose */
                if (c->log_level < LOG_LEVEL_DEBUG)
                        c->log_level++;
                return 0;
        }
        if (conf_parse_log_level(arg, &l) < 0) {
                log_error("--log-level expects log level argument (either numeric in range 0..4 "
                          "or one of error, warn, notice, info, debug).");
                return OPTIONS_E_USAGE;
        }
        c->log_level = l;
        return 0;
}

static int options_bool(DaemonConf *c, int id, const char *arg) {
        for (size_t i = 0; i < C_ARRAY_SIZE(bool_options); i++) {
                int r;

                if (bool_options[i].id != id)
                        continue;
                r = daemon_conf_set(c, bool_options[i].key, arg ? arg : "1");
                if (r == CONF_E_BAD_VALUE) {
                        log_error("--%s expects boolean argument", bool_options[i].option);
                        return OPTIONS_E_USAGE;
                }
                return r;
        }
        return -EINVAL;         /* not reached: every id above is in the table */
}

static int options_handle(DaemonConf *c, int opt, const char *arg) {
        int r;

        switch (opt) {
        case OPT_HELP:
                c->command = DAEMON_CMD_HELP;
                return 0;
        case OPT_VERSION:
                c->command = DAEMON_CMD_VERSION;
                return 0;
        case OPT_DUMP_CONF:
                c->command = DAEMON_CMD_DUMP_CONF;
                return 0;
        case OPT_DUMP_MODULES:
                c->command = DAEMON_CMD_DUMP_MODULES;
                return 0;
        case OPT_DUMP_RESAMPLE_METHODS:
                c->command = DAEMON_CMD_DUMP_RESAMPLE_METHODS;
                return 0;
        case OPT_CLEANUP_SHM:
                c->command = DAEMON_CMD_CLEANUP_SHM;
                return 0;
        case OPT_START:
                c->command = DAEMON_CMD_START;
                return 0;
        case OPT_KILL:
                c->command = DAEMON_CMD_KILL;
                return 0;
        case OPT_CHECK:
                c->command = DAEMON_CMD_CHECK;
                return 0;

        case OPT_SYSTEM:
        case OPT_DAEMONIZE:
        case OPT_FAIL:
        case OPT_HIGH_PRIORITY:
        case OPT_REALTIME:
        case OPT_DISALLOW_MODULE_LOADING:
        case OPT_DISALLOW_EXIT:
        case OPT_LOG_META:
        case OPT_LOG_TIME:
        case OPT_USE_PID_FILE:
        case OPT_NO_CPU_LIMIT:
        case OPT_DISABLE_SHM:
        case OPT_ENABLE_MEMFD:
                return options_bool(c, opt, arg);

        case OPT_EXIT_IDLE_TIME:
                c->exit_idle_time = (int)options_lenient_number("exit-idle-time", arg);
                return 0;
        case OPT_SCACHE_IDLE_TIME:
                c->scache_idle_time = (int)options_lenient_number("scache-idle-time", arg);
                return 0;
        case OPT_LOG_BACKTRACE:
                /* pulseaudio stores atoi() in an unsigned: -1 shows as 4294967295 */
                c->log_backtrace = (unsigned)options_lenient_number("log-backtrace", arg);
                return 0;

        case OPT_VERBOSE:
        case OPT_LOG_LEVEL:
                return options_set_level(c, arg);

        case OPT_LOG_TARGET:
                r = daemon_conf_set(c, "log-target", arg);
                if (r == CONF_E_BAD_VALUE || (r == 0 && !*arg)) {
                        log_error("Invalid log target: use either 'syslog', 'journal', 'stderr' "
                                  "or 'auto' or a valid file name 'file:<path>', "
                                  "'newfile:<path>'.");
                        return OPTIONS_E_USAGE;
                }
                return r;
        case OPT_RESAMPLE_METHOD:
                r = daemon_conf_set(c, "resample-method", arg);
                if (r == CONF_E_BAD_VALUE) {
                        log_error("Invalid resample method '%s'.", arg);
                        return OPTIONS_E_USAGE;
                }
                return r;
        case OPT_DL_SEARCH_PATH:
                return daemon_conf_set(c, "dl-search-path", arg);

        case OPT_LOAD:
                return options_add_script_line(c, "--load", "load-module ", arg);
        case OPT_FILE:
                return options_add_file(c, arg);
        case 'C':
                return conf_buf_append(&c->script_commands, "load-module module-cli exit_on_eof=1\n");
        case 'n':
                c->load_default_script_file = false;
                return 0;

        default:
                /* '?': getopt_long already printed what was wrong */
                return OPTIONS_E_USAGE;
        }
}

int options_parse(DaemonConf *c, int argc, char **argv) {
        int opt, r;

        optind = 0;             /* glibc: full re-initialisation, so this can run twice */
        opterr = 1;
        while ((opt = getopt_long(argc, argv, "L:F:ChDnp:kv", long_options, NULL)) != -1) {
                r = options_handle(c, opt, optarg);
                if (r > 0) {
                        log_error("Failed to parse command line.");
                        return r;
                }
                if (r < 0)
                        return r;
        }
        if (optind < argc) {
                log_error("Too many arguments.");
                return OPTIONS_E_TOO_MANY;
        }
        return 0;
}

void options_print_help(FILE *f, const char *argv0) {
        const char *name = argv0 ? strrchr(argv0, '/') : NULL;

        name = name ? name + 1 : argv0 ? argv0 : "pulseaudio";
        fprintf(f,
                "%s [options]\n"
                "\n"
                "COMMANDS:\n"
                "  -h, --help                            Print this help and exit\n"
                "      --version                         Print the version and exit\n"
                "      --dump-conf                       Print the effective daemon.conf settings\n"
                "      --dump-modules                    List the available modules (-v: with\n"
                "                                        their arguments)\n"
                "      --dump-resample-methods           List the accepted resampler names\n"
                "      --cleanup-shm                     Remove stale shared memory segments\n"
                "      --start                           Start a daemon in the background unless\n"
                "                                        one is already running\n"
                "  -k  --kill                            Stop the running daemon\n"
                "      --check                           Exit with 0 if a daemon is running, else 1\n"
                "\n"
                "OPTIONS:\n"
                "      --system[=BOOL]                   Run the system-wide instance\n"
                "  -D, --daemonize[=BOOL]                Detach into the background once started\n"
                "      --fail[=BOOL]                     Exit if a startup-script command fails\n"
                "      --high-priority[=BOOL]            Try to raise the nice level\n"
                "                                        (needs root or a raised RLIMIT_NICE)\n"
                "      --realtime[=BOOL]                 Try to use realtime scheduling\n"
                "                                        (needs root or a raised RLIMIT_RTPRIO)\n"
                "      --disallow-module-loading[=BOOL]  Refuse module loading/unloading by\n"
                "                                        clients once started\n"
                "      --disallow-exit[=BOOL]            Refuse exit requests from clients\n"
                "      --exit-idle-time=SECS             Exit after SECS without clients\n"
                "                                        (negative: never)\n"
                "      --scache-idle-time=SECS           Unload lazily loaded samples after SECS\n"
                "                                        without use\n"
                "      --log-level[=LEVEL]               Set the log level (0-4 or error, warn,\n"
                "                                        notice, info, debug); without LEVEL,\n"
                "                                        one level more verbose\n"
                "  -v  --verbose[=LEVEL]                 One level more verbose (repeatable)\n"
                "      --log-target={auto,syslog,journal,stderr,null,file:PATH,newfile:PATH}\n"
                "                                        Where log messages go\n"
                "      --log-meta[=BOOL]                 Add the code location to log messages\n"
                "      --log-time[=BOOL]                 Add timestamps to log messages\n"
                "      --log-backtrace=FRAMES            Add a backtrace to log messages\n"
                "  -p, --dl-search-path=PATH             Module search path (colon-separated)\n"
                "      --resample-method=METHOD          Resampler to use (see\n"
                "                                        --dump-resample-methods)\n"
                "      --use-pid-file[=BOOL]             Write a PID file in the runtime directory\n"
                "      --no-cpu-limit[=BOOL]             Do not install the CPU load limiter\n"
                "      --disable-shm[=BOOL]              Never use shared memory for audio\n"
                "      --enable-memfd[=BOOL]             Use memfd for shared memory\n"
                "\n"
                "STARTUP SCRIPT:\n"
                "  -L, --load=\"MODULE ARGUMENTS\"         Load MODULE with ARGUMENTS after the\n"
                "                                        default script\n"
                "  -F, --file=FILENAME                   Run the script FILENAME after the\n"
                "                                        default script\n"
                "  -C                                    Open a command line on this terminal\n"
                "                                        after startup\n"
                "\n"
                "  -n                                    Do not run the default script file\n",
                name);
}
