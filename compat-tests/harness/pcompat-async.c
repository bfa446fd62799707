/* pulsecompat compat-tests: libpulse async-API helpers (see pcompat-async.h). */
#include "pcompat-async.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void pc_fail(pc *p, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "[%s] FAIL: ", p->test_name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    p->failures++;
}

/* One bounded main-loop iteration (waits at most max_usec). */
static void iterate_once(pc *p, long max_usec) {
    if (pa_mainloop_prepare(p->ml, (int)max_usec) < 0) return;
    if (pa_mainloop_poll(p->ml) < 0) return;
    pa_mainloop_dispatch(p->ml);
}

bool pc_iterate_until(pc *p, bool (*cond)(void *), void *userdata, double secs) {
    double deadline = now_s() + secs;
    while (!cond(userdata)) {
        double left = deadline - now_s();
        if (left <= 0) return cond(userdata);
        iterate_once(p, left > 0.05 ? 50000 : (long)(left * 1e6) + 1);
    }
    return true;
}

void pc_iterate_for(pc *p, double secs) {
    double deadline = now_s() + secs;
    for (;;) {
        double left = deadline - now_s();
        if (left <= 0) return;
        iterate_once(p, left > 0.05 ? 50000 : (long)(left * 1e6) + 1);
    }
}

static bool ctx_settled(void *u) {
    pa_context_state_t s = pa_context_get_state(((pc *)u)->ctx);
    return s == PA_CONTEXT_READY || !PA_CONTEXT_IS_GOOD(s);
}

void pc_connect(pc *p, const char *test_name, const char *client_name) {
    memset(p, 0, sizeof(*p));
    p->test_name = test_name;
    p->ml = pa_mainloop_new();
    if (!p->ml) {
        fprintf(stderr, "[%s] FATAL: pa_mainloop_new failed\n", test_name);
        exit(1);
    }
    p->api = pa_mainloop_get_api(p->ml);
    p->ctx = pa_context_new(p->api, client_name);
    if (!p->ctx) {
        fprintf(stderr, "[%s] FATAL: pa_context_new failed\n", test_name);
        exit(1);
    }
    if (pa_context_connect(p->ctx, NULL, PA_CONTEXT_NOAUTOSPAWN, NULL) < 0) {
        fprintf(stderr, "[%s] FATAL: pa_context_connect: %s\n", test_name,
                pa_strerror(pa_context_errno(p->ctx)));
        exit(1);
    }
    if (!pc_iterate_until(p, ctx_settled, p, 10.0)) {
        fprintf(stderr, "[%s] FATAL: context not ready after 10 s\n", test_name);
        exit(1);
    }
    if (pa_context_get_state(p->ctx) != PA_CONTEXT_READY) {
        fprintf(stderr, "[%s] FATAL: connection failed: %s\n", test_name,
                pa_strerror(pa_context_errno(p->ctx)));
        exit(1);
    }
}

void pc_disconnect(pc *p) {
    if (p->ctx) {
        pa_context_disconnect(p->ctx);
        pa_context_unref(p->ctx);
        p->ctx = NULL;
    }
    if (p->ml) {
        pa_mainloop_free(p->ml);
        p->ml = NULL;
    }
}

struct op_wait {
    pa_operation *o;
    pc *p;
};

static bool op_done(void *u) {
    struct op_wait *w = u;
    if (!PA_CONTEXT_IS_GOOD(pa_context_get_state(w->p->ctx))) return true;
    return pa_operation_get_state(w->o) != PA_OPERATION_RUNNING;
}

bool pc_wait_op(pc *p, pa_operation *o, double secs, const char *what) {
    if (!o) {
        pc_fail(p, "%s: operation could not be started: %s", what,
                pa_strerror(pa_context_errno(p->ctx)));
        return false;
    }
    struct op_wait w = {o, p};
    bool ok = pc_iterate_until(p, op_done, &w, secs);
    if (!ok) pc_fail(p, "%s: no answer within %.0f s", what, secs);
    if (!PA_CONTEXT_IS_GOOD(pa_context_get_state(p->ctx))) {
        pc_fail(p, "%s: connection lost: %s", what, pa_strerror(pa_context_errno(p->ctx)));
        ok = false;
    }
    if (ok && pa_operation_get_state(o) == PA_OPERATION_RUNNING) ok = false;
    pa_operation_unref(o);
    return ok;
}

void pc_success_cb(pa_context *c, int success, void *userdata) {
    pc_result *r = userdata;
    r->done = true;
    r->success = success;
    r->error = success ? 0 : pa_context_errno(c);
}

int pc_finish(pc *p) {
    if (p->failures) {
        fprintf(stderr, "[%s] %d check(s) failed\n", p->test_name, p->failures);
        return 1;
    }
    fprintf(stderr, "[%s] PASS\n", p->test_name);
    return 0;
}
