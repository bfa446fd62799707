/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-options.c: the pulseaudio(1)-compatible command line. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "engine/base/log.h"
#include "pulsecompat/conf.h"
#include "pulsecompat/options.h"
#include "engine/base/test-fds.h"

static char logpath[64];
static int fds_before;
static DaemonConf conf;

static void setup(void) {
        int fd;

        strcpy(logpath, "/tmp/test-options-log-XXXXXX");
        fd = mkstemp(logpath);
        ck_assert_int_ge(fd, 0);
        close(fd);
        ck_assert_int_eq(log_set_target(LOG_TARGET_FILE, logpath), 0);
        log_set_level(LOG_LEVEL_INFO);
        ck_assert_int_eq(daemon_conf_init(&conf), 0);
        /* getopt_long prints its own errors to stderr; keep the test output quiet */
        ck_assert_ptr_nonnull(freopen("/dev/null", "w", stderr));
        fds_before = count_fds();
}

static void teardown(void) {
        ck_assert_int_eq(count_fds(), fds_before);
        daemon_conf_deinit(&conf);
        unlink(logpath);
}

static const char *log_text(void) {
        static char buf[65536];
        int fd = open(logpath, O_RDONLY | O_CLOEXEC);
        ssize_t n;

        ck_assert_int_ge(fd, 0);
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        buf[n < 0 ? 0 : n] = 0;
        return buf;
}

#define ck_assert_log_has(s) \
        ck_assert_msg(strstr(log_text(), (s)) != NULL, "log lacks \"%s\"; log:\n%s", (s), log_text())

/* parse("--a", "-b", NULL): runs options_parse() on conf with argv[0] "pulseaudio". */
static int parse(const char *first, ...) {
        char *argv[64];
        int argc = 0;
        va_list ap;

        argv[argc++] = (char *)"pulseaudio";
        va_start(ap, first);
        for (const char *a = first; a; a = va_arg(ap, const char *)) {
                ck_assert_int_lt(argc, 63);
                argv[argc++] = (char *)a;
        }
        va_end(ap);
        argv[argc] = NULL;
        return options_parse(&conf, argc, argv);
}

START_TEST(test_no_args) {
        ck_assert_int_eq(parse(NULL), 0);
        ck_assert_int_eq(conf.command, DAEMON_CMD_START_DAEMON);
        ck_assert_ptr_null(conf.script_commands.str);
}
END_TEST

static const struct {
        const char *arg;
        DaemonCommand command;
} commands[] = {
        { "-h", DAEMON_CMD_HELP },
        { "--help", DAEMON_CMD_HELP },
        { "--version", DAEMON_CMD_VERSION },
        { "--dump-conf", DAEMON_CMD_DUMP_CONF },
        { "--dump-modules", DAEMON_CMD_DUMP_MODULES },
        { "--dump-resample-methods", DAEMON_CMD_DUMP_RESAMPLE_METHODS },
        { "--cleanup-shm", DAEMON_CMD_CLEANUP_SHM },
        { "--start", DAEMON_CMD_START },
        { "-k", DAEMON_CMD_KILL },
        { "--kill", DAEMON_CMD_KILL },
        { "--check", DAEMON_CMD_CHECK },
};

START_TEST(test_commands) {
        ck_assert_int_eq(parse(commands[_i].arg, NULL), 0);
        ck_assert_int_eq(conf.command, commands[_i].command);
}
END_TEST

START_TEST(test_last_command_wins) {
        ck_assert_int_eq(parse("--help", "--version", NULL), 0);
        ck_assert_int_eq(conf.command, DAEMON_CMD_VERSION);
        ck_assert_int_eq(parse("--version", "-h", NULL), 0);
        ck_assert_int_eq(conf.command, DAEMON_CMD_HELP);
        ck_assert_int_eq(parse("-k", "--dump-conf", NULL), 0);
        ck_assert_int_eq(conf.command, DAEMON_CMD_DUMP_CONF);
}
END_TEST

START_TEST(test_command_takes_no_value) {
        ck_assert_int_eq(parse("--version=1", NULL), OPTIONS_E_USAGE);
        ck_assert_log_has("Failed to parse command line.");
}
END_TEST

/* every boolean option: bare flag, =yes forms, =no forms, and the field it sets */
static const struct {
        const char *option;
        size_t offset;
        bool inverted_default;          /* the field's default */
} bool_opts[] = {
        { "--system", offsetof(DaemonConf, system_instance), false },
        { "--daemonize", offsetof(DaemonConf, daemonize), false },
        { "--fail", offsetof(DaemonConf, fail), true },
        { "--high-priority", offsetof(DaemonConf, high_priority), true },
        { "--realtime", offsetof(DaemonConf, realtime_scheduling), true },
        { "--disallow-module-loading", offsetof(DaemonConf, disallow_module_loading), false },
        { "--disallow-exit", offsetof(DaemonConf, disallow_exit), false },
        { "--log-meta", offsetof(DaemonConf, log_meta), false },
        { "--log-time", offsetof(DaemonConf, log_time), false },
        { "--use-pid-file", offsetof(DaemonConf, use_pid_file), true },
        { "--no-cpu-limit", offsetof(DaemonConf, no_cpu_limit), true },
        { "--disable-shm", offsetof(DaemonConf, disable_shm), false },
        { "--enable-memfd", offsetof(DaemonConf, enable_memfd), true },
};

START_TEST(test_bool_options) {
        static const char *const yes[] = { "1", "y", "yes", "t", "true", "on", "YES", "True" };
        static const char *const no[] = { "0", "n", "no", "f", "false", "off", "NO", "Off" };
        const char *opt = bool_opts[_i].option;
        bool *field = (bool *)(void *)((char *)&conf + bool_opts[_i].offset);
        char arg[128], want[128];

        ck_assert(*field == bool_opts[_i].inverted_default);
        for (size_t i = 0; i < C_ARRAY_SIZE(no); i++) {
                snprintf(arg, sizeof(arg), "%s=%s", opt, no[i]);
                ck_assert_int_eq(parse(arg, NULL), 0);
                ck_assert_msg(!*field, "%s", arg);
                snprintf(arg, sizeof(arg), "%s=%s", opt, yes[i]);
                ck_assert_int_eq(parse(arg, NULL), 0);
                ck_assert_msg(*field, "%s", arg);
        }
        ck_assert_int_eq(parse(opt, "--dump-conf", NULL), 0);
        snprintf(arg, sizeof(arg), "%s=no", opt);
        ck_assert_int_eq(parse(arg, NULL), 0);
        ck_assert_int_eq(parse(opt, NULL), 0);          /* bare flag = true */
        ck_assert(*field);

        snprintf(arg, sizeof(arg), "%s=ja", opt);
        ck_assert_int_eq(parse(arg, NULL), OPTIONS_E_USAGE);
        snprintf(want, sizeof(want), "%s expects boolean argument\n", opt);
        ck_assert_log_has(want);
        ck_assert_log_has("Failed to parse command line.");
}
END_TEST

START_TEST(test_daemonize_short) {
        ck_assert_int_eq(parse("-D", NULL), 0);
        ck_assert(conf.daemonize);
}
END_TEST

START_TEST(test_system_sets_server_type) {
        ck_assert_int_eq(parse("--system", NULL), 0);
        ck_assert_int_eq(conf.local_server_type, LOCAL_SERVER_SYSTEM);
        ck_assert_int_eq(parse("--system=no", NULL), 0);
        ck_assert_int_eq(conf.local_server_type, LOCAL_SERVER_USER);
}
END_TEST

START_TEST(test_verbose) {
        ck_assert_int_eq(conf.log_level, LOG_LEVEL_NOTICE);
        ck_assert_int_eq(parse("-v", NULL), 0);
        ck_assert_int_eq(conf.log_level, LOG_LEVEL_INFO);
        ck_assert_int_eq(parse("-v", NULL), 0);
        ck_assert_int_eq(conf.log_level, LOG_LEVEL_DEBUG);
        ck_assert_int_eq(parse("-v", NULL), 0);         /* capped */
        ck_assert_int_eq(conf.log_level, LOG_LEVEL_DEBUG);
}
END_TEST

START_TEST(test_verbose_repeat) {
        ck_assert_int_eq(parse("-vv", NULL), 0);
        ck_assert_int_eq(conf.log_level, LOG_LEVEL_DEBUG);
        ck_assert_int_eq(parse("--log-level=error", "-v", NULL), 0);
        ck_assert_int_eq(conf.log_level, LOG_LEVEL_WARN);
        ck_assert_int_eq(parse("--log-level=0", "--log-level", "--verbose", NULL), 0);
        ck_assert_int_eq(conf.log_level, LOG_LEVEL_NOTICE);
        ck_assert_int_eq(parse("--verbose=4", NULL), 0);
        ck_assert_int_eq(conf.log_level, LOG_LEVEL_DEBUG);
        ck_assert_int_eq(parse("--log-level=warn", NULL), 0);
        ck_assert_int_eq(conf.log_level, LOG_LEVEL_WARN);
        /* the level from daemon.conf is the starting point */
        ck_assert_int_eq(daemon_conf_set(&conf, "log-level", "error"), 0);
        ck_assert_int_eq(parse("-v", NULL), 0);
        ck_assert_int_eq(conf.log_level, LOG_LEVEL_WARN);
}
END_TEST

START_TEST(test_bad_level) {
        ck_assert_int_eq(parse("--log-level=5", NULL), OPTIONS_E_USAGE);
        ck_assert_log_has("--log-level expects log level argument (either numeric in range 0..4 "
                          "or one of error, warn, notice, info, debug).");
        ck_assert_int_eq(parse("--verbose=x", NULL), OPTIONS_E_USAGE);
        ck_assert_int_eq(parse("--log-level=", NULL), OPTIONS_E_USAGE);
        ck_assert_int_eq(conf.log_level, LOG_LEVEL_NOTICE);
}
END_TEST

START_TEST(test_script_order) {
        char cwd[PATH_MAX], want[3 * PATH_MAX];

        ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
        ck_assert_int_eq(parse("-L", "module-null-sink", "-F", "/etc/x.pa",
                               "--load=module-native-protocol-unix socket=/tmp/s auth-anonymous=1",
                               "-C", "--file=rel/y.pa", "-Lmodule-a a=\"b c\"", "-n", NULL), 0);
        snprintf(want, sizeof(want),
                 "load-module module-null-sink\n"
                 ".include /etc/x.pa\n"
                 "load-module module-native-protocol-unix socket=/tmp/s auth-anonymous=1\n"
                 "load-module module-cli exit_on_eof=1\n"
                 ".include %s%srel/y.pa\n"
                 "load-module module-a a=\"b c\"\n",
                 cwd, strcmp(cwd, "/") == 0 ? "" : "/");
        ck_assert_str_eq(conf.script_commands.str, want);
        ck_assert(!conf.load_default_script_file);
}
END_TEST

START_TEST(test_file_made_absolute) {
        ck_assert_int_eq(chdir("/tmp"), 0);
        ck_assert_int_eq(parse("-F", "a.pa", NULL), 0);
        ck_assert_str_eq(conf.script_commands.str, ".include /tmp/a.pa\n");
}
END_TEST

START_TEST(test_script_line_break_refused) {
        ck_assert_int_eq(parse("-L", "module-a\nload-module module-b", NULL), OPTIONS_E_USAGE);
        ck_assert_log_has("the argument must not contain a line break.");
        ck_assert_int_eq(parse("-F", "/a\r.pa", NULL), OPTIONS_E_USAGE);
}
END_TEST

START_TEST(test_too_many) {
        ck_assert_int_eq(parse("extra", NULL), OPTIONS_E_TOO_MANY);
        ck_assert_log_has("Too many arguments.");
        /* an optional value needs '=': "--system yes" leaves "yes" over */
        ck_assert_int_eq(parse("--dump-conf", "--system", "yes", NULL), OPTIONS_E_TOO_MANY);
        ck_assert_int_eq(parse("-n", "--", "x", NULL), OPTIONS_E_TOO_MANY);
}
END_TEST

START_TEST(test_unknown_option) {
        ck_assert_int_eq(parse("--foo", NULL), OPTIONS_E_USAGE);
        ck_assert_log_has("Failed to parse command line.");
        ck_assert_int_eq(parse("-x", NULL), OPTIONS_E_USAGE);
        ck_assert_int_eq(parse("-L", NULL), OPTIONS_E_USAGE);   /* missing argument */
        ck_assert_int_eq(parse("--dis", NULL), OPTIONS_E_USAGE); /* ambiguous */
        ck_assert_int_eq(parse("--syst", NULL), 0);             /* unambiguous prefix */
        ck_assert(conf.system_instance);
}
END_TEST

START_TEST(test_numbers_lenient) {
        ck_assert_int_eq(parse("--exit-idle-time=-1", "--scache-idle-time=5", NULL), 0);
        ck_assert_int_eq(conf.exit_idle_time, -1);
        ck_assert_int_eq(conf.scache_idle_time, 5);
        /* pulseaudio reads these with atoi(): accepted, with a warning from us */
        ck_assert_int_eq(parse("--exit-idle-time=x", NULL), 0);
        ck_assert_int_eq(conf.exit_idle_time, 0);
        ck_assert_log_has("--exit-idle-time: 'x' is not a number, using 0.");
        ck_assert_int_eq(parse("--exit-idle-time=5x", NULL), 0);
        ck_assert_int_eq(conf.exit_idle_time, 5);
        ck_assert_int_eq(parse("--exit-idle-time=", NULL), 0);
        ck_assert_int_eq(conf.exit_idle_time, 0);
        ck_assert_int_eq(parse("--exit-idle-time=99999999999", NULL), 0);
        ck_assert_int_eq(conf.exit_idle_time, INT_MAX);
        ck_assert_int_eq(parse("--log-backtrace=3", NULL), 0);
        ck_assert_uint_eq(conf.log_backtrace, 3);
        ck_assert_int_eq(parse("--exit-idle-time", NULL), OPTIONS_E_USAGE);
}
END_TEST

START_TEST(test_strings) {
        ck_assert_int_eq(parse("-p", "/a:/b", NULL), 0);
        ck_assert_str_eq(conf.dl_search_path, "/a:/b");
        ck_assert_int_eq(parse("--dl-search-path=", NULL), 0);
        ck_assert_str_eq(conf.dl_search_path, "");
        ck_assert_int_eq(parse("--resample-method=trivial", NULL), 0);
        ck_assert_str_eq(conf.resample_method, "trivial");
        ck_assert_int_eq(parse("--resample-method=x", NULL), OPTIONS_E_USAGE);
        ck_assert_log_has("Invalid resample method 'x'.");
        ck_assert_int_eq(parse("--log-target=file:/tmp/l", NULL), 0);
        ck_assert_str_eq(conf.log_target, "file:/tmp/l");
        ck_assert_int_eq(parse("--log-target=auto", NULL), 0);
        ck_assert_ptr_null(conf.log_target);
        ck_assert_int_eq(parse("--log-target=x", NULL), OPTIONS_E_USAGE);
        ck_assert_log_has("Invalid log target: use either 'syslog', 'journal', 'stderr' or 'auto' "
                          "or a valid file name 'file:<path>', 'newfile:<path>'.");
        ck_assert_int_eq(parse("--log-target=", NULL), OPTIONS_E_USAGE);
}
END_TEST

START_TEST(test_cmdline_overrides_conf) {
        ck_assert_int_eq(daemon_conf_set(&conf, "exit-idle-time", "30"), 0);
        ck_assert_int_eq(daemon_conf_set(&conf, "disallow-exit", "yes"), 0);
        ck_assert_int_eq(parse("--exit-idle-time=-1", "--disallow-exit=no", NULL), 0);
        ck_assert_int_eq(conf.exit_idle_time, -1);
        ck_assert(!conf.disallow_exit);
}
END_TEST

START_TEST(test_lead_invocation) {
        /* the form the compat harness uses (system-mode.md §1.2) */
        ck_assert_int_eq(parse("-n", "--daemonize=no", "--exit-idle-time=-1", "--system=no",
                               "--use-pid-file=no", "--log-target=file:/tmp/pa.log",
                               "--log-level=debug", "-L", "module-null-sink", "-L",
                               "module-native-protocol-unix socket=/tmp/n auth-anonymous=1",
                               "--disallow-exit", "--disallow-module-loading", NULL), 0);
        ck_assert_int_eq(conf.command, DAEMON_CMD_START_DAEMON);
        ck_assert(!conf.daemonize && !conf.use_pid_file && !conf.system_instance);
        ck_assert(conf.disallow_exit && conf.disallow_module_loading);
        ck_assert_int_eq(conf.log_level, LOG_LEVEL_DEBUG);
        ck_assert_str_eq(conf.script_commands.str,
                         "load-module module-null-sink\n"
                         "load-module module-native-protocol-unix socket=/tmp/n auth-anonymous=1\n");
}
END_TEST

START_TEST(test_help) {
        char *buf = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&buf, &n);
        static const char *const names[] = {
                "--help", "--version", "--dump-conf", "--dump-modules", "--dump-resample-methods",
                "--cleanup-shm", "--start", "--kill", "--check", "--system[=BOOL]",
                "--daemonize[=BOOL]", "--fail[=BOOL]", "--high-priority[=BOOL]",
                "--realtime[=BOOL]", "--disallow-module-loading[=BOOL]", "--disallow-exit[=BOOL]",
                "--exit-idle-time=SECS", "--scache-idle-time=SECS", "--log-level[=LEVEL]",
                "--verbose", "--log-target=", "--log-meta[=BOOL]", "--log-time[=BOOL]",
                "--log-backtrace=FRAMES", "--dl-search-path=PATH", "--resample-method=METHOD",
                "--use-pid-file[=BOOL]", "--no-cpu-limit[=BOOL]", "--disable-shm[=BOOL]",
                "--enable-memfd[=BOOL]", "--load=", "--file=FILENAME", "  -C ", "  -n ",
                "-h, ", "-D, ", "-k ", "-v ", "-p, ", "-L, ", "-F, ",
        };

        options_print_help(f, "/usr/bin/pulseaudio");
        fclose(f);
        ck_assert(strncmp(buf, "pulseaudio [options]\n", 21) == 0);
        for (size_t i = 0; i < C_ARRAY_SIZE(names); i++)
                ck_assert_msg(strstr(buf, names[i]), "help lacks %s", names[i]);
        free(buf);
}
END_TEST

static Suite *options_suite(void) {
        Suite *s = suite_create("options");
        TCase *tc;

        tc = tcase_create("commands");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_no_args);
        tcase_add_loop_test(tc, test_commands, 0, (int)C_ARRAY_SIZE(commands));
        tcase_add_test(tc, test_last_command_wins);
        tcase_add_test(tc, test_command_takes_no_value);
        tcase_add_test(tc, test_help);
        suite_add_tcase(s, tc);

        tc = tcase_create("options");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_loop_test(tc, test_bool_options, 0, (int)C_ARRAY_SIZE(bool_opts));
        tcase_add_test(tc, test_daemonize_short);
        tcase_add_test(tc, test_system_sets_server_type);
        tcase_add_test(tc, test_verbose);
        tcase_add_test(tc, test_verbose_repeat);
        tcase_add_test(tc, test_bad_level);
        tcase_add_test(tc, test_numbers_lenient);
        tcase_add_test(tc, test_strings);
        tcase_add_test(tc, test_cmdline_overrides_conf);
        tcase_add_test(tc, test_lead_invocation);
        suite_add_tcase(s, tc);

        tc = tcase_create("script");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_script_order);
        tcase_add_test(tc, test_file_made_absolute);
        tcase_add_test(tc, test_script_line_break_refused);
        tcase_add_test(tc, test_too_many);
        tcase_add_test(tc, test_unknown_option);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(options_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
