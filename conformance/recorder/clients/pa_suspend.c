/* pa_suspend: suspend or resume a sink/source by index, or ALL of them
 * (pactl cannot: `pactl suspend-sink '' 1` is rejected inside libpulse).
 *
 * Build: cc -O1 -o pa_suspend pa_suspend.c -lpulse
 * Usage: pa_suspend sink|source all|INDEX 0|1
 * "all" uses pa_context_suspend_*_by_index(PA_INVALID_INDEX), which libpulse
 * sends as index 0xFFFFFFFF with an empty name.
 * Exit status 0 when the server acknowledged the request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pulse/pulseaudio.h>

static pa_mainloop *ml;
static const char *what;
static uint32_t idx;
static int suspend;
static int result = 1;

static void done_cb(pa_context *c, int ok, void *u) {
    (void) u;
    if (ok)
        result = 0;
    else
        fprintf(stderr, "pa_suspend: failed: %s\n", pa_strerror(pa_context_errno(c)));
    pa_context_disconnect(c);
}

static void state_cb(pa_context *c, void *u) {
    pa_operation *o = NULL;
    (void) u;
    switch (pa_context_get_state(c)) {
    case PA_CONTEXT_READY:
        if (!strcmp(what, "sink"))
            o = pa_context_suspend_sink_by_index(c, idx, suspend, done_cb, NULL);
        else
            o = pa_context_suspend_source_by_index(c, idx, suspend, done_cb, NULL);
        if (o)
            pa_operation_unref(o);
        else
            pa_context_disconnect(c);
        break;
    case PA_CONTEXT_FAILED:
    case PA_CONTEXT_TERMINATED:
        pa_mainloop_quit(ml, result);
        break;
    default:
        break;
    }
}

int main(int argc, char *argv[]) {
    pa_context *ctx;
    int ret = 1;

    if (argc != 4 || (strcmp(argv[1], "sink") && strcmp(argv[1], "source"))) {
        fprintf(stderr, "usage: pa_suspend sink|source all|INDEX 0|1\n");
        return 2;
    }
    what = argv[1];
    idx = strcmp(argv[2], "all") ? (uint32_t) strtoul(argv[2], NULL, 10) : PA_INVALID_INDEX;
    suspend = atoi(argv[3]) != 0;
    ml = pa_mainloop_new();
    ctx = pa_context_new(pa_mainloop_get_api(ml), "pa_suspend");
    pa_context_set_state_callback(ctx, state_cb, NULL);
    if (pa_context_connect(ctx, NULL, PA_CONTEXT_NOAUTOSPAWN, NULL) < 0)
        return 1;
    pa_mainloop_run(ml, &ret);
    pa_context_unref(ctx);
    pa_mainloop_free(ml);
    return result;
}
