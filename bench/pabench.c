/*
 * pabench - benchmark client for servers speaking the PulseAudio native
 * protocol.  Uses libpulse's asynchronous API (pa_mainloop) only.
 *
 * Every mode prints machine-readable lines on stdout:
 *     METRIC <name> <value> <unit>
 * and a human-readable summary on stderr.  Server-side cost is read from
 * /proc for the PIDs given with --pids (CPU from the per-thread schedstat
 * run time in nanoseconds, memory from VmRSS and smaps_rollup Pss).
 *
 * Modes (see usage()):
 *   ready     wait until the server answers, the sink exists and a probe
 *             playback stream actually starts
 *   idle      sample server CPU and memory while nothing is connected
 *   connrate  connect + auth + get_server_info + disconnect in a loop
 *   connhold  open N connections at once and hold them
 *   rtt       sequential control round trips (server-info, sink-info,
 *             set-volume)
 *   play      N concurrent playback streams for a fixed window
 *   rec       N concurrent record streams from the sink monitor
 *   minlat    smallest tlength that plays D seconds without underflow
 *
 * Everything is bounded in time; the program never waits forever.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <pulse/pulseaudio.h>

#define MAXPIDS 8
#define MAXTIDS 64

/* ------------------------------------------------------------------ */
/* options                                                             */

static const char *opt_server;          /* NULL: libpulse default (PULSE_SERVER) */
static const char *opt_sink = "bench";
static const char *opt_prefix = "";
static int opt_pids[MAXPIDS];
static char opt_pidname[MAXPIDS][32];   /* from NAME:PID, else empty (use comm) */
static int opt_npids;
static int opt_n = 1;
static int opt_n_set;                   /* -n given explicitly */
static double opt_duration = 5.0;
static double opt_timeout = 20.0;       /* setup phases */
static const char *opt_format = "s16le";
static unsigned opt_rate = 48000;
static unsigned opt_channels = 2;
static double opt_tlength_ms = 40.0;    /* <=0: server default */
static double opt_frag_ms = 20.0;       /* <=0: server default */
static const char *opt_op = "sink-info";
static const char *opt_list = "1,2,3,4,5,6,8,10,12,15,20,25,30,40,50,60,80,100,150,200,300,500";
static int opt_no_adjust;               /* do not set PA_STREAM_ADJUST_LATENCY */
static int opt_max_ctx = 16;            /* play/rec: streams spread over at most this many contexts */
static int opt_verbose;
static int opt_batch = 4;               /* connections opened at once (listen backlogs are small) */
static int opt_feed;                    /* rec: one playback stream feeds the sink meanwhile */
static int opt_probe = 1;               /* ready: require a probe stream to start */
static int opt_threads;                 /* report CPU per server thread name */
static double opt_stall = 5.0;          /* play/rec: stop waiting for stream starts after this long without progress */

static pa_mainloop *ml;
static pa_mainloop_api *api;

/* ------------------------------------------------------------------ */
/* utilities                                                           */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t deadline_in(double secs)
{
    return now_ns() + (uint64_t)(secs * 1e9);
}

static void metric(const char *name, double value, const char *unit)
{
    if (isnan(value))
        printf("METRIC %s%s nan %s\n", opt_prefix, name, unit);
    else if (value == floor(value) && fabs(value) < 1e15)
        printf("METRIC %s%s %.0f %s\n", opt_prefix, name, value, unit);
    else
        printf("METRIC %s%s %.6g %s\n", opt_prefix, name, value, unit);
    fflush(stdout);
}

static void note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "pabench: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* percentile (0..100) of a sorted array, nearest-rank */
static double pct_sorted(const uint64_t *v, size_t n, double p)
{
    if (n == 0)
        return NAN;
    size_t k = (size_t)ceil(p / 100.0 * (double)n);
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return (double)v[k - 1];
}

/* One iteration of the main loop, waking up no later than deadline. */
static void run_once(uint64_t deadline)
{
    uint64_t t = now_ns();
    int timeout_us = 0;
    if (deadline > t) {
        uint64_t rem = (deadline - t) / 1000;
        timeout_us = rem > 100000 ? 100000 : (int)rem;
    }
    if (pa_mainloop_prepare(ml, timeout_us) < 0)
        return;
    pa_mainloop_poll(ml);
    pa_mainloop_dispatch(ml);
}

#define WAIT_UNTIL(cond, deadline)                                        \
    do {                                                                  \
        uint64_t dl__ = (deadline);                                       \
        while (!(cond) && now_ns() < dl__)                                \
            run_once(dl__);                                               \
    } while (0)

/* ------------------------------------------------------------------ */
/* /proc sampling of the server processes                              */

struct procsample {
    int alive;
    uint64_t run_ns;   /* sum of per-thread schedstat run time */
    uint64_t wait_ns;  /* sum of per-thread schedstat run-queue wait time */
    uint64_t ctxsw;    /* sum of per-thread voluntary + involuntary context switches */
    uint64_t ticks;    /* utime + stime (clock ticks) */
    long rss_kb, pss_kb, uss_kb, threads, fds;
    char comm[32];
    /* per-thread run time, for --threads */
    int ntid;
    int tid[MAXTIDS];
    char tcomm[MAXTIDS][20];
    uint64_t trun[MAXTIDS];
    uint64_t twait[MAXTIDS];
};

struct sample {
    uint64_t t;
    uint64_t sys_busy, sys_total;   /* /proc/stat jiffies, all cpus */
    uint64_t self_wait_ns;          /* this process's run-queue wait (schedstat) */
    struct procsample p[MAXPIDS];
    struct rusage self;
};

static int read_file(const char *path, char *buf, size_t sz)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sz - 1, f);
    buf[n] = 0;
    fclose(f);
    return (int)n;
}

static long status_field_kb(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    if (!p)
        return -1;
    p += strlen(key);
    return strtol(p, NULL, 10);
}

static void sample_pid(int pid, struct procsample *s)
{
    char path[128], buf[8192];
    memset(s, 0, sizeof(*s));
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    if (read_file(path, buf, sizeof(buf)) <= 0)
        return;
    char *rp = strrchr(buf, ')');
    if (!rp)
        return;
    char state = rp[2];
    if (state == 'Z' || state == 'X')
        return;
    s->alive = 1;
    {
        /* fields after ')': 3=state ... 14=utime 15=stime 20=num_threads */
        char *tok, *save = NULL;
        int field = 3;
        unsigned long long ut = 0, st = 0;
        for (tok = strtok_r(rp + 2, " ", &save); tok; tok = strtok_r(NULL, " ", &save), field++) {
            if (field == 14)
                ut = strtoull(tok, NULL, 10);
            else if (field == 15)
                st = strtoull(tok, NULL, 10);
            else if (field == 20) {
                s->threads = strtol(tok, NULL, 10);
                break;
            }
        }
        s->ticks = ut + st;
    }
    snprintf(path, sizeof(path), "/proc/%d/comm", pid);
    if (read_file(path, s->comm, sizeof(s->comm)) > 0)
        s->comm[strcspn(s->comm, "\n")] = 0;
    for (int i = 0; i < opt_npids; i++)
        if (opt_pids[i] == pid && opt_pidname[i][0])
            snprintf(s->comm, sizeof(s->comm), "%.31s", opt_pidname[i]);
    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    if (read_file(path, buf, sizeof(buf)) > 0)
        s->rss_kb = status_field_kb(buf, "VmRSS:");
    snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
    if (read_file(path, buf, sizeof(buf)) > 0)
    {
        s->pss_kb = status_field_kb(buf, "\nPss:");
        long pc = status_field_kb(buf, "\nPrivate_Clean:"), pd = status_field_kb(buf, "\nPrivate_Dirty:");
        s->uss_kb = (pc > 0 ? pc : 0) + (pd > 0 ? pd : 0);
    }
    snprintf(path, sizeof(path), "/proc/%d/task", pid);
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char p2[300], b2[256];
            {
                char p3[300], b3[2048];
                snprintf(p3, sizeof(p3), "/proc/%d/task/%s/status", pid, e->d_name);
                if (read_file(p3, b3, sizeof(b3)) > 0) {
                    long v = status_field_kb(b3, "voluntary_ctxt_switches:");
                    long nv = status_field_kb(b3, "nonvoluntary_ctxt_switches:");
                    s->ctxsw += (uint64_t)(v > 0 ? v : 0) + (uint64_t)(nv > 0 ? nv : 0);
                }
            }
            snprintf(p2, sizeof(p2), "/proc/%d/task/%s/schedstat", pid, e->d_name);
            if (read_file(p2, b2, sizeof(b2)) > 0) {
                char *endp = NULL;
                uint64_t r = strtoull(b2, &endp, 10);
                uint64_t w = endp ? strtoull(endp, NULL, 10) : 0;
                s->run_ns += r;
                s->wait_ns += w;
                if (s->ntid < MAXTIDS) {
                    int k = s->ntid++;
                    s->tid[k] = atoi(e->d_name);
                    s->trun[k] = r;
                    s->twait[k] = w;
                    snprintf(p2, sizeof(p2), "/proc/%d/task/%s/comm", pid, e->d_name);
                    if (read_file(p2, b2, sizeof(b2)) > 0)
                        b2[strcspn(b2, "\n")] = 0;
                    else
                        b2[0] = 0;
                    /* metric-name safe */
                    for (char *q = b2; *q; q++)
                        if (*q == ' ' || *q == '.' || *q == '/' || *q == ':')
                            *q = '_';
                    snprintf(s->tcomm[k], sizeof(s->tcomm[k]), "%.19s", b2);
                }
            }
        }
        closedir(d);
    }
    snprintf(path, sizeof(path), "/proc/%d/fd", pid);
    d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)))
            if (e->d_name[0] != '.')
                s->fds++;
        closedir(d);
    }
}

static void sample_stat(struct sample *s)
{
    char buf[512];
    unsigned long long v[10] = {0};
    if (read_file("/proc/stat", buf, sizeof(buf)) <= 0)
        return;
    if (sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
               &v[6], &v[7], &v[8], &v[9]) < 8)
        return;
    /* user nice system idle iowait irq softirq steal (guest is inside user) */
    s->sys_total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
    s->sys_busy = s->sys_total - v[3] - v[4];
}

static void take_sample(struct sample *s)
{
    memset(s, 0, sizeof(*s));
    s->t = now_ns();
    sample_stat(s);
    {
        char b2[256];
        if (read_file("/proc/thread-self/schedstat", b2, sizeof(b2)) > 0) {
            char *endp = NULL;
            (void)strtoull(b2, &endp, 10);
            s->self_wait_ns = endp ? strtoull(endp, NULL, 10) : 0;
        }
    }
    for (int i = 0; i < opt_npids; i++)
        sample_pid(opt_pids[i], &s->p[i]);
    getrusage(RUSAGE_SELF, &s->self);
}

static int servers_alive(const struct sample *s)
{
    for (int i = 0; i < opt_npids; i++)
        if (!s->p[i].alive)
            return 0;
    return 1;
}

static uint64_t server_run_ns(const struct sample *a, const struct sample *b)
{
    uint64_t sum = 0;
    for (int i = 0; i < opt_npids; i++)
        if (b->p[i].run_ns > a->p[i].run_ns)
            sum += b->p[i].run_ns - a->p[i].run_ns;
    return sum;
}

static double tv_s(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static double self_cpu_s(const struct sample *a, const struct sample *b)
{
    return tv_s(b->self.ru_utime) + tv_s(b->self.ru_stime) -
           tv_s(a->self.ru_utime) - tv_s(a->self.ru_stime);
}

static long mem_sum(const struct sample *s, int pss)
{
    long sum = 0;
    for (int i = 0; i < opt_npids; i++)
        sum += pss == 2 ? s->p[i].uss_kb : pss ? s->p[i].pss_kb : s->p[i].rss_kb;
    return sum;
}

/* Emit CPU metrics for a window a..b.  per_unit>0: also cpu per unit. */
static void report_cpu(const struct sample *a, const struct sample *b)
{
    double wall = (double)(b->t - a->t) / 1e9;
    uint64_t ns = server_run_ns(a, b);
    metric("window_s", wall, "s");
    metric("server_cpu_s", (double)ns / 1e9, "s");
    metric("server_cpu_pct", 100.0 * (double)ns / 1e9 / wall, "%");
    if (opt_npids > 1) {
        for (int i = 0; i < opt_npids; i++) {
            char name[96];
            uint64_t d = b->p[i].run_ns > a->p[i].run_ns ? b->p[i].run_ns - a->p[i].run_ns : 0;
            snprintf(name, sizeof(name), "server_cpu_pct.%s", b->p[i].comm[0] ? b->p[i].comm : "pid");
            metric(name, 100.0 * (double)d / 1e9 / wall, "%");
        }
    }
    if (opt_threads) {
        /* per thread name (threads with the same name are summed) */
        char names[MAXPIDS * MAXTIDS][20];
        uint64_t sums[MAXPIDS * MAXTIDS], wsums[MAXPIDS * MAXTIDS];
        int nn = 0;
        for (int i = 0; i < opt_npids; i++)
            for (int k = 0; k < b->p[i].ntid; k++) {
                uint64_t d = b->p[i].trun[k], dw = b->p[i].twait[k];
                for (int j = 0; j < a->p[i].ntid; j++)
                    if (a->p[i].tid[j] == b->p[i].tid[k]) {
                        d = d > a->p[i].trun[j] ? d - a->p[i].trun[j] : 0;
                        dw = dw > a->p[i].twait[j] ? dw - a->p[i].twait[j] : 0;
                        break;
                    }
                int j;
                for (j = 0; j < nn; j++)
                    if (!strcmp(names[j], b->p[i].tcomm[k]))
                        break;
                if (j == nn) {
                    snprintf(names[nn], sizeof(names[nn]), "%s", b->p[i].tcomm[k]);
                    wsums[nn] = 0;
                    sums[nn++] = 0;
                }
                sums[j] += d;
                wsums[j] += dw;
            }
        for (int j = 0; j < nn; j++) {
            char name[96];
            snprintf(name, sizeof(name), "thread_cpu_pct.%.19s", names[j][0] ? names[j] : "unnamed");
            metric(name, 100.0 * (double)sums[j] / 1e9 / wall, "%");
            snprintf(name, sizeof(name), "thread_wait_pct.%.19s", names[j][0] ? names[j] : "unnamed");
            metric(name, 100.0 * (double)wsums[j] / 1e9 / wall, "%");
        }
    }
    uint64_t ticks = 0;
    for (int i = 0; i < opt_npids; i++)
        ticks += b->p[i].ticks - a->p[i].ticks;
    metric("server_cpu_ticks_s", (double)ticks / (double)sysconf(_SC_CLK_TCK), "s");
    metric("client_cpu_pct", 100.0 * self_cpu_s(a, b) / wall, "%");
    {
        /* time runnable but not running (waiting for a cpu), % of the window */
        uint64_t w = 0;
        for (int i = 0; i < opt_npids; i++)
            if (b->p[i].wait_ns > a->p[i].wait_ns)
                w += b->p[i].wait_ns - a->p[i].wait_ns;
        metric("server_runqueue_wait_pct", 100.0 * (double)w / 1e9 / wall, "%");
        uint64_t cs = 0;
        for (int i = 0; i < opt_npids; i++)
            if (b->p[i].ctxsw > a->p[i].ctxsw)
                cs += b->p[i].ctxsw - a->p[i].ctxsw;
        metric("server_ctxsw_per_s", (double)cs / wall, "1/s");
        if (b->self_wait_ns >= a->self_wait_ns)
            metric("client_runqueue_wait_pct", 100.0 * (double)(b->self_wait_ns - a->self_wait_ns) / 1e9 / wall, "%");
    }
    if (b->sys_total > a->sys_total) {
        /* whole machine busy time (all cpus, % of one core); minus server and client
         * gives what other processes took during the window */
        double hz = (double)sysconf(_SC_CLK_TCK);
        double busy = 100.0 * (double)(b->sys_busy - a->sys_busy) / hz / wall;
        metric("machine_busy_pct", busy, "%");
        double others = busy - 100.0 * (double)ns / 1e9 / wall - 100.0 * self_cpu_s(a, b) / wall;
        /* jiffies (10 ms) against ns counters: small negative values mean ~0 */
        metric("others_cpu_pct", others > 0 ? others : 0, "%");
    }
}

static void report_mem(const char *tag, const struct sample *s)
{
    char name[96];
    snprintf(name, sizeof(name), "%srss_kb", tag);
    metric(name, (double)mem_sum(s, 0), "KiB");
    snprintf(name, sizeof(name), "%spss_kb", tag);
    metric(name, (double)mem_sum(s, 1), "KiB");
    snprintf(name, sizeof(name), "%suss_kb", tag);
    metric(name, (double)mem_sum(s, 2), "KiB");
    if (opt_npids > 1)
        for (int i = 0; i < opt_npids; i++) {
            snprintf(name, sizeof(name), "%srss_kb.%s", tag, s->p[i].comm[0] ? s->p[i].comm : "pid");
            metric(name, (double)s->p[i].rss_kb, "KiB");
        }
}

/* ------------------------------------------------------------------ */
/* contexts                                                            */

enum { ST_CONNECTING, ST_READY, ST_FAILED };

struct ctx {
    pa_context *c;
    int state;
    int err;
};

static void ctx_state_cb(pa_context *c, void *u)
{
    struct ctx *x = u;
    switch (pa_context_get_state(c)) {
    case PA_CONTEXT_READY:
        x->state = ST_READY;
        break;
    case PA_CONTEXT_FAILED:
    case PA_CONTEXT_TERMINATED:
        x->state = ST_FAILED;
        x->err = pa_context_errno(c);
        break;
    default:
        break;
    }
}

static void ctx_open(struct ctx *x, const char *name)
{
    memset(x, 0, sizeof(*x));
    x->c = pa_context_new(api, name);
    if (!x->c) {
        x->state = ST_FAILED;
        x->err = PA_ERR_INTERNAL;
        return;
    }
    pa_context_set_state_callback(x->c, ctx_state_cb, x);
    if (pa_context_connect(x->c, opt_server, PA_CONTEXT_NOAUTOSPAWN, NULL) < 0) {
        x->state = ST_FAILED;
        x->err = pa_context_errno(x->c);
    }
}

static void ctx_close(struct ctx *x)
{
    if (!x->c)
        return;
    pa_context_set_state_callback(x->c, NULL, NULL);
    pa_context_disconnect(x->c);
    pa_context_unref(x->c);
    x->c = NULL;
}

/* Wait for an operation; cancels it on timeout.  Returns 0 when done. */
static int op_wait(pa_operation *o, uint64_t deadline)
{
    if (!o)
        return -1;
    WAIT_UNTIL(pa_operation_get_state(o) != PA_OPERATION_RUNNING, deadline);
    int st = pa_operation_get_state(o);
    if (st == PA_OPERATION_RUNNING)
        pa_operation_cancel(o);
    pa_operation_unref(o);
    return st == PA_OPERATION_DONE ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* sample data                                                         */

static pa_sample_spec spec;
static size_t frame_bytes;
static uint8_t *table;       /* one second of a 1 kHz tone */
static size_t table_bytes;

static int setup_spec(void)
{
    spec.format = pa_parse_sample_format(opt_format);
    spec.rate = opt_rate;
    spec.channels = (uint8_t)opt_channels;
    if (spec.format == PA_SAMPLE_INVALID || !pa_sample_spec_valid(&spec)) {
        note("invalid sample spec %s %uHz %uch", opt_format, opt_rate, opt_channels);
        return -1;
    }
    frame_bytes = pa_frame_size(&spec);
    table_bytes = frame_bytes * spec.rate;
    table = malloc(table_bytes);
    if (!table)
        return -1;
    for (unsigned i = 0; i < spec.rate; i++) {
        double v = 0.25 * sin(2.0 * M_PI * 1000.0 * (double)i / (double)spec.rate);
        for (unsigned ch = 0; ch < spec.channels; ch++) {
            uint8_t *p = table + (size_t)i * frame_bytes + ch * pa_sample_size(&spec);
            switch (spec.format) {
            case PA_SAMPLE_S16LE: {
                int16_t s = (int16_t)lrint(v * 32767.0);
                memcpy(p, &s, 2);
                break;
            }
            case PA_SAMPLE_FLOAT32LE: {
                float f = (float)v;
                memcpy(p, &f, 4);
                break;
            }
            case PA_SAMPLE_S32LE: {
                int32_t s = (int32_t)lrint(v * 2147483647.0);
                memcpy(p, &s, 4);
                break;
            }
            default:
                memset(p, 0, pa_sample_size(&spec));
                break;
            }
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* streams                                                             */

struct strm {
    struct ctx *cx;         /* context this stream lives on */
    pa_stream *s;
    int state;
    int started;
    int counting;           /* count underflows/overflows/bytes only when set */
    uint64_t underflows, overflows, bytes;
    uint64_t bytes_all;     /* everything moved, window or not */
    uint64_t first_underflow_ns;
    size_t pos;             /* read position in table */
    /* latency samples (minlat) */
    uint64_t *lat;
    size_t nlat, caplat;
};

static void stream_state_cb(pa_stream *s, void *u)
{
    struct strm *x = u;
    switch (pa_stream_get_state(s)) {
    case PA_STREAM_READY:
        x->state = ST_READY;
        break;
    case PA_STREAM_FAILED:
    case PA_STREAM_TERMINATED:
        x->state = ST_FAILED;
        break;
    default:
        break;
    }
}

static void stream_write_cb(pa_stream *s, size_t nbytes, void *u)
{
    struct strm *x = u;
    nbytes -= nbytes % frame_bytes;
    while (nbytes > 0) {
        void *buf = NULL;
        size_t n = nbytes;
        if (pa_stream_begin_write(s, &buf, &n) < 0 || !buf)
            break;
        if (n > nbytes)
            n = nbytes;
        n -= n % frame_bytes;
        if (n == 0) {
            pa_stream_cancel_write(s);
            break;
        }
        size_t done = 0;
        while (done < n) {
            size_t chunk = table_bytes - x->pos;
            if (chunk > n - done)
                chunk = n - done;
            memcpy((uint8_t *)buf + done, table + x->pos, chunk);
            x->pos = (x->pos + chunk) % table_bytes;
            done += chunk;
        }
        if (pa_stream_write(s, buf, n, NULL, 0, PA_SEEK_RELATIVE) < 0)
            break;
        x->bytes_all += n;
        if (x->counting)
            x->bytes += n;
        nbytes -= n;
    }
}

static void stream_read_cb(pa_stream *s, size_t nbytes, void *u)
{
    struct strm *x = u;
    (void)nbytes;
    while (pa_stream_readable_size(s) > 0) {
        const void *d = NULL;
        size_t l = 0;
        if (pa_stream_peek(s, &d, &l) < 0)
            break;
        if (l == 0)
            break;
        x->bytes_all += l;
        if (x->counting)
            x->bytes += l;
        pa_stream_drop(s);
    }
}

static void stream_underflow_cb(pa_stream *s, void *u)
{
    struct strm *x = u;
    (void)s;
    if (x->counting) {
        if (!x->underflows)
            x->first_underflow_ns = now_ns();
        x->underflows++;
    }
}

static void stream_overflow_cb(pa_stream *s, void *u)
{
    struct strm *x = u;
    (void)s;
    if (x->counting)
        x->overflows++;
}

static void stream_started_cb(pa_stream *s, void *u)
{
    struct strm *x = u;
    (void)s;
    x->started = 1;
}

static pa_buffer_attr make_attr(double tlength_ms, double frag_ms)
{
    pa_buffer_attr a;
    a.maxlength = (uint32_t)-1;
    a.tlength = tlength_ms > 0 ? (uint32_t)pa_usec_to_bytes((pa_usec_t)(tlength_ms * 1000.0), &spec) : (uint32_t)-1;
    a.prebuf = (uint32_t)-1;
    a.minreq = (uint32_t)-1;
    a.fragsize = frag_ms > 0 ? (uint32_t)pa_usec_to_bytes((pa_usec_t)(frag_ms * 1000.0), &spec) : (uint32_t)-1;
    return a;
}

static int stream_open(struct strm *x, int record, double tlength_ms, pa_stream_flags_t extra)
{
    char name[64];
    snprintf(name, sizeof(name), "pabench-%s", record ? "rec" : "play");
    x->s = pa_stream_new(x->cx->c, name, &spec, NULL);
    if (!x->s) {
        x->state = ST_FAILED;
        return -1;
    }
    pa_stream_set_state_callback(x->s, stream_state_cb, x);
    pa_stream_set_underflow_callback(x->s, stream_underflow_cb, x);
    pa_stream_set_overflow_callback(x->s, stream_overflow_cb, x);
    pa_stream_set_started_callback(x->s, stream_started_cb, x);
    pa_stream_flags_t fl = extra;
    if (!opt_no_adjust)
        fl |= PA_STREAM_ADJUST_LATENCY;
    pa_buffer_attr attr = make_attr(tlength_ms, opt_frag_ms);
    int r;
    if (record) {
        char dev[256];
        snprintf(dev, sizeof(dev), "%s.monitor", opt_sink);
        pa_stream_set_read_callback(x->s, stream_read_cb, x);
        r = pa_stream_connect_record(x->s, dev, &attr, fl);
    } else {
        pa_stream_set_write_callback(x->s, stream_write_cb, x);
        r = pa_stream_connect_playback(x->s, opt_sink, &attr, fl, NULL, NULL);
    }
    if (r < 0) {
        x->state = ST_FAILED;
        return -1;
    }
    return 0;
}

static void stream_close(struct strm *x)
{
    if (!x->s)
        return;
    pa_stream_set_state_callback(x->s, NULL, NULL);
    pa_stream_set_write_callback(x->s, NULL, NULL);
    pa_stream_set_read_callback(x->s, NULL, NULL);
    pa_stream_set_underflow_callback(x->s, NULL, NULL);
    pa_stream_set_overflow_callback(x->s, NULL, NULL);
    pa_stream_set_started_callback(x->s, NULL, NULL);
    if (x->state == ST_READY)
        pa_stream_disconnect(x->s);
    pa_stream_unref(x->s);
    x->s = NULL;
}

/* ------------------------------------------------------------------ */
/* mode: ready                                                         */

struct found {
    int done, found;
};

static void sink_found_cb(pa_context *c, const pa_sink_info *i, int eol, void *u)
{
    struct found *f = u;
    (void)c;
    if (eol) {
        f->done = 1;
        return;
    }
    if (i)
        f->found = 1;
}

static int mode_ready(void)
{
    uint64_t deadline = deadline_in(opt_timeout);
    if (setup_spec() < 0)
        return 2;
    while (now_ns() < deadline) {
        struct ctx cx;
        ctx_open(&cx, "pabench-ready");
        WAIT_UNTIL(cx.state != ST_CONNECTING, deadline);
        if (cx.state == ST_READY) {
            struct found f = {0, 0};
            op_wait(pa_context_get_sink_info_by_name(cx.c, opt_sink, sink_found_cb, &f), deadline);
            if (f.found && !opt_probe) {
                ctx_close(&cx);
                note("server ready (sink found; no probe stream)");
                return 0;
            }
            if (f.found) {
                struct strm st;
                memset(&st, 0, sizeof(st));
                st.cx = &cx;
                uint64_t probe_dl = now_ns() + 5000000000ull;
                if (probe_dl > deadline)
                    probe_dl = deadline;
                if (stream_open(&st, 0, 50, 0) == 0)
                    WAIT_UNTIL(st.started || st.state == ST_FAILED, probe_dl);
                int ok = st.started;
                stream_close(&st);
                ctx_close(&cx);
                if (ok) {
                    note("server ready");
                    return 0;
                }
                note("probe stream did not start yet");
            }
        }
        ctx_close(&cx);
        usleep(100000);
    }
    note("server not ready after %.1f s", opt_timeout);
    return 1;
}

/* ------------------------------------------------------------------ */
/* mode: idle                                                          */

static int mode_idle(void)
{
    struct sample a, b;
    take_sample(&a);
    usleep((useconds_t)(opt_duration * 1e6));
    take_sample(&b);
    report_cpu(&a, &b);
    report_mem("", &b);
    long thr = 0, fds = 0;
    for (int i = 0; i < opt_npids; i++) {
        thr += b.p[i].threads;
        fds += b.p[i].fds;
    }
    metric("threads", (double)thr, "count");
    metric("fds", (double)fds, "count");
    metric("server_alive", servers_alive(&b), "bool");
    note("idle: server %.3f%% cpu, rss %ld KiB, pss %ld KiB",
         100.0 * (double)server_run_ns(&a, &b) / 1e9 / ((double)(b.t - a.t) / 1e9), mem_sum(&b, 0), mem_sum(&b, 1));
    return servers_alive(&b) ? 0 : 1;
}

/* absolute counters since process start: CPU, memory, threads, fds */
static int mode_snapshot(void)
{
    struct sample s;
    take_sample(&s);
    uint64_t ns = 0;
    long thr = 0, fds = 0;
    for (int i = 0; i < opt_npids; i++) {
        ns += s.p[i].run_ns;
        thr += s.p[i].threads;
        fds += s.p[i].fds;
    }
    metric("server_cpu_total_s", (double)ns / 1e9, "s");
    report_mem("", &s);
    metric("threads", (double)thr, "count");
    metric("fds", (double)fds, "count");
    metric("server_alive", servers_alive(&s), "bool");
    return servers_alive(&s) ? 0 : 1;
}

/* ------------------------------------------------------------------ */
/* mode: connrate                                                      */

struct opdone {
    int done;
};

static void server_info_cb(pa_context *c, const pa_server_info *i, void *u)
{
    struct opdone *d = u;
    (void)c;
    (void)i;
    d->done = 1;
}

static int mode_connrate(void)
{
    size_t cap = 1 << 20, n = 0;
    uint64_t *lat = malloc(cap * sizeof(*lat));
    if (!lat)
        return 2;
    unsigned fails = 0;
    struct sample a, b;
    take_sample(&a);
    uint64_t end = deadline_in(opt_duration);
    if (opt_n_set && (size_t)opt_n < cap)
        cap = (size_t)opt_n;    /* fixed count (e.g. for instruction counting) */
    while (now_ns() < end && n < cap) {
        uint64_t t0 = now_ns();
        uint64_t dl = t0 + 5000000000ull;
        struct ctx cx;
        ctx_open(&cx, "pabench-conn");
        WAIT_UNTIL(cx.state != ST_CONNECTING, dl);
        int ok = 0;
        if (cx.state == ST_READY) {
            struct opdone d = {0};
            if (op_wait(pa_context_get_server_info(cx.c, server_info_cb, &d), dl) == 0 && d.done)
                ok = 1;
        }
        if (!ok && fails < 3)
            note("connrate: connection %zu failed: %s", n + fails + 1,
                 cx.state == ST_FAILED ? pa_strerror(cx.err) : cx.state == ST_READY ? "server info timed out" : "timeout");
        ctx_close(&cx);
        if (ok)
            lat[n++] = now_ns() - t0;
        else {
            fails++;
            if (fails > 50)
                break;
        }
    }
    take_sample(&b);
    double wall = (double)(b.t - a.t) / 1e9;
    qsort(lat, n, sizeof(*lat), cmp_u64);
    metric("conns", (double)n, "count");
    metric("conn_per_s", (double)n / wall, "1/s");
    metric("conn_us_p50", pct_sorted(lat, n, 50) / 1e3, "us");
    metric("conn_us_p99", pct_sorted(lat, n, 99) / 1e3, "us");
    metric("conn_failed", fails, "count");
    metric("server_cpu_us_per_conn", n ? (double)server_run_ns(&a, &b) / 1e3 / (double)n : NAN, "us");
    report_cpu(&a, &b);
    metric("server_alive", servers_alive(&b), "bool");
    note("connrate: %.0f conn/s, p50 %.0f us, p99 %.0f us, %u failed", (double)n / wall,
         pct_sorted(lat, n, 50) / 1e3, pct_sorted(lat, n, 99) / 1e3, fails);
    free(lat);
    return servers_alive(&b) ? 0 : 1;
}

/* ------------------------------------------------------------------ */
/* mode: connhold                                                      */

static int mode_connhold(void)
{
    int n = opt_n;
    struct ctx *cx = calloc((size_t)n, sizeof(*cx));
    if (!cx)
        return 2;
    struct sample before, after, held, gone;
    take_sample(&before);
    uint64_t t0 = now_ns();
    uint64_t dl = deadline_in(opt_timeout);
    int pending = 0, opened = 0;
    /* open in batches: a burst of hundreds of simultaneous connect()s
     * measures the listen backlog rather than the server */
    while (opened < n && now_ns() < dl) {
        int b = opt_batch < n - opened ? opt_batch : n - opened;
        for (int i = 0; i < b; i++)
            ctx_open(&cx[opened + i], "pabench-hold");
        opened += b;
        for (;;) {
            pending = 0;
            for (int i = 0; i < opened; i++)
                if (cx[i].state == ST_CONNECTING)
                    pending++;
            if (!pending || now_ns() >= dl)
                break;
            run_once(dl);
        }
    }
    pending += n - opened;
    uint64_t t_all = now_ns() - t0;
    /* settle: let the server finish whatever it does after connect */
    uint64_t settle = deadline_in(1.0);
    WAIT_UNTIL(0, settle);
    take_sample(&after);
    WAIT_UNTIL(0, deadline_in(opt_duration));
    take_sample(&held);
    int ok = 0, failed = 0, still = 0;
    for (int i = 0; i < n; i++) {
        if (cx[i].state == ST_READY)
            still++;
        if (cx[i].state == ST_FAILED) {
            if (!failed)
                note("connhold: first failure at connection %d: %s", i + 1, pa_strerror(cx[i].err));
            failed++;
        }
    }
    /* "accepted" = reached READY at some point and still there after settle */
    ok = still;
    for (int i = 0; i < n; i++)
        ctx_close(&cx[i]);
    WAIT_UNTIL(0, deadline_in(1.0));
    take_sample(&gone);
    metric("requested", n, "count");
    metric("accepted", ok, "count");
    metric("failed", failed, "count");
    metric("pending", pending, "count");
    metric("connect_all_ms", (double)t_all / 1e6, "ms");
    report_mem("before_", &before);
    report_mem("held_", &held);
    metric("rss_per_client_kb", ok ? (double)(mem_sum(&after, 0) - mem_sum(&before, 0)) / ok : NAN, "KiB");
    metric("pss_per_client_kb", ok ? (double)(mem_sum(&after, 1) - mem_sum(&before, 1)) / ok : NAN, "KiB");
    metric("rss_after_disconnect_kb", (double)mem_sum(&gone, 0), "KiB");
    long fds = 0;
    for (int i = 0; i < opt_npids; i++)
        fds += after.p[i].fds - before.p[i].fds;
    metric("fds_per_client", ok ? (double)fds / ok : NAN, "count");
    {
        double wall = (double)(held.t - after.t) / 1e9;
        metric("held_server_cpu_pct", 100.0 * (double)server_run_ns(&after, &held) / 1e9 / wall, "%");
    }
    metric("server_alive", servers_alive(&gone), "bool");
    note("connhold: %d requested, %d accepted, %d failed, %d pending; %.1f ms; +%.1f KiB rss/client", n, ok, failed,
         pending, (double)t_all / 1e6, ok ? (double)(mem_sum(&after, 0) - mem_sum(&before, 0)) / ok : 0.0);
    free(cx);
    return servers_alive(&gone) ? 0 : 1;
}

/* ------------------------------------------------------------------ */
/* mode: rtt                                                           */

static void success_cb(pa_context *c, int success, void *u)
{
    struct opdone *d = u;
    (void)c;
    d->done = success ? 1 : -1;
}

static void sinkinfo_cb(pa_context *c, const pa_sink_info *i, int eol, void *u)
{
    struct opdone *d = u;
    (void)c;
    (void)i;
    if (eol)
        d->done = 1;
}

static int rtt_one(pa_context *c, int op, unsigned iter, uint64_t dl)
{
    struct opdone d = {0};
    pa_operation *o = NULL;
    if (op == 0) {
        o = pa_context_get_server_info(c, server_info_cb, &d);
    } else if (op == 1) {
        o = pa_context_get_sink_info_by_name(c, opt_sink, sinkinfo_cb, &d);
    } else {
        pa_cvolume v;
        pa_cvolume_set(&v, spec.channels, (iter & 1) ? PA_VOLUME_NORM / 2 : PA_VOLUME_NORM * 3 / 5);
        o = pa_context_set_sink_volume_by_name(c, opt_sink, &v, success_cb, &d);
    }
    if (op_wait(o, dl) < 0 || d.done != 1)
        return -1;
    return 0;
}

static int mode_rtt(void)
{
    int op;
    if (!strcmp(opt_op, "server-info"))
        op = 0;
    else if (!strcmp(opt_op, "sink-info"))
        op = 1;
    else if (!strcmp(opt_op, "set-volume"))
        op = 2;
    else {
        note("unknown --op %s", opt_op);
        return 2;
    }
    if (setup_spec() < 0)
        return 2;
    struct ctx cx;
    ctx_open(&cx, "pabench-rtt");
    WAIT_UNTIL(cx.state != ST_CONNECTING, deadline_in(opt_timeout));
    if (cx.state != ST_READY) {
        note("rtt: cannot connect: %s", pa_strerror(cx.err));
        ctx_close(&cx);
        return 1;
    }
    size_t n = (size_t)opt_n, done = 0;
    uint64_t *lat = malloc(n * sizeof(*lat));
    if (!lat)
        return 2;
    unsigned fails = 0, warm = 0;
    for (unsigned i = 0; i < 200; i++) /* warm-up */
        warm += rtt_one(cx.c, op, i, deadline_in(5)) == 0;
    struct sample a, b;
    take_sample(&a);
    uint64_t end = deadline_in(opt_duration);
    for (size_t i = 0; i < n && now_ns() < end; i++) {
        uint64_t t0 = now_ns();
        if (rtt_one(cx.c, op, (unsigned)i, t0 + 5000000000ull) < 0) {
            if (++fails > 20)
                break;
            continue;
        }
        lat[done++] = now_ns() - t0;
    }
    take_sample(&b);
    ctx_close(&cx);
    qsort(lat, done, sizeof(*lat), cmp_u64);
    double wall = (double)(b.t - a.t) / 1e9;
    double sum = 0;
    for (size_t i = 0; i < done; i++)
        sum += (double)lat[i];
    metric("ops", (double)done, "count");
    metric("ops_total", (double)(done + warm), "count");
    metric("ops_failed", fails, "count");
    metric("ops_per_s", (double)done / wall, "1/s");
    metric("us_p50", pct_sorted(lat, done, 50) / 1e3, "us");
    metric("us_p90", pct_sorted(lat, done, 90) / 1e3, "us");
    metric("us_p99", pct_sorted(lat, done, 99) / 1e3, "us");
    metric("us_max", done ? (double)lat[done - 1] / 1e3 : NAN, "us");
    metric("us_mean", done ? sum / (double)done / 1e3 : NAN, "us");
    metric("server_cpu_us_per_op", done ? (double)server_run_ns(&a, &b) / 1e3 / (double)done : NAN, "us");
    report_cpu(&a, &b);
    metric("server_alive", servers_alive(&b), "bool");
    note("rtt %s: %zu ops, p50 %.1f us, p99 %.1f us, server %.1f us/op", opt_op, done, pct_sorted(lat, done, 50) / 1e3,
         pct_sorted(lat, done, 99) / 1e3, done ? (double)server_run_ns(&a, &b) / 1e3 / (double)done : 0.0);
    free(lat);
    return servers_alive(&b) ? 0 : 1;
}

/* ------------------------------------------------------------------ */
/* modes: play / rec                                                   */

static int mode_stream(int record)
{
    if (setup_spec() < 0)
        return 2;
    int n = opt_n;
    int nctx = n < opt_max_ctx ? n : opt_max_ctx;
    struct ctx *cx = calloc((size_t)nctx, sizeof(*cx));
    struct strm *st = calloc((size_t)n, sizeof(*st));
    if (!cx || !st)
        return 2;
    struct sample s0, a, b;
    take_sample(&s0);
    uint64_t dl = deadline_in(opt_timeout);
    for (int opened = 0; opened < nctx && now_ns() < dl;) {
        int k = opt_batch < nctx - opened ? opt_batch : nctx - opened;
        for (int i = 0; i < k; i++)
            ctx_open(&cx[opened + i], record ? "pabench-rec" : "pabench-play");
        opened += k;
        for (;;) {
            int pending = 0;
            for (int i = 0; i < opened; i++)
                pending += cx[i].state == ST_CONNECTING;
            if (!pending || now_ns() >= dl)
                break;
            run_once(dl);
        }
    }
    int ctx_ok = 0;
    for (int i = 0; i < nctx; i++) {
        ctx_ok += cx[i].state == ST_READY;
        if (cx[i].state != ST_READY && (ctx_ok == 0 || opt_verbose))
            note("context %d: %s", i, cx[i].state == ST_FAILED ? pa_strerror(cx[i].err) : "timeout");
    }
    /* rec --feed: one playback stream on its own context keeps the sink busy
     * (an idle null sink need not render its monitor in real time) */
    struct ctx feed_cx;
    struct strm feed;
    memset(&feed_cx, 0, sizeof(feed_cx));
    memset(&feed, 0, sizeof(feed));
    if (record && opt_feed) {
        ctx_open(&feed_cx, "pabench-feed");
        WAIT_UNTIL(feed_cx.state != ST_CONNECTING, dl);
        feed.cx = &feed_cx;
        if (feed_cx.state == ST_READY)
            stream_open(&feed, 0, opt_tlength_ms, 0);
        WAIT_UNTIL(feed.started || feed.state == ST_FAILED || feed_cx.state != ST_READY, dl);
        if (!feed.started)
            note("rec: feeder stream did not start");
    }
    uint64_t t_streams = now_ns();
    for (int i = 0; i < n; i++) {
        st[i].cx = &cx[i % nctx];
        /* spread phases so streams are not bit-identical */
        st[i].pos = ((size_t)i * 997 * frame_bytes) % table_bytes;
        if (st[i].cx->c && st[i].cx->state == ST_READY)
            stream_open(&st[i], record, opt_tlength_ms, 0);
        else
            st[i].state = ST_FAILED;
    }
    /* wait for every stream to be ready (playback: started), but give up once no
     * stream has made progress for opt_stall seconds: some servers never start a
     * few of many streams, and that should not cost the whole setup timeout */
    int last_progress = -1;
    uint64_t progress_t = now_ns();
    for (;;) {
        int pending = 0, progress = 0;
        for (int i = 0; i < n; i++) {
            pending += st[i].state == ST_CONNECTING || (!record && st[i].state == ST_READY && !st[i].started);
            progress += (st[i].state != ST_CONNECTING) + st[i].started;
        }
        if (progress != last_progress) {
            last_progress = progress;
            progress_t = now_ns();
        }
        if (!pending || now_ns() >= dl)
            break;
        /* the stall bound applies once some stream has started: before that, only
         * -t (pipewire can take several seconds before the first of many starts) */
        int any_started = 0;
        for (int i = 0; i < n && !any_started; i++)
            any_started = record ? st[i].state == ST_READY : st[i].started;
        if (opt_stall > 0 && any_started && now_ns() - progress_t > (uint64_t)(opt_stall * 1e9)) {
            note("%d streams still not started after %.1f s without progress; measuring the others", pending,
                 opt_stall);
            break;
        }
        run_once(dl);
    }
    /* time from the first connect_playback/record to all streams ready (and,
     * for playback, started) */
    double start_ms = (double)(now_ns() - t_streams) / 1e6;
    /* settle so start-up transients are outside the window */
    WAIT_UNTIL(0, deadline_in(0.5));
    int ready = 0, started = 0;
    for (int i = 0; i < n; i++) {
        ready += st[i].state == ST_READY;
        started += st[i].started;
        st[i].counting = 1;
    }
    /* granted buffer attributes of the first ready stream */
    for (int i = 0; i < n; i++)
        if (st[i].state == ST_READY) {
            const pa_buffer_attr *ba = pa_stream_get_buffer_attr(st[i].s);
            if (ba) {
                if (record) {
                    metric("granted_fragsize_ms", (double)pa_bytes_to_usec(ba->fragsize, &spec) / 1e3, "ms");
                } else {
                    metric("granted_tlength_ms", (double)pa_bytes_to_usec(ba->tlength, &spec) / 1e3, "ms");
                    metric("granted_minreq_ms", (double)pa_bytes_to_usec(ba->minreq, &spec) / 1e3, "ms");
                }
            }
            break;
        }
    feed.counting = 1;
    take_sample(&a);
    WAIT_UNTIL(0, deadline_in(opt_duration));
    take_sample(&b);
    feed.counting = 0;
    uint64_t under = 0, over = 0, bytes = 0;
    int failed_during = 0, with_under = 0;
    for (int i = 0; i < n; i++) {
        st[i].counting = 0;
        under += st[i].underflows;
        over += st[i].overflows;
        bytes += st[i].bytes;
        with_under += st[i].underflows > 0;
    }
    for (int i = 0; i < n; i++)
        if (st[i].state != ST_READY)
            failed_during++;
    if (!record && under > 0) {
        /* when the first underflow of each stream happened, relative to the window
         * start: one event hitting many streams at once is a stall, spread-out ones
         * are steady starvation */
        uint64_t lo = UINT64_MAX, hi = 0;
        for (int i = 0; i < n; i++)
            if (st[i].underflows) {
                if (st[i].first_underflow_ns < lo)
                    lo = st[i].first_underflow_ns;
                if (st[i].first_underflow_ns > hi)
                    hi = st[i].first_underflow_ns;
            }
        metric("first_underflow_at_ms", (double)(lo - a.t) / 1e6, "ms");
        metric("first_underflows_spread_ms", (double)(hi - lo) / 1e6, "ms");
    }
    double wall = (double)(b.t - a.t) / 1e9;
    uint64_t ns = server_run_ns(&a, &b);
    metric("streams", n, "count");
    metric("contexts", nctx, "count");
    metric("contexts_ok", ctx_ok, "count");
    metric("streams_ok", ready, "count");
    if (!record)
        metric("streams_started", started, "count");
    metric("streams_lost", failed_during - (n - ready), "count");
    metric("start_all_ms", start_ms, "ms");
    /* audio actually moved during the window, in stream-seconds: a server that
     * falls behind real time (or mixes only some inputs) moves less */
    double moved_s = (double)bytes / ((double)spec.rate * (double)frame_bytes);
    metric("stream_s_moved", moved_s, "s");
    metric("cpu_us_per_stream_s", moved_s > 0 ? (double)ns / 1e3 / moved_s : NAN, "us");
    metric("cpu_us_per_nominal_stream_s", ready ? (double)ns / 1e3 / ((double)ready * wall) : NAN, "us");
    report_cpu(&a, &b);
    if (record) {
        metric("overflows", (double)over, "count");
    } else {
        metric("underflows", (double)under, "count");
        metric("streams_with_underflow", with_under, "count");
    }
    /* bytes moved relative to real time: ~1.0 for a stream running in
     * real time (a few buffers of slack either way) */
    metric("rate_ratio", ready ? (double)bytes / ((double)ready * wall * (double)spec.rate * (double)frame_bytes) : NAN,
           "ratio");
    report_mem("", &b);
    metric("rss_delta_kb", (double)(mem_sum(&b, 0) - mem_sum(&s0, 0)), "KiB");
    metric("pss_delta_kb", (double)(mem_sum(&b, 1) - mem_sum(&s0, 1)), "KiB");
    metric("uss_delta_kb", (double)(mem_sum(&b, 2) - mem_sum(&s0, 2)), "KiB");
    metric("rss_per_stream_kb", ready ? (double)(mem_sum(&b, 0) - mem_sum(&s0, 0)) / ready : NAN, "KiB");
    metric("pss_per_stream_kb", ready ? (double)(mem_sum(&b, 1) - mem_sum(&s0, 1)) / ready : NAN, "KiB");
    metric("uss_per_stream_kb", ready ? (double)(mem_sum(&b, 2) - mem_sum(&s0, 2)) / ready : NAN, "KiB");
    metric("server_alive", servers_alive(&b), "bool");
    note("%s n=%d %s %uHz%s: %d/%d ready, server %.1f%% cpu, %.1f us/stream-s, real-time ratio %.3f, %s %llu, rss %ld "
         "KiB, client %.1f%%",
         record ? "rec" : "play", n, opt_format, opt_rate, record && opt_feed ? " (+1 feeding stream)" : "", ready, n,
         100.0 * (double)ns / 1e9 / wall, moved_s > 0 ? (double)ns / 1e3 / moved_s : 0.0,
         ready ? moved_s / ((double)ready * wall) : 0.0, record ? "overflows" : "underflows",
         (unsigned long long)(record ? over : under), mem_sum(&b, 0), 100.0 * self_cpu_s(&a, &b) / wall);
    if (record && opt_feed)
        metric("feed_underflows", (double)feed.underflows, "count");
    stream_close(&feed);
    ctx_close(&feed_cx);
    for (int i = 0; i < n; i++)
        stream_close(&st[i]);
    for (int i = 0; i < nctx; i++)
        ctx_close(&cx[i]);
    /* let the disconnects reach the server, then see what memory it kept */
    WAIT_UNTIL(0, deadline_in(0.3));
    struct sample c;
    take_sample(&c);
    metric("rss_after_close_kb", (double)mem_sum(&c, 0), "KiB");
    {
        /* all audio moved over the whole run, set-up and tear-down included,
         * in stream-seconds: the unit for whole-run instruction counts */
        uint64_t all = 0;
        for (int i = 0; i < n; i++)
            all += st[i].bytes_all;
        metric("stream_s_total", (double)all / ((double)spec.rate * (double)frame_bytes), "s");
    }
    free(cx);
    free(st);
    return servers_alive(&c) ? 0 : 1;
}

/* ------------------------------------------------------------------ */
/* mode: minlat                                                        */

static void lat_sample(struct strm *x)
{
    pa_usec_t usec;
    int neg = 0;
    if (!x->s || x->state != ST_READY || !x->started)
        return;
    if (pa_stream_get_latency(x->s, &usec, &neg) < 0)
        return;
    if (neg)
        usec = 0;
    if (x->nlat == x->caplat) {
        size_t nc = x->caplat ? x->caplat * 2 : 1024;
        uint64_t *p = realloc(x->lat, nc * sizeof(*p));
        if (!p)
            return;
        x->lat = p;
        x->caplat = nc;
    }
    x->lat[x->nlat++] = usec;
}

static int mode_minlat(void)
{
    if (setup_spec() < 0)
        return 2;
    char *list = strdup(opt_list);
    if (!list)
        return 2;
    uint64_t total_dl = deadline_in(opt_timeout);
    double found_ms = NAN;
    int tried = 0;
    char *save = NULL;
    for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        double t_ms = atof(tok);
        if (t_ms <= 0)
            continue;
        if (now_ns() + (uint64_t)(opt_duration * 1e9) > total_dl) {
            note("minlat: time budget exhausted before %.1f ms", t_ms);
            break;
        }
        tried++;
        struct ctx cx;
        ctx_open(&cx, "pabench-minlat");
        uint64_t dl = deadline_in(10);
        WAIT_UNTIL(cx.state != ST_CONNECTING, dl);
        if (cx.state != ST_READY) {
            note("minlat: connect failed");
            ctx_close(&cx);
            break;
        }
        struct strm st;
        memset(&st, 0, sizeof(st));
        st.cx = &cx;
        st.counting = 1;
        stream_open(&st, 0, t_ms, PA_STREAM_AUTO_TIMING_UPDATE | PA_STREAM_INTERPOLATE_TIMING);
        WAIT_UNTIL(st.state == ST_FAILED || st.started, dl);
        int ok = 0;
        double survived = 0;
        if (st.started) {
            /* only underflows after playback started count */
            st.underflows = 0;
            uint64_t t0 = now_ns(), end = t0 + (uint64_t)(opt_duration * 1e9);
            uint64_t next_lat = t0 + 100000000ull;
            while (now_ns() < end && st.state == ST_READY && st.underflows == 0) {
                uint64_t wake = next_lat < end ? next_lat : end;
                run_once(wake);
                if (now_ns() >= next_lat) {
                    lat_sample(&st);
                    next_lat += 100000000ull;
                }
            }
            survived = (double)((st.underflows ? st.first_underflow_ns : now_ns()) - t0) / 1e9;
            ok = st.underflows == 0 && st.state == ST_READY;
        }
        const pa_buffer_attr *ba = st.state == ST_READY ? pa_stream_get_buffer_attr(st.s) : NULL;
        double g_tl = ba ? (double)pa_bytes_to_usec(ba->tlength, &spec) / 1e3 : NAN;
        double g_mr = ba ? (double)pa_bytes_to_usec(ba->minreq, &spec) / 1e3 : NAN;
        qsort(st.lat, st.nlat, sizeof(uint64_t), cmp_u64);
        note("minlat: tlength %.1f ms (granted %.2f ms, minreq %.2f ms): %s after %.2f s, latency p50 %.0f us",
             t_ms, g_tl, g_mr, ok ? "ok" : "underflow/fail", survived, pct_sorted(st.lat, st.nlat, 50));
        if (ok) {
            found_ms = t_ms;
            metric("min_tlength_ms", t_ms, "ms");
            metric("granted_tlength_ms", g_tl, "ms");
            metric("granted_minreq_ms", g_mr, "ms");
            metric("latency_us_p50", pct_sorted(st.lat, st.nlat, 50), "us");
            metric("latency_us_p99", pct_sorted(st.lat, st.nlat, 99), "us");
            metric("latency_us_max", st.nlat ? (double)st.lat[st.nlat - 1] : NAN, "us");
        }
        free(st.lat);
        stream_close(&st);
        ctx_close(&cx);
        WAIT_UNTIL(0, deadline_in(0.2));
        if (ok)
            break;
    }
    if (isnan(found_ms))
        metric("min_tlength_ms", NAN, "ms");
    metric("candidates_tried", tried, "count");
    free(list);
    struct sample s;
    take_sample(&s);
    metric("server_alive", servers_alive(&s), "bool");
    return isnan(found_ms) ? 1 : 0;
}

/* ------------------------------------------------------------------ */

static void usage(void)
{
    fprintf(stderr,
            "usage: pabench [options] MODE\n"
            "modes: ready snapshot idle connrate connhold rtt play rec minlat\n"
            "options:\n"
            "  -s, --server STR       server string (default: $PULSE_SERVER)\n"
            "  -p, --pids P1,P2,...   server PIDs to sample from /proc (NAME:PID names one)\n"
            "  -k, --sink NAME        sink name (default bench)\n"
            "  -P, --prefix STR       prefix for metric names\n"
            "  -n, --count N          streams / connections / round trips (connrate: stop\n"
            "                         after N connections)\n"
            "  -d, --duration S       measuring window in seconds (default 5)\n"
            "  -t, --timeout S        bound for setup phases (default 20)\n"
            "  -f, --format F         s16le | float32le | s32le (default s16le)\n"
            "  -r, --rate HZ          stream rate (default 48000)\n"
            "  -c, --channels N       (default 2)\n"
            "  -l, --tlength-ms MS    playback tlength (default 40, 0 = server default)\n"
            "  -F, --frag-ms MS       record fragsize (default 20, 0 = server default)\n"
            "  -o, --op OP            rtt op: server-info | sink-info | set-volume\n"
            "  -L, --list MS,MS,...   minlat candidate tlengths, ascending\n"
            "      --no-adjust-latency  do not set PA_STREAM_ADJUST_LATENCY\n"
            "      --max-contexts M   play/rec: spread streams round-robin over at most M\n"
            "                         contexts (default 16; pulseaudio allows 64 clients)\n"
            "      --batch N          connections opened at a time (default 4)\n"
            "      --feed             rec: play one stream into the sink while recording\n"
            "      --no-probe         ready: do not wait for a probe stream to start\n"
            "      --threads          also report server CPU per thread name\n"
            "      --stall S          play/rec: once a stream has started, stop waiting for the\n"
            "                         others after S s without progress (default 5; 0 = only -t)\n"
            "  -v, --verbose\n");
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"server", 1, 0, 's'},        {"pids", 1, 0, 'p'},       {"sink", 1, 0, 'k'},
        {"prefix", 1, 0, 'P'},        {"count", 1, 0, 'n'},      {"duration", 1, 0, 'd'},
        {"timeout", 1, 0, 't'},       {"format", 1, 0, 'f'},     {"rate", 1, 0, 'r'},
        {"channels", 1, 0, 'c'},      {"tlength-ms", 1, 0, 'l'}, {"frag-ms", 1, 0, 'F'},
        {"op", 1, 0, 'o'},            {"list", 1, 0, 'L'},       {"no-adjust-latency", 0, 0, 1},
        {"max-contexts", 1, 0, 2},     {"verbose", 0, 0, 'v'},    {"help", 0, 0, 'h'},
        {"batch", 1, 0, 3},           {"feed", 0, 0, 4},         {"no-probe", 0, 0, 5},
        {"threads", 0, 0, 6},         {"stall", 1, 0, 7},
        {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "s:p:k:P:n:d:t:f:r:c:l:F:o:L:vh", lo, NULL)) != -1) {
        switch (c) {
        case 's':
            opt_server = optarg;
            break;
        case 'p': {
            char *save = NULL, *dup = strdup(optarg);
            for (char *t = strtok_r(dup, ", ", &save); t && opt_npids < MAXPIDS; t = strtok_r(NULL, ", ", &save)) {
                char *colon = strrchr(t, ':');
                if (colon) {
                    *colon = 0;
                    snprintf(opt_pidname[opt_npids], sizeof(opt_pidname[0]), "%s", t);
                    t = colon + 1;
                }
                opt_pids[opt_npids++] = atoi(t);
            }
            free(dup);
            break;
        }
        case 'k':
            opt_sink = optarg;
            break;
        case 'P':
            opt_prefix = optarg;
            break;
        case 'n':
            opt_n = atoi(optarg);
            opt_n_set = 1;
            break;
        case 'd':
            opt_duration = atof(optarg);
            break;
        case 't':
            opt_timeout = atof(optarg);
            break;
        case 'f':
            opt_format = optarg;
            break;
        case 'r':
            opt_rate = (unsigned)atoi(optarg);
            break;
        case 'c':
            opt_channels = (unsigned)atoi(optarg);
            break;
        case 'l':
            opt_tlength_ms = atof(optarg);
            break;
        case 'F':
            opt_frag_ms = atof(optarg);
            break;
        case 'o':
            opt_op = optarg;
            break;
        case 'L':
            opt_list = optarg;
            break;
        case 1:
            opt_no_adjust = 1;
            break;
        case 2:
            opt_max_ctx = atoi(optarg) > 0 ? atoi(optarg) : 1;
            break;
        case 3:
            opt_batch = atoi(optarg) > 0 ? atoi(optarg) : 1;
            break;
        case 4:
            opt_feed = 1;
            break;
        case 5:
            opt_probe = 0;
            break;
        case 6:
            opt_threads = 1;
            break;
        case 7:
            opt_stall = atof(optarg);
            break;
        case 'v':
            opt_verbose = 1;
            break;
        default:
            usage();
            return c == 'h' ? 0 : 2;
        }
    }
    if (optind >= argc) {
        usage();
        return 2;
    }
    if (opt_n < 1 || opt_n > 100000 || opt_duration < 0 || opt_duration > 600 || opt_timeout <= 0) {
        note("option out of range");
        return 2;
    }
    const char *mode = argv[optind];
    signal(SIGPIPE, SIG_IGN);
    /* raise the fd limit: many contexts need many sockets */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    ml = pa_mainloop_new();
    if (!ml)
        return 2;
    api = pa_mainloop_get_api(ml);
    int r;
    if (!strcmp(mode, "ready"))
        r = mode_ready();
    else if (!strcmp(mode, "idle"))
        r = mode_idle();
    else if (!strcmp(mode, "snapshot"))
        r = mode_snapshot();
    else if (!strcmp(mode, "connrate"))
        r = mode_connrate();
    else if (!strcmp(mode, "connhold"))
        r = mode_connhold();
    else if (!strcmp(mode, "rtt"))
        r = mode_rtt();
    else if (!strcmp(mode, "play"))
        r = mode_stream(0);
    else if (!strcmp(mode, "rec"))
        r = mode_stream(1);
    else if (!strcmp(mode, "minlat"))
        r = mode_minlat();
    else {
        usage();
        r = 2;
    }
    pa_mainloop_free(ml);
    free(table);
    return r;
}
