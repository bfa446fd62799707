/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-script.c: the startup-script language, against a mock ScriptOps that records calls. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "engine/base/log.h"
#include "pulsecompat/conf.h"
#include "pulsecompat/script.h"
#include "engine/base/test-fds.h"

/* ---- mock daemon ---- */

typedef struct Mock {
        ConfBuf calls;                  /* one line per op call */
        const char *fail_module;        /* load_module of this name returns 5 */
        uint32_t next_index;
} Mock;

static Mock mock;

static void record(const char *fmt, ...) _c_printf_(1, 2);

static void record(const char *fmt, ...) {
        char line[4096];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(line, sizeof(line), fmt, ap);
        va_end(ap);
        ck_assert_int_eq(conf_buf_append(&mock.calls, line), 0);
        ck_assert_int_eq(conf_buf_append(&mock.calls, "\n"), 0);
}

static int m_load(void *ud, const char *name, const char *args, uint32_t *ret_index) {
        ck_assert_ptr_eq(ud, &mock);
        record("load %s [%s]", name, args ? args : "(null)");
        if (c_streq(name, mock.fail_module))
                return 5;
        *ret_index = mock.next_index++;
        return 0;
}

static int m_unload(void *ud, const char *what) {
        record("unload %s", what);
        return 0;
}

static int m_default_sink(void *ud, const char *name) {
        record("default-sink %s", name);
        return 0;
}

static int m_default_source(void *ud, const char *name) {
        record("default-source %s", name);
        return 0;
}

static int m_sink_volume(void *ud, const char *name, Volume v) {
        record("sink-volume %s %u", name, v);
        return 0;
}

static int m_source_volume(void *ud, const char *name, Volume v) {
        record("source-volume %s %u", name, v);
        return 0;
}

static int m_sink_mute(void *ud, const char *name, bool mute) {
        record("sink-mute %s %d", name, mute);
        return 0;
}

static int m_source_mute(void *ud, const char *name, bool mute) {
        record("source-mute %s %d", name, mute);
        return 0;
}

static int m_suspend_sink(void *ud, const char *name, bool s) {
        record("suspend-sink %s %d", name ? name : "(all)", s);
        return 0;
}

static int m_suspend_source(void *ud, const char *name, bool s) {
        record("suspend-source %s %d", name ? name : "(all)", s);
        return 0;
}

static int m_exit(void *ud) {
        record("exit");
        return 0;
}

static const ScriptOps ops = {
        .load_module = m_load,
        .unload_module = m_unload,
        .set_default_sink = m_default_sink,
        .set_default_source = m_default_source,
        .set_sink_volume = m_sink_volume,
        .set_source_volume = m_source_volume,
        .set_sink_mute = m_sink_mute,
        .set_source_mute = m_source_mute,
        .suspend_sink = m_suspend_sink,
        .suspend_source = m_suspend_source,
        .exit_daemon = m_exit,
};

/* modules that ".ifexists" finds: module-a, module-b */
static bool m_exists(void *ud, const char *name) {
        ck_assert_ptr_eq(ud, &mock);
        return c_streq(name, "module-a") || c_streq(name, "module-b");
}

/* ---- fixture ---- */

static char tmpdir[64];
static char logpath[128];
static int fds_before;

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(p);
}

static void setup(void) {
        strcpy(tmpdir, "/tmp/test-script-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
        snprintf(logpath, sizeof(logpath), "%s/log", tmpdir);
        ck_assert_int_eq(log_set_target(LOG_TARGET_FILE, logpath), 0);
        log_set_level(LOG_LEVEL_INFO);
        mock = (Mock){ .calls = CONF_BUF_NULL(x) };
        script_set_module_exists(m_exists);
        fds_before = count_fds();
}

static void teardown(void) {
        ck_assert_int_eq(count_fds(), fds_before);
        conf_buf_deinit(&mock.calls);
        nftw(tmpdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *log_text(void) {
        static char buf[1 << 17];
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
#define ck_assert_log_lacks(s) \
        ck_assert_msg(strstr(log_text(), (s)) == NULL, "log has \"%s\"; log:\n%s", (s), log_text())

static const char *calls(void) {
        return mock.calls.str ? mock.calls.str : "";
}

static const char *write_file(const char *name, const char *text) {
        static char path[8][256];
        static unsigned which;
        char *p = path[which++ % 8];
        FILE *f;

        snprintf(p, 256, "%s/%s", tmpdir, name);
        for (char *s = strchr(p + strlen(tmpdir) + 1, '/'); s; s = strchr(s + 1, '/')) {
                *s = 0;
                (void)mkdir(p, 0700);
                *s = '/';
        }
        f = fopen(p, "we");
        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        fclose(f);
        return p;
}

static int run(const char *text, bool fail) {
        return script_run_string(text, "t.pa", &ops, &mock, fail);
}

/* ---- lines and commands ---- */

START_TEST(test_load_module_args_verbatim) {
        ck_assert_int_eq(run("load-module module-x a=\"b  c\" d='e f'  g=h\\ i   \n"
                             "load-module module-y\n"
                             "   load-module\tmodule-z    k=v # not a comment\n"
                             "load-module module-w    \n", true), 0);
        ck_assert_str_eq(calls(),
                         "load module-x [a=\"b  c\" d='e f'  g=h\\ i   ]\n"
                         "load module-y [(null)]\n"
                         "load module-z [k=v # not a comment]\n"
                         "load module-w [(null)]\n");
}
END_TEST

START_TEST(test_comments_and_blanks) {
        ck_assert_int_eq(run("# comment\n"
                             "\n"
                             "   \t\n"
                             "  # indented comment\n"
                             "; semicolon comment\n"
                             "load-module module-a\n"
                             "\n", true), 0);
        ck_assert_str_eq(calls(), "load module-a [(null)]\n");
}
END_TEST

START_TEST(test_line_ends) {
        /* CRLF counts as one line end: the error is on line 3 */
        ck_assert_int_eq(run("load-module module-a\r\n\r\nbogus\r\n", true), SCRIPT_E_FAILED);
        ck_assert_log_has("t.pa:3: Unknown command: bogus\n");
        ck_assert_str_eq(calls(), "load module-a [(null)]\n");
}
END_TEST

START_TEST(test_no_trailing_newline) {
        ck_assert_int_eq(run("load-module module-a", true), 0);
        ck_assert_str_eq(calls(), "load module-a [(null)]\n");
}
END_TEST

START_TEST(test_unknown_command) {
        ck_assert_int_eq(run("load-module module-a\n\nbogus x  y\nload-module module-b\n", true),
                         SCRIPT_E_FAILED);
        ck_assert_log_has("t.pa:3: Unknown command: bogus x  y\n");
        ck_assert_str_eq(calls(), "load module-a [(null)]\n");
        ck_assert_int_eq(run("LOAD-MODULE module-a\n", true), SCRIPT_E_FAILED);
        ck_assert_log_has("t.pa:1: Unknown command: LOAD-MODULE module-a\n");
}
END_TEST

START_TEST(test_device_commands) {
        ck_assert_int_eq(run("set-default-sink  my sink \n"
                             "set-default-source 3\n"
                             "set-sink-volume s1 65536\n"
                             "set-sink-volume s1 0x8000\n"
                             "set-source-volume s2 50%\n"
                             "set-sink-volume s1 0dB\n"
                             "set-sink-mute s1 yes\n"
                             "set-source-mute s2 0\n"
                             "suspend-sink s1 1\n"
                             "suspend-source s2 off\n"
                             "suspend true\n"
                             "unload-module 7\n"
                             "unload-module module-null-sink\n"
                             "exit\n", true), 0);
        ck_assert_str_eq(calls(),
                         "default-sink my sink\n"
                         "default-source 3\n"
                         "sink-volume s1 65536\n"
                         "sink-volume s1 32768\n"
                         "source-volume s2 32768\n"
                         "sink-volume s1 65536\n"
                         "sink-mute s1 1\n"
                         "source-mute s2 0\n"
                         "suspend-sink s1 1\n"
                         "suspend-source s2 0\n"
                         "suspend-sink (all) 1\n"
                         "suspend-source (all) 1\n"
                         "unload 7\n"
                         "unload module-null-sink\n"
                         "exit\n");
}
END_TEST

static const struct {
        const char *line;
        const char *message;
} arg_errors[] = {
        { "load-module", "You need to specify the module name and optionally arguments." },
        { "unload-module", "You need to specify the module index or name." },
        { "set-default-sink", "You need to specify a sink either by its name or its index." },
        { "set-default-source  ", "You need to specify a source either by its name or its index." },
        { "set-sink-volume", "You need to specify a sink either by its name or its index." },
        { "set-sink-volume s", "You need to specify a volume" },
        { "set-sink-volume s x", "Failed to parse volume." },
        { "set-sink-volume s 100 extra", "Failed to parse volume." },
        { "set-sink-volume s -1", "Failed to parse volume." },
        { "set-source-volume s 0x80000000", "Failed to parse volume." },
        { "set-sink-mute s", "You need to specify a mute switch setting (0/1)." },
        { "set-sink-mute s x", "Failed to parse mute switch." },
        { "suspend-sink", "You need to specify a sink either by its name or its index." },
        { "suspend-source s", "You need to specify a suspend switch setting (0/1)." },
        { "suspend 1 2", "Failed to parse suspend switch." },
        { "set-log-level 9", "Failed to parse log level." },
        { "set-log-level", "You need to specify a log level (0..4)." },
        { "set-log-meta x", "Failed to parse log meta switch." },
        { "set-log-time", "You need to specify a boolean." },
        { "set-log-target x", "Invalid log target." },
        { "set-log-backtrace x", "Failed to parse backtrace level." },
        { "play-sample x s", "play-sample: command not supported by pulsecompat." },
        { "load-sample-lazy x /y.wav", "load-sample-lazy: command not supported by pulsecompat." },
        { "set-card-profile 0 off", "set-card-profile: command not supported by pulsecompat." },
        { "set-sink-input-volume 1 100", "set-sink-input-volume: command not supported by pulsecompat." },
        { "describe-module module-a", "describe-module: command not supported by pulsecompat." },
        { ".bogus", "Invalid meta command: .bogus" },
        { ".fail junk", "Invalid meta command: .fail junk" },
        { ".nofail\tjunk", "Invalid meta command: .nofail junk" },
        { ".else", "Meta command .else is not valid in this context" },
        { ".endif", "Meta command .endif is not valid in this context" },
        { ".include", ".include needs a file or directory name." },
};

START_TEST(test_arg_errors) {
        char text[256], want[256];

        snprintf(text, sizeof(text), "load-module module-a\n%s\nload-module module-b\n",
                 arg_errors[_i].line);
        ck_assert_int_eq(run(text, true), SCRIPT_E_FAILED);
        snprintf(want, sizeof(want), "t.pa:2: %s", arg_errors[_i].message);
        ck_assert_log_has(want);
        ck_assert_str_eq(calls(), "load module-a [(null)]\n");
}
END_TEST

START_TEST(test_missing_ops) {
        static const ScriptOps none;

        ck_assert_int_eq(script_run_string("set-sink-mute s 1\n", "n.pa", &none, NULL, false), 0);
        ck_assert_log_has("n.pa:1: set-sink-mute: command not supported by pulsecompat.");
        ck_assert_int_eq(script_run_string("exit\n", "n.pa", NULL, NULL, true), SCRIPT_E_FAILED);
        ck_assert_log_has("n.pa:1: exit: command not supported by pulsecompat.");
}
END_TEST

START_TEST(test_op_failure) {
        mock.fail_module = "module-bad";
        ck_assert_int_eq(run("load-module module-a\nload-module module-bad x=1\n"
                             "load-module module-c\n", true), SCRIPT_E_FAILED);
        ck_assert_log_has("t.pa:2: load-module module-bad failed (error 5).");
        ck_assert_str_eq(calls(), "load module-a [(null)]\nload module-bad [x=1]\n");
}
END_TEST

START_TEST(test_no_output_commands) {
        ck_assert_int_eq(run("help\nlist-sinks\ninfo\nstat\ndump\nvacuum\nload-module module-a\n",
                             true), 0);
        ck_assert_str_eq(calls(), "load module-a [(null)]\n");
}
END_TEST

START_TEST(test_log_commands) {
        ck_assert_int_eq(run("set-log-level 4\n", true), 0);
        ck_assert_int_eq(log_get_level(), LOG_LEVEL_DEBUG);
        ck_assert_int_eq(run("set-log-level warn\nset-log-meta yes\nset-log-time no\n"
                             "set-log-backtrace 5\n", true), 0);
        ck_assert_int_eq(log_get_level(), LOG_LEVEL_WARN);
}
END_TEST

/* ---- .fail / .nofail ---- */

START_TEST(test_fail_nofail) {
        ck_assert_int_eq(run(".nofail\n"
                             "bogus1\n"
                             "load-module module-a\n"
                             ".fail\n"
                             "bogus2\n"
                             "load-module module-b\n", false), SCRIPT_E_FAILED);
        ck_assert_log_has("t.pa:2: Unknown command: bogus1");
        ck_assert_log_has("t.pa:5: Unknown command: bogus2");
        ck_assert_str_eq(calls(), "load module-a [(null)]\n");
}
END_TEST

START_TEST(test_initial_fail_flag) {
        ck_assert_int_eq(run("bogus\nload-module module-a\n", false), 0);
        ck_assert_str_eq(calls(), "load module-a [(null)]\n");
        ck_assert_int_eq(run("bogus\nload-module module-b\n", true), SCRIPT_E_FAILED);
        ck_assert_str_eq(calls(), "load module-a [(null)]\n");
}
END_TEST

START_TEST(test_meta_trailing_blanks) {
        ck_assert_int_eq(run(".nofail   \nbogus\nload-module module-a\n", true), 0);
        ck_assert_str_eq(calls(), "load module-a [(null)]\n");
}
END_TEST

/* ---- .ifexists ---- */

START_TEST(test_ifexists) {
        ck_assert_int_eq(run(".ifexists module-a.so\n"
                             "load-module module-a\n"
                             ".else\n"
                             "load-module module-no1\n"
                             ".endif\n"
                             ".ifexists module-x\n"
                             "load-module module-no2\n"
                             "bogus-is-not-even-looked-at\n"
                             ".include /nonexistent\n"
                             ".fail\n"
                             ".else\n"
                             "load-module module-fallback\n"
                             ".endif\n", true), 0);
        ck_assert_str_eq(calls(), "load module-a [(null)]\nload module-fallback [(null)]\n");
}
END_TEST

START_TEST(test_ifexists_nested) {
        ck_assert_int_eq(run(".ifexists module-a\n"
                             "  load-module 1\n"
                             "  .ifexists module-x\n"
                             "    load-module no-1\n"
                             "  .else\n"
                             "    load-module 2\n"
                             "    .ifexists module-b\n"
                             "      load-module 3\n"
                             "    .endif\n"
                             "  .endif\n"
                             "  load-module 4\n"
                             ".else\n"
                             "  .ifexists module-b\n"
                             "    load-module no-2\n"
                             "  .else\n"
                             "    load-module no-3\n"
                             "  .endif\n"
                             ".endif\n"
                             ".ifexists module-x\n"
                             "  .ifexists module-a\n"
                             "    load-module no-4\n"
                             "  .else\n"
                             "    load-module no-5\n"
                             "  .endif\n"
                             ".endif\n"
                             "load-module 5\n", true), 0);
        ck_assert_str_eq(calls(), "load 1 [(null)]\nload 2 [(null)]\nload 3 [(null)]\n"
                                  "load 4 [(null)]\nload 5 [(null)]\n");
}
END_TEST

START_TEST(test_ifexists_path_and_search) {
        char text[512];
        const char *p = write_file("mods/module-q.so", "");

        /* absolute paths are checked on disk */
        snprintf(text, sizeof(text), ".ifexists %s\nload-module yes-1\n.endif\n"
                 ".ifexists %s/none.so\nload-module no-1\n.endif\n", p, tmpdir);
        ck_assert_int_eq(run(text, true), 0);
        /* without a callback: the dl search path */
        script_set_module_exists(NULL);
        snprintf(text, sizeof(text), "/nonexistent:%s/mods", tmpdir);
        ck_assert_int_eq(script_set_dl_search_path(text), 0);
        ck_assert_int_eq(run(".ifexists module-q.so\nload-module yes-2\n.endif\n"
                             ".ifexists module-q\nload-module yes-3\n.endif\n"
                             ".ifexists module-a\nload-module no-2\n.endif\n"
                             ".ifexists\nload-module no-3\n.endif\n", true), 0);
        ck_assert_int_eq(script_set_dl_search_path(NULL), 0);
        ck_assert_str_eq(calls(), "load yes-1 [(null)]\nload yes-2 [(null)]\nload yes-3 [(null)]\n");
}
END_TEST

START_TEST(test_ifexists_else_twice) {
        /* pulseaudio toggles again on a second .else; so do we (with a warning) */
        ck_assert_int_eq(run(".ifexists module-a\n.else\n.else\nload-module m\n.endif\n", true), 0);
        ck_assert_str_eq(calls(), "load m [(null)]\n");
        ck_assert_log_has("t.pa:3: Second .else");
}
END_TEST

START_TEST(test_ifexists_unterminated) {
        ck_assert_int_eq(run(".ifexists module-a\nload-module m\n", true), 0);
        ck_assert_str_eq(calls(), "load m [(null)]\n");
        ck_assert_log_has("t.pa: 1 .ifexists without .endif");
}
END_TEST

START_TEST(test_ifexists_depth) {
        ConfBuf b = CONF_BUF_NULL(b);

        for (unsigned i = 0; i <= SCRIPT_IF_DEPTH_MAX; i++)
                ck_assert_int_eq(conf_buf_append(&b, ".ifexists module-a\n"), 0);
        ck_assert_int_eq(run(b.str, true), SCRIPT_E_FAILED);
        ck_assert_log_has(".ifexists nested deeper than 32 levels.");
        conf_buf_deinit(&b);
}
END_TEST

/* ---- .include ---- */

START_TEST(test_include_file) {
        const char *inc = write_file("sub/inc.pa", "load-module from-inc\n");
        const char *top = write_file("top.pa", "load-module first\n"
                                               ".include sub/inc.pa\n"
                                               "load-module last\n");

        (void)inc;
        ck_assert_int_eq(script_run_file(top, &ops, &mock, true), 0);
        ck_assert_str_eq(calls(), "load first [(null)]\nload from-inc [(null)]\nload last [(null)]\n");
}
END_TEST

START_TEST(test_include_dir) {
        char text[256];

        write_file("d/b.pa", "load-module b\n");
        write_file("d/a.pa", "load-module a\n");
        write_file("d/c.txt", "load-module no-txt\n");
        write_file("d/.h.pa", "load-module hidden\n");
        write_file("d/10-z.pa", "load-module 10-z\n");
        ck_assert_int_eq(mkdir(strcat(strcpy(text, tmpdir), "/d/dir.pa"), 0700), 0);
        snprintf(text, sizeof(text), ".include %s/d\nload-module after\n", tmpdir);
        ck_assert_int_eq(run(text, true), 0);
        ck_assert_str_eq(calls(), "load hidden [(null)]\nload 10-z [(null)]\nload a [(null)]\n"
                                  "load b [(null)]\nload after [(null)]\n");
}
END_TEST

START_TEST(test_include_missing) {
        char want[256];
        const char *top = write_file("m.pa", ".include none.pa\nload-module after\n");

        ck_assert_int_eq(script_run_file(top, &ops, &mock, true), SCRIPT_E_FAILED);
        snprintf(want, sizeof(want), "%s:1: Cannot include '%s/none.pa': No such file or directory",
                 top, tmpdir);
        ck_assert_log_has(want);
        ck_assert_str_eq(calls(), "");
        ck_assert_int_eq(script_run_file(top, &ops, &mock, false), 0);
        ck_assert_str_eq(calls(), "load after [(null)]\n");
}
END_TEST

START_TEST(test_include_errors_name_inner_file) {
        char want[256];
        const char *inc = write_file("bad.pa", "\n\nbogus\n");
        const char *top = write_file("t2.pa", ".include bad.pa\nload-module after\n");

        ck_assert_int_eq(script_run_file(top, &ops, &mock, true), SCRIPT_E_FAILED);
        snprintf(want, sizeof(want), "%s:3: Unknown command: bogus", inc);
        ck_assert_log_has(want);
        ck_assert_str_eq(calls(), "");
}
END_TEST

START_TEST(test_include_fail_flag_shared) {
        const char *top;

        /* the included file's .fail stays in effect in the includer (as pulseaudio) */
        write_file("setfail.pa", ".fail\n");
        top = write_file("f.pa", ".nofail\n.include setfail.pa\nbogus\nload-module after\n");
        ck_assert_int_eq(script_run_file(top, &ops, &mock, false), SCRIPT_E_FAILED);
        ck_assert_str_eq(calls(), "");

        /* conditionals are per file: .endif cannot close the includer's .ifexists */
        write_file("endif.pa", ".endif\n");
        top = write_file("g.pa", ".ifexists module-a\n.include endif.pa\n.endif\nload-module m\n");
        ck_assert_int_eq(script_run_file(top, &ops, &mock, true), SCRIPT_E_FAILED);
        ck_assert_log_has("endif.pa:1: Meta command .endif is not valid in this context");
}
END_TEST

START_TEST(test_include_loop_bounded) {
        char want[256];
        const char *p = write_file("loop.pa", "load-module x\n.include loop.pa\n");

        ck_assert_int_eq(script_run_file(p, &ops, &mock, true), SCRIPT_E_FAILED);
        snprintf(want, sizeof(want), "%s:2: .include nested deeper than %u levels", p,
                 SCRIPT_INCLUDE_DEPTH_MAX);
        ck_assert_log_has(want);
        /* the top file plus 15 nested ones ran their first line */
        ck_assert_uint_eq(mock.calls.len, SCRIPT_INCLUDE_DEPTH_MAX * strlen("load x [(null)]\n"));

        /* under .nofail it ends too */
        conf_buf_deinit(&mock.calls);
        ck_assert_int_eq(script_run_file(p, &ops, &mock, false), 0);
        ck_assert_uint_eq(mock.calls.len, SCRIPT_INCLUDE_DEPTH_MAX * strlen("load x [(null)]\n"));
}
END_TEST

START_TEST(test_run_file_missing) {
        char p[256];

        snprintf(p, sizeof(p), "%s/none.pa", tmpdir);
        ck_assert_int_eq(script_run_file(p, &ops, &mock, true), SCRIPT_E_FAILED);
        ck_assert_log_has("Failed to open script");
        ck_assert_int_eq(script_run_file(p, &ops, &mock, false), 0);
        ck_assert_int_eq(script_run_file(tmpdir, &ops, &mock, true), SCRIPT_E_FAILED);
}
END_TEST

/* ---- limits ---- */

START_TEST(test_long_line) {
        char *text = malloc(SCRIPT_LINE_MAX + 64);
        size_t n;

        n = (size_t)sprintf(text, "load-module m ");
        memset(text + n, 'x', SCRIPT_LINE_MAX - n);
        text[SCRIPT_LINE_MAX] = 0;                      /* exactly the limit: fine */
        ck_assert_int_eq(run(text, true), 0);
        text[SCRIPT_LINE_MAX] = 'x';
        text[SCRIPT_LINE_MAX + 1] = 0;                  /* one more: an error */
        ck_assert_int_eq(run(text, true), SCRIPT_E_FAILED);
        ck_assert_log_has("t.pa:1: Line longer than 2047 characters.");
        free(text);
}
END_TEST

START_TEST(test_nul_in_file) {
        const char *p = write_file("nul.pa", "");
        FILE *f = fopen(p, "we");

        fwrite("load-module a\nload\0-module b\n", 1, 29, f);
        fclose(f);
        ck_assert_int_eq(script_run_file(p, &ops, &mock, true), SCRIPT_E_FAILED);
        ck_assert_log_has(":2: Line contains a NUL byte.");
        ck_assert_str_eq(calls(), "load a [(null)]\n");
}
END_TEST

START_TEST(test_debian_default_pa) {
        /* the shape of Debian's default.pa, with module-udev-detect "missing" */
        ck_assert_int_eq(run(".fail\n"
                             "load-module module-device-restore\n"
                             ".ifexists module-udev-detect.so\n"
                             "load-module module-udev-detect\n"
                             ".else\n"
                             "load-module module-detect\n"
                             ".endif\n"
                             ".ifexists module-a.so\n"
                             ".nofail\n"
                             "load-module module-a channels=2\n"
                             ".fail\n"
                             ".endif\n"
                             "load-module module-native-protocol-unix\n"
                             ".nofail\n", true), 0);
        ck_assert_str_eq(calls(), "load module-device-restore [(null)]\n"
                                  "load module-detect [(null)]\n"
                                  "load module-a [channels=2]\n"
                                  "load module-native-protocol-unix [(null)]\n");
}
END_TEST

static Suite *script_suite(void) {
        Suite *s = suite_create("script");
        TCase *tc;

        tc = tcase_create("commands");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_load_module_args_verbatim);
        tcase_add_test(tc, test_comments_and_blanks);
        tcase_add_test(tc, test_line_ends);
        tcase_add_test(tc, test_no_trailing_newline);
        tcase_add_test(tc, test_unknown_command);
        tcase_add_test(tc, test_device_commands);
        tcase_add_loop_test(tc, test_arg_errors, 0, (int)C_ARRAY_SIZE(arg_errors));
        tcase_add_test(tc, test_missing_ops);
        tcase_add_test(tc, test_op_failure);
        tcase_add_test(tc, test_no_output_commands);
        tcase_add_test(tc, test_log_commands);
        suite_add_tcase(s, tc);

        tc = tcase_create("meta");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_fail_nofail);
        tcase_add_test(tc, test_initial_fail_flag);
        tcase_add_test(tc, test_meta_trailing_blanks);
        tcase_add_test(tc, test_ifexists);
        tcase_add_test(tc, test_ifexists_nested);
        tcase_add_test(tc, test_ifexists_path_and_search);
        tcase_add_test(tc, test_ifexists_else_twice);
        tcase_add_test(tc, test_ifexists_unterminated);
        tcase_add_test(tc, test_ifexists_depth);
        tcase_add_test(tc, test_debian_default_pa);
        suite_add_tcase(s, tc);

        tc = tcase_create("include");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_include_file);
        tcase_add_test(tc, test_include_dir);
        tcase_add_test(tc, test_include_missing);
        tcase_add_test(tc, test_include_errors_name_inner_file);
        tcase_add_test(tc, test_include_fail_flag_shared);
        tcase_add_test(tc, test_include_loop_bounded);
        tcase_add_test(tc, test_run_file_missing);
        tcase_add_test(tc, test_long_line);
        tcase_add_test(tc, test_nul_in_file);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(script_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
