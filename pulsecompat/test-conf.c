/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-conf.c: daemon.conf keys, values, files, lookup and --dump-conf. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "engine/base/log.h"
#include "pulsecompat/conf.h"
#include "engine/base/test-fds.h"

/* ---- fixture: a temp dir, the log captured in a file, fd counting ---- */

static char tmpdir[64];
static char logpath[128];
static int fds_before;

static int rm_cb(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(p);
}

static void setup(void) {
        strcpy(tmpdir, "/tmp/test-conf-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(tmpdir));
        snprintf(logpath, sizeof(logpath), "%s/log", tmpdir);
        ck_assert_int_eq(log_set_target(LOG_TARGET_FILE, logpath), 0);
        log_set_level(LOG_LEVEL_INFO);
        fds_before = count_fds();
}

static void teardown(void) {
        ck_assert_int_eq(count_fds(), fds_before);
        nftw(tmpdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/* The captured log so far (static buffer). */
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

/* Writes tmpdir/name (creating directories in name) and returns its path (static buffer). */
static const char *write_file(const char *name, const char *text) {
        static char path[16][256];
        static unsigned which;
        char *p = path[which++ % 16];
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

static char *dump(const DaemonConf *c) {
        char *buf = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&buf, &n);

        ck_assert_ptr_nonnull(f);
        daemon_conf_dump(c, f);
        fclose(f);
        return buf;
}

/* The value of key in a dump ("" if absent), static buffer. */
static const char *dumped(const DaemonConf *c, const char *key) {
        static char val[512];
        char *d = dump(c), *p, want[128];

        snprintf(want, sizeof(want), "%s = ", key);
        val[0] = 0;
        p = strncmp(d, want, strlen(want)) == 0 ? d : NULL;
        if (!p) {
                snprintf(want, sizeof(want), "\n%s = ", key);
                p = strstr(d, want);
        }
        if (p) {
                p += strlen(want);
                snprintf(val, sizeof(val), "%.*s", (int)strcspn(p, "\n"), p);
        }
        free(d);
        return val;
}

/* ---- defaults and dump ---- */

/* pulseaudio 16.1 --dump-conf with no config file, then our keys. */
static const char default_dump[] =
        "daemonize = no\n"
        "fail = yes\n"
        "high-priority = yes\n"
        "nice-level = -11\n"
        "realtime-scheduling = yes\n"
        "realtime-priority = 5\n"
        "allow-module-loading = yes\n"
        "allow-exit = yes\n"
        "use-pid-file = yes\n"
        "system-instance = no\n"
        "local-server-type = user\n"
        "cpu-limit = no\n"
        "enable-shm = yes\n"
        "flat-volumes = no\n"
        "rescue-streams = yes\n"
        "lock-memory = no\n"
        "exit-idle-time = 20\n"
        "scache-idle-time = 20\n"
        "dl-search-path = " PULSECOMPAT_MODULE_DIR "\n"
        "default-script-file = /etc/pulse/default.pa\n"
        "load-default-script-file = yes\n"
        "log-target = \n"
        "log-level = notice\n"
        "resample-method = auto\n"
        "avoid-resampling = no\n"
        "enable-remixing = yes\n"
        "remixing-use-all-sink-channels = yes\n"
        "remixing-produce-lfe = no\n"
        "remixing-consume-lfe = no\n"
        "lfe-crossover-freq = 0\n"
        "default-sample-format = s16le\n"
        "default-sample-rate = 44100\n"
        "alternate-sample-rate = 48000\n"
        "default-sample-channels = 2\n"
        "default-channel-map = front-left,front-right\n"
        "default-fragments = 4\n"
        "default-fragment-size-msec = 25\n"
        "enable-deferred-volume = yes\n"
        "deferred-volume-safety-margin-usec = 8000\n"
        "deferred-volume-extra-delay-usec = 0\n"
        "shm-size-bytes = 0\n"
        "log-meta = no\n"
        "log-time = no\n"
        "log-backtrace = 0\n"
        "rlimit-fsize = -1\n"
        "rlimit-data = -1\n"
        "rlimit-stack = -1\n"
        "rlimit-core = -1\n"
        "rlimit-rss = -1\n"
        "rlimit-as = -1\n"
        "rlimit-nproc = -1\n"
        "rlimit-nofile = 256\n"
        "rlimit-memlock = -1\n"
        "rlimit-locks = -1\n"
        "rlimit-sigpending = -1\n"
        "rlimit-msgqueue = -1\n"
        "rlimit-nice = 31\n"
        "rlimit-rtprio = 9\n"
        "rlimit-rttime = 200000\n"
        "system-user = pulse\n"
        "system-group = pulse\n"
        "access-group = pulse-access\n"
        "admin-group = pulse-admin\n"
        "system-isolation = yes\n"
        "max-connections = 256\n"
        "auth-timeout-sec = 60\n"
        "per-uid-max-connections = 64\n"
        "system-runtime-dir = /run/pulse\n"
        "system-state-dir = /var/lib/pulse\n";

START_TEST(test_defaults_dump) {
        DaemonConf c;
        char *d;

        ck_assert_int_eq(daemon_conf_init(&c), 0);
        d = dump(&c);
        ck_assert_str_eq(d, default_dump);
        free(d);
        ck_assert_int_eq(c.command, DAEMON_CMD_START_DAEMON);
        ck_assert(c.load_default_script_file);
        ck_assert_ptr_null(c.script_commands.str);
        daemon_conf_deinit(&c);
}
END_TEST

START_TEST(test_dump_header) {
        DaemonConf c;
        const char *p = write_file("d.conf", "daemonize = yes\n");
        char *d, want[512];

        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_load(&c, p, false), 0);
        d = dump(&c);
        snprintf(want, sizeof(want), "### Read from configuration file: %s ###\ndaemonize = yes\n", p);
        ck_assert_msg(strncmp(d, want, strlen(want)) == 0, "dump starts: %.200s", d);
        free(d);
        daemon_conf_deinit(&c);
}
END_TEST

START_TEST(test_dump_roundtrip) {
        DaemonConf a, b;
        char *d1, *d2, *text;
        const char *p;

        /* our dump can be read back (pulseaudio's cannot: "log-target = " is an error there) */
        ck_assert_int_eq(daemon_conf_init(&a), 0);
        ck_assert_int_eq(daemon_conf_set(&a, "nice-level", "3"), 0);
        ck_assert_int_eq(daemon_conf_set(&a, "default-sample-channels", "6"), 0);
        d1 = dump(&a);
        p = write_file("rt.conf", d1);
        ck_assert_int_eq(daemon_conf_init(&b), 0);
        ck_assert_int_eq(daemon_conf_load(&b, p, false), 0);
        d2 = dump(&b);
        text = strchr(d2, '\n') + 1;    /* skip the header line */
        ck_assert_str_eq(text, d1);
        free(d1);
        free(d2);
        daemon_conf_deinit(&a);
        daemon_conf_deinit(&b);
}
END_TEST

/* ---- every key ---- */

static const struct {
        const char *key;
        const char *value;
        const char *dump_key;           /* NULL: not in the dump */
        const char *dump_value;
} every_key[] = {
        { "daemonize", "yes", "daemonize", "yes" },
        { "fail", "no", "fail", "no" },
        { "high-priority", "no", "high-priority", "no" },
        { "nice-level", "-5", "nice-level", "-5" },
        { "realtime-scheduling", "no", "realtime-scheduling", "no" },
        { "realtime-priority", "9", "realtime-priority", "9" },
        { "disallow-module-loading", "yes", "allow-module-loading", "no" },
        { "allow-module-loading", "no", "allow-module-loading", "no" },
        { "disallow-exit", "yes", "allow-exit", "no" },
        { "allow-exit", "no", "allow-exit", "no" },
        { "use-pid-file", "no", "use-pid-file", "no" },
        { "system-instance", "yes", "system-instance", "yes" },
        { "local-server-type", "none", "local-server-type", "none" },
        { "no-cpu-limit", "no", "cpu-limit", "yes" },
        { "cpu-limit", "yes", "cpu-limit", "yes" },
        { "disable-shm", "yes", "enable-shm", "no" },
        { "enable-shm", "no", "enable-shm", "no" },
        { "enable-memfd", "no", NULL, NULL },
        { "flat-volumes", "yes", "flat-volumes", "yes" },
        { "rescue-streams", "no", "rescue-streams", "no" },
        { "lock-memory", "yes", "lock-memory", "yes" },
        { "enable-deferred-volume", "no", "enable-deferred-volume", "no" },
        { "exit-idle-time", "-1", "exit-idle-time", "-1" },
        { "scache-idle-time", "7", "scache-idle-time", "7" },
        { "dl-search-path", "/a:/b", "dl-search-path", "/a:/b" },
        { "default-script-file", "/x.pa", "default-script-file", "/x.pa" },
        { "load-default-script-file", "no", "load-default-script-file", "no" },
        { "log-target", "file:/tmp/x.log", "log-target", "file:/tmp/x.log" },
        { "log-level", "debug", "log-level", "debug" },
        { "verbose", "1", "log-level", "warning" },
        { "log-meta", "yes", "log-meta", "yes" },
        { "log-time", "yes", "log-time", "yes" },
        { "log-backtrace", "5", "log-backtrace", "5" },
        { "resample-method", "speex-float-3", "resample-method", "speex-float-3" },
        { "avoid-resampling", "yes", "avoid-resampling", "yes" },
        { "disable-remixing", "yes", "enable-remixing", "no" },
        { "enable-remixing", "no", "enable-remixing", "no" },
        { "remixing-use-all-sink-channels", "no", "remixing-use-all-sink-channels", "no" },
        { "remixing-produce-lfe", "yes", "remixing-produce-lfe", "yes" },
        { "remixing-consume-lfe", "yes", "remixing-consume-lfe", "yes" },
        { "disable-lfe-remixing", "no", "remixing-produce-lfe", "yes" },
        { "enable-lfe-remixing", "yes", "remixing-consume-lfe", "yes" },
        { "lfe-crossover-freq", "120", "lfe-crossover-freq", "120" },
        { "default-sample-format", "float32le", "default-sample-format", "float32le" },
        { "default-sample-rate", "48000", "default-sample-rate", "48000" },
        { "alternate-sample-rate", "96000", "alternate-sample-rate", "96000" },
        { "default-sample-channels", "1", "default-channel-map", "mono" },
        { "default-channel-map", "surround-51", "default-sample-channels", "6" },
        { "default-fragments", "8", "default-fragments", "8" },
        { "default-fragment-size-msec", "10", "default-fragment-size-msec", "10" },
        { "deferred-volume-safety-margin-usec", "1", "deferred-volume-safety-margin-usec", "1" },
        { "deferred-volume-extra-delay-usec", "-3", "deferred-volume-extra-delay-usec", "-3" },
        { "shm-size-bytes", "1048576", "shm-size-bytes", "1048576" },
        { "rlimit-fsize", "1", "rlimit-fsize", "1" },
        { "rlimit-data", "2", "rlimit-data", "2" },
        { "rlimit-stack", "3", "rlimit-stack", "3" },
        { "rlimit-core", "4", "rlimit-core", "4" },
        { "rlimit-rss", "5", "rlimit-rss", "5" },
        { "rlimit-as", "6", "rlimit-as", "6" },
        { "rlimit-nproc", "7", "rlimit-nproc", "7" },
        { "rlimit-nofile", "1024", "rlimit-nofile", "1024" },
        { "rlimit-memlock", "9", "rlimit-memlock", "9" },
        { "rlimit-locks", "10", "rlimit-locks", "10" },
        { "rlimit-sigpending", "11", "rlimit-sigpending", "11" },
        { "rlimit-msgqueue", "12", "rlimit-msgqueue", "12" },
        { "rlimit-nice", "-1", "rlimit-nice", "-1" },
        { "rlimit-rtprio", "", "rlimit-rtprio", "-1" },
        { "rlimit-rttime", "0", "rlimit-rttime", "0" },
        { "system-user", "pulsecompat", "system-user", "pulsecompat" },
        { "system-group", "audiod", "system-group", "audiod" },
        { "access-group", "audio-users", "access-group", "audio-users" },
        { "admin-group", "wheel", "admin-group", "wheel" },
        { "system-isolation", "no", "system-isolation", "no" },
        { "max-connections", "32", "max-connections", "32" },
        { "auth-timeout-sec", "5", "auth-timeout-sec", "5" },
        { "per-uid-max-connections", "8", "per-uid-max-connections", "8" },
        { "system-runtime-dir", "/run/pc", "system-runtime-dir", "/run/pc" },
        { "system-state-dir", "/var/lib/pc", "system-state-dir", "/var/lib/pc" },
};

START_TEST(test_every_key_set) {
        DaemonConf c;

        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_set(&c, every_key[_i].key, every_key[_i].value), 0);
        if (every_key[_i].dump_key)
                ck_assert_str_eq(dumped(&c, every_key[_i].dump_key), every_key[_i].dump_value);
        daemon_conf_deinit(&c);
}
END_TEST

START_TEST(test_every_key_file) {
        DaemonConf c;
        char *text = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&text, &n);

        /* all keys in one file (channels and map must agree, so skip the map line) */
        for (size_t i = 0; i < C_ARRAY_SIZE(every_key); i++)
                if (strcmp(every_key[i].key, "default-channel-map") != 0)
                        fprintf(f, "%s = %s\n", every_key[i].key, every_key[i].value);
        fclose(f);
        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_load(&c, write_file("all.conf", text), false), 0);
        ck_assert_str_eq(dumped(&c, "system-runtime-dir"), "/run/pc");
        ck_assert_str_eq(dumped(&c, "rlimit-rttime"), "0");
        ck_assert_str_eq(dumped(&c, "default-channel-map"), "mono");
        free(text);
        daemon_conf_deinit(&c);
}
END_TEST

/* ---- values ---- */

START_TEST(test_bool_forms) {
        static const char *const yes[] = { "1", "y", "yes", "t", "true", "on", "Y", "YES", "True",
                                           "ON", "yess" };
        static const char *const no[] = { "0", "n", "no", "f", "false", "off", "N", "No", "FALSE",
                                          "Off", "nope" };
        static const char *const bad[] = { "", "2", "ja", "'yes'", "\"yes\"", "10", "1x", " yes" };

        for (size_t i = 0; i < C_ARRAY_SIZE(yes); i++)
                ck_assert_msg(conf_parse_bool(yes[i]) == 1, "%s", yes[i]);
        for (size_t i = 0; i < C_ARRAY_SIZE(no); i++)
                ck_assert_msg(conf_parse_bool(no[i]) == 0, "%s", no[i]);
        for (size_t i = 0; i < C_ARRAY_SIZE(bad); i++)
                ck_assert_msg(conf_parse_bool(bad[i]) == -EINVAL, "%s", bad[i]);
}
END_TEST

START_TEST(test_log_levels) {
        static const struct { const char *s; int level; } t[] = {
                { "0", 0 }, { "4", 4 }, { "00", 0 }, { "err", 0 }, { "error", 0 },
                { "errorx", 0 }, { "warn", 1 }, { "warning", 1 }, { "notice", 2 },
                { "info", 3 }, { "debug", 4 },
                { "5", -1 }, { "-1", -1 }, { "e", -1 }, { "w", -1 }, { "notic", -1 },
                { "inf", -1 }, { "DEBUG", -1 }, { "", -1 }, { "1 ", -1 }, { "4x", -1 },
        };

        for (size_t i = 0; i < C_ARRAY_SIZE(t); i++) {
                LogLevel l = 99;
                int r = conf_parse_log_level(t[i].s, &l);

                if (t[i].level < 0)
                        ck_assert_msg(r == -EINVAL, "'%s' accepted", t[i].s);
                else
                        ck_assert_msg(r == 0 && (int)l == t[i].level, "'%s' -> %d", t[i].s, (int)l);
        }
        ck_assert_str_eq(conf_log_level_to_string(LOG_LEVEL_WARN), "warning");
}
END_TEST

START_TEST(test_numbers) {
        DaemonConf c;

        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_set(&c, "exit-idle-time", "0x10"), 0);
        ck_assert_int_eq(c.exit_idle_time, 16);
        ck_assert_int_eq(daemon_conf_set(&c, "exit-idle-time", "010"), 0);
        ck_assert_int_eq(c.exit_idle_time, 10);
        ck_assert_int_eq(daemon_conf_set(&c, "exit-idle-time", "-5"), 0);
        ck_assert_int_eq(c.exit_idle_time, -5);
        ck_assert_int_eq(daemon_conf_set(&c, "exit-idle-time", "+5"), CONF_E_BAD_VALUE);
        ck_assert_int_eq(daemon_conf_set(&c, "exit-idle-time", "5.5"), CONF_E_BAD_VALUE);
        ck_assert_int_eq(daemon_conf_set(&c, "exit-idle-time", "99999999999"), CONF_E_BAD_VALUE);
        ck_assert_int_eq(daemon_conf_set(&c, "exit-idle-time", "2147483647"), 0);
        ck_assert_int_eq(daemon_conf_set(&c, "exit-idle-time", "2147483648"), CONF_E_BAD_VALUE);
        ck_assert_int_eq(daemon_conf_set(&c, "exit-idle-time", "-2147483648"), 0);
        ck_assert_int_eq(c.exit_idle_time, INT32_MIN);
        ck_assert_int_eq(daemon_conf_set(&c, "exit-idle-time", ""), CONF_E_BAD_VALUE);
        ck_assert_int_eq(daemon_conf_set(&c, "exit-idle-time", "x"), CONF_E_BAD_VALUE);
        ck_assert_int_eq(c.exit_idle_time, INT32_MIN);          /* unchanged by the failures */
        ck_assert_int_eq(daemon_conf_set(&c, "log-backtrace", "-1"), CONF_E_BAD_VALUE);
        ck_assert_int_eq(daemon_conf_set(&c, "lfe-crossover-freq", "-1"), CONF_E_BAD_VALUE);
        ck_assert_int_eq(daemon_conf_set(&c, "shm-size-bytes", "4294967295"), 0);
        ck_assert_int_eq(daemon_conf_set(&c, "shm-size-bytes", "4294967296"), CONF_E_BAD_VALUE);
        ck_assert_int_eq(daemon_conf_set(&c, "shm-size-bytes", "1k"), CONF_E_BAD_VALUE);
        daemon_conf_deinit(&c);
}
END_TEST

START_TEST(test_ranges) {
        static const struct { const char *key, *value; int ok; } t[] = {
                { "nice-level", "-20", 1 }, { "nice-level", "19", 1 },
                { "nice-level", "-21", 0 }, { "nice-level", "20", 0 },
                { "realtime-priority", "1", 1 }, { "realtime-priority", "99", 1 },
                { "realtime-priority", "0", 0 }, { "realtime-priority", "100", 0 },
                { "default-fragments", "2", 1 }, { "default-fragments", "1", 0 },
                { "default-fragments", "100000", 1 },
                { "default-fragment-size-msec", "1", 1 }, { "default-fragment-size-msec", "0", 0 },
                { "default-sample-rate", "1", 1 }, { "default-sample-rate", "387840", 1 },
                { "default-sample-rate", "387841", 0 }, { "default-sample-rate", "0", 0 },
                { "alternate-sample-rate", "387841", 0 },
                { "default-sample-channels", "32", 1 }, { "default-sample-channels", "33", 0 },
                { "default-sample-channels", "0", 0 },
                { "rlimit-core", "99999999999", 0 }, { "rlimit-nofile", "1.5", 0 },
                { "rlimit-nofile", "x", 0 }, { "rlimit-nofile", "0x10000", 1 },
                { "max-connections", "0", 0 }, { "max-connections", "1048576", 1 },
                { "max-connections", "1048577", 0 }, { "auth-timeout-sec", "86401", 0 },
                { "per-uid-max-connections", "-1", 0 },
                { "system-user", "", 0 }, { "system-user", "a b", 0 }, { "access-group", "a:b", 0 },
                { "system-runtime-dir", "relative", 0 }, { "system-state-dir", "", 0 },
        };

        for (size_t i = 0; i < C_ARRAY_SIZE(t); i++) {
                DaemonConf c;
                int r;

                ck_assert_int_eq(daemon_conf_init(&c), 0);
                r = daemon_conf_set(&c, t[i].key, t[i].value);
                ck_assert_msg(r == (t[i].ok ? 0 : CONF_E_BAD_VALUE), "%s = %s -> %d",
                              t[i].key, t[i].value, r);
                daemon_conf_deinit(&c);
        }
}
END_TEST

START_TEST(test_rlimits) {
        DaemonConf c;

        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(c.rlimit[CONF_RLIMIT_NOFILE], 256);
        ck_assert_int_eq(daemon_conf_set(&c, "rlimit-nofile", ""), 0);
        ck_assert_int_eq(c.rlimit[CONF_RLIMIT_NOFILE], -1);
        ck_assert_int_eq(daemon_conf_set(&c, "rlimit-nofile", "-5"), 0);
        ck_assert_int_eq(c.rlimit[CONF_RLIMIT_NOFILE], -1);
        ck_assert_int_eq(daemon_conf_set(&c, "rlimit-nofile", "4096"), 0);
        ck_assert_int_eq(c.rlimit[CONF_RLIMIT_NOFILE], 4096);
        ck_assert_int_eq(daemon_conf_rlimit_resource(CONF_RLIMIT_NOFILE), RLIMIT_NOFILE);
        ck_assert_int_eq(daemon_conf_rlimit_resource(CONF_RLIMIT_RTTIME), RLIMIT_RTTIME);
        daemon_conf_deinit(&c);
}
END_TEST

START_TEST(test_sample_settings) {
        DaemonConf c;

        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_set(&c, "default-sample-format", "FLOAT32"), 0);
        ck_assert_str_eq(dumped(&c, "default-sample-format"), "float32le");
        ck_assert_int_eq(daemon_conf_set(&c, "default-sample-format", "mulaw"), 0);
        ck_assert_str_eq(dumped(&c, "default-sample-format"), "uLaw");
        ck_assert_int_eq(daemon_conf_set(&c, "default-sample-format", "8"), 0);
        ck_assert_str_eq(dumped(&c, "default-sample-format"), "u8");
        ck_assert_int_eq(daemon_conf_set(&c, "default-sample-format", "x"), CONF_E_BAD_VALUE);
        ck_assert_str_eq(dumped(&c, "default-sample-format"), "u8");

        /* only channels: the map is derived (pulseaudio's AIFF order, aux for the rest) */
        ck_assert_int_eq(daemon_conf_set(&c, "default-sample-channels", "6"), 0);
        ck_assert_str_eq(dumped(&c, "default-channel-map"),
                         "front-left,front-left-of-center,front-center,front-right,"
                         "front-right-of-center,rear-center");
        ck_assert_int_eq(daemon_conf_set(&c, "default-sample-channels", "8"), 0);
        ck_assert_str_eq(dumped(&c, "default-channel-map"),
                         "front-left,front-left-of-center,front-center,front-right,"
                         "front-right-of-center,rear-center,aux0,aux1");
        /* both: must agree, in either order */
        ck_assert_int_eq(daemon_conf_set(&c, "default-channel-map", "stereo"), CONF_E_BAD_VALUE);
        ck_assert_int_eq(daemon_conf_set(&c, "default-channel-map", "surround-71"), 0);
        ck_assert_int_eq(daemon_conf_set(&c, "default-sample-channels", "6"), CONF_E_BAD_VALUE);
        ck_assert_int_eq(c.default_sample_spec.channels, 8);
        ck_assert_int_eq(daemon_conf_set(&c, "default-channel-map", "front-left, front-right"),
                         CONF_E_BAD_VALUE);
        daemon_conf_deinit(&c);

        /* only a map: channels follow it */
        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_set(&c, "default-channel-map", "mono"), 0);
        ck_assert_int_eq(c.default_sample_spec.channels, 1);
        ck_assert_int_eq(daemon_conf_set(&c, "default-channel-map", "left,right"), 0);
        ck_assert_str_eq(dumped(&c, "default-channel-map"), "front-left,front-right");
        daemon_conf_deinit(&c);
}
END_TEST

START_TEST(test_channel_mismatch_message) {
        DaemonConf c;
        const char *p = write_file("m.conf", "default-sample-channels = 6\ndefault-channel-map = stereo\n");
        char want[256];

        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_load(&c, p, false), CONF_E_PARSE);
        snprintf(want, sizeof(want), "[%s:2] The specified default channel map has a different "
                 "number of channels than the specified default number of channels.", p);
        ck_assert_log_has(want);
        daemon_conf_deinit(&c);
}
END_TEST

START_TEST(test_server_type) {
        DaemonConf c;

        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_set(&c, "system-instance", "yes"), 0);
        ck_assert(c.system_instance);
        ck_assert_str_eq(dumped(&c, "local-server-type"), "system");
        ck_assert_str_eq(dumped(&c, "default-script-file"), "/etc/pulse/system.pa");
        ck_assert_int_eq(daemon_conf_set(&c, "local-server-type", "user"), 0);
        ck_assert(!c.system_instance);
        ck_assert_int_eq(daemon_conf_set(&c, "local-server-type", "none"), 0);
        ck_assert_int_eq(daemon_conf_set(&c, "system-instance", "yes"), 0);
        ck_assert(!c.system_instance);          /* as observed: "none" is kept */
        ck_assert_str_eq(dumped(&c, "local-server-type"), "none");
        ck_assert_int_eq(daemon_conf_set(&c, "local-server-type", "system"), 0);
        ck_assert(c.system_instance);
        ck_assert_int_eq(daemon_conf_set(&c, "system-instance", "no"), 0);
        ck_assert_str_eq(dumped(&c, "local-server-type"), "user");
        ck_assert_int_eq(daemon_conf_set(&c, "local-server-type", "SYSTEM"), CONF_E_BAD_VALUE);
        /* an explicit script wins over system.pa */
        ck_assert_int_eq(daemon_conf_set(&c, "default-script-file", "/x.pa"), 0);
        ck_assert_int_eq(daemon_conf_set(&c, "system-instance", "yes"), 0);
        ck_assert_str_eq(dumped(&c, "default-script-file"), "/x.pa");
        ck_assert_int_eq(daemon_conf_set(&c, "default-script-file", ""), 0);
        ck_assert_str_eq(dumped(&c, "default-script-file"), "/etc/pulse/system.pa");
        daemon_conf_deinit(&c);
}
END_TEST

START_TEST(test_log_target_values) {
        DaemonConf c;

        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_set(&c, "log-target", "journal"), 0);
        ck_assert_str_eq(c.log_target, "journal");
        ck_assert_int_eq(daemon_conf_set(&c, "log-target", "newfile:/tmp/n"), 0);
        ck_assert_str_eq(dumped(&c, "log-target"), "newfile:/tmp/n");
        ck_assert_int_eq(daemon_conf_set(&c, "log-target", "auto"), 0);
        ck_assert_ptr_null(c.log_target);
        ck_assert_int_eq(daemon_conf_set(&c, "log-target", "null"), 0);
        ck_assert_int_eq(daemon_conf_set(&c, "log-target", "x"), CONF_E_BAD_VALUE);
        ck_assert_int_eq(daemon_conf_set(&c, "log-target", "file:"), CONF_E_BAD_VALUE);
        ck_assert_str_eq(c.log_target, "null");
        ck_assert_int_eq(daemon_conf_set(&c, "resample-method", "soxr-vhq"), 0);
        ck_assert_int_eq(daemon_conf_set(&c, "resample-method", "speex-float-11"), CONF_E_BAD_VALUE);
        ck_assert_str_eq(c.resample_method, "soxr-vhq");
        daemon_conf_deinit(&c);
}
END_TEST

START_TEST(test_deprecated_lfe) {
        DaemonConf c;
        const char *p = write_file("l.conf", "remixing-produce-lfe = yes\ndisable-lfe-remixing = yes\n");
        char want[256];

        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_load(&c, p, false), 0);
        ck_assert(!c.remixing_produce_lfe && !c.remixing_consume_lfe);
        snprintf(want, sizeof(want), "[%s:2] Deprecated option 'disable-lfe-remixing' found.", p);
        ck_assert_log_has(want);
        ck_assert_log_has("Please migrate to 'remixing-produce-lfe' and 'remixing-consume-lfe', "
                          "set both to 'no'.");
        daemon_conf_deinit(&c);
}
END_TEST

START_TEST(test_set_unknown) {
        DaemonConf c;

        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_set(&c, "foo", "1"), CONF_E_UNKNOWN_KEY);
        ck_assert_int_eq(daemon_conf_set(&c, "", "1"), CONF_E_UNKNOWN_KEY);
        ck_assert_int_eq(daemon_conf_set(&c, "Daemonize", "1"), CONF_E_UNKNOWN_KEY);
        ck_assert_int_eq(daemon_conf_set(&c, "daemonize", "maybe"), CONF_E_BAD_VALUE);
        ck_assert(!c.daemonize);
        daemon_conf_deinit(&c);
}
END_TEST

/* ---- file syntax and errors ---- */

START_TEST(test_syntax) {
        DaemonConf c;
        const char *p = write_file("s.conf",
                "; comment\n"
                "# comment\n"
                "\n"
                "   daemonize   =   yes   \n"
                "[Section]\n"
                "[ spaced ]\n"
                "dl-search-path = a b # comment\n"
                "default-script-file = /x;y\n"
                "nice-level=3\r\n"
                "exit-idle-time = 1\n"
                "exit-idle-time = 2\n");

        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_load(&c, p, false), 0);
        ck_assert(c.daemonize);
        ck_assert_str_eq(c.dl_search_path, "a b");
        ck_assert_str_eq(c.default_script_file, "/x");
        ck_assert_int_eq(c.nice_level, 3);
        ck_assert_int_eq(c.exit_idle_time, 2);  /* the last one wins */
        daemon_conf_deinit(&c);
}
END_TEST

static const struct {
        const char *text;
        unsigned line;
        const char *message;
} file_errors[] = {
        { "daemonize = yes\n\nfoo = bar\n", 3, "Unknown lvalue 'foo' in section 'n/a'." },
        { "[Foo]\nfoo=1\n", 2, "Unknown lvalue 'foo' in section 'Foo'." },
        { " = yes\n", 1, "Unknown lvalue '' in section 'n/a'." },
        { ".include=x\n", 1, "Unknown lvalue '.include' in section 'n/a'." },
        { "nokey\n", 1, "Missing '='." },
        { ".include\n", 1, "Missing '='." },
        { ".includex a.conf\n", 1, "Missing '='." },
        { "[Section\n", 1, "Invalid section header." },
        { "[Properties]\n", 1, "\"Properties\" section is not allowed in this file." },
        { "daemonize = maybe\n", 1, "Failed to parse boolean value: maybe" },
        { "daemonize =\n", 1, "Failed to parse boolean value: " },
        { "exit-idle-time = x\n", 1, "Failed to parse numeric value: x" },
        { "shm-size-bytes = -1\n", 1, "Failed to parse numeric value: -1" },
        { "nice-level = -30\n", 1, "Invalid nice level '-30'." },
        { "realtime-priority = 0\n", 1, "Invalid realtime priority '0'." },
        { "default-fragments = 1\n", 1, "Invalid number of fragments '1'." },
        { "default-fragment-size-msec = 0\n", 1, "Invalid fragment size '0'." },
        { "log-level = i\n", 1, "Invalid log level 'i'." },
        { "log-target = x\n", 1, "Invalid log target 'x'." },
        { "resample-method = foo\n", 1, "Invalid resample method 'foo'." },
        { "local-server-type = foo\n", 1, "Invalid server type 'foo'." },
        { "default-sample-format = x\n", 1, "Invalid sample format 'x'." },
        { "default-sample-rate = 0\n", 1, "Invalid sample rate '0'." },
        { "default-sample-channels = 33\n", 1, "Invalid sample channels '33'." },
        { "default-channel-map = foo\n", 1, "Invalid channel map 'foo'." },
        { "rlimit-nofile = x\n", 1, "Invalid rlimit 'x'." },
};

START_TEST(test_file_errors) {
        DaemonConf c;
        const char *p = write_file("e.conf", file_errors[_i].text);
        char want[512];

        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_load(&c, p, false), CONF_E_PARSE);
        snprintf(want, sizeof(want), "[%s:%u] %s\n", p, file_errors[_i].line, file_errors[_i].message);
        ck_assert_log_has(want);
        daemon_conf_deinit(&c);
}
END_TEST

START_TEST(test_first_error_stops_file) {
        DaemonConf c;
        const char *p = write_file("f.conf", "nice-level = 1\nbad\nnice-level = 2\n");

        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_load(&c, p, false), CONF_E_PARSE);
        ck_assert_int_eq(c.nice_level, 1);
        daemon_conf_deinit(&c);
}
END_TEST

START_TEST(test_missing_file) {
        DaemonConf c;
        char p[256];

        snprintf(p, sizeof(p), "%s/none.conf", tmpdir);
        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_load(&c, p, true), 0);
        ck_assert_int_eq(daemon_conf_load(&c, p, false), CONF_E_NOT_FOUND);
        ck_assert_ptr_null(c.config_file);
        daemon_conf_deinit(&c);
}
END_TEST

/* ---- .include and .d ---- */

START_TEST(test_include) {
        DaemonConf c;
        const char *p;

        write_file("sub/a.conf", "nice-level = 7\nrealtime-priority = 7\n");
        write_file("abs.conf", "scache-idle-time = 3\n");
        p = write_file("main.conf", "daemonize = yes\n"
                                    ".include sub/a.conf\n"
                                    ".include    missing.conf   \n"
                                    "nice-level = -5\n");
        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_load(&c, p, false), 0);
        ck_assert(c.daemonize);
        ck_assert_int_eq(c.nice_level, -5);            /* after the include: the file's value */
        ck_assert_int_eq(c.realtime_priority, 7);      /* from the include */
        daemon_conf_deinit(&c);
}
END_TEST

START_TEST(test_include_error_names_included_file) {
        DaemonConf c;
        const char *bad = write_file("sub/bad.conf", "\nx = 1\n");
        const char *p = write_file("i.conf", ".include sub/bad.conf\nnice-level = 3\n");
        char want[512];

        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_load(&c, p, false), CONF_E_PARSE);
        snprintf(want, sizeof(want), "[%s:2] Unknown lvalue 'x' in section 'n/a'.", bad);
        ck_assert_log_has(want);
        ck_assert_int_eq(c.nice_level, -11);
        daemon_conf_deinit(&c);
}
END_TEST

START_TEST(test_include_loop) {
        DaemonConf c;
        const char *p = write_file("loop.conf", "nice-level = 1\n.include loop.conf\n");
        char want[512];

        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_load(&c, p, false), CONF_E_PARSE);
        snprintf(want, sizeof(want), "[%s:2] .include nesting deeper than %u levels.", p,
                 CONF_INCLUDE_DEPTH_MAX);
        ck_assert_log_has(want);
        daemon_conf_deinit(&c);
}
END_TEST

START_TEST(test_dropin_order) {
        DaemonConf c;
        const char *p = write_file("dd.conf", "realtime-priority = 6\n");
        char want[512];

        write_file("dd.conf.d/20-b.conf", "realtime-priority = 8\nflat-volumes = yes\n");
        write_file("dd.conf.d/10-a.conf", "realtime-priority = 9\nexit-idle-time = 3\n");
        write_file("dd.conf.d/.hidden.conf", "exit-idle-time = 4\n");
        write_file("dd.conf.d/30-c.txt", "garbage\n");
        write_file("dd.conf.d/15-bad.conf", "bad\nnice-level = 3\n");
        ck_assert_int_eq(mkdir(strcat(strcpy(want, tmpdir), "/dd.conf.d/40-dir.conf"), 0700), 0);

        ck_assert_int_eq(daemon_conf_init(&c), 0);
        /* as pulseaudio: a bad drop-in is logged, the others still apply, load succeeds */
        ck_assert_int_eq(daemon_conf_load(&c, p, false), 0);
        ck_assert_int_eq(c.realtime_priority, 8);      /* 20-b after 10-a */
        ck_assert_int_eq(c.exit_idle_time, 3);         /* 10-a after .hidden */
        ck_assert(c.flat_volumes);
        ck_assert_int_eq(c.nice_level, -11);           /* 15-bad stopped at its line 1 */
        snprintf(want, sizeof(want), "[%s/dd.conf.d/15-bad.conf:1] Missing '='.", tmpdir);
        ck_assert_log_has(want);
        ck_assert_log_has("40-dir.conf': Is a directory");
        daemon_conf_deinit(&c);
}
END_TEST

START_TEST(test_dropin_only_for_top_file) {
        DaemonConf c;
        const char *p = write_file("top.conf", ".include inc.conf\n");

        write_file("inc.conf", "nice-level = 4\n");
        write_file("inc.conf.d/x.conf", "realtime-priority = 7\n");
        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_load(&c, p, false), 0);
        ck_assert_int_eq(c.nice_level, 4);
        ck_assert_int_eq(c.realtime_priority, 5);
        daemon_conf_deinit(&c);
}
END_TEST

/* ---- lookup and environment ---- */

static void clear_env(void) {
        unsetenv("PULSE_CONFIG");
        unsetenv("PULSE_CONFIG_PATH");
        unsetenv("PULSE_SCRIPT");
        unsetenv("PULSE_DLPATH");
        unsetenv("XDG_CONFIG_HOME");
}

START_TEST(test_lookup_pulse_config) {
        DaemonConf c;
        const char *p = write_file("pc.conf", "nice-level = 1\n");

        clear_env();
        setenv("PULSE_CONFIG", p, 1);
        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_load_default(&c), 0);
        ck_assert_int_eq(c.nice_level, 1);
        ck_assert_str_eq(c.config_file, p);
        daemon_conf_deinit(&c);
}
END_TEST

START_TEST(test_lookup_pulse_config_missing) {
        DaemonConf c;
        char p[256], want[512];

        clear_env();
        snprintf(p, sizeof(p), "%s/nonexist.conf", tmpdir);
        setenv("PULSE_CONFIG", p, 1);
        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_load_default(&c), 0);
        ck_assert_ptr_null(c.config_file);
        snprintf(want, sizeof(want), "Failed to open configuration file '%s': "
                 "No such file or directory", p);
        ck_assert_log_has(want);
        daemon_conf_deinit(&c);
}
END_TEST

START_TEST(test_lookup_home) {
        DaemonConf c;
        char home[256];

        clear_env();
        snprintf(home, sizeof(home), "%s/home", tmpdir);
        setenv("HOME", home, 1);
        write_file("home/.config/pulse/daemon.conf", "nice-level = 3\n");
        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_load_default(&c), 0);
        ck_assert_int_eq(c.nice_level, 3);
        daemon_conf_deinit(&c);

        /* ~/.pulse/daemon.conf comes first */
        write_file("home/.pulse/daemon.conf", "nice-level = 2\n");
        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_load_default(&c), 0);
        ck_assert_int_eq(c.nice_level, 2);
        daemon_conf_deinit(&c);

        /* $PULSE_CONFIG_PATH replaces both */
        write_file("cp/daemon.conf", "nice-level = 5\n");
        setenv("PULSE_CONFIG_PATH", strcat(strcpy(home, tmpdir), "/cp"), 1);
        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_load_default(&c), 0);
        ck_assert_int_eq(c.nice_level, 5);
        daemon_conf_deinit(&c);
}
END_TEST

START_TEST(test_lookup_error_is_fatal) {
        DaemonConf c;

        clear_env();
        setenv("PULSE_CONFIG", write_file("bad.conf", "foo = 1\n"), 1);
        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_load_default(&c), CONF_E_PARSE);
        daemon_conf_deinit(&c);
}
END_TEST

START_TEST(test_apply_env) {
        DaemonConf c;

        clear_env();
        setenv("PULSE_SCRIPT", "/s.pa", 1);
        setenv("PULSE_DLPATH", "/dl", 1);
        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_apply_env(&c), 0);
        ck_assert_str_eq(dumped(&c, "default-script-file"), "/s.pa");
        ck_assert_str_eq(dumped(&c, "dl-search-path"), "/dl");
        daemon_conf_deinit(&c);
}
END_TEST

START_TEST(test_script_file_lookup) {
        DaemonConf c;
        char home[256], *p;

        clear_env();
        snprintf(home, sizeof(home), "%s/home", tmpdir);
        setenv("HOME", home, 1);
        ck_assert_int_eq(daemon_conf_init(&c), 0);
        ck_assert_int_eq(daemon_conf_script_file(&c, &p), 0);
        ck_assert_str_eq(p, "/etc/pulse/default.pa");
        free(p);
        write_file("home/.config/pulse/default.pa", "# user\n");
        ck_assert_int_eq(daemon_conf_script_file(&c, &p), 0);
        ck_assert_str_eq(p, strcat(home, "/.config/pulse/default.pa"));
        free(p);
        /* --dump-conf still shows the global name, as pulseaudio does */
        ck_assert_str_eq(dumped(&c, "default-script-file"), "/etc/pulse/default.pa");
        /* system mode: only system.pa */
        ck_assert_int_eq(daemon_conf_set(&c, "system-instance", "yes"), 0);
        ck_assert_int_eq(daemon_conf_script_file(&c, &p), 0);
        ck_assert_str_eq(p, "/etc/pulse/system.pa");
        free(p);
        /* explicit wins */
        ck_assert_int_eq(daemon_conf_set(&c, "default-script-file", "/my.pa"), 0);
        ck_assert_int_eq(daemon_conf_script_file(&c, &p), 0);
        ck_assert_str_eq(p, "/my.pa");
        free(p);
        daemon_conf_deinit(&c);
}
END_TEST

START_TEST(test_resample_methods) {
        char *buf = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&buf, &n);

        daemon_conf_dump_resample_methods(f);
        fclose(f);
        ck_assert(strncmp(buf, "trivial\nspeex-float-0\n", 22) == 0);
        ck_assert(strstr(buf, "\nspeex-fixed-10\nffmpeg\nauto\ncopy\npeaks\nsoxr-mq\nsoxr-hq\n"
                             "soxr-vhq\n") != NULL);
        ck_assert(conf_resample_method_valid("copy"));
        ck_assert(!conf_resample_method_valid("src-sinc-best-quality"));
        free(buf);
}
END_TEST

START_TEST(test_buf) {
        ConfBuf b = CONF_BUF_NULL(b);

        for (int i = 0; i < 1000; i++)
                ck_assert_int_eq(conf_buf_appendf(&b, "line %d\n", i), 0);
        ck_assert(strncmp(b.str, "line 0\nline 1\n", 14) == 0);
        ck_assert_uint_eq(b.len, strlen(b.str));
        conf_buf_deinit(&b);
        ck_assert_ptr_null(b.str);
}
END_TEST

static Suite *conf_suite(void) {
        Suite *s = suite_create("conf");
        TCase *tc;

        tc = tcase_create("dump");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_defaults_dump);
        tcase_add_test(tc, test_dump_header);
        tcase_add_test(tc, test_dump_roundtrip);
        tcase_add_test(tc, test_resample_methods);
        suite_add_tcase(s, tc);

        tc = tcase_create("keys");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_loop_test(tc, test_every_key_set, 0, (int)C_ARRAY_SIZE(every_key));
        tcase_add_test(tc, test_every_key_file);
        tcase_add_test(tc, test_bool_forms);
        tcase_add_test(tc, test_log_levels);
        tcase_add_test(tc, test_numbers);
        tcase_add_test(tc, test_ranges);
        tcase_add_test(tc, test_rlimits);
        tcase_add_test(tc, test_sample_settings);
        tcase_add_test(tc, test_server_type);
        tcase_add_test(tc, test_log_target_values);
        tcase_add_test(tc, test_set_unknown);
        tcase_add_test(tc, test_buf);
        suite_add_tcase(s, tc);

        tc = tcase_create("files");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_syntax);
        tcase_add_loop_test(tc, test_file_errors, 0, (int)C_ARRAY_SIZE(file_errors));
        tcase_add_test(tc, test_first_error_stops_file);
        tcase_add_test(tc, test_missing_file);
        tcase_add_test(tc, test_channel_mismatch_message);
        tcase_add_test(tc, test_deprecated_lfe);
        tcase_add_test(tc, test_include);
        tcase_add_test(tc, test_include_error_names_included_file);
        tcase_add_test(tc, test_include_loop);
        tcase_add_test(tc, test_dropin_order);
        tcase_add_test(tc, test_dropin_only_for_top_file);
        suite_add_tcase(s, tc);

        tc = tcase_create("lookup");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_lookup_pulse_config);
        tcase_add_test(tc, test_lookup_pulse_config_missing);
        tcase_add_test(tc, test_lookup_home);
        tcase_add_test(tc, test_lookup_error_is_fatal);
        tcase_add_test(tc, test_apply_env);
        tcase_add_test(tc, test_script_file_lookup);
        suite_add_tcase(s, tc);

        return s;
}

int main(void) {
        SRunner *sr = srunner_create(conf_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
