/* compat-tests/streams test 7: drain timing.
 *
 * usage: stream-drain SINK
 *
 * For each case (buffer attributes × duration) a playback stream is created
 * on SINK, N ms of indexed frames (see sig.py) are written in one go and a
 * drain is requested at once.  Measured (CLOCK_MONOTONIC):
 *   t_req      drain requested (= data written)
 *   t_started  STARTED notification
 *   t_drained  drain callback
 * The expected play-out end is t_started + N; the drain callback must fire
 * within ±DRAIN_TOL_MS (50 ms, about one sink period) of it, and must
 * report success.  Frame indexes: case k uses indexes starting at
 * k * 1000000, so the shell script can check the pipe output.
 * Prints one line per case: "case NAME N_ms: drained-started-N = … ms, …".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pcompat-async.h"

#define DRAIN_TOL_MS 50.0

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct st {
    pa_stream *s;
    double t_started;
    int n_started;
    int drained;
    int drain_success;
    double t_drained;
    int underflows;
};

static void started_cb(pa_stream *s, void *u) {
    struct st *x = u;
    if (!x->n_started++) x->t_started = now_ms();
}
static void underflow_cb(pa_stream *s, void *u) { ((struct st *)u)->underflows++; }
static void drain_cb(pa_stream *s, int success, void *u) {
    struct st *x = u;
    x->drained = 1;
    x->drain_success = success;
    x->t_drained = now_ms();
}
static bool ready_or_failed(void *u) {
    pa_stream_state_t st = pa_stream_get_state(((struct st *)u)->s);
    return st == PA_STREAM_READY || !PA_STREAM_IS_GOOD(st);
}
static bool drained(void *u) { return ((struct st *)u)->drained; }

static void fill_index(int16_t *buf, size_t frames, unsigned start) {
    for (size_t i = 0; i < frames; i++) {
        unsigned idx = start + (unsigned)i;
        buf[2 * i] = (int16_t)(idx & 0xFFFF);
        buf[2 * i + 1] = (int16_t)(0x5A00 | ((idx >> 16) & 0xFF));
    }
}

static void run_case(pc *p, const char *sink, int k, const char *name, int ms,
                     const pa_buffer_attr *attr, pa_stream_flags_t flags) {
    pa_sample_spec ss = {PA_SAMPLE_S16LE, 44100, 2};
    struct st x;
    memset(&x, 0, sizeof(x));
    x.s = pa_stream_new(p->ctx, "drain-test", &ss, NULL);
    pa_stream_set_started_callback(x.s, started_cb, &x);
    pa_stream_set_underflow_callback(x.s, underflow_cb, &x);
    if (pa_stream_connect_playback(x.s, sink, attr, flags, NULL, NULL) < 0) {
        pc_fail(p, "case %s: connect_playback: %s", name, pa_strerror(pa_context_errno(p->ctx)));
        return;
    }
    if (!pc_iterate_until(p, ready_or_failed, &x, 10) ||
        pa_stream_get_state(x.s) != PA_STREAM_READY) {
        pc_fail(p, "case %s: stream not ready: %s", name, pa_strerror(pa_context_errno(p->ctx)));
        return;
    }
    const pa_buffer_attr *a = pa_stream_get_buffer_attr(x.s);
    size_t frames = (size_t)44100 * ms / 1000;
    int16_t *buf = malloc(frames * 4);
    fill_index(buf, frames, (unsigned)k * 1000000u);
    /* one write of everything (may exceed tlength; maxlength is 4 MiB) */
    if (pa_stream_write(x.s, buf, frames * 4, NULL, 0, PA_SEEK_RELATIVE) < 0)
        pc_fail(p, "case %s: write: %s", name, pa_strerror(pa_context_errno(p->ctx)));
    free(buf);
    double t_req = now_ms();
    pa_operation *o = pa_stream_drain(x.s, drain_cb, &x);
    if (!o) {
        pc_fail(p, "case %s: pa_stream_drain failed", name);
        return;
    }
    pa_operation_unref(o);
    if (!pc_iterate_until(p, drained, &x, ms / 1000.0 + 10)) {
        pc_fail(p, "case %s: drain callback not called within %.1f s", name, ms / 1000.0 + 10);
        return;
    }
    if (!x.drain_success) pc_fail(p, "case %s: drain reported failure", name);
    if (!x.n_started) {
        pc_fail(p, "case %s: no STARTED notification before the drain completed", name);
        x.t_started = t_req;
    }
    double dev = x.t_drained - (x.t_started + ms);
    printf("case %-8s %5d ms (tlength %u prebuf %u minreq %u): started %.1f ms after the drain "
           "request; drain callback %.1f ms after the request; drained - (started + N) = %+.1f ms "
           "(tolerance ±%.0f); underflows %d\n",
           name, ms, a->tlength, a->prebuf, a->minreq, x.t_started - t_req, x.t_drained - t_req,
           dev, DRAIN_TOL_MS, x.underflows);
    fflush(stdout);
    if (dev < -DRAIN_TOL_MS || dev > DRAIN_TOL_MS)
        pc_fail(p, "case %s: drain completed %+.1f ms away from the expected play-out end", name,
                dev);
    pa_stream_disconnect(x.s);
    pa_stream_unref(x.s);
}

int main(int argc, char **argv) {
    const char *sink = argc > 1 ? argv[1] : NULL;
    pc p;
    pc_connect(&p, "stream-drain", "compat-stream-drain");
    pa_buffer_attr low = {(uint32_t)-1, 44100 * 4 / 20 /* 50 ms */, (uint32_t)-1, (uint32_t)-1,
                          (uint32_t)-1};
    /* 1: paplay-like defaults (2 s buffer, data below prebuf: the drain
     *    itself starts playback); 2: ADJUST_LATENCY 50 ms, 3: a longer one */
    run_case(&p, sink, 1, "default", 500, NULL, PA_STREAM_NOFLAGS);
    run_case(&p, sink, 2, "lowlat", 500, &low, PA_STREAM_ADJUST_LATENCY);
    run_case(&p, sink, 3, "default", 1200, NULL, PA_STREAM_NOFLAGS);
    pc_disconnect(&p);
    return pc_finish(&p);
}
