/* libpulse async API: subscribe, change sink volume/mute by name and index,
 * check the events and the values read back, exactly.
 *
 * Run through harness/run-with-daemon.sh (standard startup script: null1 =
 * sink #0, null2 = sink #1, both s16le 2ch 44100 Hz, default sink null1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcompat-async.h"

#define T "async-volume"
#define WAIT 20.0

/* ------------------------------------------------------------ events */
#define MAX_EVENTS 256
static struct {
    pa_subscription_event_type_t t;
    uint32_t idx;
} events[MAX_EVENTS];
static int n_events;

static void subscribe_cb(pa_context *c, pa_subscription_event_type_t t, uint32_t idx,
                         void *u) {
    (void)c;
    (void)u;
    if (n_events < MAX_EVENTS) {
        events[n_events].t = t;
        events[n_events].idx = idx;
    }
    n_events++;
}

struct ev_wait {
    int from;
    pa_subscription_event_type_t t;
    uint32_t idx;
};

static int find_event(int from, pa_subscription_event_type_t t, uint32_t idx) {
    for (int i = from; i < n_events && i < MAX_EVENTS; i++)
        if (events[i].t == t && events[i].idx == idx) return i;
    return -1;
}

static bool ev_seen(void *u) {
    struct ev_wait *w = u;
    return find_event(w->from, w->t, w->idx) >= 0;
}

static const char *ev_name(pa_subscription_event_type_t t, char *buf, size_t n) {
    static const char *fac[] = {"sink", "source", "sink-input", "source-output", "module",
                                "client", "sample-cache", "server", "autoload", "card"};
    unsigned f = t & PA_SUBSCRIPTION_EVENT_FACILITY_MASK;
    unsigned ty = t & PA_SUBSCRIPTION_EVENT_TYPE_MASK;
    snprintf(buf, n, "%s %s", ty == PA_SUBSCRIPTION_EVENT_NEW      ? "new"
                              : ty == PA_SUBSCRIPTION_EVENT_CHANGE ? "change"
                              : ty == PA_SUBSCRIPTION_EVENT_REMOVE ? "remove"
                                                                   : "?",
             f < 10 ? fac[f] : "?");
    return buf;
}

static void dump_events(int from) {
    char b[64];
    for (int i = from; i < n_events && i < MAX_EVENTS; i++)
        fprintf(stderr, "    event %d: %s #%u\n", i, ev_name(events[i].t, b, sizeof b),
                events[i].idx);
}

/* Expect exactly the given events (in order) since 'from', within WAIT. */
static void expect_events(pc *p, const char *what, int from, int n,
                          const pa_subscription_event_type_t *t, const uint32_t *idx) {
    if (n > 0) {
        struct ev_wait w = {from, t[n - 1], idx[n - 1]};
        pc_iterate_until(p, ev_seen, &w, WAIT);
    }
    /* give stray extra events a moment to show up */
    pc_iterate_for(p, 0.2);
    bool ok = (n_events - from) == n;
    for (int i = 0; ok && i < n; i++)
        ok = events[from + i].t == t[i] && events[from + i].idx == idx[i];
    if (!ok) {
        char b[64];
        pc_fail(p, "%s: unexpected events", what);
        fprintf(stderr, "  expected:\n");
        for (int i = 0; i < n; i++)
            fprintf(stderr, "    %s #%u\n", ev_name(t[i], b, sizeof b), idx[i]);
        fprintf(stderr, "  got:\n");
        dump_events(from);
    }
}

/* ------------------------------------------------------------ sink info */
typedef struct {
    bool done, found;
    int error;
    uint32_t index;
    char name[64];
    pa_cvolume volume;
    int mute;
    uint8_t channels;
    uint32_t rate;
    pa_sample_format_t format;
    pa_volume_t base_volume;
    uint32_t monitor_source;
    uint32_t owner_module;
} sink_result;

static void sink_cb(pa_context *c, const pa_sink_info *i, int eol, void *u) {
    sink_result *r = u;
    if (eol < 0) {
        r->error = pa_context_errno(c);
        r->done = true;
        return;
    }
    if (eol) {
        r->done = true;
        return;
    }
    r->found = true;
    r->index = i->index;
    snprintf(r->name, sizeof r->name, "%s", i->name ? i->name : "(null)");
    r->volume = i->volume;
    r->mute = i->mute;
    r->channels = i->sample_spec.channels;
    r->rate = i->sample_spec.rate;
    r->format = i->sample_spec.format;
    r->base_volume = i->base_volume;
    r->monitor_source = i->monitor_source;
    r->owner_module = i->owner_module;
}

static void get_sink_by_name(pc *p, const char *name, sink_result *r) {
    memset(r, 0, sizeof *r);
    pc_wait_op(p, pa_context_get_sink_info_by_name(p->ctx, name, sink_cb, r), WAIT,
               "get_sink_info_by_name");
}

static void get_sink_by_index(pc *p, uint32_t idx, sink_result *r) {
    memset(r, 0, sizeof *r);
    pc_wait_op(p, pa_context_get_sink_info_by_index(p->ctx, idx, sink_cb, r), WAIT,
               "get_sink_info_by_index");
}

static void expect_volume(pc *p, const char *what, const sink_result *r, uint8_t n,
                          const pa_volume_t *v) {
    if (!r->found) {
        pc_fail(p, "%s: sink not found (error %s)", what, pa_strerror(r->error));
        return;
    }
    bool ok = r->volume.channels == n;
    for (unsigned i = 0; ok && i < n; i++) ok = r->volume.values[i] == v[i];
    if (!ok) {
        char got[PA_CVOLUME_SNPRINT_MAX];
        pa_cvolume_snprint(got, sizeof got, &r->volume);
        fprintf(stderr, "  expected %u channels:", n);
        for (unsigned i = 0; i < n; i++) fprintf(stderr, " %u", v[i]);
        fprintf(stderr, "\n  got %u channels:", r->volume.channels);
        for (unsigned i = 0; i < r->volume.channels; i++)
            fprintf(stderr, " %u", r->volume.values[i]);
        fprintf(stderr, " (%s)\n", got);
        pc_fail(p, "%s: volume differs", what);
    }
}

/* ------------------------------------------------------------ server info */
typedef struct {
    bool done;
    char default_sink[64], default_source[64];
    pa_sample_spec ss;
} server_result;

static void server_cb(pa_context *c, const pa_server_info *i, void *u) {
    (void)c;
    server_result *r = u;
    r->done = true;
    snprintf(r->default_sink, sizeof r->default_sink, "%s",
             i->default_sink_name ? i->default_sink_name : "(null)");
    snprintf(r->default_source, sizeof r->default_source, "%s",
             i->default_source_name ? i->default_source_name : "(null)");
    r->ss = i->sample_spec;
}

/* ------------------------------------------------------------ helpers */
static pc_result set_volume_by_name(pc *p, const char *name, const pa_cvolume *v) {
    pc_result r = {0};
    pc_wait_op(p, pa_context_set_sink_volume_by_name(p->ctx, name, v, pc_success_cb, &r), WAIT,
               "set_sink_volume_by_name");
    return r;
}

static pa_cvolume cv(uint8_t n, pa_volume_t a, pa_volume_t b) {
    pa_cvolume v;
    pa_cvolume_init(&v);
    v.channels = n;
    for (unsigned i = 0; i < n; i++) v.values[i] = i == 1 ? b : a;
    return v;
}

static const pa_subscription_event_type_t SINK_CHANGE =
    PA_SUBSCRIPTION_EVENT_SINK | PA_SUBSCRIPTION_EVENT_CHANGE;
static const pa_subscription_event_type_t SOURCE_CHANGE =
    PA_SUBSCRIPTION_EVENT_SOURCE | PA_SUBSCRIPTION_EVENT_CHANGE;
static const pa_subscription_event_type_t SERVER_CHANGE =
    PA_SUBSCRIPTION_EVENT_SERVER | PA_SUBSCRIPTION_EVENT_CHANGE;

int main(void) {
    pc p;
    pc_connect(&p, T, "pcompat-async-volume");

    /* server info */
    server_result si = {0};
    pc_wait_op(&p, pa_context_get_server_info(p.ctx, server_cb, &si), WAIT, "get_server_info");
    PC_EXPECT_S(&p, "default sink", "null1", si.default_sink);
    PC_EXPECT_S(&p, "default source", "null1.monitor", si.default_source);
    PC_EXPECT_U(&p, "server rate", 44100, si.ss.rate);
    PC_EXPECT_U(&p, "server channels", 2, si.ss.channels);
    PC_EXPECT_U(&p, "server format", PA_SAMPLE_S16LE, si.ss.format);

    /* subscribe */
    pa_context_set_subscribe_callback(p.ctx, subscribe_cb, NULL);
    pc_result sr = {0};
    pc_wait_op(&p, pa_context_subscribe(p.ctx, PA_SUBSCRIPTION_MASK_ALL, pc_success_cb, &sr),
               WAIT, "subscribe");
    PC_CHECK(&p, sr.done && sr.success, "subscribe failed: %s", pa_strerror(sr.error));

    /* initial state of null1 */
    sink_result r;
    get_sink_by_name(&p, "null1", &r);
    PC_CHECK(&p, r.found, "null1 not found");
    PC_EXPECT_U(&p, "null1 index", 0, r.index);
    PC_EXPECT_U(&p, "null1 channels", 2, r.channels);
    PC_EXPECT_U(&p, "null1 rate", 44100, r.rate);
    PC_EXPECT_U(&p, "null1 format", PA_SAMPLE_S16LE, r.format);
    PC_EXPECT_U(&p, "null1 mute", 0, r.mute);
    PC_EXPECT_U(&p, "null1 base volume", PA_VOLUME_NORM, r.base_volume);
    PC_EXPECT_U(&p, "null1 monitor source", 0, r.monitor_source);
    PC_EXPECT_U(&p, "null1 owner module", 1, r.owner_module);
    {
        pa_volume_t v[] = {PA_VOLUME_NORM, PA_VOLUME_NORM};
        expect_volume(&p, "initial null1 volume", &r, 2, v);
    }

    /* 1. per-channel volume by name → reply, then exactly one SINK CHANGE #0 */
    int mark = n_events;
    pa_cvolume v = cv(2, 30000, 40000);
    pc_result res = set_volume_by_name(&p, "null1", &v);
    PC_CHECK(&p, res.done && res.success, "set volume null1 30000/40000 failed: %s",
             pa_strerror(res.error));
    PC_EXPECT_U(&p, "events already delivered when the set-volume reply arrived", 0,
                n_events - mark);
    {
        pa_subscription_event_type_t t[] = {SINK_CHANGE};
        uint32_t i[] = {0};
        expect_events(&p, "set null1 volume by name", mark, 1, t, i);
    }
    get_sink_by_name(&p, "null1", &r);
    {
        pa_volume_t e[] = {30000, 40000};
        expect_volume(&p, "null1 after set 30000/40000 (by name)", &r, 2, e);
    }
    get_sink_by_index(&p, 0, &r);
    {
        pa_volume_t e[] = {30000, 40000};
        expect_volume(&p, "null1 after set 30000/40000 (read by index)", &r, 2, e);
    }

    /* 2. a one-channel cvolume applies to all channels, scaling the current
     *    ones so that their maximum becomes the given value (balance kept):
     *    {30000, 40000} with 50000 → {37500, 50000} */
    mark = n_events;
    v = cv(1, 50000, 0);
    res = set_volume_by_name(&p, "null1", &v);
    PC_CHECK(&p, res.done && res.success, "set 1-channel volume failed: %s",
             pa_strerror(res.error));
    {
        pa_subscription_event_type_t t[] = {SINK_CHANGE};
        uint32_t i[] = {0};
        expect_events(&p, "set null1 1-channel volume", mark, 1, t, i);
    }
    get_sink_by_name(&p, "null1", &r);
    {
        pa_volume_t e[] = {37500, 50000};
        expect_volume(&p, "null1 after 1-channel 50000", &r, 2, e);
    }

    /* 3. the same volume again → success, no event */
    mark = n_events;
    v = cv(2, 37500, 50000);
    res = set_volume_by_name(&p, "null1", &v);
    PC_CHECK(&p, res.done && res.success, "set unchanged volume failed");
    expect_events(&p, "unchanged volume", mark, 0, NULL, NULL);

    /* 4. by index, on null2; PA_VOLUME_MAX and 0 are valid */
    mark = n_events;
    v = cv(2, PA_VOLUME_MAX, PA_VOLUME_MUTED);
    res = (pc_result){0};
    pc_wait_op(&p, pa_context_set_sink_volume_by_index(p.ctx, 1, &v, pc_success_cb, &res), WAIT,
               "set_sink_volume_by_index");
    PC_CHECK(&p, res.done && res.success, "set volume by index failed: %s",
             pa_strerror(res.error));
    {
        pa_subscription_event_type_t t[] = {SINK_CHANGE};
        uint32_t i[] = {1};
        expect_events(&p, "set null2 volume by index", mark, 1, t, i);
    }
    get_sink_by_name(&p, "null2", &r);
    {
        pa_volume_t e[] = {PA_VOLUME_MAX, PA_VOLUME_MUTED};
        expect_volume(&p, "null2 after MAX/0", &r, 2, e);
    }
    get_sink_by_name(&p, "null1", &r);
    {
        pa_volume_t e[] = {37500, 50000};
        expect_volume(&p, "null1 untouched by the null2 change", &r, 2, e);
    }

    /* 5. @DEFAULT_SINK@ */
    mark = n_events;
    v = cv(2, 12345, 54321);
    res = set_volume_by_name(&p, "@DEFAULT_SINK@", &v);
    PC_CHECK(&p, res.done && res.success, "set volume @DEFAULT_SINK@ failed: %s",
             pa_strerror(res.error));
    {
        pa_subscription_event_type_t t[] = {SINK_CHANGE};
        uint32_t i[] = {0};
        expect_events(&p, "set @DEFAULT_SINK@ volume", mark, 1, t, i);
    }
    get_sink_by_name(&p, "@DEFAULT_SINK@", &r);
    PC_EXPECT_S(&p, "@DEFAULT_SINK@ resolves to", "null1", r.name);
    {
        pa_volume_t e[] = {12345, 54321};
        expect_volume(&p, "null1 after @DEFAULT_SINK@ set", &r, 2, e);
    }

    /* 6. errors: channel count mismatch → INVALID; unknown sink → NOENTITY */
    mark = n_events;
    v = cv(3, 1000, 2000);
    res = set_volume_by_name(&p, "null1", &v);
    PC_CHECK(&p, res.done && !res.success && res.error == PA_ERR_INVALID,
             "3-channel volume on a 2-channel sink: expected failure %s, got success=%d error=%s",
             pa_strerror(PA_ERR_INVALID), res.success, pa_strerror(res.error));
    v = cv(2, 1000, 2000);
    res = set_volume_by_name(&p, "no-such-sink", &v);
    PC_CHECK(&p, res.done && !res.success && res.error == PA_ERR_NOENTITY,
             "unknown sink: expected failure %s, got success=%d error=%s",
             pa_strerror(PA_ERR_NOENTITY), res.success, pa_strerror(res.error));
    res = (pc_result){0};
    pc_wait_op(&p, pa_context_set_sink_volume_by_index(p.ctx, 99, &v, pc_success_cb, &res), WAIT,
               "set_sink_volume_by_index 99");
    PC_CHECK(&p, res.done && !res.success && res.error == PA_ERR_NOENTITY,
             "unknown sink index: expected %s, got success=%d error=%s",
             pa_strerror(PA_ERR_NOENTITY), res.success, pa_strerror(res.error));
    get_sink_by_name(&p, "no-such-sink", &r);
    PC_CHECK(&p, !r.found && r.error == PA_ERR_NOENTITY,
             "get_sink_info_by_name(no-such-sink): expected %s, got found=%d error=%s",
             pa_strerror(PA_ERR_NOENTITY), r.found, pa_strerror(r.error));
    expect_events(&p, "failed calls", mark, 0, NULL, NULL);
    get_sink_by_name(&p, "null1", &r);
    {
        pa_volume_t e[] = {12345, 54321};
        expect_volume(&p, "null1 unchanged after failures", &r, 2, e);
    }

    /* 7. mute */
    mark = n_events;
    res = (pc_result){0};
    pc_wait_op(&p, pa_context_set_sink_mute_by_name(p.ctx, "null1", 1, pc_success_cb, &res), WAIT,
               "set_sink_mute_by_name");
    PC_CHECK(&p, res.done && res.success, "mute null1 failed");
    {
        pa_subscription_event_type_t t[] = {SINK_CHANGE};
        uint32_t i[] = {0};
        expect_events(&p, "mute null1", mark, 1, t, i);
    }
    get_sink_by_name(&p, "null1", &r);
    PC_EXPECT_U(&p, "null1 mute after mute", 1, r.mute);
    {
        pa_volume_t e[] = {12345, 54321};
        expect_volume(&p, "mute keeps the volume", &r, 2, e);
    }
    mark = n_events;
    res = (pc_result){0};
    pc_wait_op(&p, pa_context_set_sink_mute_by_index(p.ctx, 0, 0, pc_success_cb, &res), WAIT,
               "set_sink_mute_by_index");
    PC_CHECK(&p, res.done && res.success, "unmute null1 failed");
    {
        pa_subscription_event_type_t t[] = {SINK_CHANGE};
        uint32_t i[] = {0};
        expect_events(&p, "unmute null1", mark, 1, t, i);
    }
    get_sink_by_index(&p, 0, &r);
    PC_EXPECT_U(&p, "null1 mute after unmute", 0, r.mute);

    /* 8. source volume by name */
    mark = n_events;
    v = cv(2, 11111, 22222);
    res = (pc_result){0};
    pc_wait_op(&p,
               pa_context_set_source_volume_by_name(p.ctx, "null2.monitor", &v, pc_success_cb,
                                                    &res),
               WAIT, "set_source_volume_by_name");
    PC_CHECK(&p, res.done && res.success, "set source volume failed: %s", pa_strerror(res.error));
    {
        pa_subscription_event_type_t t[] = {SOURCE_CHANGE};
        uint32_t i[] = {1};
        expect_events(&p, "set null2.monitor volume", mark, 1, t, i);
    }

    /* 9. default sink change → SERVER CHANGE (index -1) */
    mark = n_events;
    res = (pc_result){0};
    pc_wait_op(&p, pa_context_set_default_sink(p.ctx, "null2", pc_success_cb, &res), WAIT,
               "set_default_sink");
    PC_CHECK(&p, res.done && res.success, "set default sink failed");
    {
        pa_subscription_event_type_t t[] = {SERVER_CHANGE};
        uint32_t i[] = {PA_INVALID_INDEX};
        expect_events(&p, "set default sink", mark, 1, t, i);
    }
    si = (server_result){0};
    pc_wait_op(&p, pa_context_get_server_info(p.ctx, server_cb, &si), WAIT, "get_server_info");
    PC_EXPECT_S(&p, "default sink after change", "null2", si.default_sink);

    if (n_events > MAX_EVENTS) pc_fail(&p, "too many events (%d)", n_events);
    pc_disconnect(&p);
    return pc_finish(&p);
}
