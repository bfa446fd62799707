/* compat-tests/streams test 12: stream clock vs wall clock.
 *
 * usage: stream-timing [--seconds S] [--ppm P] SINK:TOL_MS [SINK:TOL_MS…]
 *
 * --ppm P compares with the clock of a device running P ppm fast (the simulated
 * ALSA card's drift, compat-tests/alsa/t04-timing.sh): wall clock × (1 + P/1e6).
 *
 * One playback stream per SINK (all in parallel), flags AUTO_TIMING_UPDATE |
 * INTERPOLATE_TIMING, default buffer attributes, fed by the write callback
 * with S seconds (default 10) of indexed frames (see sig.py; stream k uses
 * indexes from k·1000000).  After each stream's first STARTED, every 100 ms:
 *     dev = pa_stream_get_time() − (now − t_started)      (CLOCK_MONOTONIC)
 * Checks per stream: get_time is monotonic (never decreases) and enough
 * samples were taken; "MAXDEV SINK max|dev| TOL_MS" is printed for the
 * calling script (t12-timing.sh), which applies the tolerance.  Also reports max |dev − median(dev)| (the
 * jitter around a constant offset).  Samples in the first 100 ms are not
 * taken (the first is at 100 ms).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pcompat-async.h"

#define MAXS 4
#define MAXSAMP 400

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct st {
    int k;
    const char *sink;
    double tol;
    pa_stream *s;
    size_t total_frames, written_frames;
    double t_started;
    int n_started, underflows;
    double next_sample;
    double dev[MAXSAMP];
    int n;
    int nonmono;
    double last_t;
    int drained;
    double t_drained;
};

static void started_cb(pa_stream *s, void *u) {
    struct st *x = u;
    if (!x->n_started++) {
        x->t_started = now_ms();
        x->next_sample = x->t_started + 100;
    }
}
static void underflow_cb(pa_stream *s, void *u) { ((struct st *)u)->underflows++; }

static void write_cb(pa_stream *s, size_t nbytes, void *u) {
    struct st *x = u;
    size_t frames = nbytes / 4;
    if (frames > x->total_frames - x->written_frames) frames = x->total_frames - x->written_frames;
    if (!frames) return;
    int16_t *buf = malloc(frames * 4);
    for (size_t i = 0; i < frames; i++) {
        unsigned idx = (unsigned)(x->k * 1000000 + x->written_frames + i);
        buf[2 * i] = (int16_t)(idx & 0xFFFF);
        buf[2 * i + 1] = (int16_t)(0x5A00 | ((idx >> 16) & 0xFF));
    }
    pa_stream_write(s, buf, frames * 4, NULL, 0, PA_SEEK_RELATIVE);
    free(buf);
    x->written_frames += frames;
}

static void drain_cb(pa_stream *s, int success, void *u) {
    struct st *x = u;
    x->drained = 1;
    x->t_drained = now_ms();
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    struct st xs[MAXS];
    int ns = 0;
    double seconds = 10, ppm = 0;
    memset(xs, 0, sizeof(xs));
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
            seconds = atof(argv[++i]);
        } else if (!strcmp(argv[i], "--ppm") && i + 1 < argc) {
            ppm = atof(argv[++i]);
        } else if (ns < MAXS) {
            char *c = strchr(argv[i], ':');
            xs[ns].tol = c ? atof(c + 1) : 2.0;
            if (c) *c = 0;
            xs[ns].sink = argv[i];
            xs[ns].k = ns + 1;
            ns++;
        }
    }
    pc p;
    pc_connect(&p, "stream-timing", "compat-stream-timing");
    pa_sample_spec ss = {PA_SAMPLE_S16LE, 44100, 2};
    for (int i = 0; i < ns; i++) {
        struct st *x = &xs[i];
        x->total_frames = (size_t)(seconds * 44100);
        x->s = pa_stream_new(p.ctx, "timing-test", &ss, NULL);
        pa_stream_set_started_callback(x->s, started_cb, x);
        pa_stream_set_underflow_callback(x->s, underflow_cb, x);
        pa_stream_set_write_callback(x->s, write_cb, x);
        if (pa_stream_connect_playback(x->s, x->sink, NULL,
                                       PA_STREAM_AUTO_TIMING_UPDATE | PA_STREAM_INTERPOLATE_TIMING,
                                       NULL, NULL) < 0) {
            pc_fail(&p, "%s: connect_playback: %s", x->sink, pa_strerror(pa_context_errno(p.ctx)));
            return pc_finish(&p);
        }
    }
    double deadline = now_ms() + seconds * 1000 + 10000;
    for (;;) {
        int busy = 0;
        for (int i = 0; i < ns; i++) {
            struct st *x = &xs[i];
            if (pa_stream_get_state(x->s) == PA_STREAM_FAILED) {
                pc_fail(&p, "%s: stream failed: %s", x->sink, pa_strerror(pa_context_errno(p.ctx)));
                return pc_finish(&p);
            }
            if (x->n_started && x->n < MAXSAMP && x->written_frames < x->total_frames + 1) {
                double t = now_ms();
                if (t >= x->next_sample && t - x->t_started <= seconds * 1000 - 200) {
                    pa_usec_t u = 0;
                    if (pa_stream_get_time(x->s, &u) >= 0) {
                        double st_ms = u / 1000.0;
                        t = now_ms();
                        x->dev[x->n++] = st_ms - (t - x->t_started) * (1.0 + ppm * 1e-6);
                        if (st_ms < x->last_t) x->nonmono++;
                        x->last_t = st_ms;
                    }
                    x->next_sample += 100;
                }
            }
            if (x->written_frames >= x->total_frames && !x->drained) {
                if (x->drained == 0) {
                    pa_operation *o = pa_stream_drain(x->s, drain_cb, x);
                    if (o) pa_operation_unref(o);
                    x->drained = -1;
                }
            }
            if (x->drained != 1) busy = 1;
        }
        if (!busy) break;
        if (now_ms() > deadline) {
            pc_fail(&p, "streams did not finish within %.0f s", seconds + 10);
            break;
        }
        pc_iterate_for(&p, 0.002);
    }
    for (int i = 0; i < ns; i++) {
        struct st *x = &xs[i];
        double maxabs = 0, med = 0, maxj = 0;
        int worst = -1;
        double sorted[MAXSAMP];
        memcpy(sorted, x->dev, sizeof(double) * x->n);
        qsort(sorted, x->n, sizeof(double), cmp_d);
        if (x->n) med = sorted[x->n / 2];
        for (int j = 0; j < x->n; j++) {
            if (fabs(x->dev[j]) > maxabs) maxabs = fabs(x->dev[j]), worst = j;
            if (fabs(x->dev[j] - med) > maxj) maxj = fabs(x->dev[j] - med);
        }
        printf("%s (tolerance %.1f ms): %d samples; max |get_time - wall| = %.3f ms (at %.1f s); median offset %+.3f "
               "ms; max |dev - median| %.3f ms; non-monotonic %d; underflows %d; started %d; "
               "playback STARTED → drained %.1f ms for %.1f s of audio\n",
               x->sink, x->tol, x->n, maxabs, worst >= 0 ? (worst + 1) * 0.1 : 0, med, maxj, x->nonmono,
               x->underflows, x->n_started, x->t_drained - x->t_started, seconds);
        printf("%s: dev (ms) every 0.5 s:", x->sink);
        for (int j = 0; j < x->n; j += 5) printf(" %+.2f", x->dev[j]);
        printf("\n");
        PC_CHECK(&p, x->n >= (int)(seconds * 10) - 5, "%s: only %d samples", x->sink, x->n);
        PC_CHECK(&p, x->nonmono == 0, "%s: pa_stream_get_time went backwards %d times", x->sink,
                 x->nonmono);
        /* the tolerance itself is judged by the calling script (it knows
         * how busy the machine was); this line is for it */
        printf("MAXDEV %s %.3f %.1f\n", x->sink, maxabs, x->tol);
        printf("JITTER %s %.3f %.1f %.3f\n", x->sink, maxj, x->tol, med);
    }
    fflush(stdout);
    pc_disconnect(&p);
    return pc_finish(&p);
}
