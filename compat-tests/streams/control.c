/* compat-tests/streams test 11: cork / uncork / flush / trigger / drain on a
 * playback stream (libpulse async API).
 *
 * usage: stream-control SINK
 *
 * Stream: s16le 44.1 kHz stereo, START_CORKED | AUTO_TIMING_UPDATE |
 * INTERPOLATE_TIMING, tlength 100 ms, prebuf 50 ms, minreq 10 ms.
 * Data are indexed frames (see sig.py): segment A = indexes 0…44099 (1 s),
 * B = 1000000…1000881 (20 ms, below prebuf), C = 2000000…2013229 (300 ms).
 *
 *  1. created corked: state callbacks CREATING → READY; A written; 300 ms
 *     later no STARTED, and the server's timing report says read index 0,
 *     write index 176400, not playing.  (pa_stream_get_time() itself is not
 *     checked here: libpulse 16.1 interpolates a stream created corked as if
 *     it were running until it first plays — 300 ms with the reference.)
 *  2. uncork: STARTED arrives; after 400 ms get_time is 250…550 ms;
 *  3. cork: get_time does not advance over 300 ms (≤ 1 ms), nor does the
 *     server's read index; "playing" is false;
 *  4. flush (still corked) — the rest of A is dropped;
 *  5. B written (below prebuf), uncork: 300 ms later no new STARTED and
 *     neither get_time nor the read index has advanced (prebuffering);
 *  6. trigger: STARTED again within 1 s (playback below prebuf);
 *  7. C written, drain: the drain callback reports success within 2 s;
 *  8. disconnect: state TERMINATED.
 * Prints "A_PLAYED_MS=…" (stream time at the flush) for the shell script,
 * which checks the pipe sink output: A's frames form a prefix [0, k) with
 * k < 44100 − 8820 (flush dropped ≥ 200 ms), every frame once; then all of B
 * and all of C, in that order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pcompat-async.h"

struct st {
    pa_stream *s;
    int n_started;
    int underflows;
    pa_stream_state_t states[16];
    int n_states;
};

static void state_cb(pa_stream *s, void *u) {
    struct st *x = u;
    if (x->n_states < 16) x->states[x->n_states++] = pa_stream_get_state(s);
}
static void started_cb(pa_stream *s, void *u) { ((struct st *)u)->n_started++; }
static void underflow_cb(pa_stream *s, void *u) { ((struct st *)u)->underflows++; }

static bool ready_or_failed(void *u) {
    pa_stream_state_t st = pa_stream_get_state(((struct st *)u)->s);
    return st == PA_STREAM_READY || !PA_STREAM_IS_GOOD(st);
}

struct started_wait {
    struct st *x;
    int n;
};
static bool started_n(void *u) {
    struct started_wait *w = u;
    return w->x->n_started >= w->n;
}

static struct {
    bool done;
    int success;
} op_res;
static void stream_success_cb(pa_stream *s, int success, void *u) {
    op_res.done = true;
    op_res.success = success;
}

static bool stream_op(pc *p, pa_operation *o, const char *what, double secs) {
    if (!pc_wait_op(p, o, secs, what)) return false;
    if (!op_res.done || !op_res.success) {
        pc_fail(p, "%s: operation reported failure: %s", what,
                pa_strerror(pa_context_errno(p->ctx)));
        return false;
    }
    return true;
}
#define OP(p, call, what, secs) (op_res.done = false, stream_op((p), (call), (what), (secs)))

/* Server-reported timing (latest update): read/write index, playing. */
static int64_t last_read_index, last_write_index;
static int last_playing;

/* Stream time in ms after a fresh timing update; -1 if unavailable. */
static double stream_time_ms(pc *p, struct st *x) {
    op_res.done = false;
    pa_operation *o = pa_stream_update_timing_info(x->s, stream_success_cb, NULL);
    if (!pc_wait_op(p, o, 5, "update_timing_info")) return -1;
    const pa_timing_info *ti = pa_stream_get_timing_info(x->s);
    if (ti) {
        last_read_index = ti->read_index;
        last_write_index = ti->write_index;
        last_playing = ti->playing;
    }
    pa_usec_t t = 0;
    int r = pa_stream_get_time(x->s, &t);
    if (r < 0) {
        if (r == -PA_ERR_NODATA) return 0; /* no timing info yet: time 0 */
        pc_fail(p, "pa_stream_get_time: %s", pa_strerror(-r));
        return -1;
    }
    return t / 1000.0;
}

static void write_index(pc *p, struct st *x, unsigned start, size_t frames) {
    int16_t *buf = malloc(frames * 4);
    for (size_t i = 0; i < frames; i++) {
        unsigned idx = start + (unsigned)i;
        buf[2 * i] = (int16_t)(idx & 0xFFFF);
        buf[2 * i + 1] = (int16_t)(0x5A00 | ((idx >> 16) & 0xFF));
    }
    if (pa_stream_write(x->s, buf, frames * 4, NULL, 0, PA_SEEK_RELATIVE) < 0)
        pc_fail(p, "pa_stream_write: %s", pa_strerror(pa_context_errno(p->ctx)));
    free(buf);
}

static const char *state_name(pa_stream_state_t s) {
    switch (s) {
    case PA_STREAM_UNCONNECTED: return "UNCONNECTED";
    case PA_STREAM_CREATING: return "CREATING";
    case PA_STREAM_READY: return "READY";
    case PA_STREAM_FAILED: return "FAILED";
    case PA_STREAM_TERMINATED: return "TERMINATED";
    }
    return "?";
}

int main(int argc, char **argv) {
    const char *sink = argc > 1 ? argv[1] : NULL;
    pc p;
    pc_connect(&p, "stream-control", "compat-stream-control");
    pa_sample_spec ss = {PA_SAMPLE_S16LE, 44100, 2};
    pa_buffer_attr attr = {(uint32_t)-1, 17640, 8820, 1764, (uint32_t)-1};
    struct st x;
    memset(&x, 0, sizeof(x));
    x.s = pa_stream_new(p.ctx, "control-test", &ss, NULL);
    pa_stream_set_state_callback(x.s, state_cb, &x);
    pa_stream_set_started_callback(x.s, started_cb, &x);
    pa_stream_set_underflow_callback(x.s, underflow_cb, &x);
    if (pa_stream_connect_playback(x.s, sink, &attr,
                                   PA_STREAM_START_CORKED | PA_STREAM_AUTO_TIMING_UPDATE |
                                       PA_STREAM_INTERPOLATE_TIMING,
                                   NULL, NULL) < 0) {
        pc_fail(&p, "connect_playback: %s", pa_strerror(pa_context_errno(p.ctx)));
        return pc_finish(&p);
    }
    if (!pc_iterate_until(&p, ready_or_failed, &x, 10) ||
        pa_stream_get_state(x.s) != PA_STREAM_READY) {
        pc_fail(&p, "stream not READY: %s", pa_strerror(pa_context_errno(p.ctx)));
        return pc_finish(&p);
    }
    const pa_buffer_attr *a = pa_stream_get_buffer_attr(x.s);
    printf("buffer: maxlength %u tlength %u prebuf %u minreq %u\n", a->maxlength, a->tlength,
           a->prebuf, a->minreq);
    PC_CHECK(&p, x.n_states >= 2 && x.states[0] == PA_STREAM_CREATING &&
                     x.states[1] == PA_STREAM_READY,
             "state callbacks: expected CREATING, READY; got %d states, first %s",
             x.n_states, x.n_states ? state_name(x.states[0]) : "-");
    PC_CHECK(&p, pa_stream_is_corked(x.s) == 1, "stream created with START_CORKED is not corked");

    /* 1. corked with data queued */
    write_index(&p, &x, 0, 44100);
    pc_iterate_for(&p, 0.3);
    double t = stream_time_ms(&p, &x);
    printf("1. corked 300 ms with 1 s queued: started %d, read index %lld, write index %lld, "
           "playing %d (stream time %.2f ms, not checked)\n",
           x.n_started, (long long)last_read_index, (long long)last_write_index, last_playing, t);
    PC_CHECK(&p, x.n_started == 0, "STARTED while corked");
    PC_CHECK(&p, last_read_index == 0, "read index %lld while created corked",
             (long long)last_read_index);
    PC_CHECK(&p, last_write_index == 176400, "write index %lld after writing 176400 bytes",
             (long long)last_write_index);
    PC_CHECK(&p, last_playing == 0, "timing info says playing while corked");

    /* 2. uncork */
    OP(&p, pa_stream_cork(x.s, 0, stream_success_cb, NULL), "uncork", 5);
    struct started_wait w1 = {&x, 1};
    pc_iterate_until(&p, started_n, &w1, 2);
    pc_iterate_for(&p, 0.4);
    t = stream_time_ms(&p, &x);
    printf("2. uncorked 400 ms: started %d, stream time %.2f ms\n", x.n_started, t);
    PC_CHECK(&p, x.n_started == 1, "expected 1 STARTED after uncork, got %d", x.n_started);
    PC_CHECK(&p, t >= 250 && t <= 550, "stream time after ~400 ms of playback: %.2f ms", t);

    /* 3. cork: time stands still */
    OP(&p, pa_stream_cork(x.s, 1, stream_success_cb, NULL), "cork", 5);
    PC_CHECK(&p, pa_stream_is_corked(x.s) == 1, "pa_stream_is_corked after cork");
    double t1 = stream_time_ms(&p, &x);
    int64_t r1 = last_read_index;
    pc_iterate_for(&p, 0.3);
    double t2 = stream_time_ms(&p, &x);
    int64_t r2 = last_read_index;
    printf("3. corked: stream time %.2f ms → %.2f ms after 300 ms (Δ %.3f ms); read index %lld → "
           "%lld; playing %d\n", t1, t2, t2 - t1, (long long)r1, (long long)r2, last_playing);
    PC_CHECK(&p, t2 - t1 <= 1.0 && t2 - t1 >= -1.0,
             "stream time moved by %.3f ms while corked", t2 - t1);
    PC_CHECK(&p, r1 == r2, "read index moved while corked: %lld → %lld", (long long)r1,
             (long long)r2);
    PC_CHECK(&p, last_playing == 0, "timing info says playing while corked");

    /* 4. flush while corked */
    OP(&p, pa_stream_flush(x.s, stream_success_cb, NULL), "flush", 5);
    printf("A_PLAYED_MS=%.1f\n", t2);

    /* 5. below prebuf after the flush: nothing starts */
    write_index(&p, &x, 1000000, 882);
    OP(&p, pa_stream_cork(x.s, 0, stream_success_cb, NULL), "uncork after flush", 5);
    double t3 = stream_time_ms(&p, &x);
    int64_t r3 = last_read_index;
    pc_iterate_for(&p, 0.3);
    double t4 = stream_time_ms(&p, &x);
    int64_t r4 = last_read_index;
    printf("5. uncorked with 20 ms < prebuf queued: started %d, stream time %.2f → %.2f ms, read "
           "index %lld → %lld, write index %lld\n", x.n_started, t3, t4, (long long)r3,
           (long long)r4, (long long)last_write_index);
    PC_CHECK(&p, x.n_started == 1, "playback started below prebuf without trigger");
    PC_CHECK(&p, t4 - t3 <= 1.0, "stream time advanced by %.2f ms while prebuffering", t4 - t3);
    PC_CHECK(&p, r3 == r4, "read index moved while prebuffering: %lld → %lld", (long long)r3,
             (long long)r4);
    PC_CHECK(&p, last_write_index - r4 == 3528, "after flush + 3528 bytes, write − read = %lld",
             (long long)(last_write_index - r4));

    /* 6. trigger */
    OP(&p, pa_stream_trigger(x.s, stream_success_cb, NULL), "trigger", 5);
    struct started_wait w2 = {&x, 2};
    bool st2 = pc_iterate_until(&p, started_n, &w2, 1.0);
    printf("6. trigger: started %d\n", x.n_started);
    PC_CHECK(&p, st2, "no STARTED within 1 s of the trigger");
    pc_iterate_for(&p, 0.2);

    /* 7. C + drain */
    write_index(&p, &x, 2000000, 13230);
    op_res.done = false;
    bool dr = OP(&p, pa_stream_drain(x.s, stream_success_cb, NULL), "drain", 2.0);
    printf("7. drain: %s; underflows so far %d\n", dr ? "completed" : "FAILED", x.underflows);

    /* 8. disconnect */
    pa_stream_disconnect(x.s);
    pc_iterate_for(&p, 0.05);
    PC_CHECK(&p, x.n_states >= 3 && x.states[x.n_states - 1] == PA_STREAM_TERMINATED,
             "last state after disconnect: %s", state_name(x.states[x.n_states - 1]));
    printf("state sequence:");
    for (int i = 0; i < x.n_states; i++) printf(" %s", state_name(x.states[i]));
    printf("\n");
    fflush(stdout);
    pa_stream_unref(x.s);
    pc_disconnect(&p);
    return pc_finish(&p);
}
