/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-card.c: unit tests of cards, profiles and ports (engine/card.c).
 *
 * A fake backend creates control-plane-only sinks/sources (no data thread)
 * for a profile, reports a fixed device latency, and can be told to fail the
 * next profile switch. A core listener records every event so the tests can
 * check PulseAudio's order (CARD NEW before the devices, CARD CHANGE after a
 * switch, CARD REMOVE after the devices' REMOVE). TCases: build, put,
 * switch, ports, lookup.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/card.h"
#include "engine/base/test-fds.h"

/* ---- fixture ---- */

static int fds_at_setup;
static Core *core;
static CoreListener listener;
static uint32_t events[256];
static size_t n_events;

static void on_event(Core *c, uint32_t event, uint32_t index, void *userdata) {
        if (n_events < C_ARRAY_SIZE(events))
                events[n_events++] = event;
}

static void setup(void) {
        fds_at_setup = count_fds();
        ck_assert_int_eq(core_new(&core), 0);
        core_add_listener(core, &listener, on_event, NULL);
        n_events = 0;
}

static void teardown(void) {
        core_free(core);
        core = NULL;
        ck_assert_int_eq(count_fds(), fds_at_setup);
}

/* ---- the fake backend ---- */

typedef struct Fake {
        Device *sink;
        Device *source;
        int fail_next;          /* code returned by the next set_profile */
        unsigned n_set;
        bool freed;
} Fake;

static uint64_t fake_latency(Device *d) {
        return 20000;
}

static const DeviceOps fake_device_ops = {
        .get_latency = fake_latency,
};

static void fake_teardown(Fake *f) {
        device_free(f->sink);
        device_free(f->source);
        f->sink = f->source = NULL;
}

static int fake_make(Card *card, DeviceKind kind, Device **ret) {
        DevicePort *ports[4];
        size_t n = 0;
        char name[64];
        DeviceNew dn = {
                .kind = kind, .driver = "test", .ops = &fake_device_ops,
                .spec = { .format = SAMPLE_S16LE, .rate = 44100, .channels = 2 },
                .with_monitor = kind == DEVICE_SINK,
        };
        int r;

        snprintf(name, sizeof(name), "%s.%s", kind == DEVICE_SINK ? "out" : "in", card->name);
        dn.name = name;
        r = device_new(card->core, &dn, ret);
        if (r)
                return r;
        (*ret)->card = card;
        for (size_t i = 0; i < card->n_ports && n < 4; i++)
                if (card->ports[i]->direction ==
                    (kind == DEVICE_SINK ? PORT_DIRECTION_OUTPUT : PORT_DIRECTION_INPUT))
                        ports[n++] = card->ports[i];
        return device_attach_card_ports(*ret, ports, n, NULL);
}

static int fake_set_profile(Card *card, CardProfile *p) {
        Fake *f = card->userdata;
        int r;

        f->n_set++;
        if (f->fail_next) {
                r = f->fail_next;
                f->fail_next = 0;
                return r;
        }
        fake_teardown(f);
        if (!p)
                return 0;
        if (p->n_sinks) {
                r = fake_make(card, DEVICE_SINK, &f->sink);
                if (r)
                        return r;
        }
        if (p->n_sources) {
                r = fake_make(card, DEVICE_SOURCE, &f->source);
                if (r)
                        return r;
        }
        return 0;
}

static void fake_free(Card *card) {
        Fake *f = card->userdata;

        f->freed = true;
}

static const CardOps fake_card_ops = {
        .set_profile = fake_set_profile,
        .free = fake_free,
};

static Fake fake;

/* A card with the usual four profiles and three ports. */
static Card *make_card(const char *name, bool input_available) {
        Card *card = NULL;
        CardProfile *out, *in, *duplex, *off;
        DevicePort *spk, *hp, *mic;
        CardNew cn = { .name = name, .driver = "test-card.c", .ops = &fake_card_ops,
                       .userdata = &fake };

        memset(&fake, 0, sizeof(fake));
        ck_assert_int_eq(card_new(core, &cn, &card), 0);
        out = card_add_profile(card, "output:analog-stereo", "Analog Stereo Output", 1, 0,
                               6500, true);
        in = card_add_profile(card, "input:analog-stereo", "Analog Stereo Input", 0, 1, 65,
                              input_available);
        duplex = card_add_profile(card, "output:analog-stereo+input:analog-stereo",
                                  "Analog Stereo Duplex", 1, 1, 6565, input_available);
        off = card_add_profile(card, "off", "Off", 0, 0, 0, true);
        ck_assert_ptr_nonnull(out);
        ck_assert_ptr_nonnull(in);
        ck_assert_ptr_nonnull(duplex);
        ck_assert_ptr_nonnull(off);
        spk = card_add_port(card, "analog-output-speaker", "Speakers", PORT_DIRECTION_OUTPUT,
                            10000, 0, 0);
        hp = card_add_port(card, "analog-output-headphones", "Headphones",
                           PORT_DIRECTION_OUTPUT, 9900, 1, 0);
        mic = card_add_port(card, "analog-input-mic", "Microphone", PORT_DIRECTION_INPUT,
                            8700, 0, 0);
        ck_assert_ptr_nonnull(spk);
        ck_assert_ptr_nonnull(hp);
        ck_assert_ptr_nonnull(mic);
        ck_assert_int_eq(card_port_add_profile(spk, out), 0);
        ck_assert_int_eq(card_port_add_profile(spk, duplex), 0);
        ck_assert_int_eq(card_port_add_profile(hp, out), 0);
        ck_assert_int_eq(card_port_add_profile(hp, duplex), 0);
        ck_assert_int_eq(card_port_add_profile(mic, in), 0);
        ck_assert_int_eq(card_port_add_profile(mic, duplex), 0);
        return card;
}

static ssize_t find_event(uint32_t ev, size_t from) {
        for (size_t i = from; i < n_events; i++)
                if (events[i] == ev)
                        return (ssize_t)i;
        return -1;
}

/* ---- build ---- */

START_TEST(test_new_invalid) {
        Card *card = (Card *)&card;
        CardNew cn = { .name = "bad name", .ops = &fake_card_ops };

        ck_assert_int_eq(card_new(core, &cn, &card), ENGINE_E_INVALID);
        cn.name = NULL;
        ck_assert_int_eq(card_new(core, &cn, &card), ENGINE_E_INVALID);
        cn.name = "ok";
        cn.ops = NULL;
        ck_assert_int_eq(card_new(core, &cn, &card), ENGINE_E_INVALID);
        ck_assert_ptr_eq(card, (Card *)&card);
}
END_TEST

START_TEST(test_duplicates) {
        Card *card = make_card("c0", true), *other;
        CardNew cn = { .name = "c0", .ops = &fake_card_ops, .userdata = &fake };

        ck_assert_ptr_null(card_add_profile(card, "off", NULL, 0, 0, 0, true));
        ck_assert_ptr_null(card_add_port(card, "analog-input-mic", NULL, PORT_DIRECTION_INPUT,
                                         0, 0, 0));
        ck_assert_ptr_null(card_add_port(card, "x", NULL, 7, 0, 0, 0));
        ck_assert_ptr_null(card_add_port(card, "y", NULL, PORT_DIRECTION_INPUT, 0, 3, 0));
        ck_assert_int_eq(card_put(card, NULL), 0);
        /* the name is taken once linked; no profiles can be added any more */
        ck_assert_int_eq(card_new(core, &cn, &other), ENGINE_E_EXIST);
        ck_assert_ptr_null(card_add_profile(card, "late", NULL, 0, 0, 0, true));
        card_free(card);
}
END_TEST

START_TEST(test_free_unlinked) {
        Card *card = make_card("c0", true);

        card_free(card);
        ck_assert(fake.freed);
        ck_assert_uint_eq(fake.n_set, 0);
        ck_assert_uint_eq(n_events, 0);
        card_free(NULL);
}
END_TEST

/* ---- put ---- */

START_TEST(test_put_picks_highest_available) {
        Card *card = make_card("c0", true);
        ssize_t cn, sn;

        ck_assert_int_eq(card_put(card, NULL), 0);
        ck_assert_str_eq(card->active_profile->name, "output:analog-stereo+input:analog-stereo");
        ck_assert_ptr_nonnull(fake.sink);
        ck_assert_ptr_nonnull(fake.source);
        ck_assert_uint_eq(fake.sink->card->index, card->index);
        cn = find_event(FACILITY_CARD | EVENT_NEW, 0);
        sn = find_event(FACILITY_SINK | EVENT_NEW, 0);
        ck_assert(cn >= 0 && sn >= 0 && cn < sn);
        ck_assert_ptr_eq(core_lookup_card(core, "c0"), card);
        card_free(card);
}
END_TEST

START_TEST(test_put_skips_unavailable) {
        Card *card = make_card("c0", false);

        ck_assert_int_eq(card_put(card, NULL), 0);
        ck_assert_str_eq(card->active_profile->name, "output:analog-stereo");
        ck_assert_ptr_null(fake.source);
        card_free(card);
}
END_TEST

START_TEST(test_put_initial_and_fallback) {
        Card *card = make_card("c0", true);

        ck_assert_int_eq(card_put(card, "input:analog-stereo"), 0);
        ck_assert_str_eq(card->active_profile->name, "input:analog-stereo");
        ck_assert_ptr_null(fake.sink);
        card_free(card);

        /* the chosen profile fails: "off" is used instead */
        card = make_card("c1", true);
        fake.fail_next = ENGINE_E_BUSY;
        ck_assert_int_eq(card_put(card, NULL), 0);
        ck_assert_str_eq(card->active_profile->name, "off");
        card_free(card);
}
END_TEST

START_TEST(test_put_fails) {
        Card *card = make_card("c0", true);
        uint32_t idx;

        fake.fail_next = ENGINE_E_BUSY;
        ck_assert_int_eq(card_put(card, "off"), ENGINE_E_BUSY);
        ck_assert(!card->linked);
        idx = card->index;
        ck_assert_ptr_null(idxmap_get(&core->cards, idx));
        ck_assert_int_eq(find_event(FACILITY_CARD | EVENT_REMOVE, 0) >= 0, 1);
        card_free(card);
}
END_TEST

/* ---- switch ---- */

START_TEST(test_switch) {
        Card *card = make_card("c0", true);
        ssize_t sr, cc;

        ck_assert_int_eq(card_put(card, "output:analog-stereo"), 0);
        ck_assert_uint_eq(idxmap_size(&core->sinks), 1);
        n_events = 0;
        ck_assert_int_eq(card_set_profile(card, "off"), 0);
        ck_assert_uint_eq(idxmap_size(&core->sinks), 0);
        ck_assert_uint_eq(idxmap_size(&core->sources), 0);
        sr = find_event(FACILITY_SINK | EVENT_REMOVE, 0);
        cc = find_event(FACILITY_CARD | EVENT_CHANGE, 0);
        ck_assert(sr >= 0 && cc > sr);

        ck_assert_int_eq(card_set_profile(card, "output:analog-stereo+input:analog-stereo"), 0);
        ck_assert_uint_eq(idxmap_size(&core->sinks), 1);
        ck_assert_uint_eq(idxmap_size(&core->sources), 2);      /* monitor + input */

        /* same profile: nothing happens */
        n_events = 0;
        ck_assert_int_eq(card_set_profile(card, "output:analog-stereo+input:analog-stereo"), 0);
        ck_assert_uint_eq(n_events, 0);

        ck_assert_int_eq(card_set_profile(card, "nope"), ENGINE_E_NOENTITY);
        ck_assert_int_eq(card_set_profile(card, NULL), ENGINE_E_NOENTITY);

        /* a failing switch keeps the old profile and posts nothing */
        fake.fail_next = ENGINE_E_BUSY;
        n_events = 0;
        ck_assert_int_eq(card_set_profile(card, "off"), ENGINE_E_BUSY);
        ck_assert_str_eq(card->active_profile->name, "output:analog-stereo+input:analog-stereo");
        ck_assert_uint_eq(n_events, 0);
        card_free(card);
}
END_TEST

START_TEST(test_free_order) {
        Card *card = make_card("c0", true);
        ssize_t sr, cr;

        ck_assert_int_eq(card_put(card, NULL), 0);
        n_events = 0;
        card_free(card);
        ck_assert(fake.freed);
        ck_assert_ptr_null(fake.sink);
        sr = find_event(FACILITY_SINK | EVENT_REMOVE, 0);
        cr = find_event(FACILITY_CARD | EVENT_REMOVE, 0);
        ck_assert(sr >= 0 && cr > sr);
        ck_assert_uint_eq(idxmap_size(&core->cards), 0);
        ck_assert_uint_eq(idxmap_size(&core->sinks), 0);
}
END_TEST

START_TEST(test_core_free_frees_cards) {
        Card *card = make_card("c0", true);

        ck_assert_int_eq(card_put(card, NULL), 0);
        /* teardown's core_free must free the card and its devices (ASan checks leaks) */
}
END_TEST

/* ---- ports ---- */

START_TEST(test_ports_attached) {
        Card *card = make_card("c0", true);
        Device *s;

        ck_assert_int_eq(card_put(card, "output:analog-stereo"), 0);
        s = fake.sink;
        ck_assert_uint_eq(s->n_ports, 2);
        /* headphones are unavailable: the speaker wins despite equal standing otherwise */
        ck_assert_str_eq(s->active_port->name, "analog-output-speaker");
        ck_assert_int_eq(device_set_port(s, "analog-output-headphones"), 0);
        ck_assert_str_eq(s->active_port->name, "analog-output-headphones");
        ck_assert_int_eq(device_set_port(s, "analog-input-mic"), ENGINE_E_NOENTITY);
        card_free(card);
}
END_TEST

START_TEST(test_latency_offset) {
        Card *card = make_card("c0", true);
        Device *s;
        ssize_t cc, sc;

        ck_assert_int_eq(card_put(card, "output:analog-stereo"), 0);
        s = fake.sink;
        ck_assert_uint_eq(device_latency(s), 20000);
        n_events = 0;
        ck_assert_int_eq(card_set_port_latency_offset(card, "analog-output-speaker", 15000), 0);
        ck_assert_uint_eq(device_latency(s), 35000);
        cc = find_event(FACILITY_CARD | EVENT_CHANGE, 0);
        sc = find_event(FACILITY_SINK | EVENT_CHANGE, 0);
        ck_assert(cc >= 0 && sc >= 0);
        /* negative offsets clamp at 0 */
        ck_assert_int_eq(card_set_port_latency_offset(card, "analog-output-speaker", -50000), 0);
        ck_assert_uint_eq(device_latency(s), 0);
        /* an inactive port's offset does not count until it becomes active */
        ck_assert_int_eq(card_set_port_latency_offset(card, "analog-output-headphones", 1000), 0);
        ck_assert_uint_eq(device_latency(s), 0);
        ck_assert_int_eq(device_set_port(s, "analog-output-headphones"), 0);
        ck_assert_uint_eq(device_latency(s), 21000);
        ck_assert_int_eq(card_set_port_latency_offset(card, "nope", 1), ENGINE_E_NOENTITY);
        ck_assert_int_eq(card_set_port_latency_offset(card, NULL, 1), ENGINE_E_NOENTITY);
        card_free(card);
}
END_TEST

START_TEST(test_port_available) {
        Card *card = make_card("c0", true);
        DevicePort *spk;
        Device *s;

        ck_assert_int_eq(card_put(card, "output:analog-stereo"), 0);
        s = fake.sink;
        spk = card_find_port(card, "analog-output-speaker");
        n_events = 0;
        card_set_port_available(card, spk, 1);
        ck_assert_uint_eq(spk->available, 1);
        ck_assert(find_event(FACILITY_CARD | EVENT_CHANGE, 0) >= 0);
        ck_assert(find_event(FACILITY_SINK | EVENT_CHANGE, 0) >= 0);
        n_events = 0;
        card_set_port_available(card, spk, 1);         /* no change, no event */
        card_set_port_available(card, spk, 7);         /* invalid, ignored */
        ck_assert_uint_eq(n_events, 0);
        ck_assert_uint_eq(spk->available, 1);
        (void)s;
        card_set_profile_available(card, card_find_profile(card, "off"), false);
        ck_assert(find_event(FACILITY_CARD | EVENT_CHANGE, 0) >= 0);
        card_free(card);
}
END_TEST

START_TEST(test_default_prefers_available_port) {
        Card *a = make_card("a", true), *b;
        Fake fa;
        Device *sa;

        ck_assert_int_eq(card_put(a, "output:analog-stereo"), 0);
        fa = fake;
        sa = fa.sink;
        a->userdata = &fa;
        b = make_card("b", true);
        ck_assert_int_eq(card_put(b, "output:analog-stereo"), 0);
        /* a is older (lower index): the default; its port becomes unavailable → b */
        ck_assert_ptr_eq(core->default_sink, sa);
        card_set_port_available(a, card_find_port(a, "analog-output-speaker"), 1);
        ck_assert_ptr_eq(core->default_sink, fake.sink);
        card_free(b);
        card_free(a);
}
END_TEST

/* ---- lookup ---- */

START_TEST(test_lookup) {
        Card *card = make_card("c0", true), *got;
        char idx[16];

        ck_assert_int_eq(card_put(card, "off"), 0);
        snprintf(idx, sizeof(idx), "%u", card->index);
        ck_assert_ptr_eq(core_lookup_card(core, idx), card);
        ck_assert_ptr_null(core_lookup_card(core, "99"));
        ck_assert_ptr_null(core_lookup_card(core, ""));
        ck_assert_ptr_null(core_lookup_card(core, NULL));
        ck_assert_ptr_null(core_lookup_card(core, "99999999999999999999"));
        ck_assert_int_eq(core_resolve_card(core, card->index, NULL, &got), 0);
        ck_assert_ptr_eq(got, card);
        ck_assert_int_eq(core_resolve_card(core, IDX_INVALID, "c0", &got), 0);
        ck_assert_int_eq(core_resolve_card(core, IDX_INVALID, NULL, &got), ENGINE_E_INVALID);
        ck_assert_int_eq(core_resolve_card(core, 0, "c0", &got), ENGINE_E_INVALID);
        ck_assert_int_eq(core_resolve_card(core, IDX_INVALID, "a b", &got), ENGINE_E_INVALID);
        ck_assert_int_eq(core_resolve_card(core, IDX_INVALID, "zz", &got), ENGINE_E_NOENTITY);
        ck_assert_int_eq(core_resolve_card(core, 12345, NULL, &got), ENGINE_E_NOENTITY);
        card_free(card);
}
END_TEST

static Suite *card_suite(void) {
        Suite *s = suite_create("card");
        TCase *tc;

        tc = tcase_create("build");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_new_invalid);
        tcase_add_test(tc, test_duplicates);
        tcase_add_test(tc, test_free_unlinked);
        suite_add_tcase(s, tc);

        tc = tcase_create("put");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_put_picks_highest_available);
        tcase_add_test(tc, test_put_skips_unavailable);
        tcase_add_test(tc, test_put_initial_and_fallback);
        tcase_add_test(tc, test_put_fails);
        suite_add_tcase(s, tc);

        tc = tcase_create("switch");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_switch);
        tcase_add_test(tc, test_free_order);
        tcase_add_test(tc, test_core_free_frees_cards);
        suite_add_tcase(s, tc);

        tc = tcase_create("ports");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_ports_attached);
        tcase_add_test(tc, test_latency_offset);
        tcase_add_test(tc, test_port_available);
        tcase_add_test(tc, test_default_prefers_available_port);
        suite_add_tcase(s, tc);

        tc = tcase_create("lookup");
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_lookup);
        suite_add_tcase(s, tc);
        return s;
}

int main(void) {
        SRunner *sr = srunner_create(card_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
