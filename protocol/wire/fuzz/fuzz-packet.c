/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-packet.c: the whole server stack in-process, fed a client's byte stream.
 *
 * The input is exactly what a client would write to the socket: frames with
 * 20-byte descriptors (spec §3), usually starting with AUTH. The server is
 * built once: sd_event loop, Core with the null-device module descriptors,
 * Protocol, three module-null-sink loads named like the devices of the
 * recorded sessions and one module-null-source (so introspection and
 * streams have devices), and a unix "listener" with
 * auth-anonymous that only lends its settings. Per input: a socketpair(),
 * conn_new() on one end, the input written to the other end without
 * blocking, interleaved with conn_process() and loop iterations (inputs
 * larger than the socket buffer go in several rounds); the peer end is
 * drained and its bytes discarded; once everything is written and the
 * server has gone idle (so its replies are out), the peer shuts down its
 * write side, the server sees EOF and closes the connection.
 *
 * No state leaks from one input into the next: a core listener marks the
 * server dirty on any event other than those of our own client and its
 * streams (a module loaded, a volume or default changed, a sample cached
 * ...), and a dirty server, or one where the client or a stream outlived
 * the connection, is torn down and rebuilt before the next input. A clean
 * one is reused (a rebuild starts and joins a data thread per device, which
 * under ASan costs tens of milliseconds), with the index counters of the
 * client and stream maps rewound so every input sees the same indices. A crash therefore replays from its one input, and
 * LeakSanitizer sees what an input leaked (the server is torn down at exit
 * as well). FUZZ_PACKET_FRESH=1 rebuilds before every input.
 *
 * Deliberate choices:
 *  - only the null sink/source/always-sink descriptors are registered, so
 *    LOAD_MODULE from the input reaches real module argument parsing but
 *    can never create a listening socket or a file;
 *  - deferred work (core_defer) goes through the sd_event loop as in the
 *    daemon, never synchronously inside a command handler;
 *  - EXIT only records the request;
 *  - logging goes to /dev/null at debug level, so every log argument is
 *    still formatted; FUZZ_LOG=1 logs to stderr and also prints the
 *    server's replies.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>
#include "engine/base/log.h"
#include "engine/core.h"
#include "hw/null/null.h"
#include "protocol/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_MAX_ROUNDS 100000U
#define FUZZ_IDLE_ROUNDS 3U

#define CHECK(x)                                                                        \
        do {                                                                            \
                if (!(x)) {                                                             \
                        fprintf(stderr, "fuzz-packet: check failed: %s (%s:%d)\n", #x,  \
                                __FILE__, __LINE__);                                   \
                        abort();                                                        \
                }                                                                       \
        } while (0)

/* What a client can change on a device and expect to stay changed. */
typedef struct DeviceSnapshot {
        uint32_t index;
        CVolume volume;
        bool mute;
        DeviceState state;
        uint32_t suspend_cause;
        const DevicePort *active_port;
        Proplist *props;
} DeviceSnapshot;

typedef struct Server {
        sd_event *event;
        Core *core;
        Protocol *proto;
        Listener listener;
        CoreLoopOps loop_ops;
        CoreListener watch;
        uint32_t next_client, next_sink_input, next_source_output;
        DeviceSnapshot *devices;
        size_t n_devices;
        bool exit_requested;
        bool dirty;
        bool ready;
} Server;

static Server server;
static bool verbose, always_fresh;
static unsigned long n_inputs, n_rebuilds;

typedef struct Deferred {
        Core *core;
        CoreDeferFn fn;
        void *userdata;
} Deferred;

static int on_deferred(sd_event_source *s, void *userdata) {
        Deferred *d = userdata;

        d->fn(d->core, d->userdata);
        /* frees d through the destroy callback */
        sd_event_source_disable_unref(s);
        return 0;
}

static int server_defer(Core *c, CoreDeferFn fn, void *userdata) {
        Server *s = c->loop_userdata;
        sd_event_source *src;
        Deferred *d = calloc(1, sizeof(*d));
        int r;

        if (!d)
                return -ENOMEM;
        *d = (Deferred){ c, fn, userdata };
        r = sd_event_add_defer(s->event, &src, on_deferred, d);
        if (r < 0) {
                free(d);
                return r;
        }
        /* Owned by the loop; a source that never ran frees d when the loop goes. */
        (void)sd_event_source_set_destroy_callback(src, free);
        (void)sd_event_source_set_floating(src, true);
        sd_event_source_unref(src);
        return 0;
}

static void server_request_exit(Core *c, int code) {
        Server *s = c->loop_userdata;

        s->exit_requested = true;
}

/* Runs the loop until it has nothing to do; returns whether it did anything. */
static bool server_run_loop(Server *s) {
        bool any = false;

        for (unsigned i = 0; i < 256; i++) {
                int r = sd_event_run(s->event, 0);

                CHECK(r >= 0);
                if (r == 0)
                        break;
                any = true;
        }
        return any;
}

static void server_on_event(Core *c, uint32_t event, uint32_t index, void *userdata) {
        Server *s = userdata;

        /* Our own client and its streams come and go with the connection and leave
         * nothing behind (server_reset() checks that they are gone); a device that
         * changed may have changed back (server_reset() compares snapshots);
         * anything else changed the server. */
        switch (event & FACILITY_MASK) {
        case FACILITY_CLIENT:
        case FACILITY_SINK_INPUT:
        case FACILITY_SOURCE_OUTPUT:
                break;
        case FACILITY_SINK:
        case FACILITY_SOURCE:
                if ((event & EVENT_TYPE_MASK) != EVENT_CHANGE)
                        s->dirty = true;
                break;
        default:
                s->dirty = true;
        }
}

static void snapshots_free(Server *s) {
        for (size_t i = 0; i < s->n_devices; i++)
                proplist_free(s->devices[i].props);
        free(s->devices);
        s->devices = NULL;
        s->n_devices = 0;
}

static void snapshot_devices(Server *s) {
        size_t n = idxmap_size(&s->core->sinks) + idxmap_size(&s->core->sources), i = 0;
        Device *d;

        s->devices = calloc(n ? n : 1, sizeof(*s->devices));
        CHECK(s->devices);
        for (int k = 0; k < 2; k++)
                idxmap_for_each(d, k ? &s->core->sources : &s->core->sinks, st) {
                        s->devices[i] = (DeviceSnapshot){
                                .index = d->index, .volume = d->volume, .mute = d->mute,
                                .state = d->state, .suspend_cause = d->suspend_cause,
                                .active_port = d->active_port, .props = proplist_copy(d->props),
                        };
                        CHECK(s->devices[i].props);
                        i++;
                }
        s->n_devices = i;
}

/* Whether every device is as it was when the server was built. */
static bool devices_unchanged(const Server *s) {
        size_t i = 0;
        Device *d;

        if (idxmap_size(&s->core->sinks) + idxmap_size(&s->core->sources) != s->n_devices)
                return false;
        for (int k = 0; k < 2; k++)
                idxmap_for_each(d, k ? &s->core->sources : &s->core->sinks, st) {
                        const DeviceSnapshot *x = &s->devices[i++];

                        if (x->index != d->index || !cvolume_equal(&x->volume, &d->volume) ||
                            x->mute != d->mute || x->state != d->state ||
                            x->suspend_cause != d->suspend_cause ||
                            x->active_port != d->active_port || !proplist_equal(x->props, d->props))
                                return false;
                }
        return true;
}

static void server_setup(Server *s) {
        static const ProtocolConfig config = { .inherited_fd = -1 };
        static const ModuleDesc *const descs[] = {
                &module_null_sink_desc, &module_null_source_desc, &module_always_sink_desc,
        };
        /* The device names of the recorded sessions' daemon (conformance/sessions/
         * daemon/corpus.pa: null1, null2, pipe), so their streams find their sinks. */
        static const char *const loads[][2] = {
                { "module-null-sink", "sink_name=null1 rate=44100 channels=2 norewinds=1 "
                                      "sink_properties=device.description=Null-1" },
                { "module-null-sink", "sink_name=null2 format=float32le rate=48000 channels=6 "
                                      "sink_properties='device.description=\"Null 2\"'" },
                { "module-null-sink", "sink_name=pipe format=s16le rate=44100 channels=2" },
                { "module-null-source", "source_name=source.null channels=1" },
        };

        *s = (Server){ 0 };
        CHECK(sd_event_new(&s->event) >= 0);
        CHECK(core_new(&s->core) == 0);
        s->loop_ops = (CoreLoopOps){ .defer = server_defer, .request_exit = server_request_exit };
        s->core->loop = &s->loop_ops;
        s->core->loop_userdata = s;
        for (size_t i = 0; i < C_ARRAY_SIZE(descs); i++)
                CHECK(core_register_module_desc(s->core, descs[i]) == 0);
        CHECK(protocol_new(s->core, s->event, &config, &s->proto) == 0);
        protocol_set_global(s->proto);
        for (size_t i = 0; i < C_ARRAY_SIZE(loads); i++) {
                Module *m;

                CHECK(module_load(s->core, loads[i][0], loads[i][1], MODULE_ORIGIN_SCRIPT, &m) == 0);
        }
        CHECK(core_set_default_device(s->core, DEVICE_SINK, "null1") == 0);
        CHECK(core_set_default_device(s->core, DEVICE_SOURCE, "null1.monitor") == 0);
        /* A unix listener that is not listening: only its settings are used. */
        c_list_init(&s->listener.link);
        s->listener.proto = s->proto;
        s->listener.fd = -1;
        s->listener.is_unix = true;
        s->listener.auth.anonymous = true;
        (void)server_run_loop(s);
        core_add_listener(s->core, &s->watch, server_on_event, s);
        s->next_client = s->core->clients.next_index;
        s->next_sink_input = s->core->sink_inputs.next_index;
        s->next_source_output = s->core->source_outputs.next_index;
        snapshot_devices(s);
        s->ready = true;
}

static void server_teardown(Server *s) {
        if (!s->ready)
                return;
        (void)server_run_loop(s);
        core_remove_listener(&s->watch);
        snapshots_free(s);
        protocol_free(s->proto);
        core_free(s->core);
        /* Sources still pending (deferred calls that never ran) go with the loop. */
        sd_event_unref(s->event);
        auth_config_deinit(&s->listener.auth);
        *s = (Server){ 0 };
}

static void server_teardown_at_exit(void) {
        if (verbose)
                fprintf(stderr, "fuzz-packet: %lu inputs, %lu server rebuilds\n", n_inputs, n_rebuilds);
        server_teardown(&server);
}

/* After an input: reuse the server if nothing changed, else rebuild it. */
static void server_reset(Server *s) {
        Core *c = s->core;

        (void)server_run_loop(s);
        if (s->dirty || always_fresh || !c_list_is_empty(&s->proto->conns) ||
            idxmap_size(&c->clients) || idxmap_size(&c->sink_inputs) ||
            idxmap_size(&c->source_outputs) || idxmap_size(&c->samples) || s->exit_requested ||
            !devices_unchanged(s)) {
                server_teardown(s);
                server_setup(s);
                n_rebuilds++;
                return;
        }
        /* Indices are never reused; rewind the counters of the (now empty) maps so
         * every input sees the same client and stream indices. */
        c->clients.next_index = s->next_client;
        c->sink_inputs.next_index = s->next_sink_input;
        c->source_outputs.next_index = s->next_source_output;
}

static bool conn_alive(const Server *s) {
        return !c_list_is_empty(&s->proto->conns);
}

/* With FUZZ_LOG set: prints the server's packets (command, tag, error code). */
static void trace_output(Pstream *ps) {
        for (;;) {
                Frame *f = NULL;
                Tagstruct ts;
                uint32_t cmd, tag, code = 0;

                if (pstream_read(ps, &f) != 0)
                        return;
                if (!frame_is_packet(f)) {
                        fprintf(stderr, "S->C memblock channel %u, %u bytes\n", f->channel, f->length);
                        frame_free(f);
                        continue;
                }
                ts = TAGSTRUCT_READER(f->payload, f->length);
                tagstruct_get_u32(&ts, &cmd);
                tagstruct_get_u32(&ts, &tag);
                if (cmd == PROTO_CMD_ERROR)
                        tagstruct_get_u32(&ts, &code);
                fprintf(stderr, "S->C %s tag %d%s%.0u (%u bytes)\n", proto_command_name(cmd), (int)tag,
                        cmd == PROTO_CMD_ERROR ? " code " : "", code, f->length);
                frame_free(f);
        }
}

/* Reads and discards what the server sent (or traces it with FUZZ_LOG). */
static bool drain(int fd, Pstream *trace) {
        uint8_t buf[65536];
        bool any = false;

        if (trace) {
                uint64_t before = trace->bytes_in;

                trace_output(trace);
                return trace->bytes_in != before;
        }
        for (;;) {
                ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

                if (n <= 0)
                        return any;
                any = true;
        }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        static bool done;

        if (done)
                return 0;
        done = true;
        always_fresh = getenv("FUZZ_PACKET_FRESH");
        if (getenv("FUZZ_LOG")) {
                verbose = true;
                (void)log_set_target(LOG_TARGET_STDERR, NULL);
                log_set_level(LOG_LEVEL_DEBUG);
        } else if (log_set_target(LOG_TARGET_FILE, "/dev/null") == 0) {
                log_set_level(LOG_LEVEL_DEBUG);
        } else {
                (void)log_set_target(LOG_TARGET_NULL, NULL);
        }
        server_setup(&server);
        atexit(server_teardown_at_exit);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Server *s = &server;
        Pstream trace;
        Conn *c;
        int sv[2];
        size_t off = 0;
        unsigned idle = 0;
        bool shut = false;

        /* libFuzzer and fuzz-main call it first; this covers other drivers. */
        (void)LLVMFuzzerInitialize(NULL, NULL);
        n_inputs++;
        CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
        CHECK(conn_new(s->proto, &s->listener, sv[0], &c) == 0);
        if (verbose) {
                /* reads the peer end through a Pstream of its own (which owns a dup) */
                int fd = dup(sv[1]);

                CHECK(fd >= 0 && pstream_init(&trace, fd) == 0);
        }

        for (unsigned round = 0; round < FUZZ_MAX_ROUNDS && idle < FUZZ_IDLE_ROUNDS; round++) {
                bool progress = false;

                while (off < size) {
                        ssize_t n = send(sv[1], data + off, size - off, MSG_DONTWAIT | MSG_NOSIGNAL);

                        if (n <= 0)
                                break;
                        off += (size_t)n;
                        progress = true;
                }
                if (off == size && !shut && idle > 0) {
                        /* EOF only once the server has answered everything it read
                         * (it drops its output queue when it sees EOF) */
                        (void)shutdown(sv[1], SHUT_WR);
                        shut = true;
                        progress = true;
                }
                if (conn_alive(s) && !c->dead) {
                        uint64_t in = c->ps.bytes_in, out = c->ps.bytes_out;

                        (void)conn_process(c);
                        if (c->ps.bytes_in != in || c->ps.bytes_out != out || c->dead)
                                progress = true;
                }
                if (server_run_loop(s))
                        progress = true;
                if (drain(sv[1], verbose ? &trace : NULL))
                        progress = true;
                if (!conn_alive(s))
                        break;
                idle = progress ? 0 : idle + 1;
        }

        if (verbose)
                pstream_deinit(&trace);
        close(sv[1]);
        if (conn_alive(s) && !c->dead)
                conn_close(c);          /* stalled: drop it like the daemon would */
        server_reset(s);
        return 0;
}
